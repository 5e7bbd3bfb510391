"""An X-Ray / OpenTelemetry-style trace of one invocation's phases, built with the stdlib.

ADOT (the AWS Distro for OpenTelemetry) or the X-Ray SDK records these spans for you; here the
code records them itself so you can see what a trace is made of: one trace id per request,
a segment for the function, and subsegments for Initialization, Invocation and the calls inside.
"""

import json
import logging
import os
import secrets
import time

logger = logging.getLogger()
logger.setLevel(logging.INFO)

# ---- INIT: measured once per environment; only a cold start's trace has this span ----
_INIT_START = time.time()
CONFIG = {str(i): i * i for i in range(50_000)}  # "load configuration and clients"
time.sleep(0.2)
_INIT_END = time.time()
init_reported = False


def trace_id():
    """Lambda passes the active trace in _X_AMZN_TRACE_ID; without it, start a new trace."""
    header = os.environ.get("_X_AMZN_TRACE_ID", "")
    for part in header.split(";"):
        if part.startswith("Root="):
            return part[5:]
    return f"1-{int(time.time()):08x}-{secrets.token_hex(12)}"


def span(name, start, end, **extra):
    return {"name": name, "start_time": round(start, 6), "end_time": round(end, 6),
            "duration_ms": round((end - start) * 1000, 1), **extra}


def handler(event, context):
    global init_reported
    started = time.time()
    subsegments = []
    if not init_reported:  # the first invocation of this environment: a cold start
        subsegments.append(span("Initialization", _INIT_START, _INIT_END))
        init_reported = True
    t0 = time.time()
    items = [CONFIG[str(i)] for i in range(0, 50_000, 7)]  # "parse the request"
    t1 = time.time()
    time.sleep(0.05)  # "call DynamoDB": a downstream call is a subsegment with a namespace
    t2 = time.time()
    calls = [span("parse", t0, t1), span("DynamoDB.GetItem", t1, t2, namespace="aws")]
    subsegments.append(span("Invocation", started, time.time(), subsegments=calls))
    segment = {
        "trace_id": trace_id(),
        "name": context.function_name,
        "origin": "AWS::Lambda::Function",
        "subsegments": subsegments,
        "annotations": {"items": len(items)},
    }
    logger.info("trace %s", json.dumps(segment))
    return {"cold_start": subsegments[0]["name"] == "Initialization", "trace": segment}
