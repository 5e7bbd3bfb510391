"""The shared question model: validation rules and the helpers every format uses."""

from __future__ import annotations

from studyapp.quizzes.formats import FORMATS
from studyapp.quizzes.formats.model import (
    OptionData,
    ParseResult,
    Problem,
    QuestionData,
    format_percent,
    parse_percent,
    readable_category,
    slugify,
    split_lines,
    validate_question,
)


def question(kind: str, *fractions: float, stem: str = "Which?") -> QuestionData:
    options = [OptionData(f"option {n}", fraction) for n, fraction in enumerate(fractions)]
    return QuestionData(stem=stem, options=options, kind=kind)


def test_a_single_answer_question_with_one_correct_option_is_valid():
    assert validate_question(question("single", 1.0, 0.0, 0.0)) == []


def test_a_multiple_response_question_with_weights_adding_to_100_is_valid():
    assert validate_question(question("multiple", 0.5, 0.5, -1.0)) == []


def test_a_question_needs_two_options():
    assert validate_question(question("single", 1.0)) == [
        "a question needs at least 2 options (found 1)"
    ]


def test_a_single_answer_question_may_have_two_right_answers_as_in_moodle():
    assert validate_question(question("single", 1.0, 1.0)) == []


def test_a_single_answer_question_may_give_partial_credit_to_other_options():
    assert validate_question(question("single", 1.0, 0.5, -0.5)) == []


def test_a_single_answer_question_needs_an_option_worth_100_percent():
    assert validate_question(question("single", 0.5, 0.0)) == [
        "a single-answer question needs an answer worth 100% (the best is worth 50%)"
    ]


def test_one_option_worth_100_percent_and_negative_others_is_a_multiple_response_question():
    assert validate_question(question("multiple", 1.0, -0.5, -0.5)) == []


def test_the_positive_weights_of_a_multiple_response_question_add_up_to_100_percent():
    assert validate_question(question("multiple", 0.5, 0.4, 0.0)) == [
        "the positive weights of a multiple-response question must add up to 100% "
        "(they add up to 90%)"
    ]


def test_the_stem_must_not_be_empty():
    assert validate_question(question("single", 1.0, 0.0, stem="  ")) == [
        "the question text is empty"
    ]


def test_an_unknown_kind_is_reported():
    assert validate_question(question("matching", 1.0, 0.0)) == [
        "unknown kind 'matching' (expected one of single, multiple, truefalse, shortanswer, "
        "numerical)"
    ]


def test_weights_beyond_100_percent_are_reported():
    assert "option 2 has a weight outside -100%..100% (-150%)" in validate_question(
        question("single", 1.0, -1.5)
    )


def test_slugify_matches_django_slugs():
    assert slugify("  Lambda: Cold Starts & SnapStart — déjà vu ") == (
        "lambda-cold-starts-snapstart-deja-vu"
    )


def test_percentages_read_and_write_as_stored_fractions():
    assert parse_percent("33.33333") == 0.3333333
    assert parse_percent("-100") == -1.0
    assert parse_percent("abc") is None
    assert [format_percent(f) for f in (1.0, 0.5, -1.0, 0.3333333, 0.0)] == [
        "100",
        "50",
        "-100",
        "33.33333",
        "0",
    ]


def test_readable_category_drops_the_moodle_context_and_top():
    assert readable_category("$course$/top/Lambda/Limits") == "Lambda/Limits"
    assert readable_category("$system$/top") == ""
    assert readable_category("Lambda/Limits") == "Lambda/Limits"


def test_a_problem_reads_as_its_line_and_message():
    assert str(Problem(12, "essay questions are not supported, skipped")) == (
        "line 12: essay questions are not supported, skipped"
    )


def test_a_parse_result_with_errors_is_not_ok():
    assert ParseResult([], [], []).ok
    assert not ParseResult([], [], [Problem(1, "broken")]).ok


def test_the_registry_offers_parse_and_write_for_the_four_formats():
    assert sorted(FORMATS) == ["aiken", "gift", "markdown", "moodle-xml"]
    for question_format in FORMATS.values():
        result = question_format.parse(question_format.write([]), source="empty")

        assert (result.questions, result.errors, result.source) == ([], [], "empty")


def test_lines_split_on_line_ends_only_and_a_byte_order_mark_is_dropped():
    assert split_lines("\ufeffa\r\nb\rc\u2028d\ne") == ["a", "b", "c\u2028d", "e"]
