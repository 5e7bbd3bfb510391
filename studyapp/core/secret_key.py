"""The local secret key file, and the check that warns when a process runs without a key."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.core.checks import Warning


def secret_key_file_create(*, path: Path) -> bool:
    """Write a random key to ``path`` (mode 0600) unless a file is there; True if written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(descriptor, "w") as file:
        file.write(secrets.token_urlsafe(50))
    return True


def secret_key_check(app_configs, **kwargs) -> list[Warning]:
    warnings = []
    if not settings.SANDBOX_SECRET:
        warnings.append(
            Warning(
                "No SANDBOX_SECRET and no sandbox secret file: the web app cannot sign its "
                "requests to the sandbox service, which refuses unsigned ones.",
                hint="Run `manage.py secret_key_create` (make run does) or set SANDBOX_SECRET.",
                id="core.W002",
            )
        )
    if not settings.SECRET_KEY.startswith("process-only-"):
        return warnings
    return [
        *warnings,
        Warning(
            "No SECRET_KEY and no secret key file: this process made up a key of its own, so "
            "sessions end on restart and several processes do not share them.",
            hint="Run `manage.py secret_key_create` (make run does) or set SECRET_KEY.",
            id="core.W001",
        ),
    ]
