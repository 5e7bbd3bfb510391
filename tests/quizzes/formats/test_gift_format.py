"""GIFT: what is read from Moodle's format, what is skipped and which errors are reported."""

from __future__ import annotations

import pytest

from studyapp.quizzes.formats import gift
from studyapp.quizzes.formats.model import OptionData, QuestionData


@pytest.fixture
def features(data_text) -> dict[str, QuestionData]:
    result = gift.parse(data_text("features.gift"), source="features.gift")
    assert result.errors == []
    assert result.skipped == []
    return {question.title or question.stem: question for question in result.questions}


def only_question(text: str) -> QuestionData:
    result = gift.parse(text)
    assert result.errors == [], [str(error) for error in result.errors]
    assert len(result.questions) == 1
    return result.questions[0]


def error_messages(text: str) -> list[str]:
    return [str(error) for error in gift.parse(text).errors]


# --- questions that are read ------------------------------------------------------------------


def test_every_question_in_the_feature_file_is_read_in_order(data_text):
    titles = [q.title for q in gift.parse(data_text("features.gift")).questions]

    assert titles == [
        "Lambda timeout",
        "Pick two",
        "Escapes",
        "Weighted",
        "True or false",
        "",
        "Formats",
        "Html",
        "Plain",
        "Moodle auto",
        "Numbered options",
    ]


def test_equals_and_tilde_answers_make_a_single_answer_question(features):
    question = features["Lambda timeout"]

    assert question.kind == "single"
    assert question.stem == "What is the longest a Lambda invocation can run?"
    assert [(o.text, o.fraction) for o in question.options] == [
        ("15 minutes", 1.0),
        ("5 minutes", 0.0),
        ("1 hour", 0.0),
    ]


def test_feedback_follows_an_answer_after_a_hash(features):
    feedback = [option.feedback for option in features["Lambda timeout"].options]

    assert feedback == [
        "Right: the hard limit is 900 seconds.",
        "That was the limit before 2018.",
        "",
    ]


def test_four_hashes_start_the_general_feedback(features):
    assert (
        features["Lambda timeout"].general_feedback == "Long jobs belong in Step Functions or ECS."
    )


def test_title_gives_the_title_and_its_slug_is_the_key(features):
    question = features["Pick two"]

    assert question.title == "Pick two"
    assert question.key == "pick-two"


def test_an_id_in_a_comment_gives_the_key_and_tags_give_tags(features):
    question = features["Lambda timeout"]

    assert question.key == "lambda-max-timeout"
    assert question.tags == ["limits", "lambda"]


def test_a_question_without_title_has_no_key():
    question = only_question("Which one?{=a ~b}")

    assert (question.title, question.key) == ("", "")


def test_tilde_answers_without_equals_make_multiple_response_with_weights(features):
    question = features["Pick two"]

    assert question.kind == "multiple"
    assert [o.fraction for o in question.options] == [0.5, 0.5, -1.0]


def test_decimal_weights_are_kept_to_seven_decimals(features):
    fractions = [o.fraction for o in features["Weighted"].options]

    assert fractions == [0.3333333, 0.3333333, 0.3333334, -0.5]


def test_escaped_reserved_characters_and_a_literal_backslash_are_unescaped(features):
    question = features["Escapes"]

    assert question.stem == r"Characters : # = ~ { } are escaped, a path is C:\temp\new"
    assert question.options[0].text == "a = b ~ c"
    assert question.options[2].text == "braces { }"


def test_escaped_n_is_a_line_break(features):
    assert features["Escapes"].options[1].text == "line one\nline two"


def test_an_unknown_backslash_sequence_is_kept_as_written():
    question = only_question(r"Is \alpha a letter?{=yes ~no}")

    assert question.stem == r"Is \alpha a letter?"


def test_category_applies_to_the_questions_that_follow_without_the_moodle_prefix(features):
    assert features["Pick two"].category == ""
    assert features["Escapes"].category == "Lambda/Networking"
    assert features["Numbered options"].category == "Lambda/Networking"


def test_comment_lines_are_ignored_even_inside_a_question():
    question = only_question("// before\n::T::Which?{\n// between answers\n=a\n~b\n}")

    assert [o.text for o in question.options] == ["a", "b"]


def test_false_becomes_a_true_false_question_with_false_correct_and_both_feedbacks(features):
    question = features["True or false"]

    assert question.kind == "truefalse"
    assert question.options == [
        OptionData("True", 0.0, "No: 15 minutes is the limit."),
        OptionData("False", 1.0, "Yes, it is false."),
    ]


def test_t_becomes_two_options_with_true_correct():
    question = only_question("Lambda is serverless.{T}")

    assert [(o.text, o.fraction) for o in question.options] == [("True", 1.0), ("False", 0.0)]


def test_true_with_feedback_gives_the_wrong_feedback_to_false():
    question = only_question("Lambda is serverless.{TRUE#Think again.#Well done.}")

    assert [o.feedback for o in question.options] == ["Well done.", "Think again."]


def test_markdown_prefix_sets_the_text_format_and_is_removed(features):
    question = features["Formats"]

    assert question.text_format == "markdown"
    assert question.stem == "Which is **bold**?"
    assert question.options[0].text == "`**text**`"


def test_html_and_plain_prefixes_set_their_formats(features):
    assert features["Html"].text_format == "html"
    assert features["Html"].stem == "<p>Pick <b>one</b></p>"
    assert features["Plain"].text_format == "plain"


def test_moodle_auto_format_and_no_prefix_read_as_moodle_auto_format(features):
    assert features["Moodle auto"].text_format == "moodle"
    assert features["Lambda timeout"].text_format == "moodle"


def test_numbering_typed_into_texts_is_kept_and_options_keep_file_order(features):
    question = features["Numbered options"]

    assert question.stem == "1. Which option is first?"
    assert [o.text for o in question.options] == ["a) first", "b) second", "c) third"]


def test_each_question_records_the_line_where_it_starts(data_text):
    lines = [q.line for q in gift.parse(data_text("features.gift")).questions]

    assert lines[:3] == [5, 12, 20]


def test_answers_may_share_a_line_with_the_question():
    question = only_question("::Inline::Which?{=a ~b ~c}")

    assert [o.text for o in question.options] == ["a", "b", "c"]


def test_crlf_line_ends_are_read_like_lf():
    question = only_question("::T::Which?{\r\n=a\r\n~b\r\n}\r\n")

    assert [o.text for o in question.options] == ["a", "b"]


# --- skipped question types -------------------------------------------------------------------


def test_unsupported_question_types_are_skipped_with_line_and_reason(data_text):
    result = gift.parse(data_text("skipped.gift"))

    assert [str(problem) for problem in result.skipped] == [
        "line 1: essay questions are not supported, skipped",
        "line 5: matching questions are not supported, skipped",
        "line 14: a description (text without an answers block) is not a question, skipped",
    ]


def test_skipped_items_do_not_stop_the_other_questions(data_text):
    result = gift.parse(data_text("skipped.gift"))

    assert result.errors == []
    assert [q.title for q in result.questions] == [
        "Numerical",
        "Short answer",
        "Missing word",
        "Kept",
    ]


def test_general_feedback_alone_is_an_essay():
    assert [p.message for p in gift.parse("Explain.{####A model answer.}").skipped] == [
        "essay questions are not supported, skipped"
    ]


# --- errors ------------------------------------------------------------------------------------


def test_an_unclosed_brace_is_an_error_on_its_line():
    assert error_messages("\n\n::T::Which?\n{=a\n~b\n") == [
        "line 4: '{' is not closed: the answers block needs a '}'"
    ]


def test_a_closing_brace_without_an_opening_one_is_an_error():
    assert error_messages("Which? =a ~b}") == ["line 1: '}' without an opening '{'"]


def test_an_answers_block_without_answer_markers_is_a_short_answer_as_in_moodle():
    question = only_question("Which?{just text}")

    assert (question.kind, question.options) == ("shortanswer", [OptionData("just text", 1.0)])


def test_answers_without_text_are_dropped_as_moodle_drops_them_when_it_saves():
    result = gift.parse("Which?{~ ~}")

    assert (result.errors, result.questions) == ([], [])
    assert [str(p) for p in result.skipped] == [
        "line 1: a question needs at least 2 options (found 0), skipped"
    ]


def test_a_single_answer_is_not_enough_for_a_choice_question():
    assert error_messages("Which?{~only}") == [
        "line 1: not enough answers: a choice question needs at least 2"
    ]


def test_a_weight_that_is_not_a_number_is_part_of_the_answer_text_as_in_moodle():
    question = only_question("Which?{\n~%abc%a\n=b}")

    assert question.options[0] == OptionData("%abc%a", 0.0)


def test_an_unclosed_weight_is_part_of_the_answer_text_as_in_moodle():
    question = only_question("Which?{~%50 a ~%100%b}")

    assert [o.text for o in question.options] == ["%50 a", "b"]


def test_a_weight_beyond_100_percent_is_an_error():
    assert error_messages("Which?{~%150%a ~%-50%b}") == [
        "line 1: bad weight in answer 1: %150% is outside -100%..100%"
    ]


def test_text_before_the_first_answer_is_a_wrong_answer_as_in_moodle():
    question = only_question("Which?{stray =a ~b}")

    assert [(o.text, o.fraction) for o in question.options] == [
        ("stray", 0.0),
        ("a", 1.0),
        ("b", 0.0),
    ]


def test_an_unclosed_title_is_no_title_and_the_text_goes_on_as_in_moodle():
    question = only_question("::Title without end Which?{=a ~b}")

    assert (question.title, question.stem) == ("", "Title without end Which?")


def test_multiple_response_weights_that_do_not_add_up_skip_the_question_with_the_reason():
    result = gift.parse("Which?{~%50%a ~%40%b ~c}\n\nKept?{=a ~b}")

    assert [str(p) for p in result.skipped] == [
        "line 1: the positive weights of a multiple-response question must add up to 100% "
        "(they add up to 90%), skipped"
    ]
    assert [q.stem for q in result.questions] == ["Kept?"]


def test_one_full_weight_and_negative_others_is_a_multiple_response_question():
    question = only_question("Which?{~%100%a ~%-50%b ~%-50%c}")

    assert question.kind == "multiple"
    assert [o.fraction for o in question.options] == [1.0, -0.5, -0.5]


def test_two_equals_answers_make_a_single_answer_question_with_two_right_answers():
    question = only_question("Which?{=a =b ~c}")

    assert question.kind == "single"
    assert [o.fraction for o in question.options] == [1.0, 1.0, 0.0]


def test_an_empty_stem_skips_the_question_with_the_reason():
    result = gift.parse("::Only a title::{=a ~b}")

    assert [str(p) for p in result.skipped] == ["line 1: the question text is empty, skipped"]


def test_a_question_straight_after_a_category_line_is_read_in_that_category():
    result = gift.parse("$CATEGORY: A\nWhich?{=a ~b}")

    assert [(q.stem, q.category, q.line) for q in result.questions] == [("Which?", "A", 2)]


def test_errors_are_collected_for_the_whole_file_with_their_lines():
    text = "Good?{=a ~b}\n\nBad?{~%150%a ~b}\n\nWorse?{=a ~b\n"

    assert error_messages(text) == [
        "line 3: bad weight in answer 1: %150% is outside -100%..100%",
        "line 5: '{' is not closed: the answers block needs a '}'",
    ]


# --- writing -----------------------------------------------------------------------------------


def test_the_writer_escapes_reserved_characters_and_line_breaks():
    question = QuestionData(
        stem="a:b #c =d ~e {f} \\g\nh",
        options=[OptionData("x", 1.0), OptionData("y", 0.0)],
        kind="single",
        text_format="plain",
    )

    assert "[plain]a\\:b \\#c \\=d \\~e \\{f\\} \\\\g\\nh{" in gift.write([question])


def test_the_writer_writes_weights_as_percentages():
    question = QuestionData(
        stem="Which?",
        options=[OptionData("a", 0.5), OptionData("b", 0.5), OptionData("c", -1.0)],
        kind="multiple",
    )

    assert "~%50%a\n\t~%50%b\n\t~%-100%c" in gift.write([question])


def test_the_writer_writes_a_category_line_when_the_category_changes():
    first = QuestionData("A?", [OptionData("a", 1.0), OptionData("b", 0.0)], "single")
    second = QuestionData("B?", [OptionData("a", 1.0), OptionData("b", 0.0)], "single")
    second.category = "Lambda/Limits"

    assert "$CATEGORY: $course$/top/Lambda/Limits\n" in gift.write([first, second])


def test_the_writer_keeps_a_key_that_is_not_the_title_slug_in_an_id_comment():
    question = QuestionData(
        "A?", [OptionData("a", 1.0), OptionData("b", 0.0)], "single", key="k-1", title="T"
    )

    assert gift.write([question]).startswith("// [id:k-1]\n::T::")
