"""manage.py export_anki --user USERNAME --out FILE.apkg"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from studyapp.cards.anki import anki_package_write


class Command(BaseCommand):
    help = "Write a learner's flashcards as an Anki package (.apkg); re-exports update notes."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--user", required=True, help="the learner's username")
        parser.add_argument("--out", required=True, type=Path, help="the .apkg file to write")

    def handle(self, *args: object, user: str, out: Path, **options: object) -> None:
        learner = get_user_model().objects.filter(username=user).first()
        if learner is None:
            raise CommandError(f"no user {user!r}", returncode=1)
        if not out.parent.is_dir():
            raise CommandError(f"no such folder: {out.parent}", returncode=1)
        count = anki_package_write(user=learner, path=out, now=timezone.now())
        self.stdout.write(f"Wrote {count} notes to {out}.")
