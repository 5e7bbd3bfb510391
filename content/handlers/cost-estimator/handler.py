"""Estimate a month of Lambda cost for this function's memory size."""

import logging
import math

logger = logging.getLogger()
logger.setLevel(logging.INFO)

PRICE_PER_MILLION_REQUESTS = 0.20  # us-east-1
PRICE_PER_GB_SECOND = {"x86_64": 0.0000166667, "arm64": 0.0000133334}
FREE_REQUESTS, FREE_GB_SECONDS = 1_000_000, 400_000  # free tier, per month


def handler(event, context):
    event = event if isinstance(event, dict) else {}
    requests = int(event.get("requests_per_month", 20_000_000))
    duration_ms = float(event.get("avg_duration_ms", 120))
    arch = event.get("architecture", "x86_64")
    if arch not in PRICE_PER_GB_SECOND or requests < 0 or duration_ms <= 0:
        raise ValueError("architecture must be x86_64 or arm64; counts and durations positive")

    memory_mb = int(context.memory_limit_in_mb)  # a string such as "128" in the runtime
    billed_ms = math.ceil(duration_ms)  # billed per 1 ms, rounded up
    gb_seconds = requests * (memory_mb / 1024) * (billed_ms / 1000)

    request_cost = max(requests - FREE_REQUESTS, 0) / 1e6 * PRICE_PER_MILLION_REQUESTS
    compute_cost = max(gb_seconds - FREE_GB_SECONDS, 0) * PRICE_PER_GB_SECOND[arch]
    logger.info(
        "%d requests x %d ms at %d MB = %.0f GB-s", requests, billed_ms, memory_mb, gb_seconds
    )
    return {
        "memory_mb": memory_mb,
        "architecture": arch,
        "gb_seconds": round(gb_seconds, 1),
        "request_cost_usd": round(request_cost, 2),
        "compute_cost_usd": round(compute_cost, 2),
        "total_usd_per_month": round(request_cost + compute_cost, 2),
    }
