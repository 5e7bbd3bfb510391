"""The outcome of one invocation, and Lambda's error objects as the synchronous caller sees them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .billing import Cost
from .shapes import InvokeResult

STATUSES = ("success", "error", "timeout", "oom", "throttled")

# Go's names for the signals, which is how Lambda words "Runtime exited with error: signal: ...".
SIGNAL_NAMES = {
    1: "hangup",
    2: "interrupt",
    3: "quit",
    4: "illegal instruction",
    5: "trace/breakpoint trap",
    6: "aborted",
    7: "bus error",
    8: "floating point exception",
    9: "killed",
    11: "segmentation fault",
    13: "broken pipe",
    14: "alarm clock",
    15: "terminated",
    24: "CPU time limit exceeded",
    25: "file size limit exceeded",
    31: "bad system call",
}


def error_object(
    error_type: str, message: str, request_id: str | None = None, stack: list[str] | None = None
) -> dict[str, Any]:
    """Lambda's error shape; runtime errors carry requestId and stackTrace, platform ones don't."""
    payload: dict[str, Any] = {"errorMessage": message, "errorType": error_type}
    if request_id is not None:
        payload["requestId"] = request_id
    if stack is not None:
        payload["stackTrace"] = stack
    return payload


def timeout_error(request_id: str, timeout_s: float) -> dict[str, Any]:
    return error_object(
        "Sandbox.Timedout",
        f"RequestId: {request_id} Error: Task timed out after {timeout_s:.2f} seconds",
    )


def exit_reason(returncode: int | None) -> str:
    """Lambda's wording for how the runtime process ended."""
    signal_number = None
    if returncode is not None and returncode < 0:
        signal_number = -returncode
    elif returncode is not None and returncode > 128:
        signal_number = returncode - 128  # bubblewrap reports a signalled child as 128 + signal
    if signal_number is not None:
        name = SIGNAL_NAMES.get(signal_number, f"signal {signal_number}")
        return f"Runtime exited with error: signal: {name}"
    if not returncode:
        return "Runtime exited without providing a reason"
    return f"Runtime exited with error: exit status {returncode}"


def runtime_exit_error(request_id: str, reason: str) -> dict[str, Any]:
    return error_object("Runtime.ExitError", f"RequestId: {request_id} Error: {reason}")


def response_payload(body: bytes) -> Any:
    """The function's response as the caller sees it: JSON when it is JSON, else its text."""
    try:
        return json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")


FROM_RESPONSE: Any = object()  # a success's payload: its response, decoded when first read


class _Payload:
    """InvocationResult.payload. Given FROM_RESPONSE, it is the response decoded
    (response_payload) on first reading: the command line prints a success's response as the
    runtime sent it, and decoding it on every invocation would be work nobody reads."""

    def __set_name__(self, owner: type, name: str) -> None:
        self._key = f"_{name}"

    def __get__(self, result: InvocationResult | None, owner: type | None = None) -> Any:
        if result is None:
            raise AttributeError("payload")  # the dataclass field has no default
        payload = result.__dict__[self._key]
        if payload is FROM_RESPONSE:
            payload = result.__dict__[self._key] = response_payload(result.response or b"")
        return payload

    def __set__(self, result: InvocationResult, value: Any) -> None:
        result.__dict__[self._key] = value


@dataclass
class InvocationResult:
    """One invocation as the CLI's --json and the service report it (see DESIGN.md)."""

    request_id: str
    status: str
    payload: Any = _Payload()
    function_error: str | None
    error_type: str | None
    logs: str
    cold_start: bool
    duration_ms: float
    billed_duration_ms: int
    init_duration_ms: float | None
    memory_size_mb: int
    max_memory_used_mb: int
    isolation: dict[str, Any]
    cost: Cost | None = None
    environment_id: str | None = None
    # Not part of the contract: the handler's own run time measured inside the runtime.
    handler_ms: float | None = field(default=None, repr=False)
    # The response body exactly as the runtime posted it (a success only; not sent over the wire).
    response: bytes | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.status == "success"

    def to_dict(self) -> InvokeResult:
        return {
            "request_id": self.request_id,
            "status": self.status,
            "payload": self.payload,
            "function_error": self.function_error,
            "error_type": self.error_type,
            "logs": self.logs,
            "cold_start": self.cold_start,
            "duration_ms": self.duration_ms,
            "billed_duration_ms": self.billed_duration_ms,
            "init_duration_ms": self.init_duration_ms,
            "memory_size_mb": self.memory_size_mb,
            "max_memory_used_mb": self.max_memory_used_mb,
            "isolation": dict(self.isolation),
            "cost": self.cost.to_dict() if self.cost else None,
            "environment_id": self.environment_id,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> InvocationResult:
        values = dict(data)
        cost = values.pop("cost", None)
        return cls(**values, cost=Cost.from_dict(cost) if cost else None)
