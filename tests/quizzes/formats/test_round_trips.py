"""Writing questions and reading them back gives them back, for what each format carries."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from studyapp.quizzes.formats import FORMATS, aiken, gift, markdown, moodle_xml
from studyapp.quizzes.formats.model import (
    FileData,
    OptionData,
    QuestionData,
    normalize_fraction,
    slugify,
)

SPECIAL = ":#=~{}\\%[]-> "
WORD = st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True)
SLUG = st.builds("-".join, st.lists(WORD, min_size=1, max_size=3))


def without_lines(questions: list[QuestionData]) -> list[QuestionData]:
    return [dataclasses.replace(q, line=0) for q in questions]


def line_text(first: str = "aBz") -> st.SearchStrategy[str]:
    """One line mixing in the characters formats treat specially."""
    rest = st.text(alphabet="abcXYZ019" + SPECIAL, max_size=25)
    return st.builds(lambda head, tail: (head + tail).rstrip(), st.sampled_from(first), rest)


def gift_text() -> st.SearchStrategy[str]:
    """A GIFT text may start with anything, even a weight or a format prefix."""
    prefixes = st.sampled_from(["", "", "%50%", "[html]", "::", "$CATEGORY: ", "//"])
    return st.builds(str.__add__, prefixes, line_text(first="aB" + SPECIAL.strip()))


def block_text(line: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[str]:
    """Several lines or paragraphs."""
    separators = st.sampled_from(["\n", "\n\n"])
    return st.builds(
        lambda lines, sep: sep.join(lines),
        st.lists(line_text() if line is None else line, min_size=1, max_size=3),
        separators,
    )


@st.composite
def options(draw, kind: str, text: st.SearchStrategy[str] | None = None) -> list[OptionData]:
    count = draw(st.integers(min_value=2 if kind == "single" else 3, max_value=5))
    correct_count = 1 if kind == "single" else draw(st.integers(2, count - 1))
    correct = set(draw(st.permutations(range(count)))[:correct_count])
    weight = 1.0 if kind == "single" else normalize_fraction(1 / correct_count)
    wrong = st.sampled_from([0.0, 0.0, -0.5, -1.0])
    return [
        OptionData(
            text=draw(line_text() if text is None else text),
            fraction=weight if index in correct else draw(wrong),
            feedback=draw(st.one_of(st.just(""), block_text(text))),
        )
        for index in range(count)
    ]


@st.composite
def gift_questions(draw) -> QuestionData:
    kind = draw(st.sampled_from(["single", "multiple"]))
    title = draw(st.one_of(st.just(""), gift_text()))
    key = draw(st.one_of(st.just(slugify(title)), SLUG))
    category_parts = st.lists(st.from_regex(r"[A-Z][a-z0-9 ]{0,6}[a-z0-9]", fullmatch=True))
    return QuestionData(
        stem=draw(block_text(gift_text())),
        options=draw(options(kind, gift_text())),
        kind=kind,
        key=key,
        title=title,
        text_format=draw(st.sampled_from(["markdown", "html", "plain", "moodle"])),
        general_feedback=draw(st.one_of(st.just(""), block_text(gift_text()))),
        category="/".join(draw(category_parts)),
        tags=draw(st.lists(st.from_regex(r"[a-z0-9\[\]\\]{1,8}", fullmatch=True), max_size=3)),
    )


NUMBER = st.one_of(
    st.integers(-5000, 5000).map(str),
    st.decimals(-1000, 1000, places=3, allow_nan=False, allow_infinity=False).map(str),
)
TOLERANCE = st.sampled_from([0.0, 0.5, 2.0, 0.005, 60.0])


@st.composite
def typed_options(draw, kind: str) -> list[OptionData]:
    """The answers of a true/false, short-answer or numerical question."""
    feedback = st.one_of(st.just(""), block_text(gift_text()))
    if kind == "truefalse":
        truth = draw(st.booleans())
        return [
            OptionData("True", 1.0 if truth else 0.0, draw(feedback)),
            OptionData("False", 0.0 if truth else 1.0, draw(feedback)),
        ]
    partial = st.sampled_from([1.0, 0.5, 0.25, 0.0])
    if kind == "shortanswer":
        # GIFT tells matching from short answer by "->" anywhere in the answers, feedback
        # included (see gift.losses), so none here.
        feedback = feedback.filter(lambda t: "->" not in t)
        texts = st.one_of(gift_text().filter(lambda t: "->" not in t), st.just("*lambda*"))
        answers = [OptionData(draw(texts), 1.0, draw(feedback))]
        answers += [
            OptionData(draw(texts), draw(partial), draw(feedback))
            for _ in range(draw(st.integers(0, 2)))
        ]
        return answers
    answers = [OptionData(draw(NUMBER), 1.0, draw(feedback), draw(TOLERANCE))]
    answers += [
        OptionData(draw(NUMBER), draw(partial), draw(feedback), draw(TOLERANCE))
        for _ in range(draw(st.integers(0, 2)))
    ]
    if draw(st.booleans()):
        answers.append(OptionData("*", 0.0, draw(feedback)))
    return answers


@st.composite
def typed_questions(draw) -> QuestionData:
    """True/false, short-answer and numerical questions as GIFT and Moodle XML hold them."""
    question = draw(gift_questions())
    question.kind = draw(st.sampled_from(["truefalse", "shortanswer", "numerical"]))
    question.options = draw(typed_options(question.kind))
    return question


@st.composite
def markdown_questions(draw) -> list[QuestionData]:
    keys = draw(st.lists(SLUG, min_size=1, max_size=3, unique=True))
    questions = []
    for key in keys:
        kind = draw(st.sampled_from(["single", "multiple"]))
        question_options = draw(options(kind))
        for option in question_options:
            option.feedback = option.feedback or draw(block_text())
        questions.append(
            QuestionData(
                stem=draw(block_text()),
                options=question_options,
                kind=kind,
                key=key,
                general_feedback=draw(st.one_of(st.just(""), block_text())),
                topics=draw(st.lists(SLUG, min_size=1, max_size=3)),
                domain=draw(st.sampled_from(["D1", "D2", "D3", "D4"])),
                difficulty=draw(st.sampled_from(["easy", "medium", "hard"])),
                tags=draw(st.lists(line_text().filter(lambda t: "," not in t), max_size=3)),
                case=draw(st.one_of(st.just(""), SLUG)),
                title=draw(st.one_of(st.just(""), line_text().map(str.strip))),
                text_format=draw(st.sampled_from(["markdown", "html", "plain", "moodle"])),
                category=draw(st.one_of(st.just(""), st.just("Lambda/Limits"))),
            )
        )
    return questions


@settings(max_examples=200, deadline=None)
@given(st.lists(gift_questions(), min_size=1, max_size=3))
def test_gift_write_then_parse_gives_the_questions_back(questions):
    result = gift.parse(gift.write(questions))

    assert result.errors == []
    assert without_lines(result.questions) == questions


@settings(max_examples=60, deadline=None)
@given(st.lists(typed_questions(), min_size=1, max_size=3))
def test_gift_write_then_parse_gives_typed_answer_questions_back(questions):
    result = gift.parse(gift.write(questions))

    assert result.errors == []
    assert result.skipped == []
    assert without_lines(result.questions) == questions


@settings(max_examples=40, deadline=None)
@given(st.lists(typed_questions(), min_size=1, max_size=3), st.booleans())
def test_moodle_xml_write_then_parse_gives_typed_answer_questions_back(questions, case):
    for question in questions:
        question.case_sensitive = case and question.kind == "shortanswer"

    result = moodle_xml.parse(moodle_xml.write(questions))

    assert result.errors == []
    assert without_lines(result.questions) == questions


@settings(max_examples=200, deadline=None)
@given(markdown_questions(), st.one_of(st.just(""), SLUG))
def test_markdown_write_then_parse_gives_the_questions_back(questions, course):
    result = markdown.parse(markdown.write(questions, course=course))

    assert result.errors == []
    assert result.course == course
    assert without_lines(result.questions) == questions


@settings(max_examples=100, deadline=None)
@given(st.lists(gift_questions(), min_size=1, max_size=3))
def test_moodle_xml_write_then_parse_gives_the_questions_back(questions):
    result = moodle_xml.parse(moodle_xml.write(questions))

    assert result.errors == []
    assert without_lines(result.questions) == questions


def test_every_sample_file_survives_its_own_format(data_text):
    samples = {
        "gift": "features.gift",
        "aiken": "questions.aiken.txt",
        "moodle-xml": "quiz.xml",
        "markdown": "questions.md",
    }
    for name, sample in samples.items():
        question_format = FORMATS[name]
        original = question_format.parse(data_text(sample)).questions

        again = question_format.parse(question_format.write(original))

        assert again.errors == [], name
        assert without_lines(again.questions) == without_lines(original), name


def test_aiken_write_then_parse_gives_single_answer_questions_back():
    questions = [
        QuestionData(
            "Which service is serverless? (A: compute)",
            [OptionData("EC2", 0.0), OptionData("Lambda: functions", 1.0), OptionData("EBS", 0.0)],
            "single",
            text_format="plain",
        )
    ]

    assert without_lines(aiken.parse(aiken.write(questions)).questions) == questions


def test_gift_questions_keep_everything_through_markdown_weights_included(data_text):
    original = gift.parse(data_text("features.gift")).questions[1]

    back = markdown.parse(markdown.write([original])).questions[0]

    assert dataclasses.replace(back, line=0, difficulty="") == dataclasses.replace(original, line=0)
    assert [o.fraction for o in back.options] == [0.5, 0.5, -1.0]


FILE_NAME = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9 _.&'\"<>()-]{0,20}[A-Za-z0-9])?", fullmatch=True)
#: Names several texts of one question attach files of (Moodle keeps each text's files apart).
SHARED_NAME = st.sampled_from(["diagram.png", "icon.png"])


@st.composite
def questions_with_files(draw) -> QuestionData:
    question = draw(gift_questions())
    count = len(question.options)
    areas = st.sampled_from(
        [
            "questiontext",
            "generalfeedback",
            "correctfeedback",
            "incorrectfeedback",
            *(f"answer/{n}" for n in range(1, count + 1)),
            *(f"feedback/{n}" for n in range(1, count + 1)),
        ]
    )
    files = draw(
        st.lists(
            st.builds(
                FileData,
                st.one_of(FILE_NAME, SHARED_NAME),
                st.binary(max_size=300),
                areas,
                st.just("/"),
            ),
            max_size=4,
        )
    )
    # Moodle writes each text's files together: the order within a text is what is kept.
    order = ["questiontext", "generalfeedback", "correctfeedback", "incorrectfeedback"]
    question.files = sorted(
        files,
        key=lambda f: (
            (0, order.index(f.area), 0)
            if f.area in order
            else (1, int(f.area.split("/")[1]), f.area.startswith("feedback"))
        ),
    )
    return question


@settings(max_examples=100, deadline=None)
@given(st.lists(questions_with_files(), min_size=1, max_size=3))
def test_moodle_xml_files_survive_write_then_parse_and_write_again_byte_for_byte(questions):
    written = moodle_xml.write(questions)
    result = moodle_xml.parse(written)

    assert result.errors == []
    assert without_lines(result.questions) == questions
    assert moodle_xml.write(result.questions) == written
