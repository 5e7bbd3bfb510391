"""The task worker: the queue's tasks run side by side, up to a number of threads.

django-tasks-db's own worker (``manage.py db_worker``) runs one task at a time. Most of this
project's background work waits rather than computes: an invocation waits for its handler in the
sandbox service (a cold start, a handler that sleeps, up to a 15-minute timeout), an asynchronous
event or an SQS batch waits for its function. With one task at a time, every learner's run waited
for every run queued before it.

:class:`TaskWorker` claims tasks exactly as ``db_worker`` does (django-tasks-db's claim: an
exclusive transaction on SQLite, ``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several
workers of either kind can share one queue) and runs each through django-tasks-db's own
``Worker.run_task`` (result, failure and signals recorded as ``db_worker`` records them), in a
pool of ``threads`` threads, each with its own database connection:

- a task is claimed only when a thread is free to run it, so a claimed task never waits in this
  process while another worker could have run it;
- an idle worker reads the queue with a plain SELECT every ``interval`` seconds and locks only to
  claim a task that is there: on SQLite an exclusive transaction is a write lock that the web
  server's writes wait behind, so it is not taken ten times a second for nothing;
- :meth:`TaskWorker.stop` (the command's SIGINT and SIGTERM) claims nothing more and lets the
  running tasks finish; :meth:`TaskWorker.run` returns when they have.
"""

from __future__ import annotations

import logging
import queue
import threading

from django.db import OperationalError, close_old_connections, connection
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

logger = logging.getLogger("studyapp.tasks")
BUSY_LOOK_S = 0.5  # with every thread busy, how often the worker looks whether to stop


class TaskWorker:
    """Runs the tasks of ``queue_names`` (``"*"``: every queue) of the database backend
    ``backend_name``, up to ``threads`` at once; ``worker_id`` is recorded on each task it claims.
    ``task_paths``, when given, limits it to those tasks (the others stay queued)."""

    def __init__(
        self,
        *,
        threads: int,
        interval: float,
        worker_id: str,
        queue_names: tuple[str, ...] = ("default",),
        backend_name: str = "default",
        task_paths: tuple[str, ...] | None = None,
    ) -> None:
        if threads < 1:
            raise ValueError("a task worker needs at least one thread")
        self.threads = threads
        self.interval = interval
        self.worker_id = worker_id
        self.queue_names = queue_names
        self.backend_name = backend_name
        self.task_paths = task_paths
        self._free = threading.Semaphore(threads)
        self._stopping = threading.Event()

    def stop(self) -> None:
        """Claim no more tasks; the running ones finish."""
        self._stopping.set()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def claim(self) -> DBTaskResult | None:
        """The next ready task, claimed for this worker; None when there is none (or the
        database is locked by another writer right now: the next look finds it)."""
        ready = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if "*" not in self.queue_names:
            ready = ready.filter(queue_name__in=self.queue_names)
        if self.task_paths is not None:
            ready = ready.filter(task_path__in=self.task_paths)
        try:
            if not ready.exists():
                return None
            with exclusive_transaction(ready.db):
                task_result = ready.get_locked()
                if task_result is not None:
                    task_result.claim(self.worker_id)
                return task_result
        except OperationalError as error:
            if not is_locked_database_exception(error):
                raise
            return None

    def task_run(self, task_result: DBTaskResult) -> None:
        """Run a claimed task in this thread, recording its result or its failure."""
        _runner(self.worker_id, self.backend_name).run_task(task_result)

    def run(self) -> int:
        """Claim and run tasks until :meth:`stop`; returns how many were run, once every one
        of them has finished."""
        claimed: queue.SimpleQueue[DBTaskResult | None] = queue.SimpleQueue()
        threads = [
            threading.Thread(target=self._serve, args=(claimed,), name=f"task-{number}")
            for number in range(self.threads)
        ]
        for thread in threads:
            thread.start()
        count = 0
        try:
            while not self._stopping.is_set():
                if not self._free.acquire(timeout=BUSY_LOOK_S):
                    continue  # every thread busy: look again whether to stop
                if self._stopping.is_set():  # stopped while waiting for a free thread
                    self._free.release()
                    break
                close_old_connections()
                task_result = self.claim()
                if task_result is None:
                    self._free.release()
                    self._stopping.wait(self.interval)
                    continue
                count += 1
                claimed.put(task_result)
        finally:
            for _ in threads:
                claimed.put(None)
            for thread in threads:
                thread.join()
            connection.close()
        return count

    def _serve(self, claimed: queue.SimpleQueue[DBTaskResult | None]) -> None:
        try:
            while (task_result := claimed.get()) is not None:
                try:
                    close_old_connections()
                    self.task_run(task_result)
                except Exception:  # run_task records a task's failure; this is the worker's
                    logger.exception("task %s could not be run", task_result.id)
                finally:
                    self._free.release()
        finally:
            connection.close()  # this thread's own connection


def _runner(worker_id: str, backend_name: str) -> Worker:
    """django-tasks-db's worker, used only for its ``run_task`` (one per task: its counters are
    not shared between threads)."""
    return Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name=backend_name,
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
