"""Domain errors: what services raise instead of HTTP responses.

Each interface translates them once: pages through :mod:`studyapp.core.middleware` (404, 403,
409, 400), the Lambda and SQS API through its error responses, and tasks by logging and
giving up. A service never imports ``django.http``.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of the errors a service raises for a request it cannot carry out."""

    default_message = "The request cannot be carried out."

    def __init__(self, message: str | None = None):
        self.message = message or self.default_message
        super().__init__(self.message)


class NotFound(DomainError):
    """No such object, or not one the caller may see (so its existence is not revealed)."""

    default_message = "Not found."


class NotAllowed(DomainError):
    """The caller may see the object but may not do this to it."""

    default_message = "Not allowed."


class Conflict(DomainError):
    """The object's state forbids this now (already submitted, time is up, busy)."""

    default_message = "Conflict with the current state."


class Invalid(DomainError):
    """The input is wrong; the message says how."""

    default_message = "Invalid input."
