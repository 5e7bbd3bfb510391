"""manage.py check_questions [--bank SLUG | --source DIR] [--json]"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from studyapp.quizzes.banks import BankError, bank_resolve
from studyapp.quizzes.checking import CheckReport, bank_report, source_check


class Command(BaseCommand):
    help = (
        "Check questions for item-writing flaws (per question) and cue and balance statistics "
        "(per bank): a bank's published questions in the database, or the question files of a "
        "folder. Exit status 1 when a finding of severity error exists."
    )

    # Checking files (--source) needs no database: it runs on a fresh clone, before anything is
    # migrated, as CI and an author's editor run it.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser) -> None:
        where = parser.add_mutually_exclusive_group()
        where.add_argument("--bank", default=None, help="a bank (course slug) in the database")
        where.add_argument(
            "--source",
            type=Path,
            default=None,
            help="a content folder (its quizzes/) or a folder of question files",
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, bank: str | None, source: Path | None, **options) -> None:
        if source is not None:
            if not source.is_dir():
                raise CommandError(f"{source}: no such folder", returncode=1)
            report = source_check(source)
            checked = {"source": str(source)}
        else:
            try:
                course = bank_resolve(bank)
            except BankError as error:
                raise CommandError(str(error), returncode=1) from error
            report = bank_report(course)
            checked = {"bank": course.slug}
        if options["json"]:
            self.stdout.write(json.dumps({**checked, **report.to_dict()}))
        else:
            self._print(report)
        if report.has_errors:
            raise CommandError(
                f"{report.counts['error']} finding(s) of severity error", returncode=1
            )

    def _print(self, report: CheckReport) -> None:
        for finding in report.findings:
            self.stdout.write(str(finding))
        counts = report.counts
        rules = ", ".join(f"{rule} {count}" for rule, count in report.by_rule.items())
        self.stdout.write(
            f"Checked {report.questions} questions: {counts['error']} errors, "
            f"{counts['warning']} warnings, {counts['info']} info ({rules or 'no findings'})."
        )
