"""Allocate memory step by step until the function runs out of it."""

import logging
import os
import time

logger = logging.getLogger()
logger.setLevel(logging.INFO)

MB = 1024 * 1024
STEP_MB = 16


def handler(event, context):
    # How much to allocate: the event field "megabytes" wins over the GROW_MB variable.
    target = event.get("megabytes") if isinstance(event, dict) else None
    if target is None:
        target = os.environ.get("GROW_MB", "64")
    try:
        target_mb = int(target)
    except (TypeError, ValueError):
        raise ValueError(f"megabytes must be a whole number, got {target!r}") from None
    if target_mb < 0:
        raise ValueError("megabytes must be zero or more")

    limit = context.memory_limit_in_mb  # a string in the Python runtime, e.g. "128"
    logger.info("memory limit %s MB, allocating %d MB in %d MB steps", limit, target_mb, STEP_MB)

    hoard = []  # keep references so nothing is freed
    allocated = 0
    while allocated < target_mb:
        step = min(STEP_MB, target_mb - allocated)
        # b"x" * n writes every byte, so the pages are really used (a plain
        # bytearray(n) may stay virtual and never count against the limit).
        hoard.append(b"x" * (step * MB))
        allocated += step
        logger.info("allocated %d MB so far", allocated)
        time.sleep(0.02)

    return {"allocated_mb": allocated, "memory_limit_mb": int(limit)}
