"""The shipped bank survives its own exports: re-importing changes nothing, in every format."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from studyapp.quizzes.models import Question
from tests.plugins.courses import import_content
from tests.quizzes.authoring.conftest import export_questions, import_questions

pytestmark = pytest.mark.django_db

CONTENT = Path(settings.BASE_DIR) / "content"


@pytest.fixture
def shipped() -> str:
    import_content(CONTENT)
    return Question.objects.first().course.slug


@pytest.mark.parametrize("fmt", ["gift", "moodle-xml", "markdown", "aiken"])
def test_reimporting_an_export_of_the_shipped_bank_changes_nothing(shipped, tmp_path, fmt):
    text, _ = export_questions(fmt, "--bank", shipped)
    path = tmp_path / "export"
    path.write_text(text, encoding="utf-8")
    versions = Question.objects.count(), sum(q.versions.count() for q in Question.objects.all())

    code, report, stderr = import_questions(path, fmt, "--bank", shipped)

    assert code == 0, stderr
    assert (report["created"], report["updated"]) == (0, 0), report["questions"]
    assert (
        Question.objects.count(),
        sum(q.versions.count() for q in Question.objects.all()),
    ) == versions


@pytest.mark.parametrize("fmt", ["gift", "moodle-xml", "markdown", "aiken"])
def test_an_export_imported_into_an_empty_bank_exports_the_same_file(shipped, tmp_path, fmt):
    first, _ = export_questions(fmt, "--bank", shipped)
    path = tmp_path / "export"
    path.write_text(first, encoding="utf-8")
    Question.objects.all().delete()

    code, _, stderr = import_questions(path, fmt, "--bank", shipped)
    again, _ = export_questions(fmt, "--bank", shipped)

    assert code == 0, stderr
    assert again == first
