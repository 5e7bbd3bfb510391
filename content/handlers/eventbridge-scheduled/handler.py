"""A nightly job started by an EventBridge schedule."""

import logging
from datetime import datetime, timedelta

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def handler(event, context):
    if not isinstance(event, dict) or event.get("detail-type") != "Scheduled Event":
        raise ValueError("Expected an EventBridge Scheduled Event (try eventbridge-scheduled)")

    # Use the time in the event, not the clock: a retried or late invocation
    # then still reports on the period it was scheduled for.
    fired = datetime.fromisoformat(event["time"])  # Python 3.11+ accepts the "Z"
    day = (fired - timedelta(days=1)).date()
    start, end = f"{day.isoformat()}T00:00:00Z", f"{fired.date().isoformat()}T00:00:00Z"

    rule = event["resources"][0].rsplit("/", 1)[-1] if event.get("resources") else "unknown"
    logger.info("rule %s fired at %s; reporting on %s", rule, event["time"], day)
    return {
        "rule": rule,
        "report_date": day.isoformat(),
        "window": {"from": start, "to": end},
        "report_key": f"reports/daily/{day:%Y/%m/%d}/summary.csv",
        "event_id": event.get("id"),
    }
