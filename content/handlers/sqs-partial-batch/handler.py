"""Consume an SQS batch and report only the messages that failed."""

import json
import logging

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def process(order):
    if not isinstance(order, dict) or "orderId" not in order:
        raise ValueError("message has no orderId")
    if int(order.get("quantity", 0)) <= 0:
        raise ValueError("quantity must be positive")
    logger.info("order %s: %s x %s", order["orderId"], order["quantity"], order.get("sku"))


def handler(event, context):
    records = event.get("Records") if isinstance(event, dict) else None
    if not records or records[0].get("eventSource") != "aws:sqs":
        raise ValueError("Expected an SQS event (try the sqs template)")

    failures = []
    for record in records:
        try:
            process(json.loads(record["body"]))
        except (ValueError, TypeError) as exc:  # json.JSONDecodeError is a ValueError
            logger.error("message %s failed: %s", record["messageId"], exc)
            failures.append({"itemIdentifier": record["messageId"]})

    # Needs ReportBatchItemFailures on the event source mapping. Only the listed
    # messages go back to the queue; the others are deleted. An empty list means
    # the whole batch succeeded.
    logger.info("%d of %d messages failed", len(failures), len(records))
    return {"batchItemFailures": failures}
