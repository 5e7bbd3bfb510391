"""manage.py import_questions FILE --format gift|aiken|moodle-xml|markdown [--bank SLUG]
[--user USERNAME] [--json]: the question import pipeline (question_import) on the command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from studyapp.accounts.models import User
from studyapp.core.errors import NotAllowed
from studyapp.quizzes.banks import FORMAT_NAMES, BankError, bank_resolve
from studyapp.quizzes.formats import FORMATS
from studyapp.quizzes.question_import import CREATED, UNCHANGED, UPDATED, questions_import


class Command(BaseCommand):
    help = (
        "Import questions from a GIFT, Aiken, Moodle XML or Markdown file into a bank (a course). "
        "All or nothing: on any error nothing is imported and every error is listed with its line."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path, help="the file to read ('-' reads standard input)")
        parser.add_argument("--format", required=True, choices=FORMAT_NAMES, dest="format_name")
        parser.add_argument(
            "--bank",
            default=None,
            help="the bank (a course's slug) to import into; a new slug creates a bank owned by "
            "--user",
        )
        parser.add_argument(
            "--user",
            default=None,
            help="the instructor importing: they own a bank the import creates, and may not "
            "import into another instructor's bank",
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object of counts")
        parser.add_argument(
            "--publish", action="store_true", help="publish new questions (default: drafts)"
        )
        parser.add_argument("--dry-run", action="store_true", help="report, save nothing")
        parser.add_argument(
            "--pool",
            action="store_true",
            help="add the questions to the course's curated pool, which practice and exam "
            "simulations draw from for every learner (default: only through quizzes)",
        )

    def handle(
        self, *args, file: Path, format_name: str, bank: str | None, user: str | None, **options
    ) -> None:
        text = self._read(file)
        hint = ""
        if format_name == "markdown" and not bank:
            hint = FORMATS["markdown"].parse(text).course
        try:
            importer = self._user(user)
            report = questions_import(
                text=text,
                format_name=format_name,
                bank=bank or bank_resolve(None, hint=hint).slug,
                user=importer,
                now=timezone.now(),
                source=str(file),
                dry_run=options["dry_run"],
                publish=options["publish"],
                pool=options["pool"],
            )
        except (BankError, NotAllowed) as error:
            if options["json"]:
                problem = {"line": 0, "message": str(error)}
                self.stdout.write(json.dumps({"imported": 0, "skipped": 0, "errors": [problem]}))
            raise CommandError(str(error), returncode=1) from error
        for problem in report.skipped:
            self.stderr.write(f"{file}:{problem.line}: skipped: {problem.message}")
        for problem in report.errors:
            self.stderr.write(f"{file}:{problem.line}: {problem.message}")
        if options["json"]:
            self.stdout.write(json.dumps(report.as_json()))
        elif report.ok:
            for question in report.questions:
                self.stdout.write(
                    f"{file}:{question.line}: {question.action}: {question.key} ({question.reason})"
                )
            counts = report.counts
            verb = "Would import" if options["dry_run"] else "Imported"
            created = " (a new bank)" if report.bank_created else ""
            self.stdout.write(
                f"{verb} {len(report.questions)} questions into {report.course}{created} "
                f"({counts[CREATED]} new, {counts[UPDATED]} updated, "
                f"{counts[UNCHANGED]} unchanged); skipped {len(report.skipped)}."
            )
        if not report.ok:
            raise CommandError(f"{len(report.errors)} error(s): nothing was imported", returncode=1)

    def _user(self, username: str | None) -> User | None:
        if username is None:
            return None
        found = User.objects.filter(username=username).first()
        if found is None:
            raise BankError(f"no user {username!r}")
        return found

    def _read(self, file: Path) -> str:
        try:
            raw = sys.stdin.buffer.read() if str(file) == "-" else file.read_bytes()
        except OSError as error:
            raise CommandError(f"cannot read {file}: {error.strerror}", returncode=1) from error
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise CommandError(f"{file} is not UTF-8 text", returncode=1) from error
