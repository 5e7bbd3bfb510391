"""Tasks: how background work answers the services' domain errors, in one place.

A task has no one to show a message to, and retrying cannot make a missing object appear or
an invalid request valid: :func:`domain_errors_logged` logs the error as a warning (with the
task's name and arguments) and ends the task, so the worker neither crashes nor retries.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from studyapp.core.errors import DomainError

logger = logging.getLogger("studyapp.tasks")


def domain_errors_logged[**P](function: Callable[P, None]) -> Callable[P, None]:
    @wraps(function)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            function(*args, **kwargs)
        except DomainError as error:
            logger.warning(
                "task %s gave up: %s: %s",
                function.__qualname__,
                type(error).__name__,
                error.message,
                extra={"task": function.__qualname__, "task_kwargs": kwargs},
            )

    return wrapped
