"""Aiken: single-answer questions, read and refused with Moodle's wording and line numbers."""

from __future__ import annotations

from studyapp.quizzes.formats import aiken
from studyapp.quizzes.formats.model import OptionData, QuestionData


def error_lines(text: str) -> list[str]:
    return [str(error) for error in aiken.parse(text).errors]


def test_questions_are_read_with_the_answer_letter_marking_the_correct_option(data_text):
    questions = aiken.parse(data_text("questions.aiken.txt")).questions

    assert [q.stem for q in questions] == [
        "Which service runs code without provisioning servers?",
        "What is the default account concurrency quota per Region?",
    ]
    assert [(o.text, o.fraction) for o in questions[0].options] == [
        ("Amazon EC2", 0.0),
        ("AWS Lambda", 1.0),
        ("Amazon EBS", 0.0),
        ("Amazon VPC", 0.0),
    ]


def test_options_may_use_a_dot_and_the_space_after_the_label_is_optional(data_text):
    second = aiken.parse(data_text("questions.aiken.txt")).questions[1]

    assert [o.text for o in second.options] == ["100", "1000", "10000"]


def test_questions_are_single_answer_plain_text_without_feedback_or_key(data_text):
    question = aiken.parse(data_text("questions.aiken.txt")).questions[0]

    assert (question.kind, question.text_format, question.key, question.line) == (
        "single",
        "plain",
        "",
        1,
    )
    assert all(option.feedback == "" for option in question.options)


def test_an_option_before_any_question_is_not_started():
    assert error_lines("A) orphan\nB) orphan\n") == [
        "line 1: Question not started",
        "line 2: Question not started",
    ]


def test_an_answer_line_before_any_question_is_not_started():
    assert error_lines("\nANSWER: A\n") == ["line 2: Question not started"]


def test_fewer_than_two_options_is_reported_on_the_answer_line():
    assert error_lines("Only one?\nA) yes\nANSWER: A\n") == [
        "line 3: Question must have at least 2 answers"
    ]


def test_a_new_stem_before_the_answer_line_is_not_completed():
    text = "First?\nA) a\nB) b\nSecond?\nA) a\nB) b\nANSWER: A\n"

    result = aiken.parse(text)

    assert [str(e) for e in result.errors] == [
        "line 4: Question not completed before next question start"
    ]
    assert [q.stem for q in result.questions] == ["Second?"]


def test_an_answer_letter_that_names_no_option_is_an_error():
    assert error_lines("Which?\nA) a\nB) b\nANSWER: E\n") == [
        "line 4: ANSWER E does not match any option"
    ]


def test_an_empty_answer_line_is_an_error():
    assert error_lines("Which?\nA) a\nB) b\nANSWER:\n") == [
        "line 4: ANSWER (nothing) does not match any option"
    ]


def test_an_option_letter_used_twice_is_an_error():
    assert error_lines("Which?\nA) a\nA) b\nANSWER: A\n") == [
        "line 3: Option letter A is used twice"
    ]


def test_a_question_left_open_at_the_end_of_the_file_is_an_error():
    assert error_lines("Which?\nA) a\nB) b\n") == [
        "line 1: Question not completed before the end of the file"
    ]


def test_lines_shorter_than_two_characters_are_ignored_as_in_moodle():
    result = aiken.parse("Which?\n\nA) a\n \nB) b\nx\nANSWER: B\n")

    assert result.errors == []
    assert [o.fraction for o in result.questions[0].options] == [0.0, 1.0]


def single(stem: str = "Which?") -> QuestionData:
    return QuestionData(stem, [OptionData("a", 0.0), OptionData("b", 1.0)], "single")


def test_the_writer_writes_labels_and_the_answer_letter():
    assert aiken.write([single()]) == "Which?\nA) a\nB) b\nANSWER: B\n"


def test_the_writer_joins_a_multi_line_stem_into_one_line():
    assert aiken.write([single("Line one\nline two")]).startswith("Line one line two\n")


def test_export_skips_multiple_response_questions_and_says_why():
    multiple = QuestionData(
        "Pick two", [OptionData("a", 0.5), OptionData("b", 0.5), OptionData("c", 0)], "multiple"
    )
    multiple.key = "pick-two"

    exported = aiken.export([single(), multiple])

    assert exported.text == "Which?\nA) a\nB) b\nANSWER: B\n"
    assert exported.skipped == ["question 2 (pick-two): Aiken holds single-answer questions only"]


def test_export_skips_a_stem_that_would_read_back_as_an_option():
    assert aiken.export([single("A) looks like an option")]).skipped == [
        "question 1: the question text would read back as an option or an ANSWER line"
    ]


def test_export_skips_more_than_26_options():
    options = [OptionData(str(n), 1.0 if n == 0 else 0.0) for n in range(27)]

    assert aiken.export([QuestionData("Many?", options, "single")]).skipped == [
        "question 1: Aiken holds at most 26 options"
    ]
