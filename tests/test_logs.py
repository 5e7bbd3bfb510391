from __future__ import annotations

import json
import logging

from studyapp.logs import JsonFormatter


def test_a_json_log_record_is_one_line_with_its_extra_fields():
    record = logging.makeLogRecord(
        {"name": "studyapp.sandbox", "levelname": "WARNING", "msg": "run %s", "args": ("x",)}
    )
    record.invocation = "abc"
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "studyapp.sandbox"
    assert entry["message"] == "run x"
    assert entry["invocation"] == "abc"
    assert entry["time"].endswith("+00:00")


def test_an_exception_is_kept_in_the_record():
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.makeLogRecord({"msg": "failed", "exc_info": sys.exc_info()})
    entry = json.loads(JsonFormatter().format(record))
    assert "ValueError: boom" in entry["exception"]
