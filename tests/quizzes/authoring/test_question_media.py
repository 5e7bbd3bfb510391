"""Moodle XML ``<file>`` attachments: kept as the question's media, served to those who may see
the question, refused when too large, and written back on export."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.urls import reverse
from freezegun import freeze_time

from studyapp.quizzes import attempts, quizbuilder
from studyapp.quizzes.formats.model import MAX_FILE_BYTES
from studyapp.quizzes.models import Question, QuestionMedia
from tests.factories import cohort_make, quiz_make
from tests.quizzes.authoring.conftest import DATA, export_questions, import_questions

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FIXTURE = DATA / "attachments.xml"


def fixture_file(name: str) -> bytes:
    text = FIXTURE.read_text(encoding="utf-8")
    encoded = re.search(rf'<file name="{re.escape(name)}"[^>]*>([^<]+)</file>', text)
    return base64.b64decode(encoded.group(1))


@pytest.fixture
def question(course) -> Question:
    code, report, stderr = import_questions(FIXTURE, "moodle-xml", "--bank", "amazon-s3")
    assert code == 0, stderr
    assert report["created"] == 1
    return Question.objects.get(key="service-icon")


def media_url(question: Question, name: str, area: str = "questiontext") -> str:
    return reverse("quizzes:media", args=[question.current_version_id, area, name])


@pytest.fixture
def taken(question, instructor, learner):
    """The instructor's quiz of the question, assigned to their cohort and started by a learner."""
    Question.objects.filter(pk=question.pk).update(status="published")
    cohort_make(instructor=instructor, now=NOW, learners=[learner])
    quiz = quiz_make(owner=instructor, questions=[question], now=NOW, mode="timed")
    return quizbuilder.quiz_attempt_start(user=learner, quiz=quiz, now=NOW)


def test_each_attachment_is_kept_with_its_type_size_hash_and_the_text_it_belongs_to(question):
    media = list(QuestionMedia.objects.filter(version=question.current_version))

    icon = fixture_file("service icon.png")
    assert [(m.name, m.area, m.content_type, m.size) for m in media] == [
        ("service icon.png", "questiontext", "image/png", len(icon)),
        ("tick.png", "feedback/1", "image/png", len(fixture_file("tick.png"))),
    ]
    assert media[0].sha256 == hashlib.sha256(icon).hexdigest()
    assert bytes(media[0].data) == icon


def test_a_learner_given_the_question_fetches_its_image_with_its_content_type(
    client, question, taken, learner
):
    client.force_login(learner)

    response = client.get(media_url(question, "service icon.png"))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")
    assert response.content == fixture_file("service icon.png")


def test_the_page_links_the_image_where_moodle_wrote_pluginfile(client, question, taken, learner):
    client.force_login(learner)

    with freeze_time(NOW):
        page = client.get(reverse("quizzes:attempt", args=[taken.pk])).content.decode()

    assert "@@PLUGINFILE@@" not in page
    src = f"/quizzes/media/{question.current_version_id}/questiontext/service%20icon.png"
    assert f'src="{src}"' in page
    assert client.get(src).status_code == 200


def test_a_feedback_image_is_not_served_before_the_exam_is_submitted(
    client, question, taken, learner
):
    client.force_login(learner)
    assert client.get(media_url(question, "tick.png", "feedback/1")).status_code == 404

    attempts.attempt_submit(attempt=taken, now=NOW)

    assert client.get(media_url(question, "tick.png", "feedback/1")).status_code == 200


def test_another_instructors_learner_cannot_fetch_it(
    client, question, taken, other_instructor, django_user_model
):
    their_learner = django_user_model.objects.create_user(username="ken", password="x-42-y!")
    cohort_make(instructor=other_instructor, now=NOW, learners=[their_learner])
    client.force_login(their_learner)

    response = client.get(media_url(question, "service icon.png"))

    assert response.status_code == 404
    assert response.content != fixture_file("service icon.png")


def test_an_instructor_whose_bank_it_is_not_cannot_fetch_it(
    client, question, instructor, other_instructor
):
    Question.objects.filter(pk=question.pk).update(author=instructor)
    question.course.uploaded_by = instructor
    question.course.save()

    client.force_login(other_instructor)
    assert client.get(media_url(question, "service icon.png")).status_code == 404
    client.force_login(instructor)
    assert client.get(media_url(question, "service icon.png")).status_code == 200


def test_an_svg_is_served_as_a_download_never_as_a_page(client, course, instructor, tmp_path):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    text = FIXTURE.read_text(encoding="utf-8").replace(
        'name="service icon.png" path="/" encoding="base64">',
        'name="icon.svg" path="/" encoding="base64">' + base64.b64encode(svg).decode() + "<!--",
    )
    text = re.sub(r"(<!--)[A-Za-z0-9+/=]+</file>", "</file>", text, count=1)
    path = tmp_path / "svg.xml"
    path.write_text(text, encoding="utf-8")
    code, _, stderr = import_questions(path, "moodle-xml", "--bank", "amazon-s3")
    assert code == 0, stderr
    client.force_login(instructor)

    response = client.get(media_url(Question.objects.get(key="service-icon"), "icon.svg"))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Content-Disposition"].startswith("attachment")
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"


def too_large(tmp_path: Path, size: int) -> Path:
    big = base64.b64encode(b"\x89PNG" + b"\0" * (size - 4)).decode()
    text = FIXTURE.read_text(encoding="utf-8")
    text = re.sub(
        r'(<file name="service icon.png" path="/" encoding="base64">)[^<]+', rf"\g<1>{big}", text
    )
    path = tmp_path / "large.xml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_file_over_the_limit_is_refused_with_its_line_and_nothing_is_saved(course, tmp_path):
    path = too_large(tmp_path, MAX_FILE_BYTES + 1)

    code, report, stderr = import_questions(path, "moodle-xml", "--bank", "amazon-s3")

    assert code == 1
    assert report["errors"] == [
        {
            "line": 21,
            "message": "the file 'service icon.png' holds 1.0 MB; a file may hold at most 1.0 MB",
        }
    ]
    assert f"{path}:21: the file 'service icon.png' holds 1.0 MB" in stderr
    assert not Question.objects.exists() and not QuestionMedia.objects.exists()


def test_a_question_whose_files_add_up_to_too_much_is_refused(course, tmp_path):
    one = base64.b64encode(b"\0" * (MAX_FILE_BYTES - 10)).decode()
    files = "".join(
        f'<file name="part{n}.png" path="/" encoding="base64">{one}</file>' for n in range(5)
    )
    text = FIXTURE.read_text(encoding="utf-8").replace("</questiontext>", files + "</questiontext>")
    path = tmp_path / "many.xml"
    path.write_text(text, encoding="utf-8")

    code, report, _ = import_questions(path, "moodle-xml", "--bank", "amazon-s3")

    assert code == 1
    assert report["errors"] == [
        {
            "line": 15,
            "message": "the question's files hold 5.0 MB; a question may hold at most 4.0 MB",
        }
    ]
    assert not Question.objects.exists()


def test_the_export_writes_the_files_back_and_importing_it_again_changes_nothing(
    question, tmp_path
):
    exported, _ = export_questions("moodle-xml", "--bank", "amazon-s3")

    icon = base64.b64encode(fixture_file("service icon.png")).decode()
    tick = base64.b64encode(fixture_file("tick.png")).decode()
    assert f'<file name="service icon.png" path="/" encoding="base64">{icon}</file>' in exported
    assert f'<file name="tick.png" path="/" encoding="base64">{tick}</file></feedback>' in exported
    path = tmp_path / "export.xml"
    path.write_text(exported, encoding="utf-8")
    _, report, _ = import_questions(path, "moodle-xml", "--bank", "amazon-s3")
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 0, 1)


def test_export_import_into_a_new_bank_export_again_is_byte_identical(
    question, instructor, tmp_path
):
    first, _ = export_questions("moodle-xml", "--bank", "amazon-s3")
    path = tmp_path / "export.xml"
    path.write_text(first, encoding="utf-8")

    code, report, stderr = import_questions(
        path, "moodle-xml", "--bank", "fresh-bank", "--user", instructor.username
    )
    second, _ = export_questions("moodle-xml", "--bank", "fresh-bank")

    assert code == 0, stderr
    assert report["bank_created"] is True
    assert second == first


def test_a_gift_export_says_it_leaves_the_files_out_and_a_gift_import_keeps_them(
    question, tmp_path
):
    exported, stderr = export_questions("gift", "--bank", "amazon-s3")
    assert "gift holds no files" in stderr
    path = tmp_path / "export.gift"
    path.write_text(exported, encoding="utf-8")

    import_questions(path, "gift", "--bank", "amazon-s3")

    kept = QuestionMedia.objects.filter(
        version=Question.objects.get(pk=question.pk).current_version
    )
    assert sorted(kept.values_list("name", flat=True)) == ["service icon.png", "tick.png"]
