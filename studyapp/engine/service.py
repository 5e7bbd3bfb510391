"""The sandbox service: one process holding the warm pools, spoken to over HTTP.

Untrusted code never runs inside a web worker: the web app sends invocations here (see
`client.py`). All bodies are JSON (`Content-Type: application/json`).

Only the deployment may use it: every request but a bare `GET /health` is signed with the shared
secret (auth.py); anything unsigned, wrongly signed, older than the replay window or seen before is
answered 401 before its body is read or anything runs. Code and layers arrive as content (relative
path -> text), never as a path on this host: `code_dir` and layer directories exist only for the
command line (`lambda invoke`), where the person running it owns the files. Limits on the
request itself (MAX_BODY_BYTES, MAX_FILES, MAX_JSON_DEPTH) are checked before anything is
unpacked, each with its own 4xx.

POST /invoke
    request:  {"function": {                      # FunctionConfig.to_dict() shape
                   "name": "hello",                # required, [A-Za-z0-9_-]{1,64}
                   "handler": "app.handler",       # module.function
                   "code": {"app.py": "..."}       # relative path -> source text (required)
                   "memory_mb": 128, "timeout_s": 3, "ephemeral_storage_mb": 512,
                   "environment": {"KEY": "value"},
                   "layers": [{"python/x.py": "..."}],   # up to 5 file mappings, merged under /opt
                   "log_format": "Text" | "JSON",
                   "reserved_concurrency": null | N},
               "event": <any JSON value, default {}>,
               "client_context": null | {...},
               "require_full_isolation": true,     # false only for shipped samples
               "request_id": null | "<id>",        # the invocation's id, chosen by the caller
               "invoked_qualifier": null | "live"} # the version or alias the caller named
    200:      the result object, exactly the CLI's --json object: request_id, status
              (success|error|timeout|oom|throttled), payload, function_error, error_type, logs,
              cold_start, duration_ms, billed_duration_ms, init_duration_ms, memory_size_mb,
              max_memory_used_mb, isolation, plus cost and environment_id.
              Lambda's own refusals are results too: RequestTooLargeException (status error),
              TooManyRequestsException (status throttled).
    400:      {"error": "<one line>", "error_type": "InvalidParameterValueException"}
    503:      {"error": "...", "error_type": "IsolationUnavailable"} when full isolation was
              required and this host cannot provide it; {"error": "...", "error_type":
              "StorageUnavailable"} when a new environment's /tmp cannot be made (the host's
              disk has no room even once idle environments made room).
POST /provision
    request:  {"function": {...},                  # as for /invoke
               "count": N,                         # 0 releases them
               "require_full_isolation": true}     # false only for shipped samples
    200:      {"provisioned": N, "environments": [{environment_id, ..., "provisioned": true}]}
              N environments of that function (same pool key as /invoke) have run INIT with
              AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency and are kept, never reaped.
              Invocations use them first (cold_start false, no Init Duration) and spill over to
              on-demand environments (cold starts) beyond N. When fewer than N could start, the
              body also has "error": "<why>" (e.g. the handler's INIT error). The function's
              provisioned environments under any other pool key (same account and name, older
              code or settings) are released: idle ones destroyed, busy ones left on demand.
    400, 503: as for /invoke (count must be a whole number from 0 to the host's limit).
    401:      {"error": "...", "error_type": "Unauthorized"}: not signed by the deployment
    413:      the body is over MAX_BODY_BYTES
GET /health
    200:      unsigned: {"status": "ok"} and nothing else; signed: {"status": "ok",
               "full_isolation": bool, "host": {...}, "stats": {...}, "environments": N,
               "prestarted": {"size", "waiting", "started", "taken", "missed", "failed"}}
GET /environments
    200:      {"environments": [{environment_id, function_name, account, pool_key, state,
               frozen, parked, memory_size_mb, invocations, created_at, last_used_at,
               init_duration_ms, initialization_type, prestarted_interpreter, provisioned}],
               "stats": {created, reused, reaped, destroyed, throttled, invocations}}

SIGTERM or SIGINT stops the server and destroys every environment with all its processes, and
the interpreters it keeps started ahead of cold starts (`lambda serve --prestarted N`,
prestart.py; an environment's `prestarted_interpreter` names the one it took, null when it was
started whole).
"""

from __future__ import annotations

import json
import re
import resource
import signal
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .auth import AuthenticationError, RequestVerifier, check_secret
from .config import ConfigError, FunctionConfig
from .ephemeral import StorageError
from .pool import EnvironmentPool, IsolationUnavailableError
from .prestart import InterpreterPool

# A synchronous event is at most 6 MB, so 16 MiB leaves room for the code and layers of a learner's
# function (source text) and nothing near Lambda's 250 MB of unzipped code.
MAX_BODY_BYTES = 16 * 1024 * 1024
MAX_FILES = 1000  # code and layer files together, per request
MAX_JSON_DEPTH = 64  # nesting of the whole request body, the event included
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
# What a caller may choose as an invocation's id and name as its qualifier: text that goes into
# log lines and a Runtime API header as it is, so nothing else.
REQUEST_ID = re.compile(r"[A-Za-z0-9-]{1,64}")
QUALIFIER = re.compile(r"\$LATEST|[A-Za-z0-9_-]{1,128}")

# How many environments the service keeps, from what the host has: a warm environment costs the
# service about 7 MiB of memory (measured: 100 of them, 687 MiB) and 11 descriptors, counted here
# as 16 MiB out of a quarter of the memory available at start, and 12 descriptors of the open-files
# limit after 256 kept for the server itself. Its /tmp is on disk, but parked while idle (pool.py).
ENVIRONMENT_MEMORY_BYTES = 16 * 1024 * 1024
ENVIRONMENT_DESCRIPTORS = 12
DESCRIPTORS_KEPT = 256
ENVIRONMENTS_AT_LEAST = 32
ENVIRONMENTS_AT_MOST = 1024


def environment_limit(*, memory_available_bytes: int, open_files_limit: int) -> tuple[int, str]:
    """How many environments a service may hold with this much memory available and this
    open-files limit, and why (one line for the log)."""
    by_memory = memory_available_bytes // 4 // ENVIRONMENT_MEMORY_BYTES
    by_descriptors = (open_files_limit - DESCRIPTORS_KEPT) // ENVIRONMENT_DESCRIPTORS
    wanted = min(by_memory, by_descriptors)
    limit = max(ENVIRONMENTS_AT_LEAST, min(ENVIRONMENTS_AT_MOST, wanted))
    why = (
        f"{by_memory} by memory (a quarter of {memory_available_bytes >> 20} MiB available, "
        f"{ENVIRONMENT_MEMORY_BYTES >> 20} MiB each), {by_descriptors} by descriptors "
        f"({open_files_limit} open files, {ENVIRONMENT_DESCRIPTORS} each), "
        f"kept within {ENVIRONMENTS_AT_LEAST}-{ENVIRONMENTS_AT_MOST}"
    )
    return limit, why


def host_environment_limit() -> tuple[int, str]:
    """environment_limit() for this host, once the soft open-files limit is raised to the hard
    one (the engine waits on descriptors with poll() and epoll, never select(), so numbers past
    1,024 are fine; each runtime gets Lambda's 1,024 of its own)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    return environment_limit(
        memory_available_bytes=_memory_available_bytes(), open_files_limit=soft
    )


def _memory_available_bytes() -> int:
    """MemAvailable of /proc/meminfo (0 when it cannot be read: the smallest limit then)."""
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


class RequestRefused(Exception):
    """A request the service will not take: an HTTP status and a one-line reason."""

    def __init__(self, status: int, message: str, error_type: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type


def json_depth_within(value: Any, limit: int) -> bool:
    """Whether `value` nests no deeper than `limit` arrays and objects (no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return False
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return True


def function_from_wire(data: Any) -> FunctionConfig:
    """A FunctionConfig from a request: code and layers as files only, never host paths."""
    if not isinstance(data, dict):
        raise ConfigError("function must be a JSON object")
    if data.get("code_dir") is not None:
        raise ConfigError(
            "code_dir names a directory on the sandbox host, which the service never reads: "
            "send the code as files (code: {relative path: text})"
        )
    layers = data.get("layers", [])
    if isinstance(layers, list) and any(isinstance(layer, str) for layer in layers):
        raise ConfigError(
            "a layer given as a directory names a path on the sandbox host, which the service "
            "never reads: send each layer as files ({relative path: text})"
        )
    if not isinstance(data.get("code"), dict):
        raise ConfigError("function needs its code as files (code: {relative path: text})")
    files = len(data["code"]) + sum(len(layer) for layer in layers if isinstance(layer, dict))
    if files > MAX_FILES:
        raise ConfigError(f"the code and layers hold {files} files, more than {MAX_FILES}")
    return FunctionConfig.from_dict(data).validate()


class SandboxService:
    """The service's behaviour, apart from HTTP: each method returns (status, JSON body)."""

    def __init__(self, pool: EnvironmentPool) -> None:
        self.pool = pool

    def invoke(self, body: Any) -> tuple[int, dict[str, Any]]:
        if not isinstance(body, dict):
            return _bad_request("the request body must be a JSON object")
        unknown = set(body) - {
            "function",
            "event",
            "client_context",
            "require_full_isolation",
            "request_id",
            "invoked_qualifier",
        }
        if unknown:
            return _bad_request(f"unknown field(s): {', '.join(sorted(unknown))}")
        client_context = body.get("client_context")
        if client_context is not None and not isinstance(client_context, dict):
            return _bad_request("client_context must be an object")
        request_id = body.get("request_id")
        if request_id is not None and not (
            isinstance(request_id, str) and REQUEST_ID.fullmatch(request_id)
        ):
            return _bad_request("request_id must be 1-64 letters, digits and hyphens")
        qualifier = body.get("invoked_qualifier")
        if qualifier is not None and not (
            isinstance(qualifier, str) and QUALIFIER.fullmatch(qualifier)
        ):
            return _bad_request("invoked_qualifier must be $LATEST, a version or an alias name")
        try:
            config = function_from_wire(body.get("function"))
            result = self.pool.invoke(
                config,
                body.get("event", {}),
                client_context=client_context,
                require_full_isolation=body.get("require_full_isolation", True) is not False,
                request_id=request_id,
                invoked_qualifier=qualifier,
            )
        except ConfigError as error:
            return _bad_request(str(error))
        except IsolationUnavailableError as error:
            return HTTPStatus.SERVICE_UNAVAILABLE, {
                "error": str(error),
                "error_type": "IsolationUnavailable",
            }
        except StorageError as error:  # no /tmp for a new environment (the host's disk is full)
            return HTTPStatus.SERVICE_UNAVAILABLE, {
                "error": str(error),
                "error_type": "StorageUnavailable",
            }
        return HTTPStatus.OK, result.to_dict()

    def provision(self, body: Any) -> tuple[int, dict[str, Any]]:
        if not isinstance(body, dict):
            return _bad_request("the request body must be a JSON object")
        unknown = set(body) - {"function", "count", "require_full_isolation"}
        if unknown:
            return _bad_request(f"unknown field(s): {', '.join(sorted(unknown))}")
        try:
            config = function_from_wire(body.get("function"))
            answer = self.pool.provision(
                config,
                body.get("count"),
                require_full_isolation=body.get("require_full_isolation", True) is not False,
            )
        except ConfigError as error:
            return _bad_request(str(error))
        except IsolationUnavailableError as error:
            return HTTPStatus.SERVICE_UNAVAILABLE, {
                "error": str(error),
                "error_type": "IsolationUnavailable",
            }
        return HTTPStatus.OK, answer

    def health(self, *, signed: bool) -> tuple[int, dict[str, Any]]:
        if not signed:
            return HTTPStatus.OK, {"status": "ok"}
        return HTTPStatus.OK, {
            "status": "ok",
            "full_isolation": self.pool.host.full,
            "host": self.pool.host.summary(),
            "stats": self.pool.stats.to_dict(),
            "environments": len(self.pool.environments()),
            "prestarted": self._prestarted(),
        }

    def _prestarted(self) -> dict[str, Any]:
        interpreters = self.pool.interpreters
        if interpreters is None:
            return {"size": 0, "waiting": 0}
        return {
            "size": interpreters.size,
            "waiting": len(interpreters.waiting()),
            **interpreters.stats.to_dict(),
        }

    def environments(self) -> tuple[int, dict[str, Any]]:
        return HTTPStatus.OK, {
            "environments": self.pool.environments(),
            "stats": self.pool.stats.to_dict(),
        }


def _bad_request(message: str) -> tuple[int, dict[str, Any]]:
    return HTTPStatus.BAD_REQUEST, {
        "error": message,
        "error_type": "InvalidParameterValueException",
    }


class _RequestHandler(BaseHTTPRequestHandler):
    server: _SandboxHTTPServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/health" and "Authorization" not in self.headers:
            self._reply(*self.server.service.health(signed=False))
            return
        routes = {
            "/health": lambda: self.server.service.health(signed=True),
            "/environments": self.server.service.environments,
        }
        try:
            self._authenticate(b"")
            route = routes.get(path)
            if route is None:
                raise RequestRefused(HTTPStatus.NOT_FOUND, "no such resource", "NotFound")
        except RequestRefused as refusal:
            self._refuse(refusal)
            return
        self._reply(*route())

    def do_POST(self) -> None:
        routes = {
            "/invoke": self.server.service.invoke,
            "/provision": self.server.service.provision,
        }
        try:
            # The headers are checked before the body is read: an unsigned or stale request,
            # or one too large, costs the service nothing.
            self._check_headers()
            route = routes.get(self.path.split("?", 1)[0])
            if route is None:
                raise RequestRefused(HTTPStatus.NOT_FOUND, "no such resource", "NotFound")
            body = self._read_body()
            self._authenticate(body)
            document = self._parse(body)
        except RequestRefused as refusal:
            self._refuse(refusal)
            return
        self._reply(*route(document))

    def _read_body(self) -> bytes:
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            raise RequestRefused(
                HTTPStatus.LENGTH_REQUIRED, "Content-Length is required", "LengthRequired"
            ) from None
        if not 0 <= length <= MAX_BODY_BYTES:
            raise RequestRefused(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"the request body is {length} bytes, more than the {MAX_BODY_BYTES} allowed",
                "RequestEntityTooLarge",
            )
        return self.rfile.read(length)

    def _check_headers(self) -> None:
        try:
            self.server.verifier.check_headers(self.headers)
        except AuthenticationError as error:
            raise RequestRefused(HTTPStatus.UNAUTHORIZED, str(error), "Unauthorized") from None

    def _authenticate(self, body: bytes) -> None:
        try:
            self.server.verifier.verify(self.command, self.path, self.headers, body)
        except AuthenticationError as error:
            raise RequestRefused(HTTPStatus.UNAUTHORIZED, str(error), "Unauthorized") from None

    @staticmethod
    def _parse(body: bytes) -> Any:
        try:
            document = json.loads(body)
        except RecursionError:
            document = None
            deep = True
        except ValueError as error:
            raise RequestRefused(
                HTTPStatus.BAD_REQUEST,
                f"the request body is not JSON: {error}",
                "InvalidParameterValueException",
            ) from None
        else:
            deep = not json_depth_within(document, MAX_JSON_DEPTH)
        if deep:
            raise RequestRefused(
                HTTPStatus.BAD_REQUEST,
                f"the request body nests deeper than {MAX_JSON_DEPTH} levels",
                "InvalidParameterValueException",
            )
        return document

    def _refuse(self, refusal: RequestRefused) -> None:
        # The body may not have been read: the connection cannot carry another request.
        self.close_connection = True
        self._reply(refusal.status, {"error": str(refusal), "error_type": refusal.error_type})

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if self.close_connection:
            self.send_header("Connection", "close")
        try:
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            # The caller stopped waiting (its own deadline passed, or it went away): nothing is
            # left to answer, and the connection cannot carry another request.
            self.close_connection = True
            self.log_message("the caller left before the answer to %s %s", self.command, self.path)

    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(f"sandbox service: {format % args}\n")


class _SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], service: SandboxService, verifier: RequestVerifier
    ) -> None:
        super().__init__(address, _RequestHandler)
        self.service = service
        self.verifier = verifier


def make_server(
    host: str = "127.0.0.1",
    port: int = 9001,
    *,
    secret: str,
    pool: EnvironmentPool | None = None,
) -> ThreadingHTTPServer:
    """A server bound to (host, port) (port 0 picks a free one); call serve_forever() on it.

    `secret` is the deployment's shared secret (auth.py); every request but a bare /health must be
    signed with it."""
    verifier = RequestVerifier(check_secret(secret))
    pool = pool or EnvironmentPool(reap_interval_s=5.0)
    return _SandboxHTTPServer((host, port), SandboxService(pool), verifier)


def serve(
    host: str = "127.0.0.1",
    port: int = 9001,
    *,
    secret: str | None,
    idle_timeout_s: float = 600.0,
    prestarted: int = 0,
) -> int:
    """Run until SIGTERM/SIGINT; then destroy every environment. Returns the exit status.

    `prestarted` python interpreters are kept started ahead of cold starts (prestart.py). The
    service holds as many environments as host_environment_limit() allows, and says so."""
    try:
        check_secret(secret)
    except ValueError as error:
        print(f"sandbox service: not started: {error}", file=sys.stderr, flush=True)
        return 2
    interpreters = InterpreterPool(prestarted)
    max_environments, why = host_environment_limit()
    pool = EnvironmentPool(
        max_environments=max_environments,
        idle_timeout_s=idle_timeout_s,
        reap_interval_s=min(5.0, idle_timeout_s),
        interpreters=interpreters,
    )
    server = make_server(host, port, secret=secret or "", pool=pool)
    stopping = threading.Event()

    def stop(signum: int, frame: object) -> None:
        if not stopping.is_set():
            stopping.set()
            threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    bound_host, bound_port = server.server_address[:2]
    print(f"sandbox service listening on http://{bound_host}:{bound_port}", flush=True)
    print(f"sandbox service: up to {max_environments} environments: {why}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        pool.close()
        interpreters.close()
        print("sandbox service stopped; every environment destroyed", flush=True)
    return 0
