"""The front door both AWS-compatible APIs share (Lambda's and SQS's): read the body once,
then authenticate the request's Signature Version 4 with the user's access key.

The body is read here, bounded by the caller's limit, and kept as ``request.api_body``: Lambda's
6 MB payloads are over Django's form-size limit, which ``request.body`` enforces.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest

from studyapp.accounts.access_keys import access_key_authenticate
from studyapp.accounts.models import User
from studyapp.accounts.sigv4 import SignatureError, SignedRequest, credential_parse


class ApiHttpRequest(HttpRequest):
    api_body: bytes


class BodyTooLarge(Exception):
    """The request announces a body over the API's limit; nothing was read."""


def api_body_read(request: HttpRequest, *, limit: int) -> bytes:
    """Read the body once (into ``request.api_body``); BodyTooLarge above ``limit`` bytes."""
    if int(request.META.get("CONTENT_LENGTH") or 0) > limit:
        raise BodyTooLarge
    request.api_body = request.read(limit + 1)
    return request.api_body


def signed_request_from(request: HttpRequest, *, body: bytes) -> SignedRequest:
    raw_path = request.META.get("RAW_URI") or request.META.get("REQUEST_URI") or request.path
    return SignedRequest(
        method=request.method or "GET",
        path=raw_path.split("?", 1)[0],
        query=request.META.get("QUERY_STRING", ""),
        headers={name.lower(): value for name, value in request.headers.items()},
        body=body,
    )


def api_user_authenticate(
    request: HttpRequest, *, body: bytes, now: datetime, service: str | None = None
) -> User:
    """The user whose access key signed the request; SignatureError otherwise.

    With ``service``, the credential must be scoped to it (as AWS answers a key signed for
    another service).
    """
    signed = signed_request_from(request, body=body)
    if service is not None:
        credential, _, _ = credential_parse(signed)
        if credential.service != service:
            raise SignatureError(
                "InvalidSignatureException",
                f"Credential should be scoped to correct service: '{service}'.",
            )
    return access_key_authenticate(signed, now=now)
