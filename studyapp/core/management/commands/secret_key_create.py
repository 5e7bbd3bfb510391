"""Create the local secret key file (``VAR_DIR/secret_key``) once; `make run` runs this first.

Settings read the file but never write it, so importing them has no side effects. Creating
the folder here also gives the default SQLite database a place to live on a fresh clone.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from studyapp.core.secret_key import secret_key_file_create


class Command(BaseCommand):
    help = "Write a new random secret key to VAR_DIR/secret_key unless one is there."
    requires_system_checks: list[str] = []  # runs before the database exists

    def handle(self, *args, **options) -> None:
        created = secret_key_file_create(path=settings.SECRET_KEY_FILE)
        if created and options["verbosity"] > 0:
            self.stdout.write(f"Created {settings.SECRET_KEY_FILE} (readable by its owner only).")
