"""Our Node.js bootstrap against AWS's own Node.js runtime interface client, `aws-lambda-ric`.

The same handlers run twice: on the sandbox's nodejs<major>.x runtime, and on provided.al2023
with aws-lambda-ric as the custom runtime, against the same Runtime API. Payloads, error shapes
and log lines must agree field by field.

aws-lambda-ric builds a native part when installed (g++, make, cmake, autoconf, automake,
libtool, libcurl headers, python3), so it is not a Python dependency. Install it as a layer:

    PYTHON=/usr/bin/python3 npm install --prefix "$AWS_LAMBDA_RIC_LAYER/nodejs" \
        aws-lambda-ric@3      # @3 for Node.js 20; @4 needs Node.js 22 (.ci/run does this)

(node-gyp 9 needs Python's distutils, gone since Python 3.12: point it at a Python that has it)

and point AWS_LAMBDA_RIC_LAYER at that directory (default: .node-ric in the checkout). Without it
these tests skip and say so; with REQUIRE_AWS_LAMBDA_RIC=1 (CI) they fail instead.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from studyapp.engine import FunctionConfig
from studyapp.engine.runtimes import node_binary, node_runtime_name

PROJECT = Path(__file__).resolve().parents[2]
LAYER = Path(os.environ.get("AWS_LAMBDA_RIC_LAYER", PROJECT / ".node-ric"))
PACKAGE = LAYER / "nodejs" / "node_modules" / "aws-lambda-ric"


def _ric_entry() -> str | None:
    if not list(PACKAGE.glob("dist/*.node")):  # its native part is not (yet) built
        return None
    try:
        manifest = json.loads((PACKAGE / "package.json").read_text())
    except (OSError, ValueError):
        return None
    bin_field = manifest.get("bin")
    entry = bin_field.get("aws-lambda-ric") if isinstance(bin_field, dict) else bin_field
    return str(Path("/opt/nodejs/node_modules/aws-lambda-ric") / entry) if entry else None


ENTRY = _ric_entry()
if node_binary() is None or ENTRY is None:
    if os.environ.get("REQUIRE_AWS_LAMBDA_RIC") == "1":
        raise RuntimeError(f"aws-lambda-ric is required but not installed at {PACKAGE}")
    pytestmark = pytest.mark.skip(
        reason=f"aws-lambda-ric is not installed at {PACKAGE} (see this module's docstring)"
    )

HANDLERS = {
    "index.mjs": """
export const ok = async (event, context) => {
  console.log("hello", { a: 1 }, [1, 2]);
  console.info("info %s", "formatted");
  console.error("an error line");
  return { echo: event, fn: context.functionName, ms: context.memoryLimitInMB };
};
export const fails = async () => { throw new TypeError("bad input"); };
export const throwsString = async () => { throw "plain"; };
export const callback = (event, context, cb) => cb(null, { style: "callback" });
export const callbackError = (event, context, cb) => cb(new RangeError("out of range"));
""",
}


def run_both(pool, handler: str, event: dict, **settings):
    ours = FunctionConfig(
        name="conformance",
        handler=handler,
        runtime=node_runtime_name(),
        code=HANDLERS,
        **settings,
    )
    bootstrap = f'#!/bin/sh\ncd /var/task\nexec {node_binary()} {ENTRY} "$_HANDLER"\n'
    theirs = FunctionConfig(
        name="conformance",
        handler=handler,
        runtime="provided.al2023",
        code={**HANDLERS, "bootstrap": bootstrap},
        layers=(str(LAYER),),
        **settings,
    )
    return pool.invoke(ours, event), pool.invoke(theirs, event)


def _function_lines(result) -> list[list[str]]:
    """The function's log records as fields, timestamps and request ids masked."""
    lines = []
    for line in result.logs.replace("\r", "\n").splitlines():
        fields = line.split("\t")
        if len(fields) >= 4 and re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+Z", fields[0]):
            assert fields[1] == result.request_id
            lines.append(["<ts>", "<id>", *fields[2:]])
    return lines


@pytest.mark.parametrize("handler", ["index.ok", "index.callback"])
def test_payloads_agree(pool, handler):
    ours, theirs = run_both(pool, handler, {"k": "v"})
    assert theirs.status == "success", theirs.logs
    assert ours.payload == theirs.payload


def test_console_lines_agree(pool):
    ours, theirs = run_both(pool, "index.ok", {})
    assert _function_lines(ours) == _function_lines(theirs)


@pytest.mark.parametrize("handler", ["index.fails", "index.throwsString", "index.callbackError"])
def test_error_shapes_agree(pool, handler):
    ours, theirs = run_both(pool, handler, {})
    assert set(ours.payload) == set(theirs.payload)
    assert ours.payload["errorType"] == theirs.payload["errorType"]
    assert ours.payload["errorMessage"] == theirs.payload["errorMessage"]
    assert ours.payload["trace"][:1] == theirs.payload["trace"][:1]


def test_invoke_error_log_lines_agree(pool):
    ours, theirs = run_both(pool, "index.fails", {})
    [our_line] = [line for line in _function_lines(ours) if line[2] == "ERROR"]
    [their_line] = [line for line in _function_lines(theirs) if line[2] == "ERROR"]
    assert our_line[3] == their_line[3]  # "Invoke Error "
    our_detail, their_detail = json.loads(our_line[4]), json.loads(their_line[4])
    assert set(our_detail) == set(their_detail)
    assert our_detail["errorType"] == their_detail["errorType"]


def _json_records(result) -> list[dict]:
    records = []
    for line in result.logs.replace("\r", "\n").splitlines():
        if line.startswith("{") and '"requestId"' in line and '"type"' not in line:
            record = json.loads(line)
            assert record.pop("requestId") == result.request_id
            record.pop("timestamp")
            records.append(record)
    return records


@pytest.mark.parametrize("handler", ["index.ok", "index.fails"])
def test_json_log_records_agree(pool, handler):
    ours, theirs = run_both(pool, handler, {}, log_format="JSON")
    mine, aws = _json_records(ours), _json_records(theirs)
    assert len(aws) == (3 if handler == "index.ok" else 1)
    assert [set(record) for record in mine] == [set(record) for record in aws]
    for record, expected in zip(mine, aws, strict=True):
        message, expected_message = record["message"], expected["message"]
        if isinstance(message, dict):  # an error: its stack is ours or theirs
            message.pop("stackTrace"), expected_message.pop("stackTrace")
        assert (record["level"], message) == (expected["level"], expected_message)
