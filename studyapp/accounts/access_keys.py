"""Access keys for the Lambda-compatible API: create, revoke, and authenticate a request."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

from studyapp.accounts.models import AccessKey, User
from studyapp.accounts.sigv4 import (
    SignatureError,
    SignedRequest,
    credential_parse,
    signature_verify,
)

KEY_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
MAX_ACTIVE_KEYS = 2  # as AWS allows two access keys per user


class AccessKeyError(Exception):
    """A request about access keys that cannot be met; the message is for the person."""


@dataclass(frozen=True)
class NewAccessKey:
    key: AccessKey
    secret_access_key: str  # shown once, never stored


def access_key_secret(key: AccessKey) -> str:
    digest = hmac.new(
        settings.SECRET_KEY.encode(),
        f"lambda-api-access-key:{key.access_key_id}:{key.salt}".encode(),
        hashlib.sha256,
    ).digest()
    return base64.b64encode(digest).decode()[:40]


def access_key_create(*, user: User, now: datetime) -> NewAccessKey:
    if AccessKey.objects.filter(user=user, revoked_at__isnull=True).count() >= MAX_ACTIVE_KEYS:
        raise AccessKeyError(
            f"You already have {MAX_ACTIVE_KEYS} active access keys; revoke one first."
        )
    key = AccessKey.objects.create(
        user=user,
        access_key_id="AKIA" + "".join(secrets.choice(KEY_ID_ALPHABET) for _ in range(16)),
        salt=secrets.token_hex(16),
        created_at=now,
    )
    return NewAccessKey(key=key, secret_access_key=access_key_secret(key))


def access_key_revoke(*, user: User, access_key_id: str, now: datetime) -> None:
    revoked = AccessKey.objects.filter(
        user=user, access_key_id=access_key_id, revoked_at__isnull=True
    ).update(revoked_at=now)
    if not revoked:
        raise AccessKeyError("No such active access key.")


def access_key_authenticate(signed: SignedRequest, *, now: datetime) -> User:
    """The user whose active key signed this request; SignatureError otherwise."""
    credential, _, _ = credential_parse(signed)
    key = (
        AccessKey.objects.select_related("user")
        .filter(access_key_id=credential.access_key_id, revoked_at__isnull=True)
        .first()
    )
    if key is None or not key.user.is_active:
        raise SignatureError(
            "UnrecognizedClientException", "The security token included in the request is invalid."
        )
    signature_verify(signed, secret=access_key_secret(key), now=now)
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        AccessKey.objects.filter(id=key.id).update(last_used_at=now)
    return key.user
