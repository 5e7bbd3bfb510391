"""The task worker `make run` starts (`manage.py task_worker`, studyapp/core/task_worker.py):
tasks run side by side up to its thread count, a task is claimed only when a thread is free to
run it, an idle worker only reads the queue, and a stop lets the running tasks finish."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection
from django.tasks import task
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from studyapp.core.task_worker import TaskWorker
from tests.faults.server import PROJECT, app_env, manage, var_dir_copy

WAIT_S = 60  # a deadline for what must happen, never a pace

STARTED = threading.Semaphore(0)  # released by each held task as it starts
GATE = threading.Event()  # the held tasks finish once it is set


@task()
def held(number: int) -> int:
    """Runs until the test opens the gate."""
    STARTED.release()
    if not GATE.wait(WAIT_S):
        raise TimeoutError("the test never opened the gate")
    return number


@task()
def broken() -> None:
    raise ValueError("broken on purpose")


@task()
def handshake(started: str, proceed: str) -> str:
    """For a worker in another process: says it started (a file), finishes when told (a file)."""
    Path(started).touch()
    give_up = time.monotonic() + WAIT_S
    while not Path(proceed).exists():
        if time.monotonic() > give_up:
            raise TimeoutError("never told to proceed")
        time.sleep(0.02)  # another process creates the file; nothing to be woken by
    return "finished"


@pytest.fixture(autouse=True)
def closed_gate() -> Iterator[None]:
    global STARTED
    GATE.clear()
    STARTED = threading.Semaphore(0)
    yield
    GATE.set()  # a failed test must not leave a task waiting


def statuses() -> Counter:
    return Counter(DBTaskResult.objects.values_list("status", flat=True))


def until(condition, what: str) -> None:
    give_up = time.monotonic() + WAIT_S
    while not condition():
        if time.monotonic() > give_up:
            pytest.fail(f"waited {WAIT_S} s for {what}")
        time.sleep(0.01)  # the worker's threads write the rows


@contextmanager
def running(worker: TaskWorker) -> Iterator[list[int]]:
    """``worker.run()`` in a thread; the list receives what it returned once it stopped."""
    ran: list[int] = []
    thread = threading.Thread(target=lambda: ran.append(worker.run()), name="worker-under-test")
    thread.start()
    try:
        yield ran
    finally:
        worker.stop()
        GATE.set()
        thread.join(WAIT_S)
    assert not thread.is_alive()


def started(count: int) -> None:
    for _ in range(count):
        assert STARTED.acquire(timeout=WAIT_S), "a task that should run did not start"


@pytest.mark.django_db(transaction=True)
def test_tasks_run_side_by_side_and_the_rest_wait_unclaimed_for_a_free_thread():
    for number in range(5):
        held.enqueue(number)
    worker = TaskWorker(threads=3, interval=0.01, worker_id="worker-1")

    with running(worker) as ran:
        started(3)  # three at once: each waits for the gate, so none of them ran alone
        assert statuses() == {"RUNNING": 3, "READY": 2}
        running_tasks = DBTaskResult.objects.filter(status="RUNNING")
        assert list(running_tasks.values_list("worker_ids", flat=True)) == [["worker-1"]] * 3
        GATE.set()
        until(lambda: statuses() == {"SUCCESSFUL": 5}, "every task to succeed")

    assert ran == [5]
    assert sorted(DBTaskResult.objects.values_list("return_value", flat=True)) == [0, 1, 2, 3, 4]


@pytest.mark.django_db(transaction=True)
def test_a_stopped_worker_finishes_its_running_task_and_claims_no_more():
    held.enqueue(1)
    held.enqueue(2)
    worker = TaskWorker(threads=1, interval=0.01, worker_id="worker-1")

    with running(worker) as ran:
        started(1)
        worker.stop()
        GATE.set()

    assert ran == [1]
    assert statuses() == {"SUCCESSFUL": 1, "READY": 1}


@pytest.mark.django_db(transaction=True)
def test_a_failing_task_is_recorded_as_failed_and_the_worker_goes_on():
    GATE.set()
    broken.enqueue()
    held.enqueue(7)
    worker = TaskWorker(threads=1, interval=0.01, worker_id="worker-1")

    with running(worker):
        until(lambda: statuses() == {"FAILED": 1, "SUCCESSFUL": 1}, "both tasks to finish")

    failed = DBTaskResult.objects.get(status="FAILED")
    assert failed.exception_class_path == "builtins.ValueError"
    assert DBTaskResult.objects.get(status="SUCCESSFUL").return_value == 7


@pytest.mark.django_db(transaction=True)
def test_a_worker_limited_to_some_tasks_leaves_the_others_queued():
    GATE.set()
    broken.enqueue()
    held.enqueue(3)
    worker = TaskWorker(
        threads=2, interval=0.01, worker_id="worker-1", task_paths=(held.module_path,)
    )

    with running(worker):
        until(lambda: statuses() == {"SUCCESSFUL": 1, "READY": 1}, "the held task to finish")

    assert DBTaskResult.objects.get(status="READY").task_path == broken.module_path


@pytest.mark.django_db(transaction=True)
def test_an_idle_worker_only_reads_the_queue():
    """No task ready: one SELECT, no transaction (on SQLite an exclusive one is the write lock
    the web server's writes would wait behind)."""
    worker = TaskWorker(threads=2, interval=0.01, worker_id="worker-1")

    with CaptureQueriesContext(connection) as queries:
        assert worker.claim() is None

    assert len(queries) == 1
    assert queries[0]["sql"].startswith("SELECT")


def test_the_command_finishes_its_running_task_on_sigterm_and_exits(tmp_path, prepared_var_dir):
    """supervisord stops the worker with SIGTERM: the task it is running finishes and is
    recorded, the one still queued stays queued for the next worker, the process exits 0."""
    var_dir = tmp_path / "var"
    var_dir_copy(prepared_var_dir, var_dir)
    env = app_env(var_dir)
    started_file, proceed_file = tmp_path / "started", tmp_path / "proceed"
    manage(
        env,
        "shell",
        "-c",
        "from tests.test_task_worker import handshake\n"
        f"handshake.enqueue({str(started_file)!r}, {str(proceed_file)!r})\n"
        f"handshake.enqueue({str(tmp_path / 'never')!r}, {str(proceed_file)!r})\n",
    )
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "task_worker", "--threads", "1", "--interval", "0.05"],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        until(started_file.exists, "the first task to start")
        worker.send_signal(signal.SIGTERM)
        proceed_file.touch()
        output, _ = worker.communicate(timeout=WAIT_S)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()

    assert worker.returncode == 0, output
    assert "finishing the running tasks" in output
    rows = manage(
        env,
        "shell",
        "--no-imports",
        "-c",
        "from django_tasks_db.models import DBTaskResult\n"
        "print(sorted(DBTaskResult.objects.values_list('status', 'return_value')))",
    )
    assert rows.strip() == "[('READY', None), ('SUCCESSFUL', 'finished')]"
