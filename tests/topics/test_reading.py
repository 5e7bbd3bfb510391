"""Reading progress: visits, mark read or unread (htmx or not), course counts, where to continue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from studyapp.topics.models import ReadingProgress
from studyapp.topics.reading import (
    course_progress,
    courses_overview,
    reading_mark,
    reading_visit_record,
)

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def mark_url(topic) -> str:
    return reverse("topics:mark", args=[topic.course.slug, topic.slug])


def test_opening_a_topic_records_the_visit(learner_client, learner, concurrency):
    learner_client.get(concurrency.get_absolute_url())
    progress = ReadingProgress.objects.get(user=learner, topic=concurrency)
    assert progress.last_viewed_at is not None
    assert progress.read_at is None


def test_a_visit_keeps_a_topic_read(learner, concurrency):
    reading_mark(user=learner, topic=concurrency, read=True, now=MONDAY)
    reading_visit_record(user=learner, topic=concurrency, now=MONDAY + timedelta(days=1))
    progress = ReadingProgress.objects.get(user=learner, topic=concurrency)
    assert progress.read_at == MONDAY
    assert progress.last_viewed_at == MONDAY + timedelta(days=1)


def test_marking_read_twice_keeps_the_first_time(learner, concurrency):
    reading_mark(user=learner, topic=concurrency, read=True, now=MONDAY)
    reading_mark(user=learner, topic=concurrency, read=True, now=MONDAY + timedelta(hours=1))
    assert ReadingProgress.objects.get(user=learner, topic=concurrency).read_at == MONDAY


def test_marking_unread_clears_the_read_time(learner, concurrency):
    reading_mark(user=learner, topic=concurrency, read=True, now=MONDAY)
    reading_mark(user=learner, topic=concurrency, read=False, now=MONDAY + timedelta(hours=1))
    assert ReadingProgress.objects.get(user=learner, topic=concurrency).read_at is None


def test_mark_read_through_htmx_returns_the_button_and_the_meter(
    learner_client, learner, concurrency
):
    response = learner_client.post(
        mark_url(concurrency), {"read": "1"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<!doctype" not in html.lower()
    assert 'id="read-button"' in html and "Mark as unread" in html
    assert '<p id="course-meter" hx-swap-oob="innerHTML">' in html
    assert "1 of 22 topics read in this course" in html
    assert ReadingProgress.objects.get(user=learner, topic=concurrency).read_at is not None


def test_mark_unread_through_htmx_offers_mark_as_read_again(learner_client, learner, concurrency):
    reading_mark(user=learner, topic=concurrency, read=True, now=MONDAY)
    response = learner_client.post(
        mark_url(concurrency), {"read": "0"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert "Mark as read" in html
    assert "0 of 22 topics read in this course" in html


def test_mark_read_without_javascript_redirects_back_to_the_topic(learner_client, concurrency):
    response = learner_client.post(mark_url(concurrency), {"read": "1"})
    assert response.status_code == 302
    assert response["Location"] == concurrency.get_absolute_url()


def test_marking_read_needs_a_post(learner_client, concurrency):
    assert learner_client.get(mark_url(concurrency)).status_code == 405


def test_marking_read_needs_a_login(client, concurrency):
    response = client.post(mark_url(concurrency), {"read": "1"})
    assert response.status_code == 302
    assert not ReadingProgress.objects.exists()


def test_the_course_page_counts_read_topics_per_section(learner_client, learner, lambda_course):
    for slug in ("memory-and-timeout", "concurrency-and-scaling", "lambda-layers"):
        reading_mark(user=learner, topic=lambda_course.topics.get(slug=slug), read=True, now=MONDAY)
    html = learner_client.get(lambda_course.get_absolute_url()).content.decode()
    assert "3 of 22 topics read" in html
    configuration = html.split('id="section-configuration-and-management"', 1)[1]
    assert "2 of 4 read" in configuration.split("</section>", 1)[0]
    assert html.count("topic-item is-read") == 3


def test_course_progress_knows_each_topics_read_state(learner, lambda_course, concurrency):
    reading_mark(user=learner, topic=concurrency, read=True, now=MONDAY)
    progress = course_progress(user=learner, course=lambda_course)
    read = [state.topic.slug for state in progress.topics if state.read]
    assert read == ["concurrency-and-scaling"]
    assert (progress.read_count, progress.total, progress.percent) == (1, 22, 5)


def test_the_course_page_continues_with_the_topic_viewed_last(
    learner_client, learner, lambda_course
):
    kinesis = lambda_course.topics.get(slug="kinesis")
    overview = lambda_course.topics.get(slug="overview")
    reading_visit_record(user=learner, topic=kinesis, now=MONDAY + timedelta(hours=2))
    reading_visit_record(user=learner, topic=overview, now=MONDAY)
    html = learner_client.get(lambda_course.get_absolute_url()).content.decode()
    assert f'href="{kinesis.get_absolute_url()}">Continue: Kinesis</a>' in html


def test_a_new_learner_is_offered_the_first_topic(learner_client, lambda_course):
    html = learner_client.get(lambda_course.get_absolute_url()).content.decode()
    overview = lambda_course.topics.get(slug="overview")
    assert f'href="{overview.get_absolute_url()}">Start: Overview</a>' in html


def test_the_index_continues_where_the_learner_left_off(learner_client, learner, concurrency):
    reading_visit_record(user=learner, topic=concurrency, now=MONDAY)
    html = learner_client.get(reverse("topics:index")).content.decode()
    assert "Continue where you left off" in html
    assert f'href="{concurrency.get_absolute_url()}">Concurrency and Scaling</a>' in html


def test_another_learners_progress_is_separate(
    client, learner, django_user_model, lambda_course, concurrency
):
    other = django_user_model.objects.create_user(username="bob", password="correct-horse-42")
    reading_mark(user=other, topic=concurrency, read=True, now=MONDAY)
    assert course_progress(user=learner, course=lambda_course).read_count == 0
    [summary] = courses_overview(user=learner)
    assert (summary.read_count, summary.continue_topic) == (0, None)
    client.force_login(learner)
    html = client.get(lambda_course.get_absolute_url()).content.decode()
    assert "0 of 22 topics read" in html
    assert "Continue:" not in html


def test_an_archived_topic_leaves_the_counts(learner, lambda_course, concurrency):
    reading_mark(user=learner, topic=concurrency, read=True, now=MONDAY)
    concurrency.archived_at = MONDAY
    concurrency.save()
    [summary] = courses_overview(user=learner)
    assert (summary.read_count, summary.total) == (0, 21)
    assert course_progress(user=learner, course=lambda_course).read_count == 0
