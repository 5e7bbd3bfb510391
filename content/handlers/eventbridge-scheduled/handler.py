"""A nightly job started by an EventBridge rule or an EventBridge Scheduler schedule."""

import logging
from datetime import datetime, timedelta

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def when_and_what(event):
    """Return (scheduled time, trigger kind, trigger name) for either kind of schedule."""
    if not isinstance(event, dict):
        raise ValueError("Expected a scheduled event (try eventbridge-scheduled)")
    if event.get("detail-type") == "Scheduled Event":
        # An EventBridge *rule* sends its own envelope: source aws.events, time, resources.
        rule = event["resources"][0].rsplit("/", 1)[-1] if event.get("resources") else "unknown"
        return event["time"], "rule", rule
    if "scheduledTime" in event:
        # EventBridge *Scheduler* sends only the input you configured. This schedule's input
        # uses the context attributes <aws.scheduler.scheduled-time> and <aws.scheduler.schedule-arn>.
        schedule = event.get("scheduleArn", "unknown").rsplit("/", 1)[-1]
        return event["scheduledTime"], "schedule", schedule
    raise ValueError(
        "Expected an EventBridge Scheduled Event or a Scheduler input with scheduledTime "
        "(try eventbridge-scheduled or eventbridge-scheduler)"
    )


def handler(event, context):
    fired_at, kind, name = when_and_what(event)
    # Use the time in the event, not the clock: a retried or late invocation
    # then still reports on the period it was scheduled for.
    fired = datetime.fromisoformat(fired_at)  # Python 3.11+ accepts the "Z"
    day = (fired - timedelta(days=1)).date()
    start, end = f"{day.isoformat()}T00:00:00Z", f"{fired.date().isoformat()}T00:00:00Z"

    logger.info("%s %s fired at %s; reporting on %s", kind, name, fired_at, day)
    return {
        kind: name,
        "report_date": day.isoformat(),
        "window": {"from": start, "to": end},
        "report_key": f"reports/daily/{day:%Y/%m/%d}/summary.csv",
        "event_id": event.get("id") or event.get("executionId"),
    }
