"""Importing in the browser: upload, a dry-run preview, then confirm."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from studyapp.quizzes.models import Question
from studyapp.topics.models import Course
from tests.quizzes.authoring.conftest import DATA

pytestmark = pytest.mark.django_db

URL = reverse("teach:question_import")


def upload(client, name: str, fmt: str, **extra):
    data = (DATA / name).read_bytes()
    return client.post(
        URL,
        {"file": SimpleUploadedFile(name, data), "format": fmt, "bank": "amazon-s3", **extra},
    )


def test_the_preview_lists_what_would_be_imported_and_skipped_and_saves_nothing(
    instructor_client, course
):
    response = upload(instructor_client, "bank.gift", "gift")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Ready to import 8 questions into amazon-s3" in html
    assert "Lambda timeout" in html
    assert "Line 36: essay questions are not supported, skipped" in html
    assert "Line 40: matching questions are not supported, skipped" in html
    assert "Line 45: short-answer" not in html
    assert not Question.objects.exists()


def test_confirming_imports_the_previewed_file(instructor_client, instructor, course):
    upload(instructor_client, "bank.gift", "gift", publish="on")

    response = instructor_client.post(reverse("teach:question_import_confirm"), follow=True)

    assert "Imported 8 questions from bank.gift (8 new, 0 updated, 0 unchanged); skipped 2." in (
        response.content.decode()
    )
    assert Question.objects.filter(status="published", author=instructor).count() == 8


def test_imported_questions_join_the_courses_pool_only_when_asked(instructor_client, course):
    upload(instructor_client, "bank.gift", "gift", publish="on")
    instructor_client.post(reverse("teach:question_import_confirm"))
    assert not Question.objects.filter(in_pool=True).exists()

    upload(instructor_client, "bank.gift", "gift", publish="on", pool="on")
    instructor_client.post(reverse("teach:question_import_confirm"))

    assert Question.objects.filter(in_pool=True).count() == 8


def test_a_file_with_errors_lists_every_error_and_cannot_be_confirmed(instructor_client, course):
    response = upload(instructor_client, "broken.gift", "gift")

    html = response.content.decode()
    assert response.status_code == 400
    assert "Nothing can be imported: 3 errors" in html
    assert "Line 3: &#x27;{&#x27; is not closed" in html
    assert "Line 7: bad weight in answer 1" in html
    assert "question_import_confirm" not in html and "Import 1 question" not in html
    confirm = instructor_client.post(reverse("teach:question_import_confirm"))
    assert confirm.status_code == 302
    assert not Question.objects.exists()


def test_aiken_errors_show_moodles_messages_with_lines(instructor_client, course):
    html = upload(instructor_client, "broken.aiken.txt", "aiken").content.decode()

    assert "Line 1: Question not started" in html
    assert "Line 4: Question must have at least 2 answers" in html
    assert "Line 8: Question not completed before next question start" in html


def test_the_export_downloads_the_bank_in_the_chosen_format(instructor_client, bank):
    response = instructor_client.get(
        reverse("teach:question_export"), {"format": "gift", "bank": "amazon-s3"}
    )

    assert response["Content-Disposition"] == 'attachment; filename="questions-amazon-s3.gift"'
    assert "// [id:q0]" in response.content.decode()


def upload_to(client, name: str, fmt: str, **fields):
    data = (DATA / name).read_bytes()
    return client.post(URL, {"file": SimpleUploadedFile(name, data), "format": fmt, **fields})


def test_a_new_bank_is_previewed_then_created_for_the_instructor_on_confirm(
    instructor_client, instructor, course
):
    preview = upload_to(instructor_client, "bank.gift", "gift", new_bank="graces-bank")

    assert "Ready to import 8 questions into graces-bank (a new bank of yours)" in (
        preview.content.decode()
    )
    assert not Course.objects.filter(slug="graces-bank").exists()
    done = instructor_client.post(reverse("teach:question_import_confirm"), follow=True)

    assert "Imported 8 questions from bank.gift into the new bank graces-bank (8 new," in (
        done.content.decode()
    )
    assert Course.objects.get(slug="graces-bank").uploaded_by == instructor


def test_another_instructors_bank_is_not_offered_and_is_refused_if_posted(
    instructor_client, instructor, course, django_user_model
):
    other = django_user_model.objects.create_user(username="linus", password="x-42-y!")
    Course.objects.create(slug="linus-bank", title="Linus", source="upload:x", uploaded_by=other)

    page = instructor_client.get(URL).content.decode()
    posted = upload_to(instructor_client, "bank.gift", "gift", bank="linus-bank")
    renamed = upload_to(instructor_client, "bank.gift", "gift", new_bank="linus-bank")

    assert 'value="linus-bank"' not in page and 'value="amazon-s3"' in page
    assert posted.status_code == 400
    assert "Select a valid choice" in posted.content.decode()
    assert renamed.status_code == 400
    assert "That slug is taken" in renamed.content.decode()
    assert not Question.objects.exists()


def test_a_bank_or_a_new_bank_must_be_chosen(instructor_client, course):
    response = upload_to(instructor_client, "bank.gift", "gift")

    assert response.status_code == 400
    assert "Choose a bank, or name a new one (not both)." in response.content.decode()
