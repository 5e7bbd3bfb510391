"""Create the local secret files once; `make run` runs this first.

``VAR_DIR/secret_key`` is Django's signing key and ``VAR_DIR/sandbox_secret`` the secret that signs
every request to the sandbox service (shared by the web app, the worker and `lambda serve` started
from this checkout). Settings read the files but never write them, so importing them has no side
effects. Creating the folders here also gives the default SQLite database a place to live on a
fresh clone, and the web server's pid file and control socket theirs (``var/run``, as the Procfile
names them).
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from studyapp.core.secret_key import secret_key_file_create


class Command(BaseCommand):
    help = (
        "Write new random secrets to VAR_DIR/secret_key and VAR_DIR/sandbox_secret unless they "
        "are there."
    )
    requires_system_checks: list[str] = []  # runs before the database exists

    def handle(self, *args, **options) -> None:
        (settings.VAR_DIR / "run").mkdir(parents=True, exist_ok=True)
        for path in (settings.SECRET_KEY_FILE, settings.SANDBOX_SECRET_FILE):
            created = secret_key_file_create(path=path)
            if created and options["verbosity"] > 0:
                self.stdout.write(f"Created {path} (readable by its owner only).")
