"""What one invocation costs on Lambda (us-east-1 prices): pure functions, no I/O.

Billed duration is rounded up to the next whole millisecond (since December 2020). Since
1 August 2025 the INIT phase is billed too, so a cold start bills ceil(init + duration) and a warm
invocation bills ceil(duration).
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Any

PRICE_PER_REQUEST_USD = 0.20 / 1_000_000
PRICE_PER_GB_SECOND_USD = {"x86_64": 0.0000166667, "arm64": 0.0000133334}
FREE_TIER_REQUESTS_PER_MONTH = 1_000_000
FREE_TIER_GB_SECONDS_PER_MONTH = 400_000


_HUNDREDTH = Decimal("0.01")


def round_ms(value: float) -> float:
    """Durations are reported with two decimals."""
    return float(Decimal(repr(value)).quantize(_HUNDREDTH))


def billed_duration_ms(duration_ms: float, init_duration_ms: float | None = None) -> int:
    """ceil(init + duration) on a cold start, ceil(duration) when warm; at least 1 ms."""
    if init_duration_ms is None:
        # A float and the shortest decimal that reads back as it have the same ceiling (a whole
        # number between them would be a closer float to that decimal), so no Decimal is needed.
        return max(1, math.ceil(round_ms(duration_ms)))
    total = Decimal(repr(round_ms(duration_ms))) + Decimal(repr(round_ms(init_duration_ms)))
    return max(1, int(total.to_integral_value(rounding=ROUND_CEILING)))


def gb_seconds(memory_mb: int, billed_ms: int) -> float:
    return (memory_mb / 1024) * (billed_ms / 1000)


def invocation_cost_usd(memory_mb: int, billed_ms: int, architecture: str = "x86_64") -> float:
    """Request charge plus compute charge of one invocation, before the free tier."""
    return (
        PRICE_PER_REQUEST_USD
        + gb_seconds(memory_mb, billed_ms) * PRICE_PER_GB_SECOND_USD[architecture]
    )


def free_invocations_per_month(memory_mb: int, billed_ms: int) -> int:
    """How many such invocations a month the free tier covers entirely."""
    compute = gb_seconds(memory_mb, billed_ms)
    by_compute = math.floor(FREE_TIER_GB_SECONDS_PER_MONTH / compute) if compute else math.inf
    return int(min(FREE_TIER_REQUESTS_PER_MONTH, by_compute))


@dataclass(frozen=True)
class Cost:
    """The bill of one invocation and of one million like it, on both architectures."""

    gb_seconds: float
    x86_64_usd: float
    arm64_usd: float
    x86_64_per_million_usd: float
    arm64_per_million_usd: float
    free_tier_invocations_per_month: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Cost:
        return cls(**data)


@functools.lru_cache(maxsize=4096)  # a Cost is frozen; warm invocations repeat a few figures
def invocation_cost(memory_mb: int, billed_ms: int) -> Cost:
    x86 = invocation_cost_usd(memory_mb, billed_ms, "x86_64")
    arm = invocation_cost_usd(memory_mb, billed_ms, "arm64")
    return Cost(
        gb_seconds=gb_seconds(memory_mb, billed_ms),
        x86_64_usd=x86,
        arm64_usd=arm,
        x86_64_per_million_usd=round(x86 * 1_000_000, 6),
        arm64_per_million_usd=round(arm * 1_000_000, 6),
        free_tier_invocations_per_month=free_invocations_per_month(memory_mb, billed_ms),
    )
