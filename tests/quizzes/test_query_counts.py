"""A question page and an answer take a fixed number of queries, however long the attempt.

Only the question shown is loaded with its options (and its topics once it is revealed); the
navigator reads every question's position, answered and flagged state in one light query.
"""

from __future__ import annotations

import random

import pytest
from django.db.models.signals import post_init
from django.urls import reverse
from django.utils import timezone

from studyapp.quizzes import attempts
from studyapp.quizzes.models import Attempt, AttemptQuestion, Option, Question
from tests.plugins.courses import import_content, question_md, questions_file

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
LENGTHS = [5, 75]
# Session, user (the header's instructor check read with it), the attempt, the question with
# its options (one query), and noting when the question was first shown; an exam also reads its
# navigator (practice shows none).
PRACTICE_PAGE_QUERIES = 5
EXAM_PAGE_QUERIES = 6
# Session, user, the attempt; in a transaction (begin and commit): the question with its options,
# read with the attempt under the lock (one query), the answer saved, and (practice) the
# learner's study settings with their schedule of the question (one query), the schedule saved,
# its review logged and whether any question is left; then (practice) the topics of the question
# shown, which is the one just graded, or (exam) the navigator.
PRACTICE_ANSWER_QUERIES = 12
# The last answer also ends the session, under the same lock: every question's grade (one
# light query: each was graded when it was answered) and the attempt saved.
LAST_PRACTICE_ANSWER_QUERIES = PRACTICE_ANSWER_QUERIES + 2
EXAM_ANSWER_QUERIES = 8


@pytest.fixture
def big_bank(content_dir) -> list[Question]:
    """75 questions across the four domains, so an attempt can be as long as a full exam."""
    domains = ["D1", "D2", "D3", "D4"]
    questions = [question_md(f"q{n}", domain=domains[n % 4], correct=(n % 4,)) for n in range(75)]
    (content_dir / "quizzes" / "bank.md").write_text(questions_file(*questions), encoding="utf-8")
    import_content(content_dir)
    return list(Question.objects.all())


def practice_of(learner, length: int) -> Attempt:
    return attempts.practice_start(
        user=learner, now=timezone.now(), count=length, rng=random.Random(length)
    )


def exam_of(learner, length: int) -> Attempt:
    return attempts.exam_start(
        user=learner, now=timezone.now(), count=length, rng=random.Random(length)
    )


#: Pages post an option by the letter it is shown under: the first one on the screen.
FIRST_OPTION = "A"


def answer_url(attempt: Attempt, position: int) -> str:
    return reverse("quizzes:answer", args=[attempt.pk, position])


@pytest.mark.parametrize("length", LENGTHS)
def test_a_practice_question_page_takes_a_fixed_number_of_queries(
    big_bank, learner, learner_client, django_assert_max_num_queries, length
):
    attempt = practice_of(learner, length)
    assert attempt.question_count == length
    with django_assert_max_num_queries(PRACTICE_PAGE_QUERIES):
        page = learner_client.get(f"{attempt.get_absolute_url()}?q=2")
    assert f"Question 2 of {length}" in page.text


@pytest.mark.parametrize("length", LENGTHS)
def test_a_resumed_practice_opens_its_first_open_question_in_as_many_queries(
    big_bank, learner, learner_client, django_assert_max_num_queries, length
):
    attempt = practice_of(learner, length)
    attempts.attempt_answer(attempt=attempt, position=1, letters=["A"], now=timezone.now())
    with django_assert_max_num_queries(PRACTICE_PAGE_QUERIES):
        page = learner_client.get(attempt.get_absolute_url())
    assert f"Question 2 of {length}" in page.text


@pytest.mark.parametrize("length", LENGTHS)
def test_a_practice_answer_takes_a_fixed_number_of_queries(
    big_bank, learner, learner_client, django_assert_max_num_queries, length
):
    attempt = practice_of(learner, length)
    option = FIRST_OPTION
    with django_assert_max_num_queries(PRACTICE_ANSWER_QUERIES):
        fragment = learner_client.post(answer_url(attempt, 2), {"option": option}, **HTMX)
    assert fragment.status_code == 200
    assert "GENERAL-EXPLANATION" in fragment.text  # revealed, with the topic links
    assert "topics/" in fragment.text


@pytest.mark.parametrize("length", LENGTHS)
def test_the_answer_that_ends_a_practice_takes_a_fixed_number_of_queries(
    big_bank, learner, learner_client, django_assert_max_num_queries, length
):
    attempt = practice_of(learner, length)
    for position in range(1, length):
        attempts.attempt_answer(
            attempt=attempt, position=position, letters=["A"], now=timezone.now()
        )
    with django_assert_max_num_queries(LAST_PRACTICE_ANSWER_QUERIES):
        fragment = learner_client.post(answer_url(attempt, length), {"option": "A"}, **HTMX)
    assert "See the session result" in fragment.text
    attempt.refresh_from_db()
    assert attempt.is_submitted and attempt.question_count == length


@pytest.mark.parametrize("length", LENGTHS)
def test_an_exam_page_takes_a_fixed_number_of_queries(
    big_bank, learner, learner_client, django_assert_max_num_queries, length
):
    attempt = exam_of(learner, length)
    assert attempt.question_count == length
    with django_assert_max_num_queries(EXAM_PAGE_QUERIES):
        page = learner_client.get(f"{attempt.get_absolute_url()}?q=2")
    assert f"Question 2 of {length}" in page.text
    assert page.text.count('class="exam-nav-item') == length


@pytest.mark.parametrize("length", LENGTHS)
def test_an_exam_answer_takes_a_fixed_number_of_queries(
    big_bank, learner, learner_client, django_assert_max_num_queries, length
):
    attempt = exam_of(learner, length)
    option = FIRST_OPTION
    with django_assert_max_num_queries(EXAM_ANSWER_QUERIES):
        fragment = learner_client.post(answer_url(attempt, 2), {"option": option}, **HTMX)
    assert fragment.status_code == 200
    assert 'id="answered-count" hx-swap-oob="true">1<' in fragment.text


@pytest.fixture
def built():
    """How many model instances of each kind were built (from the database or not)."""
    counts: dict[type, int] = {}

    def count(sender, **kwargs):
        counts[sender] = counts.get(sender, 0) + 1

    post_init.connect(count, weak=False)
    yield counts
    post_init.disconnect(count)


def test_a_question_page_of_a_full_exam_builds_only_the_shown_question(
    big_bank, learner, learner_client, built
):
    attempt = exam_of(learner, 75)
    built.clear()
    page = learner_client.get(f"{attempt.get_absolute_url()}?q=2")
    assert page.text.count('class="exam-nav-item') == 75
    assert built.get(AttemptQuestion) == 1
    assert built.get(Option) == 4


def test_a_practice_answer_in_a_long_session_builds_only_the_answered_question(
    big_bank, learner, learner_client, built
):
    attempt = practice_of(learner, 75)
    option = FIRST_OPTION
    built.clear()
    fragment = learner_client.post(answer_url(attempt, 2), {"option": option}, **HTMX)
    assert "GENERAL-EXPLANATION" in fragment.text
    assert built.get(AttemptQuestion) == 1  # graded under the lock, and shown as graded
    assert built.get(Option) == 4  # checked under the lock, then shown with the explanations
