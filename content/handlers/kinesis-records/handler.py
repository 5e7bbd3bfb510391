"""Decode base64 Kinesis records and aggregate a mini-batch of stock ticks."""

import base64
import binascii
import json
import logging

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def handler(event, context):
    records = event.get("Records") if isinstance(event, dict) else None
    if not records or records[0].get("eventSource") != "aws:kinesis":
        raise ValueError("Expected a Kinesis event (try the kinesis template)")

    stats, failures = {}, []
    for record in records:
        seq = record["kinesis"]["sequenceNumber"]
        try:
            # The producer's bytes arrive base64-encoded in kinesis.data.
            tick = json.loads(base64.b64decode(record["kinesis"]["data"], validate=True))
            symbol, price = tick["symbol"], float(tick["price"])
        except (binascii.Error, ValueError, KeyError, TypeError) as exc:
            logger.error("record %s is unreadable: %s", seq, exc)
            # For streams, report the sequence number; Lambda retries from the
            # lowest failed record, so records after it are processed again.
            failures.append({"itemIdentifier": seq})
            break
        s = stats.setdefault(symbol, {"count": 0, "min": price, "max": price, "sum": 0.0})
        s["count"] += 1
        s["min"], s["max"], s["sum"] = min(s["min"], price), max(s["max"], price), s["sum"] + price

    summary = {
        sym: {
            "count": s["count"],
            "min": s["min"],
            "max": s["max"],
            "avg": round(s["sum"] / s["count"], 4),
        }
        for sym, s in stats.items()
    }
    logger.info("summary %s", summary)
    return {"symbols": summary, "batchItemFailures": failures}
