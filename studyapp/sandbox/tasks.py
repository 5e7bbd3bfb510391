"""Background work of the Lambda-compatible API, run by the task worker (`manage.py task_worker`).

Each task is defined beside the logic it runs (``invoking``, ``concurrency``, ``environments``,
``async_invoke``, ``sqs``), which enqueues the next step itself; tests call the ``*_run``
functions directly with a fixed ``now``. This module names them all in one place, and keeps the
paths of tasks queued by earlier versions (``studyapp.sandbox.tasks.<name>``) importable.
"""

from __future__ import annotations

from studyapp.sandbox.async_invoke import async_event_attempt, async_event_watch
from studyapp.sandbox.concurrency import provisioned_keep, provisioned_release
from studyapp.sandbox.environments import environments_refresh
from studyapp.sandbox.invoking import invocation_lanes_run
from studyapp.sandbox.sqs import queue_poll_task

queue_poll = queue_poll_task  # the path tasks queued by earlier versions name

__all__ = [
    "async_event_attempt",
    "async_event_watch",
    "environments_refresh",
    "invocation_lanes_run",
    "provisioned_keep",
    "provisioned_release",
    "queue_poll",
    "queue_poll_task",
]
