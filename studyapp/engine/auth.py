"""Who may talk to the sandbox service: requests signed with a secret only the deployment knows.

Every request except the bare `GET /health` carries three headers:

    X-Sandbox-Date:   the signing time, whole seconds since the epoch
    X-Sandbox-Nonce:  32 random hex digits, never used twice
    Authorization:    Sandbox-HMAC-SHA256 Signature=<64 hex digits>

The signature is HMAC-SHA256 with the shared secret over

    Sandbox-HMAC-SHA256\\n<METHOD>\\n<path and query>\\n<date>\\n<nonce>\\n<hex SHA-256 of the body>

so a signature covers exactly one request: another method, path or body fails, a request older
(or newer) than REPLAY_WINDOW_S is refused, and a nonce the service has already accepted inside that
window is refused, so a captured request cannot be sent again.

The secret is `SANDBOX_SECRET` wherever the web app, the task worker and the service run (the
web app's settings generate one into `var/` on a single machine, so `make run` needs no step).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

SCHEME = "Sandbox-HMAC-SHA256"
DATE_HEADER = "X-Sandbox-Date"
NONCE_HEADER = "X-Sandbox-Nonce"
AUTHORIZATION_HEADER = "Authorization"
SECRET_VARIABLE = "SANDBOX_SECRET"
REPLAY_WINDOW_S = 30
MIN_SECRET_CHARS = 32


class AuthenticationError(Exception):
    """The request is not from the deployment: the message says why, in one line."""


def secret_from_environment() -> str | None:
    """$SANDBOX_SECRET, or None when it is unset or empty."""
    return os.environ.get(SECRET_VARIABLE) or None


def check_secret(secret: str | None) -> str:
    """The secret itself, when it is long enough to be one; ValueError otherwise."""
    if not secret or len(secret) < MIN_SECRET_CHARS:
        raise ValueError(
            f"{SECRET_VARIABLE} must be at least {MIN_SECRET_CHARS} characters "
            "(for example the output of `python -c 'import secrets; print(secrets.token_hex(32))'`)"
        )
    return secret


def _string_to_sign(method: str, path: str, date: str, nonce: str, body: bytes) -> bytes:
    body_hash = hashlib.sha256(body).hexdigest()
    return f"{SCHEME}\n{method.upper()}\n{path}\n{date}\n{nonce}\n{body_hash}".encode()


def _signature(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(
    secret: str,
    method: str,
    path: str,
    body: bytes,
    *,
    now: float | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The headers that authenticate one request (`path` with its query string, if any)."""
    date = str(int(time.time() if now is None else now))
    nonce = nonce or secrets.token_hex(16)
    signature = _signature(secret, _string_to_sign(method, path, date, nonce, body))
    return {
        DATE_HEADER: date,
        NONCE_HEADER: nonce,
        AUTHORIZATION_HEADER: f"{SCHEME} Signature={signature}",
    }


@dataclass
class RequestVerifier:
    """Checks signatures and remembers accepted nonces for the replay window (thread-safe)."""

    secret: str
    window_s: int = REPLAY_WINDOW_S
    clock: Callable[[], float] = time.time
    _seen: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def check_headers(self, headers: Mapping[str, str]) -> None:
        """What can be checked before the body is read: present, well formed, in time."""
        date, nonce, signature = self._parts(headers)
        del nonce, signature
        if abs(self.clock() - int(date)) > self.window_s:
            raise AuthenticationError(
                f"the request's {DATE_HEADER} is more than {self.window_s} s from the "
                "service's clock (expired, or the clocks disagree)"
            )

    def verify(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> None:
        """Raise AuthenticationError unless the request is signed, fresh and not a replay."""
        self.check_headers(headers)
        date, nonce, signature = self._parts(headers)
        expected = _signature(self.secret, _string_to_sign(method, path, date, nonce, body))
        if not hmac.compare_digest(expected, signature):
            raise AuthenticationError("the request's signature does not match")
        now = self.clock()
        with self._lock:
            for old, seen_at in list(self._seen.items()):
                if now - seen_at > 2 * self.window_s:
                    del self._seen[old]
            if nonce in self._seen:
                raise AuthenticationError("the request was already received once (a replay)")
            self._seen[nonce] = now

    @staticmethod
    def _parts(headers: Mapping[str, str]) -> tuple[str, str, str]:
        date = headers.get(DATE_HEADER) or ""
        nonce = headers.get(NONCE_HEADER) or ""
        authorization = headers.get(AUTHORIZATION_HEADER) or ""
        if not authorization:
            raise AuthenticationError("the request is not signed (no Authorization header)")
        scheme, _, rest = authorization.partition(" ")
        prefix = "Signature="
        if scheme != SCHEME or not rest.startswith(prefix):
            raise AuthenticationError(f"the Authorization header must be '{SCHEME} Signature=...'")
        signature = rest[len(prefix) :]
        if len(signature) != 64 or not all(c in "0123456789abcdef" for c in signature):
            raise AuthenticationError("the signature must be 64 lowercase hex digits")
        if not date.isdigit() or len(date) > 12:
            raise AuthenticationError(f"{DATE_HEADER} must be whole seconds since the epoch")
        if not 16 <= len(nonce) <= 64 or not nonce.isalnum():
            raise AuthenticationError(f"{NONCE_HEADER} must be 16 to 64 letters or digits")
        return date, nonce, signature
