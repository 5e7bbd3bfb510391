"""Grading rules of the question types as Moodle grades them: short answer (case, ``*``),
numerical (nominal tolerance, ranges), multiple choice with fractional weights."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studyapp.quizzes.formats import gift
from studyapp.quizzes.grading import (
    GradedOption,
    answer_grade,
    choice_mark,
    number_parse,
    number_within,
    short_answer_matches,
    typed_match,
)


def short(answers: list[tuple[str, float]]) -> list[GradedOption]:
    return [GradedOption(id=n, text=text, fraction=f) for n, (text, f) in enumerate(answers, 1)]


# -- short answer ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("response", "answer", "case_sensitive", "matches"),
    [
        ("Lambda", "lambda", False, True),  # the case is ignored by default (usecase 0)
        ("Lambda", "lambda", True, False),  # usecase 1: the case must match
        ("  AWS Lambda  ", "AWS Lambda", True, True),  # the response is trimmed
        ("AWS  Lambda", "AWS Lambda", False, False),  # inner spaces are not collapsed
        ("AWS Lambda function", "*Lambda*", False, True),  # * is any text, also none
        ("Lambda", "*Lambda*", False, True),
        ("Lambada", "Lamb*a", False, True),
        ("Lambda", "Lam**da", False, True),  # a run of stars is one wildcard
        ("Lambdas", "Lambda", False, False),  # the whole response must match
        ("xLambda", "Lambda", False, False),
        ("anything at all", "*", False, True),
        ("2*3", r"2\*3", False, True),  # \* is a literal star
        ("2x3", r"2\*3", False, False),
        ("a.c", "a.c", False, True),  # regular-expression characters are literal
        ("abc", "a.c", False, False),
        ("(1+1)", "(1+1)", False, True),
        ("caf\u00e9", "cafe\u0301", True, True),  # both sides in Unicode NFC
        ("ÉTÉ", "été", False, True),  # case folding beyond ASCII
    ],
)
def test_short_answer_matching_follows_moodle(response, answer, case_sensitive, matches):
    assert (
        short_answer_matches(response=response, answer=answer, case_sensitive=case_sensitive)
        is matches
    )


def test_the_first_matching_short_answer_in_the_authors_order_gives_the_mark():
    answers = short([("Lambda", 1.0), ("*lambda*", 0.5), ("*", 0.0)])

    assert typed_match(kind="shortanswer", response="AWS Lambda", answers=answers).id == 2
    assert typed_match(kind="shortanswer", response="lambda", answers=answers).id == 1
    assert typed_match(kind="shortanswer", response="EC2", answers=answers).id == 3
    grade = answer_grade(
        kind="shortanswer", options=answers, response="AWS Lambda", partial_credit=True
    )
    assert (grade.mark, grade.correct, grade.matched) == (0.5, False, 2)


def test_a_blank_response_earns_nothing_even_against_a_star_answer():
    grade = answer_grade(
        kind="shortanswer", options=short([("*", 1.0)]), response="   ", partial_credit=True
    )
    assert (grade.mark, grade.correct, grade.matched) == (0.0, False, None)


def test_the_exam_simulation_counts_a_half_mark_short_answer_as_wrong():
    answers = short([("Lambda", 1.0), ("*lambda*", 0.5)])
    exam = answer_grade(
        kind="shortanswer", options=answers, response="AWS Lambda", partial_credit=False
    )
    assert (exam.mark, exam.correct) == (0.0, False)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30))
def test_any_answer_without_stars_matches_itself_and_nothing_longer(text):
    answer = unicodedata.normalize("NFC", text.replace("*", "x")).strip()
    assert short_answer_matches(response=answer, answer=answer, case_sensitive=True)
    assert short_answer_matches(response=f" {answer} ", answer=answer, case_sensitive=False)
    assert not short_answer_matches(response=answer + "!", answer=answer, case_sensitive=False)


# -- numerical ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("42", 42.0),
        (" -2.5 ", -2.5),
        ("+3", 3.0),
        ("1e3", 1000.0),
        ("1.5E-2", 0.015),
        (".5", 0.5),
        ("1,000", 1000.0),
        ("1,234,567.5", 1234567.5),
        ("3 cm", None),
        ("1,5", None),  # a comma is a thousands separator only
        ("nan", None),
        ("inf", None),
        ("", None),
        ("0x10", None),
    ],
)
def test_a_typed_number_is_read_as_moodle_reads_it(typed, value):
    assert number_parse(typed) == value


@pytest.mark.parametrize(
    ("value", "inside"),
    [(898.0, True), (902.0, True), (897.99, False), (902.01, False), (900.0, True)],
)
def test_the_tolerance_is_nominal_and_inclusive(value, inside):
    assert number_within(value=value, answer=900.0, tolerance=2.0) is inside


def test_a_gift_range_accepts_both_ends_and_nothing_outside():
    parsed = gift.parse("::R::Pick a number from 1 to 5{#1..5}")
    options = [
        GradedOption(id=1, text=o.text, fraction=o.fraction, tolerance=o.tolerance)
        for o in parsed.questions[0].options
    ]

    def right(response: str) -> bool:
        return answer_grade(
            kind="numerical", options=options, response=response, partial_credit=True
        ).correct

    assert [right(r) for r in ("1", "5", "3.3", "0.999", "5.001", "-3")] == [
        True,
        True,
        True,
        False,
        False,
        False,
    ]


def test_a_decimal_gift_range_keeps_its_exact_ends():
    parsed = gift.parse("::Pi::Pi to three places?{#3.141..3.142}")
    (option,) = parsed.questions[0].options
    answer = float(option.text)
    assert number_within(value=3.141, answer=answer, tolerance=option.tolerance)
    assert number_within(value=3.142, answer=answer, tolerance=option.tolerance)
    assert not number_within(value=3.1405, answer=answer, tolerance=option.tolerance)


def test_several_numerical_answers_with_weights_take_the_first_that_fits():
    parsed = gift.parse("::W::Seconds in 15 minutes?{#=900:0 =%50%900:100 ~#Think again}")
    options = [
        GradedOption(id=n, text=o.text, fraction=o.fraction, tolerance=o.tolerance)
        for n, o in enumerate(parsed.questions[0].options, start=1)
    ]

    def grade(response: str):
        g = answer_grade(kind="numerical", options=options, response=response, partial_credit=True)
        return g.mark, g.matched

    assert grade("900") == (1.0, 1)
    assert grade("950") == (0.5, 2)
    assert grade("60") == (0.0, 3)  # the '*' answer: any other number, worth 0
    assert (
        answer_grade(kind="numerical", options=options, response="950", partial_credit=False).mark
        == 0.0
    )


def test_a_response_that_is_not_a_number_matches_nothing_not_even_any_other_number():
    options = [GradedOption(1, "5", 1.0), GradedOption(2, "*", 0.0)]
    assert typed_match(kind="numerical", response="five", answers=options) is None


# -- multiple choice with weights --------------------------------------------------------------


def test_partial_credit_adds_the_chosen_weights():
    fractions = {1: 0.5, 2: 0.5, 3: -1.0, 4: 0.0}
    assert choice_mark(chosen=[1], fractions=fractions) == 0.5
    assert choice_mark(chosen=[1, 2], fractions=fractions) == 1.0
    assert choice_mark(chosen=[1, 2, 4], fractions=fractions) == 1.0
    assert choice_mark(chosen=[1, 1], fractions=fractions) == 0.5  # an id counts once


def test_negative_weights_are_floored_at_zero_for_the_question():
    fractions = {1: 0.5, 2: 0.5, 3: -1.0}
    assert choice_mark(chosen=[1, 3], fractions=fractions) == 0.0
    assert choice_mark(chosen=[3], fractions=fractions) == 0.0


def test_the_mark_is_capped_at_full_marks():
    assert choice_mark(chosen=[1, 2], fractions={1: 1.0, 2: 1.0}) == 1.0


def test_a_partial_single_answer_earns_its_weight_in_practice_and_nothing_in_the_exam():
    options = [GradedOption(1, "A", 1.0), GradedOption(2, "B", 0.5), GradedOption(3, "C", 0.0)]
    practice = answer_grade(kind="single", options=options, chosen=[2], partial_credit=True)
    exam = answer_grade(kind="single", options=options, chosen=[2], partial_credit=False)
    assert (practice.mark, practice.correct) == (0.5, False)
    assert (exam.mark, exam.correct) == (0.0, False)


def test_multiple_response_is_all_or_nothing_in_the_exam_simulation():
    options = [GradedOption(1, "a", 0.5), GradedOption(2, "b", 0.5), GradedOption(3, "c", -1.0)]
    one = answer_grade(kind="multiple", options=options, chosen=[1], partial_credit=False)
    both = answer_grade(kind="multiple", options=options, chosen=[1, 2], partial_credit=False)
    assert (one.mark, one.correct, both.mark, both.correct) == (0.0, False, 1.0, True)


@given(
    st.lists(st.integers(min_value=-100, max_value=100), min_size=2, max_size=6),
    st.data(),
)
def test_a_choice_mark_always_lies_between_zero_and_one(percents, data):
    fractions = {n: p / 100 for n, p in enumerate(percents)}
    chosen = data.draw(st.lists(st.sampled_from(list(fractions)), max_size=len(fractions)))
    assert 0.0 <= choice_mark(chosen=chosen, fractions=fractions) <= 1.0
