"""The instructor's cohort dashboard counts scores from the day a learner joined, and links each
learner's row to their detail page, which only the cohort's instructor may open."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from studyapp.accounts.cohorts import cohort_create
from studyapp.accounts.models import Membership
from studyapp.accounts.roles import instructor_grant
from studyapp.progress.dashboards import cohort_dashboard, cohort_learner

pytestmark = pytest.mark.django_db


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def cohort(instructor, learner, world, now):
    """The learner answered and finished attempts a week ago, then joined three days ago, and
    has studied since."""
    layers = world.question(topic=world.topics[0])
    world.attempt(learner, answers=[(layers, True)], at=now - timedelta(days=7), mode="exam")
    world.attempt(learner, answers=[(layers, True)], at=now - timedelta(days=7))
    made = cohort_create(instructor=instructor, name="Spring class")
    Membership.objects.create(cohort=made, user=learner, joined_at=now - timedelta(days=3))
    world.attempt(learner, answers=[(layers, False)], at=now - timedelta(days=1))
    return made


def test_scores_count_only_from_when_the_learner_joined(cohort, now):
    row = cohort_dashboard(cohort, now=now).rows[0]
    assert (row.quiz_last, row.exam_last, row.exam_best) == (100, None, None)


def test_quiz_answers_before_joining_do_not_count_towards_mastery(cohort, now):
    row = cohort_dashboard(cohort, now=now).rows[0]
    assert row.mastery == 0.0  # the one answer since joining was wrong


def test_a_learners_row_links_to_their_detail_page(instructor_client, cohort, learner):
    html = instructor_client.get(reverse("progress:cohort", args=[cohort.id])).content.decode()
    assert reverse("progress:cohort_learner", args=[cohort.id, learner.id]) in html


def test_the_detail_page_shows_what_the_learner_did_since_joining(
    instructor_client, cohort, learner
):
    url = reverse("progress:cohort_learner", args=[cohort.id, learner.id])
    response = instructor_client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>ada in Spring class</h1>" in html
    assert "1 scored attempt since joining; the latest scored 100." in html
    assert "<td>0 of 1</td>" in html  # Lambda Layers: one answer since joining, wrong


def test_the_detail_data_leaves_out_attempts_before_joining(cohort, learner, now):
    detail = cohort_learner(cohort, user_id=learner.id, now=now)
    assert [point["scaled_score"] for point in detail.scores] == [100]
    assert [(m.topic.slug, m.right, m.graded) for m in detail.studied] == [("layers", 0, 1)]


def test_another_instructor_cannot_open_a_learners_detail_page(
    client, cohort, learner, django_user_model
):
    other = django_user_model.objects.create_user(username="alan", password="x-correct-horse")
    instructor_grant(user=other)
    client.force_login(other)
    url = reverse("progress:cohort_learner", args=[cohort.id, learner.id])
    assert client.get(url).status_code == 404


def test_a_learner_cannot_open_their_own_instructor_view(learner_client, cohort, learner):
    url = reverse("progress:cohort_learner", args=[cohort.id, learner.id])
    assert learner_client.get(url).status_code == 403


def test_someone_outside_the_cohort_has_no_detail_page(
    instructor_client, cohort, django_user_model
):
    stranger = django_user_model.objects.create_user(username="eve", password="x-correct-horse")
    url = reverse("progress:cohort_learner", args=[cohort.id, stranger.id])
    assert instructor_client.get(url).status_code == 404
