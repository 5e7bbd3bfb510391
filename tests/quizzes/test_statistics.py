"""Item analysis, checked against values worked out by hand.

The fixed quiz: five learners, four questions worth 1 mark each (q4 is multiple response with
half marks). Rows are each learner's first attempt; T is the total, R = T - x the rest of the test.

    learner  q1  q2  q3  q4    T
    ann       1   1   1   1    4
    ben       1   1   0  .5  2.5
    cat       1   0   1   0    2
    dan       0   1   0  .5  1.5
    eve       1   0   0   0    1

Every variance and covariance divides by S - 1 = 4. Worked by hand:

q1: x = 1,1,1,0,1, mean .8 -> facility .8. Deviations .2,.2,.2,-.8,.2; sum of squares .8;
    Var(x) = .2; SD = sqrt(.2) = .4472136.
    R = 3,1.5,1,1.5,0, mean 1.4; deviations 1.6,.1,-.4,.1,-1.4; sum of squares 4.7; Var(R) = 1.175.
    Sum of products .32+.02-.08-.08-.28 = -.10; Cov = -.025.
    Discrimination = 100 * -.025 / sqrt(.2 * 1.175) = -2.5 / .4847680 = -5.157106.
    Sorted x 0,1,1,1,1 against sorted R 0,1,1.5,1.5,3: products 1.12-.08+.02+.02+.32 = 1.40;
    CovMax = .35; efficiency = -2.5 / .35 = -7.142857.
q2: x = 1,1,0,1,0, mean .6. Sum of squares 1.2; Var .3; SD .5477226.
    R = 3,1.5,2,.5,1, mean 1.6; sum of squares 3.7; Var .925.
    Products .56-.04-.24-.44+.36 = .20; Cov .05. Discrimination = 5 / sqrt(.2775) = 9.491580.
    Sorted: products .66+.36-.04+.16+.56 = 1.70; CovMax .425; efficiency 5 / .425 = 11.764706.
q3: x = 1,0,1,0,0, mean .4. Var .3; SD .5477226.
    R = 3,2.5,1,1.5,1, mean 1.8; sum of squares 3.3; Var .825.
    Products .72-.28-.48+.12+.32 = .40; Cov .1. Discrimination = 10 / sqrt(.2475) = 20.100756.
    Sorted: products .32+.32+.12+.42+.72 = 1.90; CovMax .475; efficiency 10 / .475 = 21.052632.
q4: x = 1,.5,0,.5,0, mean .4. Sum of squares .70; Var .175; SD .4183300.
    R = 3,2,2,1,1, mean 1.8; sum of squares 2.8; Var .7.
    Products .72+.02-.08-.08+.32 = .90; Cov .225. Discrimination = 22.5 / sqrt(.1225) = 22.5 / .35
    = 64.285714. Sorted orders agree, so CovMax = Cov and efficiency = 64.285714 too.
Quiz: T = 4,2.5,2,1.5,1, mean 2.2; sum of squares 5.3; Var(T) = 1.325; SD(T) = 1.1510864.
    Sum of Var(x_i) = .2+.3+.3+.175 = .975.
    Alpha = 100 * 4/3 * (1 - .975/1.325) = 100 * 4/3 * .2641509 = 35.220126.
    Error ratio = 100 * sqrt(1 - .35220126) = 100 * sqrt(.64779874) = 80.485945.
    Standard error = 80.485945 * 1.1510864 / 100 = .9264628.
"""

from __future__ import annotations

import pytest

from studyapp.quizzes.statistics import (
    TOO_FEW_ATTEMPTS,
    VERY_EASY,
    VERY_HARD,
    WEAK_DISCRIMINATION,
    Attempt,
    ItemInfo,
    analyse_quiz,
    first_attempts,
)

ITEMS = [
    ItemInfo("q1", 1.0, "single", (1.0, 0.0, 0.0, 0.0)),
    ItemInfo("q2", 1.0, "single", (1.0, 0.0, 0.0)),
    ItemInfo("q3", 1.0, "single", (1.0, 0.0)),
    ItemInfo("q4", 1.0, "multiple", (0.5, 0.5, -1.0, 0.0)),
]
ROWS = {
    "ann": (1, 1, 1, 1),
    "ben": (1, 1, 0, 0.5),
    "cat": (1, 0, 1, 0),
    "dan": (0, 1, 0, 0.5),
    "eve": (1, 0, 0, 0),
}
Q1_CHOICES = {"ann": [0], "ben": [0], "cat": [0], "dan": [2], "eve": [0]}


def attempts() -> list[Attempt]:
    return [
        Attempt(
            learner,
            dict(zip(["q1", "q2", "q3", "q4"], marks, strict=True)),
            {"q1": Q1_CHOICES[learner]},
        )
        for learner, marks in ROWS.items()
    ]


@pytest.fixture
def stats():
    return analyse_quiz(ITEMS, attempts())


def test_facility_is_the_mean_mark_over_the_maximum(stats):
    assert [item.facility for item in stats.items] == pytest.approx([0.8, 0.6, 0.4, 0.4])


def test_standard_deviation_is_of_the_scaled_marks(stats):
    assert [item.standard_deviation for item in stats.items] == pytest.approx(
        [0.4472136, 0.5477226, 0.5477226, 0.4183300], abs=1e-7
    )


def test_discrimination_index_correlates_the_question_with_the_rest_of_the_test(stats):
    assert [item.discrimination_index for item in stats.items] == pytest.approx(
        [-5.157106, 9.491580, 20.100756, 64.285714], abs=1e-6
    )


def test_discriminative_efficiency_compares_with_the_largest_possible_covariance(stats):
    assert [item.discriminative_efficiency for item in stats.items] == pytest.approx(
        [-7.142857, 11.764706, 21.052632, 64.285714], abs=1e-6
    )


def test_random_guess_score_is_the_mean_option_fraction_for_single_answer(stats):
    assert [item.random_guess_score for item in stats.items[:3]] == pytest.approx(
        [0.25, 1 / 3, 0.5]
    )


def test_random_guess_score_is_undefined_for_multiple_response(stats):
    q4 = stats.items[3]

    assert q4.random_guess_score is None
    assert q4.undefined["random_guess_score"] == "not defined for multiple-response questions"


def test_option_counts_say_how_many_learners_chose_each_option(stats):
    assert stats.items[0].option_counts == [4, 0, 1, 0]


def test_weak_discrimination_is_flagged_and_healthy_items_are_not(stats):
    assert [item.flags for item in stats.items] == [
        [WEAK_DISCRIMINATION],
        [WEAK_DISCRIMINATION],
        [],
        [],
    ]


def test_cronbach_alpha_error_ratio_and_standard_error(stats):
    assert stats.attempts == 5
    assert stats.mean_total == pytest.approx(2.2)
    assert stats.total_standard_deviation == pytest.approx(1.1510864, abs=1e-7)
    assert stats.cronbach_alpha == pytest.approx(35.220126, abs=1e-6)
    assert stats.error_ratio == pytest.approx(80.485945, abs=1e-6)
    assert stats.standard_error == pytest.approx(0.9264628, abs=1e-7)


def test_only_each_learners_first_attempt_counts(stats):
    retry = Attempt("eve", {"q1": 1, "q2": 1, "q3": 1, "q4": 1}, number=2)

    assert analyse_quiz(ITEMS, [*attempts(), retry]) == stats


def test_first_attempts_keeps_the_lowest_numbered_attempt_per_learner():
    second = Attempt("ann", {"q1": 0}, number=2)
    first = Attempt("ann", {"q1": 1}, number=1)

    assert first_attempts([second, first]) == [first]


def test_a_question_nobody_answers_right_is_flagged_very_hard():
    marks = [1, 0, 0, 0, 0, 0]
    rows = [Attempt(f"l{n}", {"hard": m, "other": n % 2}) for n, m in enumerate(marks)]

    hard = analyse_quiz([ItemInfo("hard", 1.0), ItemInfo("other", 1.0)], rows).items[0]

    assert hard.facility == pytest.approx(1 / 6)
    assert VERY_HARD in hard.flags


def test_a_question_everyone_answers_right_is_very_easy_and_cannot_discriminate():
    rows = [Attempt(f"l{n}", {"easy": 1, "other": n % 2}) for n in range(4)]

    easy = analyse_quiz([ItemInfo("easy", 1.0), ItemInfo("other", 1.0)], rows).items[0]

    assert easy.flags == [VERY_EASY]
    assert easy.discrimination_index is None
    assert "discrimination_index" in easy.undefined


def test_one_attempt_leaves_spread_based_values_undefined_with_a_reason():
    stats = analyse_quiz(ITEMS, attempts()[:1])

    assert stats.items[0].facility == 1.0
    assert stats.items[0].standard_deviation is None
    assert stats.items[0].undefined["discrimination_index"] == TOO_FEW_ATTEMPTS
    assert stats.cronbach_alpha is None
    assert stats.undefined["cronbach_alpha"] == TOO_FEW_ATTEMPTS


def test_equal_totals_leave_alpha_undefined():
    rows = [Attempt("a", {"x": 1, "y": 0}), Attempt("b", {"x": 0, "y": 1})]

    stats = analyse_quiz([ItemInfo("x", 1.0), ItemInfo("y", 1.0)], rows)

    assert stats.cronbach_alpha is None
    assert stats.undefined["cronbach_alpha"] == "every learner got the same total"


def test_alpha_needs_two_questions():
    stats = analyse_quiz(ITEMS[:1], attempts())

    assert stats.undefined["cronbach_alpha"] == "needs at least 2 questions"


def test_no_attempts_give_no_values():
    stats = analyse_quiz(ITEMS, [])

    assert stats.mean_total is None
    assert stats.items[0].facility is None
    assert stats.items[0].undefined["facility"] == "no attempts"


def test_a_missing_mark_counts_as_zero():
    rows = [Attempt("a", {"x": 1}), Attempt("b", {})]

    assert analyse_quiz([ItemInfo("x", 2.0)], rows).items[0].facility == pytest.approx(0.25)
