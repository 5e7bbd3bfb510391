"""Authoring tests: the small S3 course of tests/quizzes/conftest.py, imported, as the bank."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from studyapp.topics.models import Course
from tests.quizzes.conftest import import_content

DATA = Path(__file__).parent / "data"


@pytest.fixture
def course(content_dir: Path) -> Course:
    """The amazon-s3 course (topics buckets-and-objects, storage-classes, static-website)."""
    import_content(content_dir)
    return Course.objects.get(slug="amazon-s3")


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
