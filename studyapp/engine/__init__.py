"""The Lambda sandbox engine: execution environments, warm pools, billing, CLI and service.

Pure standard library, no Django (inside a sandbox: AWS's awslambdaric for python3.13, our own
stdlib-only bootstrap for Node.js, or the function's own bootstrap for provided.al2023, all
speaking the Lambda Runtime API that the supervisor serves). The pieces the web app uses:

- `EnvironmentPool.invoke(FunctionConfig, event)` -> `InvocationResult` (in-process), or
- `client.invoke(...)` against the sandbox service (`service.serve`), which holds the pools in a
  process of its own;
- `full_isolation_available()` before running learner-edited code;
- `billing` for the cost arithmetic.
"""

from __future__ import annotations

from .billing import Cost, billed_duration_ms, invocation_cost
from .config import ConfigError, FunctionConfig
from .environment import ExecutionEnvironment
from .isolation import IsolationReport, full_isolation_available, host_capabilities
from .pool import EnvironmentPool, IsolationUnavailableError, PoolStats
from .results import InvocationResult
from .spawning import SandboxSettings

__all__ = [
    "ConfigError",
    "Cost",
    "EnvironmentPool",
    "ExecutionEnvironment",
    "FunctionConfig",
    "InvocationResult",
    "IsolationReport",
    "IsolationUnavailableError",
    "PoolStats",
    "SandboxSettings",
    "billed_duration_ms",
    "full_isolation_available",
    "host_capabilities",
    "invocation_cost",
]
