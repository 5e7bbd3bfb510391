"""The Node.js runtime (nodejs<major>.x, the major of the host's Node.js): our own stdlib-only
bootstrap speaking the Runtime API, with Lambda's handler styles, context, log lines and errors."""

from __future__ import annotations

import json
import re

import pytest

from studyapp.engine import FunctionConfig
from studyapp.engine.runtimes import node_binary, node_runtime_name

pytestmark = pytest.mark.skipif(node_binary() is None, reason="Node.js is not installed")

ESM_COUNTER = """
let count = 0;
export const handler = async (event, context) => {
  count += 1;
  console.log("hello", { a: 1 });
  console.warn("first line\\nsecond line");
  if (event.fail) throw new TypeError("bad input");
  return { count, event };
};
"""

CJS_CALLBACK = """
let count = 0;
exports.handler = function (event, context, callback) {
  count += 1;
  setTimeout(() => callback(null, { count, style: "callback" }), 1);
};
"""


def node_function(files: dict[str, str], handler: str = "index.handler", **settings):
    return FunctionConfig(
        name=settings.pop("name", "node-fn"),
        handler=handler,
        runtime=node_runtime_name(),
        code=files,
        **settings,
    )


def test_an_async_es_module_handler_stays_warm(pool):
    function = node_function({"index.mjs": ESM_COUNTER})
    first, second = pool.invoke(function, {"x": 1}), pool.invoke(function, {"x": 2})
    assert first.cold_start and not second.cold_start
    assert first.payload == {"count": 1, "event": {"x": 1}}
    assert second.payload == {"count": 2, "event": {"x": 2}}


def test_a_commonjs_callback_handler_stays_warm(pool):
    function = node_function({"app.js": CJS_CALLBACK}, handler="app.handler")
    first, second = pool.invoke(function, {}), pool.invoke(function, {})
    assert [first.payload["count"], second.payload["count"]] == [1, 2]
    assert second.payload["style"] == "callback"


def test_a_js_file_in_a_module_package_is_an_es_module(pool):
    function = node_function(
        {
            "package.json": '{"type": "module"}',
            "index.js": "export const handler = async () => 'esm from .js';\n",
        }
    )
    assert pool.invoke(function, {}).payload == "esm from .js"


def test_the_context_has_nodes_fields(pool):
    function = node_function(
        {
            "index.mjs": """
export const handler = async (event, context) => ({
  functionName: context.functionName,
  functionVersion: context.functionVersion,
  invokedFunctionArn: context.invokedFunctionArn,
  memoryLimitInMB: context.memoryLimitInMB,
  awsRequestId: context.awsRequestId,
  logGroupName: context.logGroupName,
  remaining: context.getRemainingTimeInMillis(),
  waits: context.callbackWaitsForEmptyEventLoop,
  custom: context.clientContext && context.clientContext.custom,
  trace: process.env._X_AMZN_TRACE_ID,
});
"""
        },
        name="node-context",
        memory_mb=256,
    )
    result = pool.invoke(function, {}, client_context={"custom": {"k": "v"}})
    context = result.payload
    assert context["functionName"] == "node-context" and context["functionVersion"] == "$LATEST"
    assert context["invokedFunctionArn"].endswith(":function:node-context")
    assert context["memoryLimitInMB"] == "256" and context["awsRequestId"] == result.request_id
    assert context["logGroupName"] == "/aws/lambda/node-context"
    assert 2000 < context["remaining"] <= 3000 and context["waits"] is True
    assert context["custom"] == {"k": "v"} and context["trace"].startswith("Root=1-")


def test_console_log_lines_have_timestamp_request_id_and_level(pool):
    result = pool.invoke(node_function({"index.mjs": ESM_COUNTER}), {})
    rid = re.escape(result.request_id)
    assert re.search(
        rf"^\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}Z\t{rid}\tINFO\thello {{ a: 1 }}$",
        result.logs,
        re.MULTILINE,
    )
    # A multi-line message is one record (one telemetry frame), its lines kept.
    assert re.search(rf"Z\t{rid}\tWARN\tfirst line\nsecond line\n", result.logs)


def test_json_log_format_writes_json_records(pool):
    result = pool.invoke(node_function({"index.mjs": ESM_COUNTER}, log_format="JSON"), {})
    records = [json.loads(line) for line in result.logs.splitlines() if '"level"' in line]
    assert records[0]["level"] == "INFO" and records[0]["message"] == "hello { a: 1 }"
    assert records[0]["requestId"] == result.request_id
    assert set(records[0]) == {"timestamp", "level", "requestId", "message"}


def test_an_error_has_nodes_shape_and_invoke_error_log_line(pool):
    result = pool.invoke(node_function({"index.mjs": ESM_COUNTER}), {"fail": True})
    assert result.status == "error" and result.error_type == "TypeError"
    assert set(result.payload) == {"errorType", "errorMessage", "trace"}
    assert result.payload["errorMessage"] == "bad input"
    assert result.payload["trace"][0] == "TypeError: bad input"
    assert "at handler (file:///var/task/index.mjs:" in result.payload["trace"][1]
    line = next(line for line in result.logs.splitlines() if "\tERROR\t" in line)
    assert line.split("\t")[3:5][0] == "Invoke Error "
    assert json.loads(line.split("\t", 4)[4])["errorType"] == "TypeError"


def test_a_thrown_string_is_reported_with_its_type_and_logged_as_an_error(pool):
    function = node_function({"index.mjs": "export const handler = async () => { throw 'no'; };"})
    result = pool.invoke(function, {})
    assert result.payload == {"errorType": "string", "errorMessage": "no", "trace": []}
    line = next(line for line in result.logs.splitlines() if "\tERROR\t" in line)
    logged = json.loads(line.split("\t", 4)[4])
    assert (logged["errorType"], logged["errorMessage"]) == ("Error", "no")


def test_a_missing_handler_fails_init(pool):
    function = node_function({"index.mjs": ESM_COUNTER}, handler="index.nothere")
    result = pool.invoke(function, {})
    assert result.error_type == "Runtime.HandlerNotFound"
    assert result.payload["errorMessage"] == "index.nothere is undefined or not exported"
    assert "Uncaught Exception " in result.logs
    assert pool.invoke(function, {}).cold_start


def test_a_missing_module_fails_init_with_import_module_error(pool):
    result = pool.invoke(node_function({"index.mjs": ESM_COUNTER}, handler="other.handler"), {})
    assert result.error_type == "Runtime.ImportModuleError"
    assert result.payload["errorMessage"] == (
        "Error: Cannot find module 'other'\nRequire stack:\n- /var/runtime/index.mjs"
    )


def test_a_timeout_is_sandbox_timedout_and_the_next_start_is_cold(pool):
    function = node_function(
        {"index.mjs": "export const handler = () => new Promise((r) => setTimeout(r, 10000));"},
        timeout_s=1,
    )
    result = pool.invoke(function, {})
    assert result.status == "timeout" and result.error_type == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in result.payload["errorMessage"]
    assert pool.invoke(function, {}).cold_start


def test_running_out_of_memory_is_oom(pool):
    function = node_function(
        {
            "index.mjs": """
export const handler = async () => {
  const blocks = [];
  for (;;) blocks.push(Buffer.alloc(16 * 1024 * 1024, 1));
};
"""
        },
        timeout_s=20,  # filling memory at 0.072 vCPU takes about a second on an idle machine
    )
    result = pool.invoke(function, {})
    assert result.status == "oom" and result.error_type == "Runtime.ExitError"
    assert result.max_memory_used_mb == 128


def test_layers_node_modules_are_on_nodes_path(pool):
    function = node_function(
        {"index.js": "const greet = require('greet');\nexports.handler = async () => greet('x');"},
        layers=({"nodejs/node_modules/greet/index.js": "module.exports = (n) => `hi ${n}`;"},),
    )
    assert pool.invoke(function, {}).payload == "hi x"


def test_cli_invokes_a_node_handler(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    handler = tmp_path / "index.mjs"
    handler.write_text(ESM_COUNTER)
    done = subprocess.run(
        [
            sys.executable, "-m", "studyapp.engine", "invoke",
            "--runtime", node_runtime_name(), "--handler", str(handler), "--repeat", "2", "--json",
        ],
        capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2], timeout=60,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert [r["payload"]["count"] for r in json.loads(done.stdout)] == [1, 2]


def test_init_start_names_the_nodejs_runtime(pool):
    result = pool.invoke(node_function({"index.mjs": ESM_COUNTER}), {})
    major = node_runtime_name().removeprefix("nodejs").removesuffix(".x")
    assert result.logs.startswith(f"INIT_START Runtime Version: nodejs:{major}.v0\t")
    assert f"runtime:studyapp-sandbox-nodejs{major}x\n" in result.logs
