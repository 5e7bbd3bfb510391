"""Exam rules: all-or-nothing marking, the scaled score, domain breakdown and the exam's shape."""

from __future__ import annotations

import random
from datetime import timedelta

from studyapp.quizzes import grading


def test_a_single_answer_question_is_right_only_with_its_correct_option():
    assert grading.answer_is_correct(chosen=[3], correct=[3])
    assert not grading.answer_is_correct(chosen=[2], correct=[3])


def test_multiple_response_is_all_or_nothing():
    assert grading.answer_is_correct(chosen=[1, 3], correct=[3, 1])
    assert not grading.answer_is_correct(chosen=[1], correct=[1, 3])
    assert not grading.answer_is_correct(chosen=[1, 2, 3], correct=[1, 3])


def test_an_unanswered_question_is_wrong():
    assert not grading.answer_is_correct(chosen=[], correct=[1])


def test_the_scaled_score_runs_from_100_to_1000():
    assert grading.scaled_score(correct=0, total=75) == 100
    assert grading.scaled_score(correct=75, total=75) == 1000


def test_the_scaled_score_is_linear_and_rounded_down():
    assert grading.scaled_score(correct=54, total=75) == 748  # 72% raw
    assert grading.scaled_score(correct=55, total=75) == 760


def test_750_passes_and_749_fails():
    assert grading.score_passes(750)
    assert not grading.score_passes(749)


def test_passing_takes_at_least_72_point_2_percent():
    assert grading.scaled_score(correct=13, total=18) == 750  # 72.2%
    assert grading.scaled_score(correct=72, total=100) == 748


def test_the_scaling_method_is_stated_in_one_sentence_with_the_pass_mark():
    assert "100 + 900" in grading.SCALING_METHOD
    assert "750" in grading.SCALING_METHOD


def test_the_full_exam_draws_75_questions_by_domain_weight():
    assert grading.domain_quotas(75) == {"D1": 19, "D2": 22, "D3": 19, "D4": 15}
    assert sum(grading.domain_quotas(13).values()) == 13


def test_a_domain_short_of_questions_leaves_its_share_to_the_others():
    pool = {"D1": list(range(10)), "D2": list(range(10, 20)), "D3": list(range(20, 30)), "D4": [99]}
    drawn = grading.draw_by_domain(pool, count=20, rng=random.Random(1))
    assert len(drawn) == 20
    assert len(set(drawn)) == 20
    assert 99 in drawn


def test_a_bank_smaller_than_the_request_gives_every_question_it_has():
    pool = {"D1": [1, 2], "D2": [3], "D3": [], "D4": [4]}
    drawn = grading.draw_by_domain(pool, count=75, rng=random.Random(1))
    assert sorted(drawn) == [1, 2, 3, 4]


def test_the_time_limit_is_144_seconds_a_question():
    assert grading.exam_time_limit(75) == timedelta(minutes=180)
    assert grading.exam_time_limit(10) == timedelta(minutes=24)


def test_a_wrong_answer_is_rated_again():
    assert grading.answer_rating(correct=False, flagged=False, duration=None) == grading.AGAIN


def test_a_right_answer_is_rated_good():
    rating = grading.answer_rating(correct=True, flagged=False, duration=timedelta(seconds=60))
    assert rating == grading.GOOD


def test_a_right_but_flagged_answer_is_rated_hard():
    assert grading.answer_rating(correct=True, flagged=True, duration=None) == grading.HARD


def test_a_right_but_slow_answer_is_rated_hard():
    slow = timedelta(seconds=2 * 144 + 1)
    assert grading.answer_rating(correct=True, flagged=False, duration=slow) == grading.HARD
    on_time = timedelta(seconds=2 * 144)
    assert grading.answer_rating(correct=True, flagged=False, duration=on_time) == grading.GOOD


def test_the_domain_breakdown_counts_and_classifies_each_domain():
    results = [("D1", True)] * 3 + [("D1", False)] + [("D2", True), ("D2", False)]
    breakdown = {d.domain: d for d in grading.domain_breakdown(results)}
    assert (breakdown["D1"].correct, breakdown["D1"].total) == (3, 4)
    assert breakdown["D1"].classification == grading.MEETS
    assert breakdown["D2"].classification == grading.NEEDS_IMPROVEMENT
    assert "D3" not in breakdown


# --- Moodle's weights ---------------------------------------------------------------------


def test_a_single_answer_is_right_only_with_an_option_worth_100_percent():
    fractions = {1: 1.0, 2: 0.5, 3: 0.0}

    assert grading.answer_earns_full_marks(kind="single", chosen=[1], fractions=fractions)
    assert not grading.answer_earns_full_marks(kind="single", chosen=[2], fractions=fractions)


def test_any_of_several_full_mark_answers_is_right():
    fractions = {1: 1.0, 2: 1.0, 3: 0.0}

    assert grading.answer_earns_full_marks(kind="single", chosen=[2], fractions=fractions)


def test_one_full_weight_and_negative_others_is_right_with_the_full_weight_alone():
    fractions = {1: 1.0, 2: -0.5, 3: -0.5}

    assert grading.answer_earns_full_marks(kind="multiple", chosen=[1], fractions=fractions)
    assert not grading.answer_earns_full_marks(kind="multiple", chosen=[1, 2], fractions=fractions)
