"""AWS Signature Version 4: verify that a request was signed with an access key's secret.

This is the server side of what botocore and the AWS CLI do when they sign a request, so the
Lambda-compatible API accepts the real clients. Pure functions over the request's parts: no
Django here, so the rules can be read and tested on their own.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, unquote

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_CLOCK_SKEW = timedelta(minutes=15)  # AWS accepts requests signed up to 15 minutes away
AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<credential>[^,\s]+),\s*"
    r"SignedHeaders=(?P<signed>[^,\s]+),\s*Signature=(?P<signature>[0-9a-f]{64})\s*$"
)


class SignatureError(Exception):
    """Why a request's signature is refused, with the error type AWS gives for it."""

    def __init__(self, error_type: str, message: str):
        self.error_type = error_type
        super().__init__(message)


@dataclass(frozen=True)
class SignedRequest:
    method: str
    path: str  # as the client sent it, percent-encoded (the raw URI path)
    query: str  # the raw query string
    headers: dict[str, str]  # header names in lower case
    body: bytes


@dataclass(frozen=True)
class Credential:
    access_key_id: str
    date: str  # YYYYMMDD
    region: str
    service: str


def credential_parse(request: SignedRequest) -> tuple[Credential, list[str], str]:
    """The credential scope, the signed header names and the signature of a request."""
    header = request.headers.get("authorization", "")
    match = AUTHORIZATION.match(header)
    if not match:
        raise SignatureError(
            "MissingAuthenticationTokenException",
            "Missing Authentication Token: sign the request with AWS Signature Version 4.",
        )
    parts = match.group("credential").split("/")
    if len(parts) != 5 or parts[4] != "aws4_request":
        raise SignatureError(
            "IncompleteSignatureException", "Credential should be scoped correctly."
        )
    signed = match.group("signed").split(";")
    if "host" not in signed:
        raise SignatureError("IncompleteSignatureException", "The host header must be signed.")
    return Credential(*parts[:4]), signed, match.group("signature")


def canonical_request(request: SignedRequest, signed_headers: list[str]) -> str:
    # botocore normalises the path and quotes it again (every service but S3 double-encodes).
    path = quote(quote(unquote(request.path) or "/", safe="/~"), safe="/~")
    pairs = []
    for item in request.query.split("&") if request.query else []:
        key, _, value = item.partition("=")
        pairs.append((quote(unquote(key), safe="-_.~"), quote(unquote(value), safe="-_.~")))
    query = "&".join(f"{key}={value}" for key, value in sorted(pairs))
    headers = "".join(
        f"{name}:{' '.join(request.headers.get(name, '').split())}\n" for name in signed_headers
    )
    payload_hash = (
        request.headers.get("x-amz-content-sha256") or hashlib.sha256(request.body).hexdigest()
    )
    if (
        payload_hash != "UNSIGNED-PAYLOAD"
        and payload_hash != hashlib.sha256(request.body).hexdigest()
    ):
        raise SignatureError(
            "InvalidSignatureException", "The request body does not match its signed hash."
        )
    return "\n".join([request.method, path, query, headers, ";".join(signed_headers), payload_hash])


def signing_key(secret: str, credential: Credential) -> bytes:
    key = ("AWS4" + secret).encode()
    for part in (credential.date, credential.region, credential.service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def signature_expected(request: SignedRequest, *, secret: str) -> str:
    credential, signed_headers, _ = credential_parse(request)
    amz_date = request.headers.get("x-amz-date", "")
    scope = "/".join([credential.date, credential.region, credential.service, "aws4_request"])
    canonical = canonical_request(request, signed_headers)
    string_to_sign = "\n".join(
        [ALGORITHM, amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    return hmac.new(
        signing_key(secret, credential), string_to_sign.encode(), hashlib.sha256
    ).hexdigest()


def signature_verify(request: SignedRequest, *, secret: str, now: datetime) -> None:
    """Raise SignatureError unless the request is signed with ``secret`` and is fresh."""
    credential, _, signature = credential_parse(request)
    amz_date = request.headers.get("x-amz-date", "")
    try:
        signed_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise SignatureError(
            "IncompleteSignatureException", "The request must carry an X-Amz-Date header."
        ) from None
    if not amz_date.startswith(credential.date):
        raise SignatureError(
            "InvalidSignatureException", "The credential date does not match X-Amz-Date."
        )
    if abs(now - signed_at) > MAX_CLOCK_SKEW:
        raise SignatureError(
            "InvalidSignatureException",
            f"Signature expired: {amz_date} is now earlier than "
            f"{(now - MAX_CLOCK_SKEW).strftime('%Y%m%dT%H%M%SZ')} "
            f"({now.strftime('%Y%m%dT%H%M%SZ')} - 15 min.)",
        )
    expected = signature_expected(request, secret=secret)
    if not hmac.compare_digest(expected, signature):
        raise SignatureError(
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method.",
        )
