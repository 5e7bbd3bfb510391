"""Reserved concurrency: a cap and a guarantee. At 0, Lambda never runs this code at all."""

import json
import logging

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def orders_of(event):
    """Orders from an SQS batch, or one order sent directly."""
    if isinstance(event, dict) and isinstance(event.get("Records"), list):
        return [json.loads(record["body"]) for record in event["Records"]]
    if isinstance(event, dict):
        return [event]
    raise ValueError("Expected an order object or an SQS batch of orders")


def handler(event, context):
    # With reserved concurrency 0 this line is never reached: Lambda refuses the invocation
    # before any execution environment is used (no START line, no REPORT, no cost).
    orders = orders_of(event)
    for order in orders:
        logger.info("order %s accepted", order.get("orderId", "?"))
    return {"accepted": len(orders), "function": context.function_name}
