"""A payment capture invoked asynchronously: Lambda retries it, then sends the event away."""

import logging

logger = logging.getLogger()
logger.setLevel(logging.INFO)

LIMIT = 1000  # amounts above this are always declined
attempts_here = 0  # how many tries this environment has seen (retries often reuse it)


class PaymentDeclinedError(Exception):
    """Raised, not returned: only an unhandled error counts as a failed attempt."""


def handler(event, context):
    global attempts_here
    if not isinstance(event, dict):
        raise ValueError("Expected a payment object such as {\"orderId\": ..., \"amount\": ...}")
    attempts_here += 1
    amount = event.get("amount", 0)
    logger.info("capture %s for order %s (try %d here)", amount, event.get("orderId"), attempts_here)
    if amount > LIMIT:
        # The same event comes back on every retry, so it fails every time: a poison event.
        raise PaymentDeclinedError(f"amount {amount} is above the limit of {LIMIT}")
    return {"captured": amount, "orderId": event.get("orderId")}
