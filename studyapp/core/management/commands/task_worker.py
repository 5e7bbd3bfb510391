"""`manage.py task_worker`: the task worker `make run` starts (studyapp/core/task_worker.py)."""

from __future__ import annotations

import logging
import os
import signal
import socket
from argparse import ArgumentParser, ArgumentTypeError
from types import FrameType

from django.core.management.base import BaseCommand

from studyapp.core.task_worker import TaskWorker

logger = logging.getLogger("studyapp.tasks")


def _threads(value: str) -> int:
    number = int(value)
    if not 1 <= number <= 256:
        raise ArgumentTypeError("between 1 and 256 threads")
    return number


def _interval(value: str) -> float:
    number = float(value)
    if not 0.01 <= number <= 60:
        raise ArgumentTypeError("between 0.01 and 60 seconds")
    return number


class Command(BaseCommand):
    help = (
        "Run the queued background tasks (invocations, asynchronous events, SQS polls, "
        "optimising), up to --threads of them at once."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--threads",
            type=_threads,
            default=8,
            help="tasks run at once, each in a thread of its own (default: %(default)s)",
        )
        parser.add_argument(
            "--interval",
            type=_interval,
            default=0.1,
            help="seconds between looks at an empty queue (default: %(default)s)",
        )

    def handle(self, *, threads: int, interval: float, **options: object) -> None:
        worker = TaskWorker(
            threads=threads,
            interval=interval,
            worker_id=f"{socket.gethostname()}:{os.getpid()}"[:64],
        )

        def shutdown(signum: int, frame: FrameType | None) -> None:
            if worker.stopping:
                logger.warning("%s again: stopping now", signal.strsignal(signum))
                os._exit(1)  # the running tasks' threads would keep the interpreter alive
            logger.warning(
                "%s: finishing the running tasks (again to stop at once)",
                signal.strsignal(signum),
            )
            worker.stop()

        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT):
            signal.signal(signum, shutdown)
        logger.info("task worker %s: %s threads", worker.worker_id, threads)
        worker.run()
