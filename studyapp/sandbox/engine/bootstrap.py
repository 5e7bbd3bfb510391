"""The Python runtime that runs INSIDE an execution environment (standard library only).

Started as `python -I -S bootstrap.py TASK_ROOT OPT_ROOT`. It speaks the Lambda Runtime API at
`AWS_LAMBDA_RUNTIME_API` like every Lambda runtime: it imports the handler once (INIT; a failure
is posted to /runtime/init/error), then loops: GET /runtime/invocation/next, call the handler,
POST /response or /error. One keep-alive connection, a few lines of HTTP/1.1: http.client would
add its imports (email, ssl's friends) to every cold start.

stdout and stderr go to the supervisor's log pipe, unbuffered, like Lambda's runtime. Nothing
here is trusted by the supervisor: the handler runs in this very process and can do anything
with the socket; the supervisor parses bounded requests and enforces every limit from outside.
"""

from __future__ import annotations

import contextlib
import decimal
import importlib
import io
import json
import logging
import os
import socket
import sys
import time
import traceback

MAX_ERROR_MESSAGE_CHARS = 64 * 1024


class FaultError(Exception):
    """An error the runtime reports under one of Lambda's Runtime.* names."""

    def __init__(self, error_type: str, message: str, stack: list[str] | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.stack = stack or []


class CognitoIdentity:
    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __init__(self, data: dict) -> None:
        self.cognito_identity_id = data.get("cognitoIdentityId")
        self.cognito_identity_pool_id = data.get("cognitoIdentityPoolId")


class ClientContext:
    __slots__ = ("client", "custom", "env")

    def __init__(self, data: dict) -> None:
        self.client = data.get("client")
        self.custom = data.get("custom")
        self.env = data.get("env")


class LambdaContext:
    """The context object, with the attributes of AWS's runtime client."""

    def __init__(self, request: dict) -> None:
        env = os.environ
        self.aws_request_id = request["request_id"]
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "")
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.invoked_function_arn = request.get("invoked_function_arn", "")
        identity = request.get("identity")
        self.identity = CognitoIdentity(identity) if isinstance(identity, dict) else None
        client_context = request.get("client_context")
        self.client_context = (
            ClientContext(client_context) if isinstance(client_context, dict) else None
        )
        self.tenant_id = None
        self._deadline_ms = int(request["deadline_ms"])

    def get_remaining_time_in_millis(self) -> int:
        return max(self._deadline_ms - int(time.time() * 1000), 0)

    def log(self, message: str) -> None:
        sys.stdout.write(str(message))

    def __repr__(self) -> str:
        return (
            f"LambdaContext([aws_request_id={self.aws_request_id},"
            f"function_name={self.function_name},memory_limit_in_mb={self.memory_limit_in_mb}])"
        )


# -- logging ----------------------------------------------------------------------------------

_current_request_id = ""


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = _current_request_id
        return True


def _iso(created: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created)) + (
        f".{int(created * 1000) % 1000:03d}Z"
    )


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict = {
            "timestamp": _iso(record.created),
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
            "requestId": getattr(record, "aws_request_id", ""),
        }
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            entry["errorType"] = type(error).__name__
            entry["errorMessage"] = str(error)
            entry["stackTrace"] = traceback.format_tb(record.exc_info[2])
        return json.dumps(entry, default=str) + "\n"


class _TextFormatter(logging.Formatter):
    converter = time.gmtime

    def __init__(self) -> None:
        super().__init__(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
            "%Y-%m-%dT%H:%M:%S",
        )


class _SinkHandler(logging.Handler):
    """Writes records straight to the log pipe, whatever the handler did to sys.stdout."""

    def __init__(self, sink: io.RawIOBase) -> None:
        super().__init__()
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
            if not text.endswith("\n"):
                text += "\n"
            self.sink.write(text.encode("utf-8", "backslashreplace"))
        except Exception:
            self.handleError(record)


def setup_logging(log_format: str, sink: io.RawIOBase) -> None:
    handler = _SinkHandler(sink)
    handler.addFilter(_RequestIdFilter())
    handler.setFormatter(_JsonFormatter() if log_format == "JSON" else _TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL")
    if level is None and log_format == "JSON":
        level = "INFO"
    if level:
        root.setLevel(level.upper())


def log_error(error: dict, log_format: str, sink: io.RawIOBase) -> None:
    if log_format == "JSON":
        entry = {
            "timestamp": _iso(time.time()),
            "level": "ERROR",
            "message": error["errorMessage"],
            "logger": "root",
            "requestId": _current_request_id,
            "errorType": error["errorType"],
            "errorMessage": error["errorMessage"],
            "stackTrace": error.get("stackTrace", []),
        }
        text = json.dumps(entry) + "\n"
    else:
        lines = [f"[ERROR] {error['errorType']}: {error['errorMessage']}"]
        lines.append("Traceback (most recent call last):")
        text = "\n".join(lines) + "\n" + "".join(error.get("stackTrace", []))
        if not text.endswith("\n"):
            text += "\n"
    sink.write(text.encode("utf-8", "backslashreplace"))


# -- errors -----------------------------------------------------------------------------------


def _user_frames(tb: object, task_root: str) -> list[str]:
    frames = traceback.extract_tb(tb)  # type: ignore[arg-type]
    this_file = os.path.abspath(__file__)
    while frames and os.path.abspath(frames[0].filename) == this_file:
        frames.pop(0)
    if task_root != "/var/task":
        for frame in frames:
            if frame.filename.startswith(task_root + os.sep):
                frame.filename = "/var/task" + frame.filename[len(task_root) :]
    return traceback.format_list(frames)


def error_from_exception(error: BaseException, task_root: str) -> dict:
    if isinstance(error, FaultError):
        error_type, message, stack = error.error_type, error.message, error.stack
    else:
        error_type = type(error).__name__
        message = str(error)
        stack = _user_frames(error.__traceback__, task_root)
    if len(message) > MAX_ERROR_MESSAGE_CHARS:
        message = message[:MAX_ERROR_MESSAGE_CHARS] + " [truncated]"
    return {
        "errorMessage": message,
        "errorType": error_type,
        "requestId": _current_request_id,
        "stackTrace": stack,
    }


# -- init -------------------------------------------------------------------------------------


def load_handler(spec: str):
    """Import the handler's module (INIT); Lambda's Runtime.* errors for what can go wrong."""
    try:
        module_name, function_name = spec.rsplit(".", 1)
    except ValueError as error:
        raise FaultError("Runtime.MalformedHandlerName", f"Bad handler '{spec}': {error}") from None
    if module_name.split(".")[0] in sys.builtin_module_names:
        raise FaultError(
            "Runtime.BuiltInModuleConflict",
            f"Cannot use built-in module {module_name} as a handler module",
        )
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as error:
        raise FaultError(
            "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {error}"
        ) from None
    except SyntaxError as error:
        trace = [f'  File "{error.filename}" Line {error.lineno}\n    {error.text}']
        raise FaultError(
            "Runtime.UserCodeSyntaxError",
            f"Syntax error in module '{module_name}': {error}",
            trace,
        ) from None
    handler = getattr(module, function_name, None)
    if handler is None:
        fault = FaultError(
            "Runtime.HandlerNotFound",
            f"Handler '{function_name}' missing on module '{module_name}'",
        )

        def missing_handler(event, context):
            raise fault

        return missing_handler
    return handler


# -- the loop ---------------------------------------------------------------------------------


def _decimal_default(value: object) -> object:
    if isinstance(value, decimal.Decimal):
        return float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_ENCODER = json.JSONEncoder(default=_decimal_default, ensure_ascii=False, allow_nan=True)


class RuntimeApiClient:
    """GET and POST on the Runtime API over one keep-alive connection."""

    def __init__(self, address: str) -> None:
        host, _, port = address.rpartition(":")
        self.address = address
        self.sock = socket.create_connection((host, int(port)))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.stream = self.sock.makefile("rb")

    def call(
        self, method: str, path: str, body: bytes = b"", headers: dict | None = None
    ) -> tuple[int, dict, bytes]:
        lines = [f"{method} /2018-06-01/runtime/{path} HTTP/1.1", f"Host: {self.address}"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        lines.append(f"Content-Length: {len(body)}")
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        status_line = self.stream.readline()
        if not status_line:
            raise ConnectionError("the Runtime API closed the connection")
        status = int(status_line.split()[1])
        answer_headers = {}
        while True:
            line = self.stream.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            answer_headers[name.strip().lower()] = value.strip()
        length = int(answer_headers.get("content-length", "0"))
        return status, answer_headers, self.stream.read(length)


def request_from_headers(headers: dict) -> dict:
    request = {
        "request_id": headers.get("lambda-runtime-aws-request-id", ""),
        "deadline_ms": int(headers.get("lambda-runtime-deadline-ms", "0")),
        "invoked_function_arn": headers.get("lambda-runtime-invoked-function-arn", ""),
    }
    for key, header in (
        ("client_context", "lambda-runtime-client-context"),
        ("identity", "lambda-runtime-cognito-identity"),
    ):
        if header in headers:
            with contextlib.suppress(ValueError):
                request[key] = json.loads(headers[header])
    return request


def serve_one(request: dict, event_bytes: bytes, handler, task_root: str, sink) -> tuple:
    global _current_request_id
    _current_request_id = request["request_id"]
    context = LambdaContext(request)
    log_format = os.environ.get("AWS_LAMBDA_LOG_FORMAT", "Text")
    started = time.perf_counter()
    try:
        event = json.loads(event_bytes)
        result = handler(event, context)
        try:
            body = _ENCODER.encode(result).encode("utf-8")
        except (TypeError, ValueError) as error:
            raise FaultError(
                "Runtime.MarshalError", f"Unable to marshal response: {error}"
            ) from None
        ok = True
    except Exception as error:
        payload = error_from_exception(error, task_root)
        log_error(payload, log_format, sink)
        body = json.dumps(payload).encode()
        ok = False
    handler_ms = (time.perf_counter() - started) * 1000
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        with contextlib.suppress(Exception):  # a stream the handler broke is its own problem
            stream.flush()
    return ok, body, handler_ms


def main(argv: list[str]) -> int:
    task_root, opt_root = argv[1], argv[2]
    sys.dont_write_bytecode = True
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    sys.path[:0] = [
        task_root,
        f"{opt_root}/python/lib/{version}/site-packages",
        f"{opt_root}/python",
    ]
    os.chdir(task_root)
    sink = io.FileIO(1, "w", closefd=False)
    sys.stdout = io.TextIOWrapper(
        io.FileIO(1, "w", closefd=False), encoding="utf-8", write_through=True
    )
    sys.stderr = io.TextIOWrapper(
        io.FileIO(2, "w", closefd=False), encoding="utf-8", write_through=True
    )
    log_format = os.environ.get("AWS_LAMBDA_LOG_FORMAT", "Text")
    setup_logging(log_format, sink)

    api = RuntimeApiClient(os.environ["AWS_LAMBDA_RUNTIME_API"])
    try:
        handler = load_handler(os.environ.get("_HANDLER", ""))
    except Exception as error:
        payload = error_from_exception(error, task_root)
        log_error(payload, log_format, sink)
        headers = {"Lambda-Runtime-Function-Error-Type": payload["errorType"]}
        api.call("POST", "init/error", json.dumps(payload).encode(), headers)
        return 1

    while True:
        status, headers, event_bytes = api.call("GET", "invocation/next")
        if status != 200:
            sys.__stderr__.write(f"Runtime API answered /next with {status}: {event_bytes!r}\n")
            return 1
        request = request_from_headers(headers)
        trace_id = headers.get("lambda-runtime-trace-id")
        if trace_id:
            os.environ["_X_AMZN_TRACE_ID"] = trace_id
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        ok, body, _handler_ms = serve_one(request, event_bytes, handler, task_root, sink)
        request_id = request["request_id"]
        if ok:
            status, _, _ = api.call("POST", f"invocation/{request_id}/response", body)
            if status == 413:
                log_error(
                    {
                        "errorType": "Runtime.ResponseTooLarge",
                        "errorMessage": "LAMBDA_RUNTIME Failed to post handler success response. "
                        f"Http response code: {status}.",
                    },
                    log_format,
                    sink,
                )
                return 1
        else:
            error_type = json.loads(body).get("errorType", "")
            api.call(
                "POST",
                f"invocation/{request_id}/error",
                body,
                {"Lambda-Runtime-Function-Error-Type": error_type},
            )


if __name__ == "__main__":
    sys.exit(main(sys.argv))
