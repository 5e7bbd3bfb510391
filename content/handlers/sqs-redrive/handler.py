"""An SQS consumer that cannot process one kind of message: redrive moves it aside."""

import json
import logging

logger = logging.getLogger()
logger.setLevel(logging.INFO)


class PoisonMessageError(Exception):
    """A message this code will never be able to process, however often it is tried."""


def handler(event, context):
    records = event.get("Records") if isinstance(event, dict) else None
    if not records or records[0].get("eventSource") != "aws:sqs":
        raise ValueError("Expected an SQS event (try the sqs template)")
    for record in records:
        receives = record.get("attributes", {}).get("ApproximateReceiveCount", "1")
        try:
            order = json.loads(record["body"])
        except ValueError:
            # Raising fails the WHOLE batch: every message in it becomes visible again after
            # the visibility timeout and is received once more.
            raise PoisonMessageError(
                f"message {record['messageId']} is not JSON (received {receives} times)"
            ) from None
        logger.info("order %s processed", order.get("orderId", "?"))
    return {"processed": len(records)}
