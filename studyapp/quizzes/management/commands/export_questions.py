"""manage.py export_questions --format gift|aiken|moodle-xml|markdown [--bank SLUG] [--out FILE]"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from studyapp.quizzes.banks import FORMAT_NAMES, BankError, bank_resolve, questions_export


class Command(BaseCommand):
    help = (
        "Write the bank's current questions (all banks without --bank) as GIFT, Aiken, "
        "Moodle XML or Markdown; questions a format cannot hold are listed on stderr."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--format", required=True, choices=FORMAT_NAMES, dest="format_name")
        parser.add_argument("--bank", default=None, help="a course slug (default: every bank)")
        parser.add_argument("--out", type=Path, default=None, help="file (default: stdout)")

    def handle(self, *args, format_name: str, bank: str | None, out: Path | None, **options):
        try:
            course = bank_resolve(bank) if bank else None
            exported = questions_export(format_name=format_name, course=course)
        except BankError as error:
            raise CommandError(str(error), returncode=1) from error
        for reason in exported.skipped:
            self.stderr.write(f"left out: {reason}")
        for loss in exported.losses:
            self.stderr.write(f"written without: {loss}")
        if out is None:
            self.stdout.write(exported.text, ending="")
            return
        if not out.parent.is_dir():
            raise CommandError(f"no such folder: {out.parent}", returncode=1)
        out.write_text(exported.text, encoding="utf-8")
        self.stderr.write(f"Wrote {exported.count} questions to {out}.")
