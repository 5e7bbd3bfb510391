"""A small standard-library client for the sandbox service (see service.py for the protocol).

    from studyapp.engine import client
    result = client.invoke({"name": "hello", "handler": "app.handler",
                            "code": {"app.py": source}}, {"key": "value"})

The service's address comes from `base_url`, else the SANDBOX_URL environment variable (the
same name the web app's setting reads), else http://127.0.0.1:9001. Either may be a
comma-separated list of sandbox hosts: each function then goes to the host `hosts.py` ranks
first for it (always the same one, so its environments stay warm there) and, when that host
cannot be reached, to the next in its ranking. A request is only sent to another host when it
certainly never reached the first (the connection failed), so an invocation never runs twice.

Every request is signed with the deployment's shared secret (auth.py): `secret`, else the
SANDBOX_SECRET environment variable. Without one, only a bare /health answers (with "ok").

Raises SandboxUnavailableError (with the URLs and what went wrong) when no host is running or
one does not answer in time, and SandboxRequestError for a refused request (4xx/503).
"""

from __future__ import annotations

import http.client
import json
import os
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from . import auth
from .config import FunctionConfig
from .hosts import hosts_ranked, routing_key
from .hosts import service_urls as parse_service_urls
from .shapes import FunctionSpec, InvokeRequest, InvokeResult

DEFAULT_URL = "http://127.0.0.1:9001"
URL_VARIABLE = "SANDBOX_URL"
STARTUP_MARGIN_S = 15.0


class SandboxServiceError(RuntimeError):
    """Base class of the client's errors."""


class SandboxUnavailableError(SandboxServiceError):
    """The service is down, unreachable, or did not answer in time."""


class SandboxRequestError(SandboxServiceError):
    """The service refused the request; `status` and `error_type` say why."""

    def __init__(self, status: int, error_type: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type


class _NotDelivered(Exception):
    """The connection to a host failed: the request never reached it, another host may take it."""


def service_urls(base_url: str | None = None) -> list[str]:
    """The sandbox hosts: `base_url`, else $SANDBOX_URL, else the local default (a list)."""
    return parse_service_urls(base_url or os.environ.get(URL_VARIABLE) or DEFAULT_URL)


_NO_EVENT: Any = object()


def invoke(
    function: FunctionConfig | FunctionSpec,
    event: Any = _NO_EVENT,
    *,
    client_context: Mapping[str, Any] | None = None,
    require_full_isolation: bool = True,
    base_url: str | None = None,
    timeout_s: float | None = None,
    secret: str | None = None,
) -> InvokeResult:
    """Invoke a function in the sandbox service and return the result object."""
    spec: FunctionSpec = function.to_dict() if isinstance(function, FunctionConfig) else function
    if timeout_s is None:
        timeout_s = float(spec.get("timeout_s", 3)) + STARTUP_MARGIN_S
    body: InvokeRequest = {
        "function": spec,
        "event": {} if event is _NO_EVENT else event,  # None is the JSON event null
        "client_context": dict(client_context) if client_context is not None else None,
        "require_full_isolation": require_full_isolation,
    }
    return _request(
        "POST",
        "/invoke",
        body,
        base_url=base_url,
        timeout_s=timeout_s,
        route=routing_key(spec),
        secret=secret,
    )


def provision(
    function: FunctionConfig | Mapping[str, Any],
    count: int,
    *,
    require_full_isolation: bool = True,
    base_url: str | None = None,
    timeout_s: float = 60.0,
    secret: str | None = None,
) -> dict[str, Any]:
    """Keep `count` environments of the function initialised (provisioned concurrency); 0
    releases them. Returns `{"provisioned": N, "environments": [...]}` (and `"error"` when
    fewer than `count` could start)."""
    spec = function.to_dict() if isinstance(function, FunctionConfig) else dict(function)
    body = {"function": spec, "count": count, "require_full_isolation": require_full_isolation}
    return _request(
        "POST",
        "/provision",
        body,
        base_url=base_url,
        timeout_s=timeout_s,
        route=routing_key(spec),
        secret=secret,
    )


def health(
    *,
    base_url: str | None = None,
    timeout_s: float = 5.0,
    route: str = "",
    secret: str | None = None,
) -> dict[str, Any]:
    """The /health of the host that serves `route` (a `hosts.routing_key`), or of the first
    answering host in its ranking (only {"status": "ok"} without a secret)."""
    return _request(
        "GET",
        "/health",
        None,
        base_url=base_url,
        timeout_s=timeout_s,
        route=route,
        safe=True,
        secret=secret,
    )


def environments(
    *,
    base_url: str | None = None,
    timeout_s: float = 5.0,
    route: str = "",
    secret: str | None = None,
) -> dict[str, Any]:
    """The /environments of the host that serves `route` (see `health`)."""
    return _request(
        "GET",
        "/environments",
        None,
        base_url=base_url,
        timeout_s=timeout_s,
        route=route,
        safe=True,
        secret=secret,
    )


def _request(
    method: str,
    path: str,
    body: Any,
    *,
    base_url: str | None,
    timeout_s: float,
    route: str = "",
    safe: bool = False,
    secret: str | None = None,
) -> dict[str, Any]:
    """Send to the hosts in `route`'s ranking until one answers.

    Moves on when the connection failed (the request never arrived) or, for `safe` requests
    (reads), when a host did not answer at all.
    """
    urls = service_urls(base_url)
    if not urls:
        raise SandboxServiceError("no sandbox service URL is configured (SANDBOX_URL)")
    secret = secret or auth.secret_from_environment()
    failures: list[str] = []
    for url in hosts_ranked(route, urls):
        try:
            return _request_one(method, url + path, body, timeout_s=timeout_s, secret=secret)
        except _NotDelivered as error:
            failures.append(f"{url} ({error})")
        except SandboxUnavailableError as error:
            if not safe or len(urls) == 1:
                raise
            failures.append(f"{url} ({error.__cause__ or 'no answer'})")
    if len(urls) == 1:
        url, _, reason = failures[0].partition(" ")
        raise SandboxUnavailableError(
            f"the sandbox service at {url} is not answering {reason}; "
            "start it with `manage.py lambda serve`"
        )
    raise SandboxUnavailableError(
        f"none of the {len(urls)} sandbox hosts is answering: {'; '.join(failures)}; "
        "start them with `manage.py lambda serve`"
    )


def _request_one(
    method: str, url: str, body: Any, *, timeout_s: float, secret: str | None
) -> dict[str, Any]:
    if not url.startswith(("http://", "https://")):
        raise SandboxServiceError(f"the sandbox service URL must be http(s): {url}")
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"}
    if secret:
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers |= auth.sign(secret, method, path, data or b"")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url, data=data, method=method, headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        try:
            detail = json.loads(error.read())
        except ValueError:
            detail = {}
        raise SandboxRequestError(
            error.code,
            detail.get("error_type", "HTTPError"),
            detail.get("error", f"the sandbox service answered {error.code}"),
        ) from None
    except urllib.error.URLError as error:
        # urllib wraps only failures to connect or to send the request: it never arrived.
        raise _NotDelivered(str(getattr(error, "reason", error))) from None
    except (OSError, http.client.HTTPException) as error:  # sent, then no (complete) answer
        host = url.rsplit("/", 1)[0]
        raise SandboxUnavailableError(
            f"the sandbox service at {host} is not answering ({error or type(error).__name__}); "
            "start it with `manage.py lambda serve`"
        ) from error
