"""Cold start versus warm start: what runs once per environment, what runs per call."""

import hashlib
import logging
import time

logger = logging.getLogger()
logger.setLevel(logging.INFO)

# ---- INIT phase: everything at module level runs once, on a cold start. ----
_init_started = time.monotonic()

# Pretend we load something expensive (an SDK client, a model, a big config):
# build a lookup table, then wait for "the network" so INIT takes ~400 ms.
LOOKUP = {i: hashlib.sha256(str(i).encode()).hexdigest()[:8] for i in range(20_000)}
time.sleep(0.4)

INIT_MS = round((time.monotonic() - _init_started) * 1000, 1)
ENVIRONMENT_BORN = time.time()
invocations = 0  # survives between calls while this environment stays warm
# -----------------------------------------------------------------------------


def handler(event, context):
    global invocations
    invocations += 1
    cold = invocations == 1  # the first call in an environment pays for INIT

    logger.info("invocation %d in this environment (cold=%s)", invocations, cold)
    return {
        "cold_start": cold,
        "invocation_count": invocations,
        "init_ms_measured_in_code": INIT_MS,
        "environment_age_s": round(time.time() - ENVIRONMENT_BORN, 2),
        "sample_lookup": LOOKUP[42],
        "request_id": context.aws_request_id,
    }
