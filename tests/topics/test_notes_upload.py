"""Instructors upload notes in the browser: a preview of the course first, then confirm."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from studyapp.cards.models import Card, Note, ReviewLog
from studyapp.cards.review import review_record
from studyapp.topics.models import Course, Topic
from tests.cards.conftest import NOW

pytestmark = pytest.mark.django_db

DIALECTS = Path(__file__).parent / "dialects"
UPLOAD = "/teach/notes/upload/"
CONFIRM = "/teach/notes/upload/confirm/"


def notes_file(name: str, content: bytes | None = None) -> SimpleUploadedFile:
    data = content if content is not None else (DIALECTS / name).read_bytes()
    return SimpleUploadedFile(name, data, content_type="text/markdown")


def preview(client, *files: SimpleUploadedFile):
    return client.post(UPLOAD, {"files": list(files)})


def test_a_learner_cannot_upload_notes(learner_client):
    assert learner_client.get(UPLOAD).status_code == 403
    assert preview(learner_client, notes_file("amazon-sqs.md")).status_code == 403


def test_the_preview_shows_sections_topics_cards_and_warnings_and_saves_nothing(
    instructor_client,
):
    page = preview(instructor_client, notes_file("amazon-sqs.md"))
    assert page.status_code == 200
    html = page.text
    assert "amazon-sqs.md: Amazon SQS" in html
    assert "3 sections, 3 topics, 7 cards." in html
    assert "<strong>Visibility and retention</strong>" in html
    assert "<li>Dead-letter queue</li>" in html
    assert "Line 9: the bullet starts with the bold" in html
    assert "Import 1 file" in html
    assert not Course.objects.exists()


def test_confirming_imports_the_course_with_its_cards(instructor_client):
    preview(instructor_client, notes_file("amazon-sqs.md"))
    response = instructor_client.post(CONFIRM)
    course = Course.objects.get(slug="amazon-sqs")
    assert response.status_code == 302
    assert response.url == course.get_absolute_url()
    assert course.source == "upload:amazon-sqs.md"
    assert Note.objects.filter(topic__course=course).count() == 7
    assert Topic.objects.get(course=course, slug="queue-types").title == "Queue types"


def test_several_files_upload_at_once(instructor_client):
    preview(instructor_client, notes_file("dynamodb.md"), notes_file("ecs.md"))
    instructor_client.post(CONFIRM)
    assert sorted(Course.objects.values_list("slug", flat=True)) == ["amazon-ecs", "dynamodb"]


def test_re_uploading_an_edited_file_updates_in_place_and_keeps_review_history(
    instructor_client, learner
):
    preview(instructor_client, notes_file("amazon-sqs.md"))
    instructor_client.post(CONFIRM)
    card = Card.objects.get(note__key="amazon-sqs/queue-types/fifo-queue")
    review_record(user=learner, card=card, rating=3, duration_ms=2000, now=NOW)

    edited = (DIALECTS / "amazon-sqs.md").read_bytes().replace(b"Exactly-once", b"Exactly once")
    page = preview(instructor_client, notes_file("amazon-sqs.md", edited))
    assert "updates the existing course" in page.text
    instructor_client.post(CONFIRM)

    card.refresh_from_db()
    assert Card.objects.get(note__key="amazon-sqs/queue-types/fifo-queue").pk == card.pk
    assert card.note.back_md.startswith("Exactly once processing")
    assert ReviewLog.objects.filter(user=learner, card=card).count() == 1
    assert Course.objects.filter(slug="amazon-sqs").count() == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("latin1.md", "# Café\n\n## Menu\n".encode("latin-1"), "Line 1: invalid UTF-8 (byte 0xe9)"),
        ("big.md", b"# Big\n" + b"x" * (2 * 1024 * 1024), "larger than 2 MB"),
        ("letter.md", b"Dear team,\n\nsee you on Monday.\n", "Line 1: no structure:"),
    ],
)
def test_a_bad_file_gets_a_clear_message_and_changes_nothing(
    instructor_client, name, content, message
):
    page = preview(instructor_client, notes_file(name, content))
    assert page.status_code == 400
    assert "Nothing can be imported" in page.text
    assert message in page.text
    assert "Import 1 file" not in page.text
    response = instructor_client.post(CONFIRM)
    assert response.status_code == 302 and response.url == UPLOAD
    assert not Course.objects.exists()


def test_an_upload_cannot_take_over_a_course_from_the_content_folder(instructor_client):
    call_command("import_content", "--source", str(settings.CONTENT_DIR), stdout=io.StringIO())
    lambda_notes = (settings.CONTENT_DIR / "notes" / "aws-lambda.md").read_bytes()
    page = preview(instructor_client, notes_file("lambda.md", lambda_notes + b"\n**Extra**\n"))
    assert page.status_code == 400
    assert "comes from content/notes/aws-lambda.md in the content folder" in page.text


def test_the_content_import_leaves_uploaded_courses_alone(instructor_client):
    preview(instructor_client, notes_file("amazon-sqs.md"))
    instructor_client.post(CONFIRM)
    call_command("import_content", "--source", str(settings.CONTENT_DIR), stdout=io.StringIO())
    assert Course.objects.get(slug="amazon-sqs").archived_at is None


def test_the_uploader_is_recorded_and_another_instructor_cannot_replace_the_course(
    instructor_client, instructor, client, other_instructor
):
    preview(instructor_client, notes_file("amazon-sqs.md"))
    instructor_client.post(CONFIRM)
    course = Course.objects.get(slug="amazon-sqs")
    assert course.uploaded_by == instructor
    client.force_login(other_instructor)

    page = preview(client, notes_file("amazon-sqs.md"))

    assert page.status_code == 400
    assert "was uploaded by another instructor" in page.text
    assert client.post(CONFIRM).status_code == 302  # nothing pending: nothing imported
    course.refresh_from_db()
    assert course.uploaded_by == instructor and course.source == "upload:amazon-sqs.md"


def test_the_uploader_may_upload_an_edited_file_again(instructor_client, instructor):
    preview(instructor_client, notes_file("amazon-sqs.md"))
    instructor_client.post(CONFIRM)
    page = preview(instructor_client, notes_file("amazon-sqs.md"))
    assert page.status_code == 200
    assert "was uploaded by another instructor" not in page.text
