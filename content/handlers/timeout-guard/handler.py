"""A batch job that watches the clock and stops cleanly before Lambda's timeout."""

import logging
import os
import time

logger = logging.getLogger()
logger.setLevel(logging.INFO)

ITEMS = int(os.environ.get("ITEMS", "40"))  # how many items the job has to process
ITEM_MS = int(os.environ.get("ITEM_MS", "100"))  # how long one item takes
SAFETY_MS = int(os.environ.get("SAFETY_MS", "500"))  # stop when less than this is left
GUARD = os.environ.get("GUARD", "on").lower() != "off"  # GUARD=off: no clock checks


def process(item):
    time.sleep(ITEM_MS / 1000)  # stands in for real work: an API call, a file, a query
    return item * item


def handler(event, context):
    start = int(event.get("start", 0)) if isinstance(event, dict) else 0
    done = []
    for item in range(start, ITEMS):
        remaining = context.get_remaining_time_in_millis()
        if GUARD and remaining < SAFETY_MS + ITEM_MS:
            # Not enough time for one more item: save progress and hand back.
            logger.warning("stopping early with %d ms left after %d items", remaining, len(done))
            return {
                "complete": False,
                "processed": len(done),
                "next_start": item,  # invoke again with {"start": next_start} to resume
                "remaining_ms": remaining,
            }
        process(item)
        done.append(item)

    logger.info("processed all %d items", len(done))
    return {
        "complete": True,
        "processed": len(done),
        "next_start": None,
        "remaining_ms": context.get_remaining_time_in_millis(),
    }
