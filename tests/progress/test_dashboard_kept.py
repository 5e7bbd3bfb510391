"""The dashboard's topic list is kept per process under the course versions, and each topic's
item as drawn under what it shows: the page is the same byte for byte, every write of the
content shows on the next request, and what is a learner's own (read marks, masteries,
assignments) is never another learner's."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from studyapp.accounts import onboarding
from studyapp.quizzes.assignments import assignment_create
from studyapp.topics.models import Course, Topic
from studyapp.topics.reading import reading_mark
from tests.pages import without_tokens
from tests.plugins.courses import NOTES, import_content

pytestmark = pytest.mark.django_db


@pytest.fixture
def home(client):
    """The home dashboard of ``user`` (its first-run start put away), as HTML."""

    def read(user) -> str:
        onboarding.start_dismiss(user=user, now=timezone.now())
        client.force_login(user)
        response = client.get(reverse("home"))
        assert response.status_code == 200
        return response.content.decode()

    return read


def course_map(html: str) -> str:
    return html.split('<section aria-labelledby="map-heading">', 1)[1].split("</section>", 1)[0]


def test_a_kept_dashboard_is_the_dashboard_built_afresh_byte_for_byte(home, learner, course):
    from studyapp.progress.selectors import topics_kept_forget
    from studyapp.progress.templatetags.progress_tags import topic_item_markup

    topics_kept_forget()
    topic_item_markup.cache_clear()
    afresh = home(learner)
    kept = home(learner)
    assert "Buckets and Objects" in course_map(kept)
    assert without_tokens(kept) == without_tokens(afresh)


def test_a_topic_retitled_in_the_notes_shows_on_the_next_dashboard(
    home, learner, content_dir, course
):
    assert "Buckets and Objects" in course_map(home(learner))

    notes = NOTES.replace("**Buckets and Objects**", "**Buckets, Objects and Keys**")
    (content_dir / "notes" / "s3.md").write_text(notes, encoding="utf-8")
    import_content(content_dir)

    shown = course_map(home(learner))
    assert "Buckets, Objects and Keys" in shown
    assert "Buckets and Objects" not in shown


def test_a_topic_gone_from_the_notes_leaves_the_next_dashboard(home, learner, content_dir, course):
    assert "Storage Classes" in course_map(home(learner))

    without = NOTES.replace(
        "**Storage Classes**\n\n* **S3 Standard**: Frequently accessed data.\n\n", ""
    )
    assert without != NOTES
    (content_dir / "notes" / "s3.md").write_text(without, encoding="utf-8")
    import_content(content_dir)

    shown = course_map(home(learner))
    assert "Storage Classes" not in shown
    assert "Buckets and Objects" in shown


def test_a_write_this_process_is_never_told_of_shows_once_its_version_moves_on(
    home, learner, course
):
    """As another process's import would: the rows change and the course's version moves on,
    in the database only; this process learns of it from the versions it reads per request."""
    assert "Buckets and Objects" in course_map(home(learner))
    Topic.objects.filter(course=course, slug="buckets-and-objects").update(title="Buckets")
    Course.objects.filter(pk=course.pk).content_changed()

    shown = course_map(home(learner))
    assert "Buckets</a>" in shown
    assert "Buckets and Objects" not in shown


def test_an_archived_course_leaves_the_next_dashboard(home, learner, course):
    assert "Amazon S3" in course_map(home(learner))
    Course.objects.filter(pk=course.pk).update(archived_at=timezone.now())

    shown = course_map(home(learner))
    assert "Amazon S3" not in shown
    assert "No course yet." in shown


def test_each_learner_sees_only_their_own_read_marks_on_the_kept_topics(
    home, learner, django_user_model, course
):
    other = django_user_model.objects.create_user(username="bartholomew", password="x-42-y")
    topic = course.topics.get(slug="storage-classes")
    reading_mark(user=learner, topic=topic, read=True, now=timezone.now())

    mine = course_map(home(learner))
    theirs = course_map(home(other))
    again = course_map(home(learner))

    assert mine.count(" · read") == 1
    assert " · read" not in theirs
    assert again == mine


def test_each_learner_sees_only_their_own_cohorts_assignments(
    home, learner, instructor, cohort, django_user_model, course
):
    other = django_user_model.objects.create_user(username="bartholomew", password="x-42-y")
    topic = course.topics.get(slug="storage-classes")
    assignment_create(cohort=cohort, kind="topic", topic=topic, by=instructor, now=timezone.now())

    assert "Nothing assigned by your cohorts right now." in home(other)
    mine = home(learner)
    assert "Read: Storage Classes" in mine
    assert "Nothing assigned by your cohorts right now." not in mine
    assert "Read: Storage Classes" not in home(other)
