"""Structured JSON logs from an HTTP API (payload 2.0) function."""

import json
import logging
import uuid

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def handler(event, context):
    if not isinstance(event, dict) or event.get("version") != "2.0":
        raise ValueError("Expected an HTTP API payload 2.0 event (try the api-gateway-v2 template)")

    http = event["requestContext"]["http"]
    # With log_format JSON, fields passed in `extra` become keys of the JSON log
    # record, next to timestamp, level, message, logger and requestId.
    fields = {
        "route": event["routeKey"],
        "sourceIp": http["sourceIp"],
        "apiRequestId": event["requestContext"]["requestId"],
    }
    logger.info("request received", extra=fields)

    try:
        order = json.loads(event.get("body") or "")
        quantity = int(order["quantity"])
    except (ValueError, KeyError, TypeError) as exc:
        logger.warning("rejected request", extra={**fields, "reason": str(exc)})
        # The full response shape, when you need a status code other than 200.
        return {
            "statusCode": 400,
            "headers": {"content-type": "application/json"},
            "body": json.dumps({"message": "Body must be JSON with a quantity"}),
        }

    order_id = f"ord-{uuid.uuid4().hex[:8]}"
    logger.info("order accepted", extra={**fields, "orderId": order_id, "quantity": quantity})
    # Payload 2.0 shortcut: a dict without statusCode becomes 200, JSON body.
    return {"orderId": order_id, "sku": order.get("sku"), "quantity": quantity}
