"""A function's settings a learner can change, as one value (forms, the API and runs share it)."""

from __future__ import annotations

from dataclasses import dataclass

from studyapp.sandbox.models import Function


@dataclass(frozen=True)
class FunctionSettings:
    """What a learner can change before a run: the code (own functions only) and the settings."""

    memory_mb: int
    timeout_s: int
    ephemeral_storage_mb: int
    environment: dict[str, str]
    log_format: str
    code: str | None = None  # the handler's module; None keeps the stored code
    runtime: str | None = None  # None keeps the stored runtime
    handler: str | None = None  # None keeps the stored handler

    @classmethod
    def defaults(cls) -> FunctionSettings:
        """A new function's settings: the Function model's defaults, stated only there."""
        return cls.of(Function())

    @classmethod
    def of(cls, function: Function) -> FunctionSettings:
        return cls(
            memory_mb=function.memory_mb,
            timeout_s=function.timeout_s,
            ephemeral_storage_mb=function.ephemeral_storage_mb,
            environment=dict(function.environment),
            log_format=function.log_format,
            runtime=function.runtime,
            handler=function.handler,
        )
