"""GIFT as Moodle reads it: every construct of Moodle's GIFT page and of Moodle's own export.

The fixtures in ``fixtures/`` are Moodle's documented examples (``moodle-gift-reference.gift``)
and a file written the way Moodle's GIFT export writes one (``moodle-export.gift``). Every
question in them is either read, with what Moodle would store, or skipped with its line and
the reason; none of them is an error, because Moodle imports all of them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from studyapp.quizzes.formats import gift
from studyapp.quizzes.formats.model import OptionData, ParseResult, QuestionData

FIXTURES = Path(__file__).parent / "fixtures"


def read(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def reference() -> ParseResult:
    return gift.parse(read("moodle-gift-reference.gift"))


@pytest.fixture(scope="module")
def exported() -> ParseResult:
    return gift.parse(read("moodle-export.gift"))


def by_title(result: ParseResult) -> dict[str, QuestionData]:
    return {question.title: question for question in result.questions}


def answers(question: QuestionData) -> list[tuple]:
    return [(o.text, o.fraction, o.feedback) for o in question.options]


# --- the whole files --------------------------------------------------------------------------


def test_moodles_documented_examples_hold_no_error(reference):
    assert reference.errors == []


def test_every_documented_question_is_kept_or_skipped_with_its_line_and_reason(reference):
    assert len(reference.questions) == 41
    assert [str(problem) for problem in reference.skipped] == [
        "line 147: matching questions are not supported, skipped",
        "line 149: essay questions are not supported, skipped",
        "line 151: a description (text without an answers block) is not a question, skipped",
    ]


def test_a_file_written_by_moodles_export_holds_no_error(exported):
    assert exported.errors == []
    assert [q.title for q in exported.questions] == [
        "Timeout",
        "Colours",
        "Thirds",
        "Serverless",
        "Service name",
        "Seconds",
        "Auto",
    ]
    assert [str(problem) for problem in exported.skipped] == [
        "line 60: essay questions are not supported, skipped",
        "line 64: matching questions are not supported, skipped",
        "line 71: a description (text without an answers block) is not a question, skipped",
    ]


def test_crlf_line_ends_and_a_byte_order_mark_read_like_the_plain_file(reference):
    text = "\ufeff" + read("moodle-gift-reference.gift").replace("\n", "\r\n")

    again = gift.parse(text)

    assert again.errors == []
    assert again.questions == reference.questions
    assert again.skipped == reference.skipped


def test_the_crlf_fixture_with_a_byte_order_mark_is_read(reference):
    raw = (FIXTURES / "crlf-bom.gift").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw

    result = gift.parse(raw.decode("utf-8"))

    assert result.errors == []
    assert [(q.title, q.kind, q.line) for q in result.questions] == [
        ("Windows", "single", 2),
        ("Short", "shortanswer", 7),
    ]


# --- true/false -------------------------------------------------------------------------------


def test_t_true_f_and_false_make_true_false_questions(reference):
    questions = by_title(reference)

    assert [
        (questions[t].kind, [o.fraction for o in questions[t].options])
        for t in ("Q1", "Sun", "Grant false")
    ] == [
        ("truefalse", [1.0, 0.0]),
        ("truefalse", [1.0, 0.0]),
        ("truefalse", [0.0, 1.0]),
    ]


def test_an_equals_sign_in_the_text_before_the_block_is_text(reference):
    assert by_title(reference)["Q1"].stem == "1+1=2"


def test_true_false_feedback_is_shown_for_the_wrong_then_the_right_answer(reference):
    questions = by_title(reference)

    assert answers(questions["Grant false feedback"]) == [
        ("True", 0.0, "No one is buried in Grant's tomb."),
        ("False", 1.0, ""),
    ]
    assert answers(questions["Both feedbacks"]) == [
        ("True", 0.0, "Think again."),
        ("False", 1.0, "Right: it rises in the east."),
    ]


# --- multiple choice --------------------------------------------------------------------------


def test_answers_and_feedback_may_share_the_line_with_spaces_around_markers(reference):
    question = by_title(reference)["Q2"]

    assert question.kind == "single"
    assert answers(question) == [
        ("yellow", 1.0, "right; good!"),
        ("red", 0.0, "wrong, it's yellow"),
        ("blue", 0.0, "wrong, it's yellow"),
    ]


def test_the_right_answer_may_come_last(reference):
    assert answers(by_title(reference)["Tomb"]) == [
        ("Grant", 0.0, ""),
        ("Jefferson", 0.0, ""),
        ("no one", 1.0, ""),
    ]


def test_partial_credit_on_a_single_answer_question(reference):
    questions = by_title(reference)

    assert [(o.text, o.fraction) for o in questions["Partial single"].options] == [
        ("A", 1.0),
        ("B", 0.5),
        ("C", 0.0),
    ]
    assert [o.fraction for o in questions["Hometown choice"].options] == [0.0, 0.25, 0.5, 1.0]


def test_weights_without_an_equals_make_a_multiple_response_question(reference):
    question = by_title(reference)["Entombed"]

    assert question.kind == "multiple"
    assert [o.fraction for o in question.options] == [-1.0, 0.5, 0.5, -1.0]


def test_one_full_weight_and_negative_others_is_multiple_response_as_moodle_exports_it(reference):
    question = by_title(reference)["Spectrum MR"]

    assert question.kind == "multiple"
    assert [(o.text, o.fraction) for o in question.options] == [
        ("yellow", 1.0),
        ("red", -0.5),
        ("blue", -0.5),
    ]


def test_several_equals_answers_with_tilde_answers_are_all_right(reference):
    question = by_title(reference)["Equals and tildes"]

    assert question.kind == "single"
    assert [o.fraction for o in question.options] == [1.0, 1.0, 0.0]


def test_escaped_control_characters_are_the_characters_themselves(reference):
    question = by_title(reference)["GIFT Control Characters"]

    assert [o.text for o in question.options] == ["~", "=", "#", "{", "}", "\\"]
    assert question.options[0].feedback == "~ is a control character."
    assert question.options[5].fraction == 1.0
    assert question.options[5].feedback == (
        "Correct! \\ (backslash) is not a control character. BUT,\n"
        "              it is used to escape the control characters."
    )
    assert [o.text for o in by_title(reference)["Equals answers"].options] == [
        "= 2 + 2",
        "= 2 + 3",
        "= 2 + 4",
    ]


def test_a_lone_trailing_backslash_stays_in_the_answer(reference):
    assert [o.text for o in by_title(reference)["Trailing backslash"].options] == [
        "C:\\Windows\\",
        "/usr/bin/",
        "C:\\",
    ]


def test_four_hashes_start_the_general_feedback(reference):
    question = by_title(reference)["General feedback"]

    assert question.general_feedback == "Adding 2+2 is 4"
    assert answers(question) == [("4", 1.0, "Correct"), ("5", 0.0, "")]


# --- short answer -----------------------------------------------------------------------------


def test_equals_answers_alone_make_a_short_answer_with_every_answer_accepted(reference):
    questions = by_title(reference)

    assert questions["Nobody"].kind == "shortanswer"
    assert answers(questions["Nobody"]) == [("no one", 1.0, ""), ("nobody", 1.0, "")]
    assert answers(questions["Yes"]) == [("yes", 1.0, ""), ("yep", 1.0, "")]
    assert answers(questions["Excellent"]) == [
        ("no one", 1.0, "excellent answer!"),
        ("nobody", 1.0, "excellent answer too!"),
    ]


def test_a_single_answer_without_any_marker_is_a_short_answer(reference):
    questions = by_title(reference)

    assert answers(questions["One"]) == [("One", 1.0, "")]
    assert answers(questions["Kanji Origins"]) == [("China", 1.0, "")]


def test_a_lower_case_t_is_a_short_answer_not_true_false(reference):
    question = by_title(reference)["Bien"]

    assert (question.kind, answers(question)) == ("shortanswer", [("t", 1.0, "bien")])


def test_short_answers_take_weights_and_feedback(reference):
    assert answers(by_title(reference)["Hometown short"]) == [
        ("Nazareth", 1.0, "Yes! That's right!"),
        ("Nazareth, Galilee", 0.75, "Right, but be more specific."),
        ("Bethlehem", 0.25, "He was born here, but not raised here."),
    ]


# --- missing word -----------------------------------------------------------------------------


def test_text_after_the_block_makes_a_missing_word_question_with_moodles_blank(reference):
    questions = by_title(reference)

    assert questions["Grant's Tomb"].stem == "Grant is _____ in Grant's tomb."
    assert questions["Grant's Tomb"].kind == "single"
    assert questions["Q3"].stem == "Two plus _____ equals four."
    assert questions["Q3"].kind == "shortanswer"
    assert questions["Hometown choice"].stem == "Jesus Christ was from _____."


# --- numerical --------------------------------------------------------------------------------


def numbers(question: QuestionData) -> list[tuple]:
    return [(o.text, o.tolerance, o.fraction) for o in question.options]


def test_a_number_with_a_margin(reference):
    questions = by_title(reference)

    assert questions["Q5"].kind == "numerical"
    assert numbers(questions["Q5"]) == [("3", 2.0, 1.0)]
    assert numbers(questions["Four"]) == [("4", 0.0, 1.0)]


def test_a_range_is_its_middle_give_or_take_half_its_width(reference):
    questions = by_title(reference)

    assert numbers(questions["Q6"]) == [("3", 2.0, 1.0)]
    assert numbers(questions["Pi range"]) == [("3.1415", 0.0005, 1.0)]
    assert questions["Pi range"].stem == ("What is the value of pi (to 3 decimal places)? _____.")


def test_several_numerical_answers_with_partial_credit_and_feedback(reference):
    questions = by_title(reference)

    assert numbers(questions["Q7"]) == [
        ("3.14", 0.005, 0.5),
        ("3.141", 0.0005, 1.0),
        ("3.1", 0.05, 0.25),
    ]
    assert questions["Q7"].options[1].feedback == "Correct!"
    assert numbers(questions["Born"]) == [("1822", 0.0, 1.0), ("1822", 2.0, 0.5)]
    assert questions["Born"].options[0].feedback == "Correct! Full credit."
    assert numbers(questions["Weighted exact"]) == [("60", 0.0, 1.0), ("60", 1.0, 0.5)]


# --- text formats, titles, categories ---------------------------------------------------------


def test_format_prefixes_set_the_text_format_and_no_prefix_is_moodles_auto_format(reference):
    questions = by_title(reference)

    assert {
        title: questions[title].text_format
        for title in ("Difficult Question", "Html", "Plain", "Moodle auto", "Tomb")
    } == {
        "Difficult Question": "markdown",
        "Html": "html",
        "Plain": "plain",
        "Moodle auto": "moodle",
        "Tomb": "moodle",
    }


def test_format_prefixes_on_answers_and_feedback_are_removed(reference):
    questions = by_title(reference)

    assert answers(questions["Html"]) == [("<i>this</i>", 1.0, "<p>Yes.</p>"), ("that", 0.0, "")]
    assert [o.text for o in questions["Difficult Question"].options] == ["`\\`", "`~`"]
    assert questions["Plain"].stem == "1 < 2 and <b> is text"


def test_escaped_n_is_a_line_break_in_stems_and_answers(reference):
    questions = by_title(reference)

    assert questions["Moodle auto"].stem == "Auto-formatted\nwith a line break"
    assert questions["Newline"].stem == "First line\nsecond line"
    assert questions["Newline"].options[0].text == "a\nb"


def test_a_title_with_escaped_colons(reference):
    question = by_title(reference)["Time: 3:00"]

    assert question.stem == "When is 3:00 in 24-hour time?"
    assert question.key == "time-300"
    assert [o.text for o in question.options] == ["15:00", "03:00"]


def test_category_lines_set_the_category_of_the_questions_that_follow(reference):
    questions = by_title(reference)

    assert questions["Four"].category == ""
    assert questions["In harry"].category == "tom/dick/harry"
    assert questions["In default"].category == "Default for Lambda"


def test_comment_lines_between_questions_are_ignored(reference):
    assert by_title(reference)["Four"].line == 118


# --- Moodle's own export ----------------------------------------------------------------------


def test_moodles_export_of_an_html_question_with_feedback_and_general_feedback(exported):
    question = by_title(exported)["Timeout"]

    assert question == QuestionData(
        stem="<p>What is the longest a Lambda invocation can run?</p>\n<p>Pick one.</p>",
        options=[
            OptionData("<p>15 minutes</p>", 1.0, "<p>Right: 900 seconds.</p>"),
            OptionData("<p>5 minutes</p>", 0.0, "<p>The limit before 2018.</p>"),
            OptionData("<p>1 hour</p>", -0.5),
        ],
        kind="single",
        key="lambda-timeout",
        title="Timeout",
        text_format="html",
        general_feedback="<p>Long jobs belong in Step Functions.</p>",
        category="Default for Lambda",
        tags=["limits", "lambda"],
        line=7,
    )


def test_moodles_export_of_multiple_response_weights(exported):
    questions = by_title(exported)

    assert [o.fraction for o in questions["Colours"].options] == [1.0, -0.5, -0.5]
    assert [o.fraction for o in questions["Thirds"].options] == [
        0.3333333,
        0.3333333,
        0.3333333,
        -1.0,
    ]


def test_moodles_export_of_true_false_with_both_feedbacks_and_general_feedback(exported):
    question = by_title(exported)["Serverless"]

    assert question.kind == "truefalse"
    assert answers(question) == [("True", 1.0, "<p>Yes.</p>"), ("False", 0.0, "<p>It is.</p>")]
    assert question.general_feedback == "<p>No servers to manage.</p>"


def test_moodles_export_of_short_answers_with_weights_empty_feedback_and_a_wildcard(exported):
    assert answers(by_title(exported)["Service name"]) == [
        ("Lambda", 1.0, "<p>Right.</p>"),
        ("AWS Lambda", 0.5, ""),
        ("*lambda*", 1.0, "<p>Close enough.</p>"),
    ]


def test_moodles_export_of_numerical_answers_and_the_any_other_answer_feedback(exported):
    question = by_title(exported)["Seconds"]

    assert [(o.text, o.tolerance, o.fraction, o.feedback) for o in question.options] == [
        ("900", 0.0, 1.0, "<p>Right.</p>"),
        ("900", 60.0, 0.5, ""),
        ("*", 0.0, 0.0, "<p>Count again.</p>"),
    ]


def test_moodles_export_without_a_prefix_is_auto_format(exported):
    assert by_title(exported)["Auto"].text_format == "moodle"


# --- what Moodle refuses is still an error, for the whole file ---------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Which?{=a ~b", "line 1: '{' is not closed: the answers block needs a '}'"),
        ("Which? =a ~b}", "line 1: '}' without an opening '{'"),
        ("Which?{~only}", "line 1: not enough answers: a choice question needs at least 2"),
        ("Which?{~%150%a ~b}", "line 1: bad weight in answer 1: %150% is outside -100%..100%"),
    ],
)
def test_a_file_moodle_refuses_is_an_error_with_its_line(text, message):
    result = gift.parse(f"Good?{{=a ~b}}\n\n{text}")

    assert [str(error) for error in result.errors] == [message.replace("line 1", "line 3")]


def test_a_numerical_answer_that_is_not_a_number_skips_that_question_only():
    result = gift.parse("Which?{#abc}\n\nKept?{#4}")

    assert result.errors == []
    assert [str(p) for p in result.skipped] == ["line 1: answer 1 is not a number: 'abc', skipped"]
    assert [q.stem for q in result.questions] == ["Kept?"]
