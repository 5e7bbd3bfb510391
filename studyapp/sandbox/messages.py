"""What a learner reads when the sandbox service cannot serve them, and what the operator reads.

Learners never see the service's address or the commands that start it: those details go to the
log (logger ``studyapp.sandbox``), for the operator. Every interface (the pages, the Lambda
API, asynchronous events and SQS batches) uses these words.
"""

from __future__ import annotations

import logging

from studyapp.engine import client

logger = logging.getLogger("studyapp.sandbox")

SANDBOX_UNAVAILABLE = "The sandbox is unavailable; try again in a moment."


def sandbox_error_message(error: client.SandboxServiceError) -> str:
    """The learner's words for a failed call to the sandbox service (the details are logged)."""
    if isinstance(error, client.SandboxUnavailableError):
        logger.warning("sandbox service unavailable: %s", error)
        return SANDBOX_UNAVAILABLE
    if isinstance(error, client.SandboxRequestError):
        return f"{error.error_type}: {error}"
    logger.warning("sandbox service error: %s", error)
    return SANDBOX_UNAVAILABLE
