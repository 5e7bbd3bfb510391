"""Lambda's error responses, shaped so that botocore raises the matching exception class.

Lambda (a rest-json service) names the error in the ``x-amzn-ErrorType`` header and puts
``{"Type": "User", "message": "..."}`` in the body; a few shapes spell it ``Message`` (see
botocore's service model), and TooManyRequestsException adds ``Reason``.

Code.Location is an S3 presigned URL on AWS, so the link's refusals are S3's: an XML ``Error``.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

from django.http import HttpResponse

from studyapp.core.errors import Conflict, DomainError, Invalid, NotAllowed, NotFound
from studyapp.engine.account import function_arn

# error type -> (HTTP status, the body's message key)
ERRORS: dict[str, tuple[int, str]] = {
    "ResourceNotFoundException": (404, "Message"),
    "ProvisionedConcurrencyConfigNotFoundException": (404, "message"),
    "InvalidParameterValueException": (400, "message"),
    "InvalidRequestContentException": (400, "message"),
    "ResourceConflictException": (409, "message"),
    "RequestTooLargeException": (413, "message"),
    "RequestEntityTooLargeException": (413, "message"),
    "TooManyRequestsException": (429, "message"),
    "ServiceException": (500, "Message"),
    "AccessDeniedException": (403, "Message"),
    # Signature Version 4 failures (what AWS's front door answers)
    "InvalidSignatureException": (403, "message"),
    "IncompleteSignatureException": (403, "message"),
    "MissingAuthenticationTokenException": (403, "message"),
    "UnrecognizedClientException": (403, "message"),
}
SIGNATURE_ERRORS = frozenset(
    {
        "InvalidSignatureException",
        "IncompleteSignatureException",
        "MissingAuthenticationTokenException",
        "UnrecognizedClientException",
    }
)


class LambdaApiError(Exception):
    """An error the API answers in Lambda's shape."""

    def __init__(self, error_type: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.extra = extra


# How the API answers the services' domain errors (studyapp.core.errors), once for every view.
DOMAIN_ERRORS: tuple[tuple[type[DomainError], str], ...] = (
    (NotFound, "ResourceNotFoundException"),
    (NotAllowed, "AccessDeniedException"),
    (Conflict, "ResourceConflictException"),
    (Invalid, "InvalidParameterValueException"),
)


def lambda_error_for(error: DomainError) -> LambdaApiError:
    """The Lambda API error a service's domain error becomes."""
    error_type = next(name for kind, name in DOMAIN_ERRORS if isinstance(error, kind))
    return LambdaApiError(error_type, error.message)


class FunctionNotFound(LambdaApiError):
    """No such function (or version) for this caller; ``name`` and ``qualifier`` as asked."""

    def __init__(self, name: str, qualifier: str | None) -> None:
        arn = function_arn(name) + (f":{qualifier}" if qualifier else "")
        super().__init__("ResourceNotFoundException", f"Function not found: {arn}")
        self.name = name
        self.qualifier = qualifier


def not_found(name: str, *, qualifier: str | None = None) -> FunctionNotFound:
    """Lambda's answer for a missing function (or version): the ARN as asked, no ``:$LATEST``."""
    return FunctionNotFound(name, qualifier)


def event_invoke_config_missing(name: str, qualifier: str | None) -> LambdaApiError:
    """Get/Update/DeleteFunctionEventInvokeConfig with nothing there (or no such function)."""
    arn = f"{function_arn(name)}:{qualifier or '$LATEST'}"
    return LambdaApiError(
        "ResourceNotFoundException", f"The function {arn} doesn't have an EventInvokeConfig"
    )


def function_missing() -> LambdaApiError:
    """Put/UpdateFunctionEventInvokeConfig and ListFunctionEventInvokeConfigs on no function."""
    return LambdaApiError("ResourceNotFoundException", "The function doesn't exist.")


def error_response(error: LambdaApiError) -> HttpResponse:
    status, key = ERRORS.get(error.error_type, (400, "message"))
    body: dict[str, Any] = {key: str(error)}
    if error.error_type not in SIGNATURE_ERRORS:
        body = {"Type": "User" if status < 500 else "Service", **body}
    body.update(error.extra)
    response = HttpResponse(json.dumps(body), status=status, content_type="application/json")
    response["x-amzn-ErrorType"] = error.error_type
    response["x-amzn-RequestId"] = str(uuid.uuid4())
    if error.error_type == "TooManyRequestsException":
        response["Retry-After"] = "1"
    return response


# S3's answers to a presigned URL it refuses (what the code links answer).
S3_EXPIRED = "Request has expired"
S3_SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your key and signing method."
)
S3_NO_SUCH_KEY = "The specified key does not exist."


def s3_time(moment: datetime) -> str:
    """A time as S3 writes it in an error (``2026-12-05T01:10:00Z``)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def s3_error_response(
    *, status: int, code: str, message: str, details: dict[str, str] | None = None
) -> HttpResponse:
    """An error as S3 answers it: ``<Error><Code>..</Code><Message>..</Message>..</Error>``, the
    request id in the body and the ``x-amz-request-id`` header."""
    request_id = uuid.uuid4().hex[:16].upper()
    fields = {"Code": code, "Message": message, **(details or {}), "RequestId": request_id}
    body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error>'
    body += "".join(f"<{name}>{escape(value)}</{name}>" for name, value in fields.items())
    body += "</Error>"
    response = HttpResponse(body, status=status, content_type="application/xml")
    response["x-amz-request-id"] = request_id
    return response
