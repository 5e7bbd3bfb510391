"""The supervisor's parsers for what a runtime writes: HTTP requests on the Runtime API and
frames on the telemetry pipe, fed in whatever pieces the kernel hands over."""

from __future__ import annotations

import contextlib
import json
import selectors
import socket
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studyapp.engine.runtime_api import Invocation, RuntimeApi, listener_on_host, request_id_new
from studyapp.engine.telemetry import TelemetryFrames

pytestmark = pytest.mark.pure


def frame(message: bytes, frame_type: int = 0xA55A0003) -> bytes:
    header = frame_type.to_bytes(4, "big") + len(message).to_bytes(4, "big") + bytes(8)
    return header + message


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(cut, len(data)) for cut in cuts})
    pieces, start = [], 0
    for point in [*points, len(data)]:
        pieces.append(data[start:point])
        start = point
    return pieces


@settings(max_examples=200)
@given(
    messages=st.lists(st.text(min_size=0, max_size=200), max_size=8),
    cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=10),
)
def test_telemetry_frames_give_one_record_per_frame_however_they_are_split(messages, cuts):
    stream = b"".join(frame(message.encode()) for message in messages)
    frames = TelemetryFrames()
    out = b"".join(frames.feed(piece) for piece in split(stream, cuts))
    expected = b"".join(
        message.encode() + (b"" if message.endswith("\n") else b"\n") for message in messages
    )
    assert out == expected and frames.rest() == b""


def test_telemetry_that_is_not_frames_is_kept_as_it_came():
    frames = TelemetryFrames()
    assert frames.feed(b"plain text written to the pipe\n") == b"plain text written to the pipe\n"
    assert frames.feed(frame(b"later")) == frame(b"later")


class ApiHarness:
    """A RuntimeApi on the host's loopback and a raw client connection to it."""

    def __init__(self) -> None:
        self.selector = selectors.DefaultSelector()
        self.api = RuntimeApi(listener_on_host(), self.selector)
        self.client = socket.create_connection(self.api.listener.getsockname())
        self.client.settimeout(5)

    def pump(self, rounds: int = 50):
        messages = []
        for _ in range(rounds):
            events = self.selector.select(0.02)
            if not events:
                break
            for key, mask in events:
                message = self.api.handle(key, mask)
                if message is not None:
                    messages.append(message)
        return messages

    def answer(self) -> tuple[int, bytes]:
        data = b""
        while b"\r\n\r\n" not in data:
            data += self.client.recv(65536)
        head, _, body = data.partition(b"\r\n\r\n")
        length = int(
            next(
                line.split(b":")[1]
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            )
        )
        while len(body) < length:
            body += self.client.recv(65536)
        return int(head.split()[1]), body

    def invocation_handed_over(self) -> None:
        """The client asks /next (the runtime is ready) and is handed invocation "rid"."""
        self.client.sendall(request("GET", "invocation/next"))
        self.selector.select(5)  # a busy machine may take longer than one round of the pump
        assert [message.type for message in self.pump()] == ["ready"]
        self.api.deliver(Invocation("rid", b"{}", 0, "arn", "trace"))
        assert self.answer()[0] == 200

    def close(self) -> None:
        self.client.close()
        self.api.close()
        self.selector.close()


def request(method: str, path: str, body: bytes = b"", chunked: bool = False) -> bytes:
    head = f"{method} /2018-06-01/runtime/{path} HTTP/1.1\r\nHost: x\r\n"
    if chunked:
        chunks = b"".join(
            f"{len(body[i : i + 7]):x}\r\n".encode() + body[i : i + 7] + b"\r\n"
            for i in range(0, len(body), 7)
        )
        return (head + "Transfer-Encoding: chunked\r\n\r\n").encode() + chunks + b"0\r\n\r\n"
    return (head + f"Content-Length: {len(body)}\r\n\r\n").encode() + body


@settings(max_examples=40, deadline=None)
@given(
    body=st.binary(max_size=3000),
    cuts=st.lists(st.integers(min_value=0, max_value=4000), max_size=6),
    chunked=st.booleans(),
)
def test_a_response_posted_in_any_pieces_reaches_the_supervisor_whole(body, cuts, chunked):
    harness = ApiHarness()
    try:
        harness.invocation_handed_over()
        for piece in split(request("POST", "invocation/rid/response", body, chunked), cuts):
            harness.client.sendall(piece)
            messages = harness.pump(5)
            if messages:
                break
        messages = messages or harness.pump()
        assert len(messages) == 1 and messages[0].ok and messages[0].body == body
        assert harness.answer() == (202, b'{"status":"OK"}')
    finally:
        harness.close()


def test_a_malformed_request_gets_400_and_the_connection_closes():
    harness = ApiHarness()
    try:
        harness.client.sendall(b"NONSENSE\r\n\r\n")
        harness.pump()
        status, body = harness.answer()
        assert status == 400 and json.loads(body)["errorType"] == "InvalidRequestFormat"
        harness.pump()
        assert harness.client.recv(10) == b""
    finally:
        harness.close()


def test_headers_over_the_limit_are_refused():
    harness = ApiHarness()
    try:
        harness.client.sendall(b"GET / HTTP/1.1\r\nX: " + b"a" * 20000)
        harness.pump()
        assert harness.answer()[0] == 400
    finally:
        harness.close()


def test_request_ids_are_version_4_uuids_written_as_uuid_writes_them():
    for _ in range(200):
        text = request_id_new()
        parsed = uuid.UUID(text)
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122 and str(parsed) == text


def pump_when_ready(harness: ApiHarness):
    """What the API makes of what the client sent, once it has come (a busy machine may take
    longer than one round of the pump)."""
    harness.selector.select(5)
    return harness.pump()


def test_a_next_sent_byte_for_byte_as_before_is_judged_afresh_each_time():
    harness = ApiHarness()
    ask = request("GET", "invocation/next")
    try:
        harness.client.sendall(ask)
        assert [m.type for m in pump_when_ready(harness)] == ["ready"]
        for number in range(3):
            request_id = f"rid-{number}"
            harness.api.deliver(Invocation(request_id, b"{}", 0, "arn", "trace"))
            assert harness.answer() == (200, b"{}")
            harness.client.sendall(ask)  # the same bytes while the invocation runs: refused
            pump_when_ready(harness)
            status, body = harness.answer()
            assert status == 403 and json.loads(body)["errorType"] == "InvalidStateTransition"
            path = f"invocation/{request_id}/response"
            harness.client.sendall(request("POST", path, b'"ok"'))
            assert [m.type for m in pump_when_ready(harness)] == ["result"]
            assert harness.answer()[0] == 202
            harness.client.sendall(ask)  # and now taken as the next /next
            assert pump_when_ready(harness) == [] and harness.api.waiting
    finally:
        harness.close()


def test_a_response_that_comes_whole_in_one_read_is_judged_as_the_parser_would():
    harness = ApiHarness()
    try:
        harness.invocation_handed_over()
        head = b"POST /2018-06-01/runtime/invocation/rid/response HTTP/1.1\r\n"
        # A Content-Length beyond what came: the rest is waited for, then it is the answer.
        harness.client.sendall(head + b'Content-Length: 6\r\n\r\n"ok')
        assert pump_when_ready(harness) == []
        harness.client.sendall(b'ok"')
        [message] = pump_when_ready(harness)
        assert message.ok and message.body == b'"okok"'
        assert harness.answer() == (202, b'{"status":"OK"}')
        # Answered once: the same response again is refused, whole as in pieces.
        harness.client.sendall(head + b'Content-Length: 4\r\n\r\n"ok"')
        assert pump_when_ready(harness) == [] and harness.answer()[0] == 403
        # A header line the parser refuses gets 400, however the request came.
        harness.client.sendall(head + b'Content-Length: 4\r\nno colon here\r\n\r\n"ok"')
        pump_when_ready(harness)
        assert harness.answer()[0] == 400
    finally:
        harness.close()


HEADER_LINES = [
    b"Host: 127.0.0.1:9001",
    b"Content-Length: 4",
    b"content-length:4",
    b" CONTENT-LENGTH \t: 4 ",
    b"Content-Length: 3",
    b"Content-Length: 9",
    b"Content-Length: x",
    b"Content-Length: -1",
    b"Transfer-Encoding: chunked",
    b"X-Note: transfer-encoding, content-length: 1",
    b"no colon here",
    b"Lone: a\nb",
    b"Lone: a\rb",
    b"Tab:\tvalue",
    b"Latin: caf\xe9",
    b"Empty:",
    b": no name",
]


def response_outcome(pieces: list[bytes]) -> tuple[list[tuple[str, bool, bytes]], bytes]:
    """What the API made of a /response sent in these pieces: its messages, and the bytes it
    answered with (nothing while it waits for more)."""
    harness = ApiHarness()
    try:
        harness.invocation_handed_over()
        harness.client.setblocking(False)  # an answer is there once the API has pumped
        messages, answered = [], b""
        for piece in pieces:
            harness.client.sendall(piece)
            messages += pump_when_ready(harness)
            with contextlib.suppress(BlockingIOError):
                answered = harness.client.recv(65536)
            if answered:  # judged (a 400 also closes the connection)
                break
        return [(m.type, m.ok, m.body) for m in messages], answered
    finally:
        harness.close()


@settings(max_examples=60, deadline=None)
@given(lines=st.lists(st.sampled_from(HEADER_LINES), max_size=4))
def test_a_response_in_one_read_is_judged_as_the_parser_judges_it_in_pieces(lines):
    whole = (
        b"POST /2018-06-01/runtime/invocation/rid/response HTTP/1.1\r\n"
        + b"".join(line + b"\r\n" for line in lines)
        + b'\r\n"ok"'
    )
    assert response_outcome([whole]) == response_outcome([whole[:-1], whole[-1:]])


@pytest.mark.parametrize(
    ("request_id", "event", "context"),
    [
        ("rid", b"{}", {}),
        ("rid", b'{"n": -917263548193}', {"client_context": {"c": 1}}),
        ("id\r\nX-Smuggled: 1", b"{}", {"identity": {"i": "\u00e9\u4e2d"}}),
        ("rid", "\u00e9".encode(), {"client_context": {"c": 1}, "identity": {"i": 2}}),
    ],
)
def test_an_answer_to_next_built_ahead_is_the_one_built_when_handed_over(
    request_id, event, context
):
    ahead = Invocation(request_id, event, 0, "arn", "Root=1-trace\n", **context)
    ahead.prepare()
    ahead.deadline_ms = 1_800_000_000_123
    now = Invocation(request_id, event, 1_800_000_000_123, "arn", "Root=1-trace\n", **context)
    assert ahead.next_answer() == now.next_answer()
