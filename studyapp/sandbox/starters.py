"""What the function page's editor offers per runtime: the language it highlights, the handler
and file a runtime starts with, and a small working handler to start from.

When a learner picks another runtime, the page (static/js/editor.js) switches the editor's
language and, unless the learner already wrote code for that runtime on this page, puts that
runtime's starting point in the editor and the handler field. The function's own code and
handler are the starting point of its own runtime.
"""

from __future__ import annotations

from typing import Any

from studyapp.sandbox.models import Function, handler_default, handler_file, runtime_family

# The editor's language per runtime family (static/js/editor.js: python, javascript; shell is
# shown as plain text, which is what a custom runtime's bootstrap may be written in).
EDITOR_LANGUAGES = {"python": "python", "nodejs": "javascript", "provided": "shell"}

STARTERS = {
    "python": """import json
import logging

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def handler(event, context):
    logger.info("event: %s", json.dumps(event))
    return {"statusCode": 200, "body": json.dumps({"message": "Hello from Python"})}
""",
    "nodejs": """export const handler = async (event, context) => {
  console.log("event:", JSON.stringify(event));
  return { statusCode: 200, body: JSON.stringify({ message: "Hello from Node.js" }) };
};
""",
    "provided": """#!/bin/sh
# A custom runtime: this program fetches each event from the Runtime API and posts the answer.
set -eu
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation"
while true; do
  event=$(curl -sS -D /tmp/headers "$API/next")
  request_id=$(grep -i '^lambda-runtime-aws-request-id:' /tmp/headers | cut -d' ' -f2 | tr -d '\\r')
  echo "handler ${_HANDLER} got: ${event}"
  curl -sS -o /dev/null -X POST "$API/${request_id}/response" \\
    -d '{"message": "Hello from a custom runtime"}'
done
""",
}


def editor_language(runtime: str) -> str:
    return EDITOR_LANGUAGES[runtime_family(runtime)]


def starter_code(runtime: str) -> str:
    return STARTERS[runtime_family(runtime)]


def runtime_editor_view(*, function: Function, runtimes: list[str]) -> dict[str, dict[str, Any]]:
    """Per runtime: the editor's language, the handler, the file it edits and its code (the
    function's own for its runtime, the starter for the others), for the page's script."""
    view = {}
    for runtime in runtimes:
        if runtime == function.runtime:
            handler, file, code = function.handler, function.module_path, function.main_source
        else:
            handler = handler_default(runtime)
            file = handler_file(runtime=runtime, handler=handler, code={})
            code = starter_code(runtime)
        view[runtime] = {
            "language": editor_language(runtime),
            "handler": handler,
            "file": file,
            "code": code,
        }
    return view
