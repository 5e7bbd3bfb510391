"""Acceptance: each dashboard page runs the same number of queries at two data sizes."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from studyapp.accounts.cohorts import cohort_create
from studyapp.accounts.models import Membership
from studyapp.cards.demo_data import demo_cards_build, demo_learners_build, demo_reviews_build
from studyapp.progress.demo_data import demo_attempts_build, demo_questions_build
from studyapp.topics.models import Course, Topic

pytestmark = pytest.mark.django_db

# Session and user (2, the header's role read with the user), the study settings, the review
# queue's counts (1: not the card it would show next), then the dashboard's own reads (whether
# the learner's cohorts assigned anything among them: the assignments themselves, with their
# statuses, are read only when there are some); the same at both data sizes.
# The cohort page counts every learner's review queue in one query (their time zones read in
# one more), whatever the cohort's size; the instructor's permission comes with the user.
# Both read the course versions the process keeps the topic list under (one small query), and
# the topic list itself only when it is not kept yet: one query more on the first view.
HOME_MAX = 14
COHORT_MAX = 12
FIRST_VIEW = 1
# Home of a learner who has not practised yet is the first run's start, not built on the
# dashboard: session and user (2), the study settings and the answers by study day that decide
# it, the start's steps, the first topic, the first topic a practice question tests, and
# whether the learner's cohorts assigned anything.
START_MAX = 8


@pytest.fixture(params=[(3, 40), (12, 1200)], ids=["small", "large"])
def history(request, learner, instructor):
    """The learner and cohort mates with review histories and quiz attempts of two sizes."""
    learners, reviews = request.param
    now = timezone.now()
    cards = demo_cards_build(topics_per_course=5, cards_per_topic=reviews // 20 + 2)
    mates = demo_learners_build(count=learners - 1)
    users = [learner.pk, *mates]
    demo_reviews_build(user_ids=users, card_ids=cards, reviews_per_learner=reviews, now=now)
    course = Course.objects.get(slug="demo-course-0")
    topics = list(Topic.objects.filter(course=course))
    questions = demo_questions_build(course=course, topics=topics, now=now)
    demo_attempts_build(user_ids=users, questions=questions, now=now)
    cohort = cohort_create(instructor=instructor, name="Class")
    Membership.objects.bulk_create(
        Membership(cohort=cohort, user_id=uid, joined_at=now) for uid in users
    )
    return cohort


def test_the_learner_dashboard_runs_a_fixed_number_of_queries(
    client, learner, history, django_assert_max_num_queries
):
    client.force_login(learner)
    with django_assert_max_num_queries(HOME_MAX + FIRST_VIEW):
        response = client.get(reverse("home"))
    assert response.status_code == 200
    with django_assert_max_num_queries(HOME_MAX):
        response = client.get(reverse("home"))
    assert response.status_code == 200


def test_the_first_run_start_runs_a_fixed_number_of_queries(
    client, learner, django_assert_max_num_queries
):
    cards = demo_cards_build(topics_per_course=5, cards_per_topic=4)
    demo_reviews_build(
        user_ids=[learner.pk], card_ids=cards, reviews_per_learner=40, now=timezone.now()
    )
    client.force_login(learner)
    with django_assert_max_num_queries(START_MAX + FIRST_VIEW):
        response = client.get(reverse("home"))
    assert 'id="start-practice"' in response.text
    with django_assert_max_num_queries(START_MAX):
        response = client.get(reverse("home"))
    assert 'id="start-practice"' in response.text


def test_the_cohort_dashboard_runs_a_fixed_number_of_queries(
    client, instructor, history, django_assert_max_num_queries
):
    client.force_login(instructor)
    url = reverse("progress:cohort", args=[history.id])
    with django_assert_max_num_queries(COHORT_MAX + FIRST_VIEW):
        response = client.get(url)
    assert response.status_code == 200
    with django_assert_max_num_queries(COHORT_MAX):
        response = client.get(url)
    assert response.status_code == 200


def statements_of(client, url: str) -> list[str]:
    """The statements a page runs, as written before their values are bound."""
    run: list[str] = []

    def record(execute, sql, params, many, context):
        run.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = client.get(url)
    assert response.status_code == 200
    return run


def test_the_learner_dashboard_runs_the_same_statements_for_every_learner(client, learner, history):
    """Every learner's dashboard is the same statements with other values, which PostgreSQL
    prepares once per connection; a statement written for one learner would be planned anew
    at every request."""
    mate = history.memberships.exclude(user=learner).select_related("user").first().user
    written = {}
    for user in (learner, mate, learner):
        client.force_login(user)
        written[user.pk] = statements_of(client, reverse("home"))
    assert written[mate.pk] == written[learner.pk]
