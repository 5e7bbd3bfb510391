"""Provisioned concurrency: environments initialised ahead; beyond them, on-demand cold starts."""

import hashlib
import logging
import os
import time

logger = logging.getLogger()
logger.setLevel(logging.INFO)

# ---- INIT: runs once per environment. With provisioned concurrency it runs before any request.
_started = time.monotonic()
CATALOGUE = {i: hashlib.sha256(str(i).encode()).hexdigest()[:8] for i in range(20_000)}
time.sleep(0.3)  # "connect to the database": INIT takes about 300 ms or more
INIT_MS = round((time.monotonic() - _started) * 1000, 1)
# Lambda says how this environment was initialised: "on-demand" or "provisioned-concurrency".
INITIALIZATION_TYPE = os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand")
invocations = 0
# Each request takes about a second (a call to a downstream service), so two requests sent at
# once are in flight together: a provisioned environment serves one request at a time.
REQUEST_S = 1.0


def handler(event, context):
    global invocations
    invocations += 1
    logger.info("initialisation %s, invocation %d here", INITIALIZATION_TYPE, invocations)
    time.sleep(REQUEST_S)
    return {
        "initialization_type": INITIALIZATION_TYPE,
        "invocation_in_this_environment": invocations,
        "init_ms_measured_in_code": INIT_MS,
        "catalogue_entry": CATALOGUE[7],
    }
