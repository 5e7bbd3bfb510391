"""Files of the same name in different texts of one Moodle XML question (legal in Moodle, which
keeps each text's files apart): each text's links serve that text's own file, on the learner's
pages and in the editor's preview, and the export writes each back in its own text."""

from __future__ import annotations

import base64
import hashlib
import itertools
import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse
from freezegun import freeze_time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studyapp.quizzes import attempts, quizbuilder
from studyapp.quizzes.banks import questions_export, version_data
from studyapp.quizzes.formats import moodle_xml
from studyapp.quizzes.formats.model import FileData
from studyapp.quizzes.media import media_url
from studyapp.quizzes.models import Question, QuestionMedia
from studyapp.quizzes.question_import import questions_import
from studyapp.topics.models import Course
from tests.factories import cohort_make, quiz_make
from tests.quizzes.authoring.conftest import DATA, export_questions, import_questions
from tests.quizzes.authoring.test_question_editor_try_link import EditorForm

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FIXTURE = DATA / "same_names.xml"


def fixture_file(text: str) -> bytes:
    """The bytes of the ``diagram.png`` the fixture attaches to the element ``text``."""
    xml = FIXTURE.read_text(encoding="utf-8")
    element = re.search(rf"<{text}[ >].*?</{text}>", xml, re.DOTALL).group(0)
    encoded = re.search(r'<file name="diagram.png"[^>]*>([^<]+)</file>', element).group(1)
    return base64.b64decode(encoded)


QUESTION_TEXT = fixture_file("questiontext")
GENERAL_FEEDBACK = fixture_file("generalfeedback")
ANSWER_FEEDBACK = fixture_file("feedback")


@pytest.fixture
def question(course) -> Question:
    code, report, stderr = import_questions(FIXTURE, "moodle-xml", "--bank", "amazon-s3")
    assert code == 0, stderr
    assert report["created"] == 1
    return Question.objects.get(key="polling-diagram")


@pytest.fixture
def taken(question, instructor, learner):
    """The instructor's timed quiz of the question, assigned to their cohort, started by a
    learner."""
    Question.objects.filter(pk=question.pk).update(status="published")
    cohort_make(instructor=instructor, now=NOW, learners=[learner])
    quiz = quiz_make(owner=instructor, questions=[question], now=NOW, mode="timed")
    return quizbuilder.quiz_attempt_start(user=learner, quiz=quiz, now=NOW)


def image_sources(html: str) -> dict[str, str]:
    """Each ``<img>``'s src, by its alt text."""
    return {
        alt: src
        for src, alt in re.findall(r'<img src="([^"]+)" alt="([^"]+)"', html.replace("&amp;", "&"))
    }


def test_the_three_files_of_the_same_name_are_kept_each_with_its_text(question):
    media = QuestionMedia.objects.filter(version=question.current_version)

    assert [(m.name, m.area, m.sha256) for m in media] == [
        ("diagram.png", "questiontext", hashlib.sha256(QUESTION_TEXT).hexdigest()),
        ("diagram.png", "generalfeedback", hashlib.sha256(GENERAL_FEEDBACK).hexdigest()),
        ("diagram.png", "feedback/1", hashlib.sha256(ANSWER_FEEDBACK).hexdigest()),
    ]
    assert len({QUESTION_TEXT, GENERAL_FEEDBACK, ANSWER_FEEDBACK}) == 3


def test_each_texts_link_on_the_review_page_serves_that_texts_own_image(
    client, question, taken, learner
):
    attempts.attempt_submit(attempt=taken, now=NOW)
    client.force_login(learner)

    page = client.get(reverse("quizzes:review", args=[taken.pk])).content.decode()

    version = question.current_version_id
    sources = image_sources(page)
    assert sources == {
        "a queue and a function": f"/quizzes/media/{version}/questiontext/diagram.png",
        "the poller": f"/quizzes/media/{version}/feedback/1/diagram.png",
        "the mapping": f"/quizzes/media/{version}/generalfeedback/diagram.png",
    }
    served = {alt: client.get(src) for alt, src in sources.items()}
    assert {alt: (r.status_code, r["Content-Type"]) for alt, r in served.items()} == {
        alt: (200, "image/png") for alt in sources
    }
    assert served["a queue and a function"].content == QUESTION_TEXT
    assert served["the poller"].content == ANSWER_FEEDBACK
    assert served["the mapping"].content == GENERAL_FEEDBACK


def test_before_the_answer_only_the_question_texts_file_of_that_name_is_served(
    client, question, taken, learner
):
    client.force_login(learner)
    version = question.current_version_id

    with freeze_time(NOW):
        page = client.get(reverse("quizzes:attempt", args=[taken.pk])).content.decode()
    stem = client.get(f"/quizzes/media/{version}/questiontext/diagram.png")
    feedback = client.get(f"/quizzes/media/{version}/feedback/1/diagram.png")
    general = client.get(f"/quizzes/media/{version}/generalfeedback/diagram.png")

    assert image_sources(page) == {
        "a queue and a function": f"/quizzes/media/{version}/questiontext/diagram.png"
    }
    assert (stem.status_code, stem.content) == (200, QUESTION_TEXT)
    assert (feedback.status_code, general.status_code) == (404, 404)


def test_a_link_to_a_name_its_text_has_no_file_of_serves_the_questions_first_file_of_it(
    instructor_client, question
):
    version = question.current_version_id

    response = instructor_client.get(f"/quizzes/media/{version}/answer/2/diagram.png")

    assert response.status_code == 200
    assert response.content == QUESTION_TEXT


def test_the_export_writes_each_file_back_in_its_own_text(question):
    exported, _ = export_questions("moodle-xml", "--bank", "amazon-s3")

    def written(content: bytes) -> str:
        encoded = base64.b64encode(content).decode()
        return f'<file name="diagram.png" path="/" encoding="base64">{encoded}</file>'

    assert f"]]></text>{written(QUESTION_TEXT)}</questiontext>" in exported
    assert f"]]></text>{written(GENERAL_FEEDBACK)}</generalfeedback>" in exported
    assert f"]]></text>{written(ANSWER_FEEDBACK)}</feedback>" in exported
    assert exported.count('<file name="diagram.png"') == 3


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
    assert report["created"] == 1
    assert second == first


def test_the_editors_preview_links_each_text_to_its_own_stored_file(instructor_client, question):
    version = question.current_version
    options = list(version.options.all())
    data = {
        "question_id": str(question.pk),
        "title": version.title,
        "stem_md": version.stem_md,
        "kind": version.kind,
        "general_explanation_md": version.general_explanation_md,
        "domain": "D2",
        "difficulty": "medium",
        "status": "draft",
        "option_count": str(len(options)),
    }
    for index, option in enumerate(options):
        data[f"option-{index}-text"] = option.text_md
        data[f"option-{index}-explanation"] = option.explanation_md
        if option.is_correct:
            data[f"option-{index}-correct"] = "on"

    preview = instructor_client.post(reverse("teach:question_preview"), data).content.decode()

    assert "@@PLUGINFILE@@" not in preview
    assert image_sources(preview) == {
        "a queue and a function": f"/quizzes/media/{version.pk}/questiontext/diagram.png",
        "the poller": f"/quizzes/media/{version.pk}/feedback/1/diagram.png",
        "the mapping": f"/quizzes/media/{version.pk}/generalfeedback/diagram.png",
    }


def test_the_editor_page_opens_with_the_preview_linking_the_stored_files(
    instructor_client, question
):
    version = question.current_version_id

    page = instructor_client.get(reverse("teach:question_edit", args=[question.pk]))

    preview = page.content.decode().split('id="question-preview"')[1]
    assert "@@PLUGINFILE@@" not in preview
    assert image_sources(preview)["a queue and a function"] == (
        f"/quizzes/media/{version}/questiontext/diagram.png"
    )
    assert instructor_client.get(image_sources(preview)["the poller"]).content == ANSWER_FEEDBACK


AREAS = st.sampled_from(
    [
        "questiontext",
        "generalfeedback",
        "correctfeedback",
        "partiallycorrectfeedback",
        "incorrectfeedback",
        *(f"{text}/{number}" for text in ("answer", "feedback") for number in (1, 2, 3)),
    ]
)
# As Moodle keys them: one file of a name and path per text, the same name in several texts.
FILES = st.lists(
    st.builds(
        FileData,
        st.sampled_from(["diagram.png", "icon.png", "notes.txt"]),
        st.binary(min_size=1, max_size=64),
        AREAS,
        st.sampled_from(["/", "/drawings/"]),
    ),
    min_size=1,
    max_size=6,
    unique_by=lambda file: (file.area, file.path, file.name),
)
BANKS = itertools.count(1)


def bank_round_trip(text: str, user) -> tuple[str, Course]:
    """Import ``text`` into a new bank of ``user``'s and export that bank."""
    slug = f"round-trip-{next(BANKS)}"
    report = questions_import(text=text, format_name="moodle-xml", bank=slug, user=user, now=NOW)
    assert report.ok, report.errors
    course = Course.objects.get(slug=slug)
    return questions_export(format_name="moodle-xml", course=course).text, course


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(files=FILES)
def test_any_texts_files_of_any_names_are_served_as_their_own_and_round_trip_byte_for_byte(
    question, instructor, instructor_client, files
):
    written = version_data(question.current_version)
    written.files = files

    first, bank = bank_round_trip(moodle_xml.write([written]), instructor)
    second, _ = bank_round_trip(first, instructor)

    assert second == first
    read = moodle_xml.parse(first).questions[0].files
    assert sorted(read, key=repr) == sorted(files, key=repr)
    version = Question.objects.get(course=bank).current_version_id
    for file in files:
        response = instructor_client.get(
            media_url(version, file.area, file.path.removeprefix("/") + file.name)
        )
        assert (response.status_code, response.content) == (200, file.content)


def editor_post(client, url: str, action: str, page: str | None = None):
    """Post the editor form shown on ``page`` (or on a fresh GET) with the button ``action``."""
    form = EditorForm()
    form.feed(page if page is not None else client.get(url).content.decode())
    data = form.post_data()
    data["action"] = [action]
    return client.post(url, data)


def test_an_options_files_follow_it_when_the_editor_moves_it(instructor_client, question):
    url = reverse("teach:question_edit", args=[question.pk])
    moved = editor_post(instructor_client, url, "down-0")  # AWS Lambda becomes option B

    saved = editor_post(instructor_client, url, "save", page=moved.content.decode())

    assert saved.status_code == 302
    question.refresh_from_db()
    version = question.current_version
    assert version.number == 2
    assert [o.text_md for o in version.options.order_by("position")][:2] == [
        "<p>Amazon SQS</p>",
        "<p>AWS Lambda</p>",
    ]
    assert {(m.area, bytes(m.data)) for m in version.media.all()} == {
        ("questiontext", QUESTION_TEXT),
        ("generalfeedback", GENERAL_FEEDBACK),
        ("feedback/2", ANSWER_FEEDBACK),
    }
    exported, _ = export_questions("moodle-xml", "--bank", "amazon-s3")
    second = exported.split("<answer ")[2]
    assert "<p>AWS Lambda</p>" in second and '<file name="diagram.png"' in second


def test_a_removed_options_files_stay_with_the_version_that_had_it(instructor_client, question):
    url = reverse("teach:question_edit", args=[question.pk])
    page = editor_post(instructor_client, url, "remove-0").content.decode()  # AWS Lambda

    form = EditorForm()
    form.feed(page)
    data = form.post_data(**{"option-0-correct": "on"})  # Amazon SQS, to keep one right answer
    saved = instructor_client.post(url, data)

    assert saved.status_code == 302, saved.content.decode()[:2000]
    question.refresh_from_db()
    assert question.current_version.number == 2
    assert {m.area for m in question.current_version.media.all()} == {
        "questiontext",
        "generalfeedback",
    }
    first = question.versions.get(number=1)
    assert ("feedback/1", ANSWER_FEEDBACK) in {(m.area, bytes(m.data)) for m in first.media.all()}
