"""The sandbox service: one process holding the warm pools, spoken to over loopback HTTP.

Untrusted code never runs inside a web worker: the web app sends invocations here (see
`client.py`). All bodies are JSON (`Content-Type: application/json`).

POST /invoke
    request:  {"function": {                      # FunctionConfig.to_dict() shape
                   "name": "hello",                # required, [A-Za-z0-9_-]{1,64}
                   "handler": "app.handler",       # module.function
                   "code": {"app.py": "..."}       # relative path -> source text, or
                   "code_dir": "/path/on/host",    # ... a directory (exactly one of the two)
                   "memory_mb": 128, "timeout_s": 3, "ephemeral_storage_mb": 512,
                   "environment": {"KEY": "value"},
                   "layers": ["/dir", {"python/x.py": "..."}],   # up to 5, merged under /opt
                   "log_format": "Text" | "JSON",
                   "reserved_concurrency": null | N},
               "event": <any JSON value, default {}>,
               "client_context": null | {...},
               "require_full_isolation": true}     # false only for shipped samples
    200:      the result object, exactly the CLI's --json object: request_id, status
              (success|error|timeout|oom|throttled), payload, function_error, error_type, logs,
              cold_start, duration_ms, billed_duration_ms, init_duration_ms, memory_size_mb,
              max_memory_used_mb, isolation, plus cost and environment_id.
              Lambda's own refusals are results too: RequestTooLargeException (status error),
              TooManyRequestsException (status throttled).
    400:      {"error": "<one line>", "error_type": "InvalidParameterValueException"}
    503:      {"error": "...", "error_type": "IsolationUnavailable"} when full isolation was
              required and this host cannot provide it.
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
GET /health
    200:      {"status": "ok", "full_isolation": bool, "host": {...}, "stats": {...},
               "environments": N}
GET /environments
    200:      {"environments": [{environment_id, function_name, account, pool_key, state,
               frozen, memory_size_mb, invocations, created_at, last_used_at,
               init_duration_ms, initialization_type, provisioned}],
               "stats": {created, reused, reaped, destroyed, throttled, invocations}}

SIGTERM or SIGINT stops the server and destroys every environment with all its processes.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .config import ConfigError, FunctionConfig
from .pool import EnvironmentPool, IsolationUnavailableError

MAX_BODY_BYTES = 64 * 1024 * 1024


class SandboxService:
    """The service's behaviour, apart from HTTP: each method returns (status, JSON body)."""

    def __init__(self, pool: EnvironmentPool) -> None:
        self.pool = pool

    def invoke(self, body: Any) -> tuple[int, dict[str, Any]]:
        if not isinstance(body, dict):
            return _bad_request("the request body must be a JSON object")
        unknown = set(body) - {"function", "event", "client_context", "require_full_isolation"}
        if unknown:
            return _bad_request(f"unknown field(s): {', '.join(sorted(unknown))}")
        client_context = body.get("client_context")
        if client_context is not None and not isinstance(client_context, dict):
            return _bad_request("client_context must be an object")
        try:
            config = FunctionConfig.from_dict(body.get("function"))
            result = self.pool.invoke(
                config,
                body.get("event", {}),
                client_context=client_context,
                require_full_isolation=body.get("require_full_isolation", True) is not False,
            )
        except ConfigError as error:
            return _bad_request(str(error))
        except IsolationUnavailableError as error:
            return HTTPStatus.SERVICE_UNAVAILABLE, {
                "error": str(error),
                "error_type": "IsolationUnavailable",
            }
        return HTTPStatus.OK, result.to_dict()

    def provision(self, body: Any) -> tuple[int, dict[str, Any]]:
        if not isinstance(body, dict):
            return _bad_request("the request body must be a JSON object")
        unknown = set(body) - {"function", "count", "require_full_isolation"}
        if unknown:
            return _bad_request(f"unknown field(s): {', '.join(sorted(unknown))}")
        try:
            config = FunctionConfig.from_dict(body.get("function"))
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

    def health(self) -> tuple[int, dict[str, Any]]:
        return HTTPStatus.OK, {
            "status": "ok",
            "full_isolation": self.pool.host.full,
            "host": self.pool.host.summary(),
            "stats": self.pool.stats.to_dict(),
            "environments": len(self.pool.environments()),
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
        routes = {
            "/health": self.server.service.health,
            "/environments": self.server.service.environments,
        }
        route = routes.get(self.path.split("?", 1)[0])
        if route is None:
            self._reply(HTTPStatus.NOT_FOUND, {"error": f"no such resource: {self.path}"})
            return
        self._reply(*route())

    def do_POST(self) -> None:
        routes = {
            "/invoke": self.server.service.invoke,
            "/provision": self.server.service.provision,
        }
        route = routes.get(self.path.split("?", 1)[0])
        if route is None:
            self._reply(HTTPStatus.NOT_FOUND, {"error": f"no such resource: {self.path}"})
            return
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self._reply(HTTPStatus.LENGTH_REQUIRED, {"error": "Content-Length is required"})
            return
        if not 0 <= length <= MAX_BODY_BYTES:
            self.close_connection = True
            self._reply(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "request body too large"})
            return
        try:
            body = json.loads(self.rfile.read(length))
        except ValueError as error:
            self._reply(*_bad_request(f"the request body is not JSON: {error}"))
            return
        self._reply(*route(body))

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(f"sandbox service: {format % args}\n")


class _SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], service: SandboxService) -> None:
        super().__init__(address, _RequestHandler)
        self.service = service


def make_server(
    host: str = "127.0.0.1", port: int = 9001, *, pool: EnvironmentPool | None = None
) -> ThreadingHTTPServer:
    """A server bound to (host, port) (port 0 picks a free one); call serve_forever() on it."""
    pool = pool or EnvironmentPool(reap_interval_s=5.0)
    return _SandboxHTTPServer((host, port), SandboxService(pool))


def serve(host: str = "127.0.0.1", port: int = 9001, *, idle_timeout_s: float = 600.0) -> int:
    """Run until SIGTERM/SIGINT; then destroy every environment. Returns the exit status."""
    pool = EnvironmentPool(idle_timeout_s=idle_timeout_s, reap_interval_s=min(5.0, idle_timeout_s))
    server = make_server(host, port, pool=pool)
    stopping = threading.Event()

    def stop(signum: int, frame: object) -> None:
        if not stopping.is_set():
            stopping.set()
            threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    bound_host, bound_port = server.server_address[:2]
    print(f"sandbox service listening on http://{bound_host}:{bound_port}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        pool.close()
        print("sandbox service stopped; every environment destroyed", flush=True)
    return 0
