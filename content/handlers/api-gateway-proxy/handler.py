"""A REST API (API Gateway proxy integration, payload 1.0) in one function."""

import base64
import json
import logging

logger = logging.getLogger()
logger.setLevel(logging.INFO)

# A tiny in-memory "table". It lives as long as the execution environment.
ITEMS = {
    "101": {"id": "101", "name": "Notebook", "price": 4.5},
    "102": {"id": "102", "name": "Pencil", "price": 0.8},
}


def response(status, body):
    """Build the only shape API Gateway accepts back from a proxy integration.

    Anything else (a missing statusCode, a body that is a dict and not a
    string) makes API Gateway answer the caller with 502 Bad Gateway.
    """
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "multiValueHeaders": {},
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }


def handler(event, context):
    if not isinstance(event, dict) or "httpMethod" not in event or "path" not in event:
        raise ValueError("Expected an API Gateway REST proxy event (try api-gateway-v1)")

    method = event["httpMethod"]
    parts = [p for p in event["path"].split("/") if p]  # "/items/101" -> ["items", "101"]
    logger.info("%s %s", method, event["path"])

    if parts == ["items"] and method == "GET":
        return response(200, {"items": list(ITEMS.values())})

    if parts == ["items"] and method == "POST":
        raw = event.get("body") or ""
        if event.get("isBase64Encoded"):
            raw = base64.b64decode(raw).decode()
        try:
            item = json.loads(raw)
            name, price = str(item["name"]), float(item["price"])
        except (ValueError, KeyError, TypeError):
            hint = 'Body must be JSON like {"name": "Pen", "price": 1.5}'
            return response(400, {"message": hint})
        new_id = str(101 + len(ITEMS))
        ITEMS[new_id] = {"id": new_id, "name": name, "price": price}
        return response(201, ITEMS[new_id])

    if len(parts) == 2 and parts[0] == "items" and method == "GET":
        item = ITEMS.get(parts[1])
        if item is None:
            return response(404, {"message": f"Item {parts[1]} not found"})
        return response(200, item)

    return response(404, {"message": f"No route for {method} {event['path']}"})
