"""Authoring tests: running the question import and export commands (the S3 course they import
into is the shared ``course`` of tests/plugins/courses.py)."""

from __future__ import annotations

import io
import json
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import CommandError

DATA = Path(__file__).parent / "data"


def import_questions(path: Path, fmt: str, *extra: str) -> tuple[int, dict, str]:
    """Run ``import_questions --json``: (exit code, the JSON object, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command(
            "import_questions", str(path), "--format", fmt, "--json", *extra, stdout=out, stderr=err
        )
    except CommandError as error:
        code = error.returncode
    return code, json.loads(out.getvalue()), err.getvalue()


def export_questions(fmt: str, *extra: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("export_questions", "--format", fmt, *extra, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()
