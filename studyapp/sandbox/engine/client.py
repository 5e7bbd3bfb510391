"""A small standard-library client for the sandbox service (see service.py for the protocol).

    from studyapp.sandbox.engine import client
    result = client.invoke({"name": "hello", "handler": "app.handler",
                            "code": {"app.py": source}}, {"key": "value"})

The service's address comes from `base_url`, else the SANDBOX_URL environment variable (the
same name the web app's setting reads), else http://127.0.0.1:9001.

Raises SandboxUnavailableError (with the URL and what went wrong) when the service is not
running or does not answer in time, and SandboxRequestError for a refused request (4xx/503).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

from .config import FunctionConfig

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


def service_url(base_url: str | None = None) -> str:
    return (base_url or os.environ.get(URL_VARIABLE) or DEFAULT_URL).rstrip("/")


def invoke(
    function: FunctionConfig | Mapping[str, Any],
    event: Any = None,
    *,
    client_context: Mapping[str, Any] | None = None,
    require_full_isolation: bool = True,
    base_url: str | None = None,
    timeout_s: float | None = None,
) -> dict[str, Any]:
    """Invoke a function in the sandbox service and return the result object."""
    spec = function.to_dict() if isinstance(function, FunctionConfig) else dict(function)
    if timeout_s is None:
        timeout_s = float(spec.get("timeout_s", 3)) + STARTUP_MARGIN_S
    body = {
        "function": spec,
        "event": {} if event is None else event,
        "client_context": dict(client_context) if client_context is not None else None,
        "require_full_isolation": require_full_isolation,
    }
    return _request("POST", "/invoke", body, base_url=base_url, timeout_s=timeout_s)


def provision(
    function: FunctionConfig | Mapping[str, Any],
    count: int,
    *,
    require_full_isolation: bool = True,
    base_url: str | None = None,
    timeout_s: float = 60.0,
) -> dict[str, Any]:
    """Keep `count` environments of the function initialised (provisioned concurrency); 0
    releases them. Returns `{"provisioned": N, "environments": [...]}` (and `"error"` when
    fewer than `count` could start)."""
    spec = function.to_dict() if isinstance(function, FunctionConfig) else dict(function)
    body = {"function": spec, "count": count, "require_full_isolation": require_full_isolation}
    return _request("POST", "/provision", body, base_url=base_url, timeout_s=timeout_s)


def health(*, base_url: str | None = None, timeout_s: float = 5.0) -> dict[str, Any]:
    return _request("GET", "/health", None, base_url=base_url, timeout_s=timeout_s)


def environments(*, base_url: str | None = None, timeout_s: float = 5.0) -> dict[str, Any]:
    return _request("GET", "/environments", None, base_url=base_url, timeout_s=timeout_s)


def _request(
    method: str, path: str, body: Any, *, base_url: str | None, timeout_s: float
) -> dict[str, Any]:
    url = service_url(base_url) + path
    if not url.startswith(("http://", "https://")):
        raise SandboxServiceError(f"the sandbox service URL must be http(s): {url}")
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url, data=data, method=method, headers={"Content-Type": "application/json"}
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
    except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
        reason = getattr(error, "reason", error)
        raise SandboxUnavailableError(
            f"the sandbox service at {service_url(base_url)} is not answering ({reason}); "
            "start it with `manage.py lambda serve`"
        ) from None
