"""The task worker inside the test process, for the tasks that call the sandbox service: the
invocations (studyapp.sandbox.invoking), provisioned concurrency (studyapp.sandbox.concurrency)
and the concurrency page's list of environments (studyapp.sandbox.environments).

pytest-django's test database lives in this process (SQLite in memory), where a separate
`manage.py task_worker` cannot see it. These run the queued ``WORKER_TASKS`` with the task worker
of `make run` (studyapp/core/task_worker.py) inside this process; tests of the real processes
(tests/faults/, tests/sandbox/test_one_path.py) run the real `manage.py task_worker` instead.
The asynchronous-event and SQS tasks stay queued for the tests that call their ``*_run``
functions with a fixed clock.

- ``invocation_tasks_run()`` runs what is queued now, in this thread, and returns how many ran;
- the ``task_worker`` fixture runs them from background threads for the whole test (a live
  server's synchronous Invoke waits on its row while one of them runs it).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

# Loaded as a plugin before Django is set up: the models are imported when first used.
INVOCATION_TASK = "studyapp.sandbox.invoking.invocation_lanes_run"
WORKER_TASKS = (
    INVOCATION_TASK,
    "studyapp.sandbox.concurrency.provisioned_keep",
    "studyapp.sandbox.concurrency.provisioned_release",
    "studyapp.sandbox.environments.environments_refresh",
)
WORKER_THREADS = 2
IDLE_WAIT_S = 0.02


def _worker(worker_id: str, threads: int = 1):
    from studyapp.core.task_worker import TaskWorker

    return TaskWorker(
        threads=threads, interval=IDLE_WAIT_S, worker_id=worker_id, task_paths=WORKER_TASKS
    )


def invocation_tasks_run(worker_id: str = "test-worker") -> int:
    """Run every worker task queued now (and any they queue), in this thread; how many ran."""
    worker = _worker(worker_id)
    ran = 0
    while (task_result := worker.claim()) is not None:
        worker.task_run(task_result)
        ran += 1
    return ran


@pytest.fixture
def task_worker(transactional_db) -> Iterator[None]:
    """The worker's tasks run in background threads while the test runs (the task worker of
    `make run`, limited to ``WORKER_TASKS``)."""
    worker = _worker("test-worker", threads=WORKER_THREADS)
    thread = threading.Thread(target=worker.run, name="test-task-worker")
    thread.start()
    try:
        yield
    finally:
        worker.stop()
        thread.join(timeout=120)


def batch_finished(*, user, batch, timeout_s: float = 60.0) -> list:
    """The batch's invocations once every one is stored by the worker (polled as the page does);
    fails after ``timeout_s``."""
    import time

    from studyapp.sandbox.runs import batch_invocations

    give_up = time.monotonic() + timeout_s
    while True:
        invocations = batch_invocations(user=user, batch=batch)
        if all(invocation.finished for invocation in invocations):
            return invocations
        if time.monotonic() > give_up:
            pytest.fail(f"the run did not finish within {timeout_s} s: {invocations}")
        time.sleep(0.05)  # the worker stores the rows; the page polls too


def worker_tasks_finished(*, timeout_s: float = 60.0) -> None:
    """Wait until the worker has finished every one of its tasks queued so far (those that
    nothing waits for, such as an import's warm-ups); fails after ``timeout_s``."""
    import time

    from django_tasks_db.models import DBTaskResult

    give_up = time.monotonic() + timeout_s
    unfinished = DBTaskResult.objects.filter(
        task_path__in=WORKER_TASKS, status__in=["READY", "RUNNING"]
    )
    while unfinished.exists():
        if time.monotonic() > give_up:
            pytest.fail(f"the worker did not finish its tasks within {timeout_s} s")
        time.sleep(0.05)  # the worker stores the results
