"""Read a DynamoDB stream: turn DynamoDB JSON into plain values and diff the images."""

import base64
import logging

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def deserialize(av):
    """{"S": "x"} -> "x", {"N": "2"} -> 2, {"M": {...}} -> dict ... (by hand, no boto3)."""
    if len(av) != 1:
        raise ValueError(f"An attribute value has exactly one type tag, got {av!r}")
    kind, value = next(iter(av.items()))
    if kind == "S":
        return value
    if kind == "N":  # numbers travel as strings (boto3 would give you Decimal)
        return int(value) if value.lstrip("-").isdigit() else float(value)
    if kind == "B":
        return base64.b64decode(value).decode("utf-8", "replace")
    if kind in ("BOOL", "NULL"):
        return None if kind == "NULL" else value
    if kind == "M":
        return {k: deserialize(v) for k, v in value.items()}
    if kind == "L":
        return [deserialize(v) for v in value]
    if kind in ("SS", "NS", "BS"):  # sets: sorted lists so the result is JSON
        return sorted(deserialize({kind[0]: v}) for v in value)
    raise ValueError(f"Unknown DynamoDB type {kind!r}")


def image(record, name):
    raw = record["dynamodb"].get(name) or {}
    return {k: deserialize(v) for k, v in raw.items()}


def handler(event, context):
    records = event.get("Records") if isinstance(event, dict) else None
    if not records or records[0].get("eventSource") != "aws:dynamodb":
        raise ValueError("Expected a DynamoDB stream event (try the dynamodb-stream template)")

    changes = []
    for record in records:
        keys, old, new = image(record, "Keys"), image(record, "OldImage"), image(record, "NewImage")
        change = {"event": record["eventName"], "keys": keys}
        if record["eventName"] == "INSERT":
            change["item"] = new
        elif record["eventName"] == "REMOVE":
            change["item"] = old
        else:  # MODIFY: only the attributes whose value changed
            change["changed"] = {
                name: {"old": old.get(name), "new": new.get(name)}
                for name in sorted(old.keys() | new.keys())
                if old.get(name) != new.get(name)
            }
        logger.info("%s %s", record["eventName"], keys)
        changes.append(change)
    return {"changes": changes}
