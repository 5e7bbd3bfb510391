"""The first-run start on Home: shown to a learner who has not studied yet, until they have."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from studyapp.cards.models import StudySettings
from studyapp.quizzes.models import Question, QuestionReview, QuestionVersion
from studyapp.topics.models import Course, ReadingProgress, Topic

pytestmark = pytest.mark.django_db


def home(client) -> str:
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def step_done(html: str, step: str) -> bool:
    opening = html[html.index(f'id="start-{step}"') - 60 : html.index(f'id="start-{step}"')]
    return "start-done" in opening


def test_a_new_learner_gets_the_start_instead_of_the_dashboard(learner_client, world):
    html = home(learner_client)
    assert "Start here" in html
    assert "This app prepares you for the AWS Certified Solutions Architect" in html
    assert "Today at a glance" not in html and '<svg class="chart"' not in html


def test_the_start_links_the_first_topic_the_first_review_and_the_first_practice(
    learner_client, world
):
    world.question()  # tests the first topic
    html = home(learner_client)
    first = world.topics[0]
    assert f'href="{first.get_absolute_url()}">Open Lambda Layers</a>' in html
    assert f'href="{reverse("cards:index")}">Start the first review</a>' in html
    assert f'action="{reverse("quizzes:practice_start")}"' in html
    assert f'name="topics" value="{first.id}"' in html


def test_the_practice_step_skips_a_topic_only_an_earlier_version_or_a_draft_tests(
    learner_client, world
):
    first, second = world.topics
    revised = world.question(topic=first)
    current = QuestionVersion.objects.create(
        question=revised,
        number=2,
        stem_md="Revised?",
        kind=QuestionVersion.Kind.SINGLE,
        domain="D1",
        content_hash="revised",
        created_at=timezone.now(),
    )
    current.topics.add(second)
    Question.objects.filter(pk=revised.pk).update(current_version=current)
    draft = world.question(topic=first)
    Question.objects.filter(pk=draft.pk).update(status=Question.Status.DRAFT)
    html = home(learner_client)
    assert f'name="topics" value="{second.id}"' in html
    assert f'name="topics" value="{first.id}"' not in html


def test_the_start_follows_the_content_and_the_questions_from_one_view_to_the_next(
    learner_client, world
):
    """Its topics come from those the process keeps: a retitled first topic, and a question
    written since the last view, show on the next one."""
    first, second = world.topics
    html = home(learner_client)
    assert f'href="{first.get_absolute_url()}">Open Lambda Layers</a>' in html
    assert 'name="topics"' not in html and "Practise five questions" in html

    Topic.objects.filter(pk=first.pk).update(title="Layers")
    Course.objects.filter(pk=first.course_id).content_changed()
    world.question(topic=second)
    html = home(learner_client)
    assert f'href="{first.get_absolute_url()}">Open Layers</a>' in html
    assert f'name="topics" value="{second.id}"' in html


def test_the_start_offers_the_study_settings_form_for_retention_and_daily_limits(
    learner_client, world
):
    html = home(learner_client)
    for name in ("desired_retention", "new_per_day", "reviews_per_day"):
        assert f'name="{name}"' in html
    assert 'name="learning_steps"' not in html


def test_saving_the_starts_settings_keeps_them_and_marks_the_step_done(
    learner_client, learner, world
):
    response = learner_client.post(
        reverse("start_settings"),
        {"desired_retention": "0.85", "new_per_day": "7", "reviews_per_day": "70"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("home")
    saved = StudySettings.objects.get(user=learner)
    assert (saved.desired_retention, saved.new_per_day, saved.reviews_per_day) == (0.85, 7, 70)
    assert saved.learning_steps == StudySettings().learning_steps  # the rest keep defaults
    assert step_done(home(learner_client), "settings")


def test_a_retention_out_of_range_is_refused_with_the_reason(learner_client, learner, world):
    response = learner_client.post(
        reverse("start_settings"),
        {"desired_retention": "0.5", "new_per_day": "7", "reviews_per_day": "70"},
    )
    assert response.status_code == 400
    assert "field-invalid" in response.content.decode()
    assert not StudySettings.objects.filter(user=learner).exists()


def test_opening_a_topic_marks_its_step_done(learner_client, learner, world):
    assert not step_done(home(learner_client), "topic")
    learner_client.get(world.topics[0].get_absolute_url())
    assert ReadingProgress.objects.filter(user=learner).exists()
    assert step_done(home(learner_client), "topic")


def test_a_review_alone_leaves_the_start_with_its_review_step_done(learner_client, learner, world):
    world.review(learner, at=timezone.now() - timedelta(minutes=5))
    html = home(learner_client)
    assert "Start here" in html
    assert step_done(html, "review") and not step_done(html, "practice")


def test_after_a_review_and_a_practice_answer_home_is_the_dashboard(learner_client, learner, world):
    now = timezone.now()
    world.review(learner, at=now - timedelta(minutes=5))
    world.attempt(learner, answers=[(world.question(), True)], at=now - timedelta(minutes=1))
    html = home(learner_client)
    assert "Start here" not in html and "Today at a glance" in html


def test_dismissing_the_start_shows_the_dashboard_for_good(learner_client, learner, world):
    response = learner_client.post(reverse("start_dismiss"))
    assert response.status_code == 302 and response["Location"] == reverse("home")
    learner.refresh_from_db()
    assert learner.start_dismissed_at is not None
    assert "Start here" not in home(learner_client)
    assert "Today at a glance" in home(learner_client)


def test_dismissing_needs_a_post(learner_client, world):
    assert learner_client.get(reverse("start_dismiss")).status_code == 405


# -- the dashboard before there is data ---------------------------------------------------------


@pytest.fixture
def dismissed(learner, world):
    learner.start_dismissed_at = timezone.now()
    learner.save()
    return world


def test_charts_without_data_show_a_sentence_instead(learner_client, dismissed):
    html = home(learner_client)
    assert "No answers yet: each day you answer cards or questions fills a square." in html
    assert "No reviews of cards in review yet" in html
    assert "No finished quiz or exam yet: each one&#x27;s scaled score shows here." in html
    assert "No graded answers yet" in html
    # The forecast has data: today's new cards.
    assert html.count('<svg class="chart"') == 1 and 'id="chart-forecast"' in html


def test_a_chart_is_drawn_once_it_has_data(learner_client, learner, dismissed):
    dismissed.review(learner, at=timezone.now() - timedelta(days=1))
    html = home(learner_client)
    assert "No answers yet" not in html and "No reviews of cards in review yet" not in html
    assert html.count('<svg class="chart"') == 3  # forecast, activity, retention


def test_answers_in_an_exam_still_open_do_not_count_as_the_practice_step(
    learner_client, learner, world
):
    now = timezone.now()
    world.review(learner, at=now - timedelta(minutes=5))
    world.attempt(
        learner,
        answers=[(world.question(), True)],
        at=now - timedelta(minutes=1),
        mode="exam",
        submitted=False,
    )
    QuestionReview.objects.filter(user=learner).delete()  # an exam schedules at submission
    html = home(learner_client)
    assert "Start here" in html and not step_done(html, "practice")
