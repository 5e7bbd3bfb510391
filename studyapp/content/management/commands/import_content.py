"""manage.py import_content [--source DIR] [--json] [--strict]"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from studyapp.content.importing import ContentError, content_import


class Command(BaseCommand):
    help = "Import notes, questions, sample functions and events from the content folder."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--source", type=Path, default=None, help="default: content/")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="print the counts as JSON"
        )
        parser.add_argument(
            "--strict",
            action="store_true",
            help="treat warnings (lines that looked like a topic or key term) as errors",
        )

    def handle(
        self, *args: object, source: Path | None, as_json: bool, strict: bool, **options: object
    ) -> None:
        try:
            summary = content_import(source or settings.CONTENT_DIR, strict=strict)
        except ContentError as error:
            for problem in error.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"nothing was imported: {len(error.problems)} problem(s)", returncode=1
            ) from None
        for warning in summary.warnings:
            self.stderr.write(f"{warning.path}:{warning.line}: warning: {warning.message}")
        if as_json:
            self.stdout.write(json.dumps(summary.to_dict()))
        else:
            counts = ", ".join(f"{value} {key}" for key, value in summary.counts.items())
            changes = ", ".join(f"{value} {key}" for key, value in summary.changes.items())
            self.stdout.write(f"Imported {counts} ({changes}).")
