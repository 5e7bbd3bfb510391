"""The JSON shapes that cross the service's boundary, as TypedDicts for the client side.

The web app builds a FunctionSpec (FunctionConfig.to_dict()), sends an InvokeRequest through
client.invoke, and gets an InvokeResult back (InvocationResult.to_dict()); these name their
keys so a caller reading ``result["status"]`` is checked against what the service sends.
"""

# No `from __future__ import annotations` here: TypedDict reads Required/NotRequired at runtime.
from typing import Any, Literal, NotRequired, Required, TypedDict

Status = Literal["success", "error", "timeout", "oom", "throttled"]


class FunctionSpec(TypedDict, total=False):
    """FunctionConfig as JSON: only ``name`` is required; the rest take the config's defaults."""

    name: Required[str]
    handler: str
    code: dict[str, str] | None
    code_dir: str | None
    memory_mb: int
    timeout_s: int
    ephemeral_storage_mb: int
    environment: dict[str, str]
    layers: list[str | dict[str, str]]
    log_format: str
    reserved_concurrency: int | None
    region: str
    account: str
    runtime: str


class InvokeRequest(TypedDict):
    """POST /invoke's body."""

    function: FunctionSpec
    event: Any
    client_context: dict[str, Any] | None
    require_full_isolation: bool


class CostShape(TypedDict):
    """billing.Cost as JSON."""

    gb_seconds: float
    x86_64_usd: float
    arm64_usd: float
    x86_64_per_million_usd: float
    arm64_per_million_usd: float
    free_tier_invocations_per_month: int


class InvokeResult(TypedDict):
    """One invocation's result object (DESIGN.md's `lambda invoke --json` element); a throttle
    answered before any environment was used carries only the first nine keys."""

    request_id: str
    status: Status
    payload: Any
    function_error: str | None
    error_type: str | None
    logs: str
    cold_start: bool
    duration_ms: float
    billed_duration_ms: int
    init_duration_ms: float | None
    memory_size_mb: NotRequired[int]
    max_memory_used_mb: NotRequired[int]
    isolation: NotRequired[dict[str, Any]]
    cost: NotRequired[CostShape | None]
    environment_id: NotRequired[str | None]
