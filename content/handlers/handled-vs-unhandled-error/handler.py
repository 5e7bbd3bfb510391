"""Handled errors (you return them) versus unhandled errors (Lambda reports them)."""

import logging

logger = logging.getLogger()
logger.setLevel(logging.INFO)


class PaymentDeclinedError(Exception):
    """A custom exception: its class name becomes Lambda's errorType."""


def charge(amount):
    if amount > 1000:
        raise PaymentDeclinedError(f"Card declined for amount {amount:.2f}")
    return {"charged": amount}


def handler(event, context):
    if not isinstance(event, dict):
        raise TypeError('Expected a JSON object like {"mode": "unhandled"}')
    mode = event.get("mode", "handled")
    amount = float(event.get("amount", 2500))
    logger.info("mode=%s amount=%.2f", mode, amount)

    if mode == "handled":
        # Catch the failure and turn it into a normal return value.
        # To Lambda this invocation SUCCEEDED: no retry, no DLQ, no Errors metric.
        try:
            return {"ok": True, **charge(amount)}
        except PaymentDeclinedError as exc:
            logger.warning("declined: %s", exc)
            return {"ok": False, "error": {"type": type(exc).__name__, "message": str(exc)}}

    if mode == "unhandled":
        # Let the exception escape. Lambda marks the invocation as FAILED and
        # returns {"errorMessage", "errorType", "stackTrace", "requestId"}.
        return {"ok": True, **charge(amount)}

    raise ValueError(f'Unknown mode {mode!r}: use "handled" or "unhandled"')
