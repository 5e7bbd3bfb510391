"""The results review of a finished exam, from data built for it: time, domains, topics, filters,
practising what was missed, and the history of attempts.

The bank (tests/plugins/courses.py) has ten questions: q0-q2 in D1, q3-q5 in D2, q6-q7 in D3,
q8-q9 in D4; odd-numbered ones test "Buckets and Objects", even ones "Storage Classes". The
learner answers every D1 and D3 question right, every D2 question wrong, and leaves D4 alone.
"""

from __future__ import annotations

import random
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from studyapp.quizzes import attempts, results
from studyapp.quizzes.models import Attempt, AttemptQuestion
from studyapp.quizzes.selectors import attempt_items

pytestmark = pytest.mark.django_db

RIGHT_DOMAINS = {"D1", "D3"}
WRONG_DOMAINS = {"D2"}


def correct_ids(item: AttemptQuestion) -> list[int]:
    return [o.id for o in item.version.options.all() if o.is_correct]


def wrong_ids(item: AttemptQuestion) -> list[int]:
    return [next(o.id for o in item.version.options.all() if not o.is_correct)]


def key_of(item: AttemptQuestion) -> str:
    return item.version.question.key


@pytest.fixture
def started_at():
    return timezone.now() - timedelta(hours=2)


@pytest.fixture
def finished(bank, learner, started_at) -> Attempt:
    """The whole bank as an exam, each question seen a minute after the last, answered 40 s
    after it was shown; q0 and q3 flagged; submitted 20 minutes after the start."""
    exam = attempts.exam_start(user=learner, now=started_at, count=10, rng=random.Random(2))
    items = exam.items.select_related("version__question").order_by("position")
    for item in items:
        shown = started_at + timedelta(minutes=item.position)
        attempts.attempt_open(attempt=exam, position=item.position, now=shown)
        domain = item.version.domain
        if domain in RIGHT_DOMAINS | WRONG_DOMAINS:
            chosen = correct_ids(item) if domain in RIGHT_DOMAINS else wrong_ids(item)
            attempts.attempt_answer(
                attempt=exam,
                position=item.position,
                option_ids=chosen,
                now=shown + timedelta(seconds=40),
            )
        if key_of(item) in ("q0", "q3"):
            attempts.attempt_flag(attempt=exam, position=item.position, flagged=True, now=shown)
    attempts.attempt_submit(attempt=exam, now=started_at + timedelta(minutes=20))
    return exam


def test_the_result_shows_time_taken_and_time_per_answered_question(finished, learner_client):
    html = learner_client.get(reverse("quizzes:result", args=[finished.pk])).content.decode()
    assert re.search(r"data-time-taken>20 min 00 s<", html)
    assert re.search(r"data-time-per-question>2 min 30 s<", html)  # 20 min over 8 answered


def test_the_result_shows_the_score_by_domain_from_the_answers(finished, learner_client):
    html = learner_client.get(reverse("quizzes:result", args=[finished.pk])).content.decode()
    rows = dict(re.findall(r'data-domain="(D\d)">.*?<td>(\d+ of \d+)</td>', html, re.S))
    assert rows == {"D1": "3 of 3", "D2": "0 of 3", "D3": "2 of 2", "D4": "0 of 2"}
    assert "5 of 10 questions right (8 answered)" in html


def test_the_score_by_topic_lists_the_weakest_topic_first(finished):
    topics = results.attempt_result(attempt=finished, items=attempt_items(finished)).topics
    # Storage Classes (even keys): q0 q2 q6 right, q4 wrong, q8 unanswered: 3 of 5.
    # Buckets and Objects (odd keys): q1 q7 right, q3 q5 wrong, q9 unanswered: 2 of 5.
    assert [(t.title, t.correct, t.total) for t in topics] == [
        ("Buckets and Objects", 2, 5),
        ("Storage Classes", 3, 5),
    ]


def test_the_result_page_lists_the_topics_weakest_first(finished, learner_client):
    html = learner_client.get(reverse("quizzes:result", args=[finished.pk])).content.decode()
    section = html.split('id="topics-title"')[1]
    assert section.index("Buckets and Objects") < section.index("Storage Classes")


def review_keys(client, exam: Attempt, **params) -> list[str]:
    html = client.get(reverse("quizzes:review", args=[exam.pk]), params).content.decode()
    return re.findall(r"Stem of (q\d+)", html)


def test_the_review_shows_every_question_by_default(finished, learner_client):
    assert len(review_keys(learner_client, finished)) == 10


def test_the_wrong_filter_shows_the_wrong_and_the_unanswered(finished, learner_client):
    shown = review_keys(learner_client, finished, show="wrong")
    assert sorted(shown) == ["q3", "q4", "q5", "q8", "q9"]


def test_the_flagged_filter_shows_the_flagged(finished, learner_client):
    assert sorted(review_keys(learner_client, finished, show="flagged")) == ["q0", "q3"]


def test_the_domain_filter_shows_one_domain_and_combines_with_wrong(finished, learner_client):
    assert sorted(review_keys(learner_client, finished, domain="D1")) == ["q0", "q1", "q2"]
    assert sorted(review_keys(learner_client, finished, domain="D2", show="wrong")) == [
        "q3",
        "q4",
        "q5",
    ]


def test_an_unknown_filter_shows_everything(finished, learner_client):
    assert len(review_keys(learner_client, finished, show="bogus", domain="D9")) == 10


def test_the_review_shows_each_answers_time(finished, learner_client):
    html = learner_client.get(reverse("quizzes:review", args=[finished.pk])).content.decode()
    assert re.findall(r"data-item-time>([^<]*)<", html) == ["40 s"] * 8


def test_practising_what_i_missed_starts_with_exactly_the_missed_questions(
    finished, learner_client
):
    missed_in_order = [
        key_of(item)
        for item in finished.items.select_related("version__question").order_by("position")
        if key_of(item) in {"q3", "q4", "q5", "q8", "q9"}
    ]
    response = learner_client.post(reverse("quizzes:practise_missed", args=[finished.pk]))
    practice = Attempt.objects.exclude(pk=finished.pk).get()
    assert response.url == practice.get_absolute_url()
    assert practice.mode == Attempt.Mode.PRACTICE
    keys = [
        key_of(item)
        for item in practice.items.select_related("version__question").order_by("position")
    ]
    assert keys == missed_in_order


def test_nothing_missed_means_no_practice_and_a_clear_message(bank, learner, learner_client):
    exam = attempts.exam_start(user=learner, now=timezone.now(), count=1, rng=random.Random(2))
    item = exam.items.get()
    attempts.attempt_answer(
        attempt=exam, position=1, option_ids=correct_ids(item), now=timezone.now()
    )
    attempts.attempt_submit(attempt=exam, now=timezone.now())
    response = learner_client.post(reverse("quizzes:practise_missed", args=[exam.pk]), follow=True)
    assert "Nothing to practise: every question of this attempt was right." in response.text
    assert Attempt.objects.count() == 1


def test_an_open_exam_cannot_be_practised_yet(bank, learner, learner_client):
    exam = attempts.exam_start(user=learner, now=timezone.now(), count=3)
    learner_client.post(reverse("quizzes:practise_missed", args=[exam.pk]))
    assert Attempt.objects.count() == 1


def test_another_learner_cannot_practise_my_missed_questions(finished, client, django_user_model):
    other = django_user_model.objects.create_user(username="bo", password="correct-horse-42")
    client.force_login(other)
    response = client.post(reverse("quizzes:practise_missed", args=[finished.pk]))
    assert response.status_code == 404
    assert Attempt.objects.count() == 1


def test_the_history_trend_shows_every_finished_exam_oldest_first(
    finished, learner, learner_client
):
    later = attempts.exam_start(user=learner, now=timezone.now(), count=2, rng=random.Random(3))
    attempts.attempt_submit(attempt=later, now=timezone.now())
    html = learner_client.get(reverse("quizzes:result", args=[later.pk])).content.decode()
    assert "Your exams" in html
    assert f"this one scored {later.scaled_score}" in html
    assert f"first to last: {finished.scaled_score} → {later.scaled_score}." in html


def test_a_first_exam_says_the_trend_starts_with_the_second(finished, learner_client):
    html = learner_client.get(reverse("quizzes:result", args=[finished.pk])).content.decode()
    assert "the trend shows from the second one" in html


def test_a_one_question_exam_says_question_not_questions(bank, learner, learner_client):
    exam = attempts.exam_start(user=learner, now=timezone.now(), count=1)
    attempts.attempt_submit(attempt=exam, now=timezone.now())
    html = learner_client.get(reverse("quizzes:result", args=[exam.pk])).content.decode()
    assert exam.title == "Timed exam: 1 question"
    assert "0 of 1 question right" in html
    assert "1 questions" not in html
