"""Background work of the Lambda-compatible API, run by the task worker (`manage.py db_worker`).

Each task is a thin wrapper: the logic lives in ``async_invoke`` and ``sqs``, where tests call it
directly with a fixed ``now``.
"""

from __future__ import annotations

from django.tasks import task

from studyapp.sandbox import async_invoke, sqs


@task()
def async_event_attempt(event_id: int, number: int) -> None:
    """Run try ``number`` of an asynchronous event (a stale or duplicate task does nothing)."""
    async_invoke.async_event_attempt_run(event_id=event_id, number=number)


@task()
def async_event_watch(event_id: int, number: int) -> None:
    """Check that the worker running try ``number`` is alive; take the event over if not."""
    async_invoke.async_event_watch_run(event_id=event_id, number=number)


@task()
def queue_poll(queue_id: int) -> None:
    """Poll a simulated SQS queue into its function, then schedule the next poll."""
    sqs.queue_poll_run(queue_id=queue_id)
