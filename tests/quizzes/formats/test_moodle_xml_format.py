"""Moodle XML: multichoice, truefalse, shortanswer and numerical read, other types skipped,
declarations refused."""

from __future__ import annotations

import dataclasses

import pytest

from studyapp.quizzes.formats import moodle_xml
from studyapp.quizzes.formats.model import OptionData, ParseResult


@pytest.fixture
def parsed_quiz_xml(data_text) -> ParseResult:
    """What the reader makes of data/quiz.xml."""
    return moodle_xml.parse(data_text("quiz.xml"))


def test_multichoice_truefalse_and_numerical_questions_are_read_in_order(parsed_quiz_xml):
    assert parsed_quiz_xml.errors == []
    assert [q.title for q in parsed_quiz_xml.questions] == [
        "Lambda timeout",
        "Pick two",
        "Thirty minutes",
        "Seconds",
    ]


def test_a_single_answer_question_keeps_texts_fractions_and_feedback(parsed_quiz_xml):
    question = parsed_quiz_xml.questions[0]

    assert question.kind == "single"
    assert question.stem == "<p>What is the longest a Lambda invocation can run?</p>"
    assert question.general_feedback == "<p>Use Step Functions for long jobs.</p>"
    assert question.options == [
        OptionData("15 minutes", 1.0, "Right: 900 seconds."),
        OptionData("5 minutes", 0.0, ""),
    ]


def test_single_false_makes_multiple_response_with_weights(parsed_quiz_xml):
    question = parsed_quiz_xml.questions[1]

    assert question.kind == "multiple"
    assert [o.fraction for o in question.options] == [0.5, 0.5, -1.0]


def test_the_category_entry_sets_a_readable_category(parsed_quiz_xml):
    assert {q.category for q in parsed_quiz_xml.questions} == {"Lambda/Limits"}


def test_idnumber_gives_the_key_and_else_the_name_slug_does(parsed_quiz_xml):
    assert [q.key for q in parsed_quiz_xml.questions] == [
        "lambda-timeout",
        "serverless-pair",
        "thirty-minutes",
        "seconds",
    ]


def test_tags_are_read(parsed_quiz_xml):
    assert parsed_quiz_xml.questions[0].tags == ["limits"]


def test_text_formats_map_to_the_model(parsed_quiz_xml):
    assert [q.text_format for q in parsed_quiz_xml.questions] == [
        "html",
        "markdown",
        "plain",
        "html",
    ]


def test_truefalse_becomes_a_true_false_question_with_its_feedback(parsed_quiz_xml):
    assert parsed_quiz_xml.questions[2].kind == "truefalse"
    assert parsed_quiz_xml.questions[2].options == [
        OptionData("True", 0.0, "No: 15 minutes is the limit."),
        OptionData("False", 1.0, "Yes, it is false."),
    ]


def test_questions_record_the_line_of_their_question_element(parsed_quiz_xml):
    assert [q.line for q in parsed_quiz_xml.questions] == [9, 42, 62, 86]


def test_other_question_types_are_skipped_with_line_and_reason(parsed_quiz_xml):
    assert [str(p) for p in parsed_quiz_xml.skipped] == [
        "line 78: essay questions are not supported, skipped",
    ]


def test_a_numerical_question_keeps_its_answer_and_tolerance(parsed_quiz_xml):
    question = parsed_quiz_xml.questions[3]

    assert (question.kind, question.options) == ("numerical", [OptionData("900", 1.0)])


def test_moodle_auto_format_is_kept_as_its_own_format():
    text = (
        '<quiz><question type="shortanswer"><name><text>S</text></name>'
        '<questiontext format="moodle_auto_format"><text>Which service?</text></questiontext>'
        "<usecase>1</usecase>"
        '<answer fraction="100"><text>Lambda</text></answer>'
        '<answer fraction="50"><text>*lambda*</text></answer></question></quiz>'
    )

    question = moodle_xml.parse(text).questions[0]

    assert (question.text_format, question.kind, question.case_sensitive) == (
        "moodle",
        "shortanswer",
        True,
    )
    assert question.options == [OptionData("Lambda", 1.0), OptionData("*lambda*", 0.5)]


def test_grades_moodle_only_warns_about_skip_the_question_not_the_file():
    text = (
        '<quiz><question type="multichoice"><name><text>M</text></name>'
        "<questiontext><text>Which?</text></questiontext><single>false</single>"
        '<answer fraction="50"><text>a</text></answer>'
        '<answer fraction="0"><text>b</text></answer></question></quiz>'
    )

    result = moodle_xml.parse(text)

    assert (result.errors, result.questions) == ([], [])
    assert [str(p) for p in result.skipped] == [
        "line 1: the positive weights of a multiple-response question must add up to 100% "
        "(they add up to 50%), skipped"
    ]


def test_a_doctype_is_refused_before_parsing():
    text = '<?xml version="1.0"?>\n<!DOCTYPE quiz [<!ENTITY a "aaaa">]>\n<quiz></quiz>'

    result = moodle_xml.parse(text)

    assert [str(e) for e in result.errors] == [
        "line 2: DOCTYPE and ENTITY declarations are not accepted; remove them"
    ]
    assert result.questions == []


def test_an_entity_declaration_is_refused_whatever_its_case():
    result = moodle_xml.parse("<quiz>\n<!entity x 'y'>\n</quiz>")

    assert [e.line for e in result.errors] == [2]


def test_malformed_xml_is_an_error_with_the_parser_line():
    result = moodle_xml.parse("<quiz>\n<question type='multichoice'>\n</quiz>")

    assert [str(e) for e in result.errors] == ["line 3: the XML is not well formed: mismatched tag"]


def test_the_root_element_must_be_quiz():
    assert [str(e) for e in moodle_xml.parse("<questions/>").errors] == [
        "line 1: the root element must be <quiz>"
    ]


def test_a_fraction_that_is_not_a_number_is_an_error():
    text = (
        "<quiz>\n<question type='multichoice'><questiontext><text>Q</text></questiontext>"
        "<answer fraction='lots'><text>a</text></answer></question></quiz>"
    )

    assert [str(e) for e in moodle_xml.parse(text).errors] == [
        "line 2: bad fraction 'lots' in an <answer> (write a percentage like 50)"
    ]


def test_a_question_failing_validation_is_skipped_on_its_line():
    text = (
        "<quiz>\n\n<question type='multichoice'><questiontext><text>Q</text></questiontext>"
        "<answer fraction='100'><text>a</text></answer></question></quiz>"
    )

    assert [str(e) for e in moodle_xml.parse(text).skipped] == [
        "line 3: a question needs at least 2 options (found 1), skipped"
    ]


def test_the_writer_keeps_text_that_looks_like_cdata_end(parsed_quiz_xml):
    question = parsed_quiz_xml.questions[0]
    question.stem = "a ]]> b <c> & d"

    assert moodle_xml.parse(moodle_xml.write([question])).questions[0].stem == "a ]]> b <c> & d"


def test_the_writer_roots_categories_in_the_course_top_category(parsed_quiz_xml):
    assert "<text>$course$/top/Lambda/Limits</text>" in moodle_xml.write(parsed_quiz_xml.questions)


COMBINED = (
    '<quiz><question type="multichoice"><name><text>C</text></name>'
    '<questiontext format="html"><text>Which?</text></questiontext><single>true</single>'
    '<correctfeedback format="html"><text><![CDATA[<p>Your answer is correct.</p>]]></text>'
    "</correctfeedback>"
    '<partiallycorrectfeedback format="html"><text>Partly.</text></partiallycorrectfeedback>'
    '<incorrectfeedback format="html"><text>No.</text></incorrectfeedback>'
    '<answer fraction="100"><text>a</text></answer>'
    '<answer fraction="0"><text>b</text></answer></question></quiz>'
)


def test_moodles_correct_partially_correct_and_incorrect_feedback_are_kept():
    question = moodle_xml.parse(COMBINED).questions[0]

    assert (
        question.correct_feedback,
        question.partially_correct_feedback,
        question.incorrect_feedback,
    ) == ("<p>Your answer is correct.</p>", "Partly.", "No.")


def test_the_writer_writes_the_combined_feedback_back():
    question = moodle_xml.parse(COMBINED).questions[0]

    again = moodle_xml.parse(moodle_xml.write([question])).questions[0]

    assert dataclasses.replace(again, line=0) == dataclasses.replace(question, line=0)


def file_question(file_element: str, kind: str = "multichoice") -> str:
    answers = (
        '<answer fraction="100"><text>true</text><feedback><text>Yes</text>{file}</feedback>'
        '</answer>\n<answer fraction="0"><text>false</text></answer>'
        if kind == "truefalse"
        else '<answer fraction="100"><text>A</text></answer>\n'
        '<answer fraction="0"><text>B</text></answer>'
    )
    return (
        f'<quiz>\n<question type="{kind}">\n<name><text>Q</text></name>\n'
        '<questiontext format="html"><text>See @@PLUGINFILE@@/a.png</text>\n'
        f"{file_element if kind != 'truefalse' else ''}</questiontext>\n"
        f"{answers.format(file=file_element)}\n</question>\n</quiz>\n"
    )


@pytest.mark.parametrize(
    ("element", "message"),
    [
        (
            '<file name="a.png" path="/" encoding="base64">not base64!</file>',
            "the <file> 'a.png' is not valid base64",
        ),
        (
            '<file name="a.png" path="/" encoding="hex">00ff</file>',
            "the <file> 'a.png' has the encoding 'hex'; only base64 is read",
        ),
        (
            '<file name="../a.png" path="/" encoding="base64">AAAA</file>',
            "a <file> needs a plain file name (found '../a.png')",
        ),
    ],
)
def test_a_broken_file_element_is_an_error_on_its_line(element, message):
    result = moodle_xml.parse(file_question(element))

    assert [(p.line, p.message) for p in result.errors] == [(5, message)]
    assert result.questions == []


def test_a_true_false_answers_files_follow_it_when_the_answers_are_reordered():
    element = '<file name="a.png" path="/" encoding="base64">iVBORw==</file>'
    text = (
        file_question(element, kind="truefalse")
        .replace(
            '<answer fraction="100"><text>true</text>', '<answer fraction="100"><text>false</text>'
        )
        .replace(
            '<answer fraction="0"><text>false</text>', '<answer fraction="0"><text>true</text>'
        )
    )

    question = moodle_xml.parse(text).questions[0]

    assert [o.text for o in question.options] == ["True", "False"]
    assert [(f.name, f.area, f.content) for f in question.files] == [
        ("a.png", "feedback/2", b"\x89PNG")
    ]
