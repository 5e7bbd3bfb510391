"""A fixed amount of CPU work, timed, to see how memory size buys CPU."""

import logging
import math
import os
import time

logger = logging.getLogger()
logger.setLevel(logging.INFO)

LIMIT = int(os.environ.get("PRIME_LIMIT", "300000"))  # the same work on every run


def count_primes(limit):
    """Deliberately plain trial division: pure Python, single thread, CPU bound."""
    count = 0
    for n in range(2, limit):
        if all(n % d for d in range(2, math.isqrt(n) + 1)):
            count += 1
    return count


def handler(event, context):
    wall_start = time.perf_counter()
    cpu_start = time.process_time()
    primes = count_primes(LIMIT)
    wall_ms = (time.perf_counter() - wall_start) * 1000
    cpu_ms = (time.process_time() - cpu_start) * 1000

    logger.info("%d primes below %d in %.0f ms", primes, LIMIT, wall_ms)
    return {
        "memory_mb": int(context.memory_limit_in_mb),
        "primes_below_limit": primes,
        "elapsed_ms": round(wall_ms, 1),
        "cpu_ms": round(cpu_ms, 1),
        # Near 1.0 means we had a whole CPU; far below 1.0 means Lambda gave
        # us only a slice of one (small memory sizes) and we waited for it.
        "cpu_share": round(cpu_ms / wall_ms, 2) if wall_ms else None,
    }
