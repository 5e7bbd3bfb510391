"""Where authors see the checker: the editor's live preview, the import preview, the question
list's bank summary and ``import_content``'s warnings."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from studyapp.quizzes.models import Question
from tests.quizzes.checking.test_check_questions_command import DOCS, referenced, write

pytestmark = pytest.mark.django_db

PREVIEW = reverse("teach:question_preview")


def editor_data(**changes) -> dict:
    data = {
        "title": "Timeout",
        "stem_md": "What is the longest a Lambda invocation can run?",
        "kind": "single",
        "general_explanation_md": f"The hard limit is 900 seconds. See {DOCS}",
        "domain": "D2",
        "difficulty": "medium",
        "status": "draft",
        "option_count": "4",
        "option-0-text": "15 minutes",
        "option-0-correct": "on",
        "option-0-explanation": "Right: 900 seconds.",
        "option-1-text": "5 minutes",
        "option-1-explanation": "The old limit.",
        "option-2-text": "1 hour",
        "option-2-explanation": "Too long.",
        "option-3-text": "10 minutes",
        "option-3-explanation": "Too short.",
    }
    data.update(changes)
    return data


def test_the_editor_preview_shows_the_findings_of_what_is_being_typed(instructor_client, course):
    data = editor_data(
        general_explanation_md="The hard limit is 900 seconds.",
        **{"option-3-text": "All of the above"},
    )

    response = instructor_client.post(PREVIEW, data)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Question check: 2 findings" in html
    assert 'data-rule="no-reference"' in html
    assert 'data-rule="all-none-of-the-above"' in html
    assert "Fix: cite the documentation page the fact comes from in the explanation." in html


def test_the_editor_preview_says_when_the_question_has_no_flaws(instructor_client, course):
    response = instructor_client.post(PREVIEW, editor_data())

    html = response.content.decode()
    assert "Question check: no item-writing flaws found." in html
    assert "check-finding" not in html


def test_the_editor_preview_escapes_what_the_author_typed_in_a_finding(instructor_client, course):
    data = editor_data(
        stem_md="Which is not <b>right</b>?", **{"option-3-text": "<img src=x onerror=alert(1)>"}
    )

    html = instructor_client.post(PREVIEW, data).content.decode()

    assert 'data-rule="negative-stem-unemphasized"' in html
    assert "<img src=x" not in html


def test_the_edit_page_shows_the_findings_of_the_saved_question(instructor_client, content_dir):
    write(content_dir, referenced("q0", explanation="No link."))
    call_command("import_content", "--source", str(content_dir), stdout=io.StringIO())
    question = Question.objects.get(key="q0")

    response = instructor_client.get(reverse("teach:question_edit", args=[question.pk]))

    assert 'data-rule="no-reference"' in response.content.decode()


def test_the_import_preview_lists_the_findings_of_the_file_with_their_lines(
    instructor_client, course
):
    gift = (
        "// from a Moodle export\n"
        "::timeout:: Which limit is NOT right? {\n"
        "=15 minutes#Right.\n~5 minutes#Old.\n~All of the above#No.\n}\n"
    )
    upload = SimpleUploadedFile("bank.gift", gift.encode(), content_type="text/plain")

    response = instructor_client.post(
        reverse("teach:question_import"), {"file": upload, "format": "gift", "bank": course.slug}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Ready to import 1 question" in html
    assert "Question check: 2 findings" in html
    assert "Line 2 (timeout):" in html
    assert 'data-rule="all-none-of-the-above"' in html
    assert not Question.objects.exists()


def test_the_question_list_shows_the_bank_summary_and_each_questions_counts(
    instructor_client, content_dir
):
    write(content_dir, referenced("q0"), referenced("q1", explanation="No link."))
    call_command("import_content", "--source", str(content_dir), stdout=io.StringIO())

    response = instructor_client.get(reverse("teach:question_list"))

    html = response.content.decode()
    assert "Question check: Amazon S3" in html
    assert '<span class="badge badge-bad" data-count="error">1 error</span>' in html
    assert 'data-rule="bank-correct-longest"' in html
    assert html.count('<span class="badge badge-bad">1 error</span>') == 1


def test_import_content_reports_the_checkers_findings_as_warnings(content_dir):
    path = write(content_dir, referenced("q0"), referenced("q1", explanation="No link."))
    out, err = io.StringIO(), io.StringIO()

    call_command("import_content", "--source", str(content_dir), "--json", stdout=out, stderr=err)

    summary = json.loads(out.getvalue())
    shown = str(path.relative_to(content_dir.parent))
    line = 5 + len(referenced("q0").splitlines()) + 1  # front matter, q0, a blank line
    assert summary["questions"] == 2
    assert summary["warnings"] == [
        {
            "path": shown,
            "line": line,
            "message": "question check error: no link to AWS's documentation "
            "(a docs.aws.amazon.com URL) backs the answer [no-reference]",
        }
    ]
    assert err.getvalue().startswith(f"{shown}:{line}: warning: question check error: no link")
