"""Item analysis of a quiz from real attempts, checked against figures worked out by hand.

Five learners take a practice quiz of q0..q3 (q1 is multiple response, keys A and C at
50% each). The quiz gives Moodle's partial credit, but every wrong answer here chooses only
options worth nothing, so each mark is 1 or 0. First attempts (ann's second attempt, all wrong,
must not count):

    learner  q0  q1  q2  q3    T     R for q0 q1 q2 q3
    ann       1   1   1   1    4              3  3  3  3
    ben       1   1   0   1    3              2  2  3  2
    cat       1   0   1   0    2              1  2  1  2
    dan       0   1   0   0    1              1  0  1  1
    eve       1   0   0   0    1              0  1  1  1

Variances and covariances divide by S - 1 = 4.

q0: mean .8 (facility 80%); squares of deviations .04 x 4 + .64 = .8, Var .2, SD .4472136.
    R mean 1.4, deviations 1.6 .6 -.4 -.4 -1.4, squares 5.2, Var 1.3.
    Products .32 + .12 - .08 + .32 - .28 = .40, Cov .1; discrimination 10 / sqrt(.26) = 19.611614.
    Sorted x 0 1 1 1 1 against sorted R 0 1 1 2 3: products 1.12 - .08 - .08 + .12 + .32 = 1.40,
    CovMax .35; efficiency 10 / .35 = 28.571429.
q1: mean .6, Var .3, SD .5477226. R mean 1.6, squares 1.96 + .16 + .16 + 2.56 + .36 = 5.2, Var 1.3.
    Products .56 + .16 - .24 - .64 + .36 = .20, Cov .05; discrimination 5 / sqrt(.39) = 8.006408.
    Sorted: .96 + .36 + .16 + .16 + .56 = 2.2, CovMax .55; efficiency 5 / .55 = 9.090909.
q2: mean .4, Var .3. R mean 1.8, squares 2.88 + 1.92 = 4.8, Var 1.2. Products .72 - .48 - .48
    + .32 + .32 = .40, Cov .1; discrimination 10 / .6 = 16.666667; sorted products .96 + 1.44 =
    2.4, CovMax .6, efficiency 16.666667.
q3: mean .4, Var .3. R mean 1.8, squares 1.44 + .04 + .04 + .64 + .64 = 2.8, Var .7. Products
    .72 + .12 - .08 + .32 + .32 = 1.40, Cov .35; discrimination 35 / sqrt(.21) = 76.376262; sorted
    products the same 1.40, so efficiency 100.
Quiz: T mean 2.2, squares 3.24 + .64 + .04 + 1.44 + 1.44 = 6.8, Var(T) 1.7, SD 1.3038405.
    Sum of Var(x) = .2 + .3 + .3 + .3 = 1.1; alpha = 100 x 4/3 x (1 - 1.1/1.7) = 47.058824;
    error ratio = 100 x sqrt(1 - .47058824) = 72.760688; standard error = 72.760688 x 1.3038405
    / 100 = .9486833.
Random guess: q0, q2, q3 have four options with one key: 25%; q1 (multiple response): none.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from studyapp.accounts.cohorts import cohort_join
from studyapp.quizzes import quizbuilder
from studyapp.quizzes.assignments import assignment_create
from studyapp.quizzes.attempts import attempt_answer, attempt_submit
from studyapp.quizzes.item_analysis import quiz_analysis
from studyapp.quizzes.models import Quiz
from studyapp.quizzes.statistics import WEAK_DISCRIMINATION
from tests.factories import cohort_make, quiz_make

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
KEYS = ["q0", "q1", "q2", "q3"]
# Option positions chosen per learner and question (keys: q0 A, q1 A+C, q2 C, q3 D).
CHOICES = {
    "ann": [[0], [0, 2], [2], [3]],
    "ben": [[0], [0, 2], [0], [3]],
    "cat": [[0], [1], [2], [0]],
    "dan": [[1], [0, 2], [1], [0]],
    "eve": [[0], [1], [3], [1]],
}


def take(quiz, user, choices, now):
    attempt = quizbuilder.quiz_attempt_start(user=user, quiz=quiz, now=now)
    for item in attempt.items.select_related("version__question"):
        options = list(item.version.options.order_by("position"))
        chosen = choices[KEYS.index(item.version.question.key)]
        ids = [options[index].pk for index in chosen]
        attempt_answer(attempt=attempt, position=item.position, option_ids=ids, now=now)
    return attempt_submit(attempt=attempt, now=now)


@pytest.fixture
def taken_quiz(instructor, bank, django_user_model) -> Quiz:
    """The fixed quiz of q0..q3, taken by the five learners of CHOICES (ann twice)."""
    questions = [bank[key] for key in KEYS]
    quiz = quiz_make(
        owner=instructor,
        questions=questions,
        now=NOW,
        title="Fixed",
        attempts_allowed=0,
        shuffle_questions=False,
    )
    cohort = cohort_make(instructor=instructor, name="Stats", now=NOW)
    assignment_create(cohort=cohort, kind="quiz", quiz=quiz, by=instructor, now=NOW)
    for offset, (name, choices) in enumerate(CHOICES.items()):
        user = django_user_model.objects.create_user(username=name, password="x-correct-42")
        cohort_join(user=user, code=cohort.code, now=NOW)
        take(quiz, user, choices, NOW + timedelta(minutes=offset))
    ann = django_user_model.objects.get(username="ann")
    take(quiz, ann, [[1], [1], [1], [1]], NOW + timedelta(hours=1))  # a second, all wrong
    return quiz


@pytest.fixture
def analysis(taken_quiz: Quiz):
    return quiz_analysis(taken_quiz)


def stat(analysis, name):
    return [getattr(row.stats, name) for row in analysis.items]


def test_the_analysis_uses_each_learners_first_attempt(analysis):
    assert analysis.stats.attempts == 5
    assert [row.question.key for row in analysis.items] == KEYS


def test_facility_and_standard_deviation_match_the_hand_figures(analysis):
    assert stat(analysis, "facility") == pytest.approx([0.8, 0.6, 0.4, 0.4])
    assert stat(analysis, "standard_deviation") == pytest.approx(
        [0.4472136, 0.5477226, 0.5477226, 0.5477226], abs=1e-7
    )


def test_discrimination_index_and_efficiency_match_the_hand_figures(analysis):
    assert stat(analysis, "discrimination_index") == pytest.approx(
        [19.611614, 8.006408, 16.666667, 76.376262], abs=1e-6
    )
    assert stat(analysis, "discriminative_efficiency") == pytest.approx(
        [28.571429, 9.090909, 16.666667, 100.0], abs=1e-6
    )


def test_random_guess_score_is_for_single_answer_questions_only(analysis):
    assert stat(analysis, "random_guess_score") == [0.25, None, 0.25, 0.25]


def test_each_option_counts_the_learners_who_chose_it(analysis):
    assert [[o.count for o in row.options] for row in analysis.items] == [
        [4, 1, 0, 0],
        [3, 2, 3, 0],
        [1, 1, 2, 1],
        [2, 1, 0, 2],
    ]


def test_quiz_reliability_matches_the_hand_figures(analysis):
    stats = analysis.stats
    assert stats.total_standard_deviation == pytest.approx(1.3038405, abs=1e-7)
    assert stats.cronbach_alpha == pytest.approx(47.058824, abs=1e-6)
    assert stats.error_ratio == pytest.approx(72.760688, abs=1e-6)
    assert stats.standard_error == pytest.approx(0.9486833, abs=1e-7)


def test_all_attempts_can_be_counted_instead(taken_quiz):
    assert quiz_analysis(taken_quiz, first_only=False).stats.attempts == 6


def test_weakly_discriminating_questions_are_flagged_with_a_hint_once_enough_learners_answered(
    taken_quiz,
):
    analysis = quiz_analysis(taken_quiz, min_learners=5)

    assert WEAK_DISCRIMINATION in analysis.items[0].stats.flags
    assert analysis.items[0].hints
    assert analysis.items[0].waiting == ""
    assert analysis.items[3].stats.flags == []


def test_fewer_than_ten_learners_get_not_enough_attempts_instead_of_flags(analysis):
    row = analysis.items[0]

    assert row.learners == 5
    assert row.waiting == "not enough attempts yet (5 of 10)"
    assert row.hints == []


def test_the_threshold_is_the_quiz_statistics_min_learners_setting(taken_quiz, settings):
    settings.QUIZ_STATISTICS_MIN_LEARNERS = 5

    row = quiz_analysis(taken_quiz).items[0]

    assert row.waiting == ""
    assert row.hints


def test_the_threshold_counts_learners_not_attempts(taken_quiz):
    row = quiz_analysis(taken_quiz, first_only=False, min_learners=6).items[0]

    assert row.stats.attempts == 6  # ann took it twice
    assert row.waiting == "not enough attempts yet (5 of 6)"


def test_the_statistics_page_says_not_enough_attempts_instead_of_hints(
    instructor_client, taken_quiz
):
    response = instructor_client.get(reverse("teach:quiz_statistics", args=[taken_quiz.pk]))

    html = response.content.decode()
    assert "Not enough attempts yet (5 of 10)" in html
    assert "Strong learners did not do better on it than weak ones" not in html
    assert "is-flagged" not in html


def test_the_csv_says_not_enough_attempts_in_the_flags_column(instructor_client, taken_quiz):
    response = instructor_client.get(reverse("teach:quiz_statistics_csv", args=[taken_quiz.pk]))

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1][10] == "not enough attempts yet (5 of 10)"


def test_the_statistics_page_shows_the_figures(instructor_client, taken_quiz, settings):
    settings.QUIZ_STATISTICS_MIN_LEARNERS = 5
    response = instructor_client.get(reverse("teach:quiz_statistics", args=[taken_quiz.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert '<td data-stat="facility">80.00%</td>' in html
    assert '<td data-stat="discrimination_index">76.38</td>' in html
    assert '<dd data-stat="cronbach_alpha">47.06%' in html
    assert "Strong learners did not do better on it than weak ones" in html


def test_the_csv_has_a_row_per_question_and_the_quiz_figures(instructor_client, taken_quiz):
    response = instructor_client.get(reverse("teach:quiz_statistics_csv", args=[taken_quiz.pk]))

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert response["Content-Type"] == "text/csv"
    assert rows[0][:5] == ["position", "question key", "question", "attempts", "facility index %"]
    assert rows[1][1] == "q0"
    assert rows[1][4:9] == ["80.00", "44.72", "25.00", "19.61", "28.57"]
    assert rows[1][9] == "A: 4; B: 1; C: 0; D: 0"
    assert ["quiz", "Cronbach's alpha %", "47.06"] in rows
