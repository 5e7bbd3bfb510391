"""The per-invocation log: function output and the platform's lines, in order, capped."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studyapp.engine.logs import LogCollector

pytestmark = pytest.mark.pure


def test_a_platform_line_after_output_that_ends_mid_line_starts_a_line_of_its_own():
    logs = LogCollector()
    logs.add_platform("START RequestId: r Version: $LATEST\n")
    logs.add_output(b"no newline at the end")
    logs.add_platform("END RequestId: r\n")
    assert (
        logs.text()
        == "START RequestId: r Version: $LATEST\nno newline at the end\nEND RequestId: r\n"
    )


def test_output_that_ends_its_line_gets_no_empty_line_before_the_platforms():
    logs = LogCollector()
    logs.add_output(b"one\n")
    logs.add_output(b"")
    logs.add_platform("END RequestId: r\n")
    assert logs.text() == "one\nEND RequestId: r\n"


def test_output_over_the_cap_is_dropped_behind_one_marker_and_the_platform_lines_stay():
    logs = LogCollector(cap_bytes=10)
    logs.add_output(b"0123456789abc")
    logs.add_output(b"def")
    logs.add_platform("END RequestId: r\n")
    text = logs.text()
    assert text.startswith("0123456789\n[sandbox] log output truncated: 6 more bytes dropped")
    assert text.endswith("END RequestId: r\n") and text.count("truncated") == 1


@given(pieces=st.lists(st.binary(max_size=20), max_size=6))
def test_platform_lines_always_start_a_line(pieces):
    logs = LogCollector()
    for piece in pieces:
        logs.add_output(piece.replace(b"\r", b""))
    logs.add_platform("END RequestId: r\n")
    text = logs.text()
    before = text[: -len("END RequestId: r\n")]
    assert text.endswith("END RequestId: r\n") and (before == "" or before.endswith("\n"))
