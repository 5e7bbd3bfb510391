"""An invocation's result as its caller reads it."""

from __future__ import annotations

import pytest

from studyapp.engine.results import FROM_RESPONSE, InvocationResult

pytestmark = pytest.mark.pure


def success(response: bytes) -> InvocationResult:
    return InvocationResult(
        request_id="r-1",
        status="success",
        payload=FROM_RESPONSE,
        function_error=None,
        error_type=None,
        logs="",
        cold_start=False,
        duration_ms=1.0,
        billed_duration_ms=1,
        init_duration_ms=None,
        memory_size_mb=128,
        max_memory_used_mb=9,
        isolation={},
        response=response,
    )


@pytest.mark.parametrize(
    ("response", "payload"),
    [
        (b'{"ok": true}', {"ok": True}),
        (b'"text"', "text"),
        (b"null", None),
        (b"not json", "not json"),
        (b"\xff", "\ufffd"),
    ],
)
def test_a_successs_payload_is_its_response_read_as_json_when_it_is_json(response, payload):
    result = success(response)
    assert result.payload == payload
    assert result.to_dict()["payload"] == payload
    assert result == InvocationResult.from_dict({**result.to_dict(), "response": response})


def test_a_payload_given_is_the_payload():
    result = success(b'{"ok": true}')
    result.payload = {"changed": 1}
    assert result.payload == {"changed": 1} and result.to_dict()["payload"] == {"changed": 1}
