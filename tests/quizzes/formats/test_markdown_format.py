"""The project's Markdown question format, as content/README.md specifies it."""

from __future__ import annotations

import dataclasses

import pytest

from studyapp.quizzes.formats import markdown
from studyapp.quizzes.formats.model import OptionData, ParseResult, QuestionData
from studyapp.quizzes.question_import import CourseSlugs, question_reference_problems

VALID = """\
## a-question
topics: handlers
domain: D1

Which?

### Options

- [x] Right.
  Why: Because.
- [ ] Wrong.
  Why: Because not.
"""


@pytest.fixture
def parsed(data_text) -> ParseResult:
    return markdown.parse(data_text("questions.md"), source="questions.md")


def error_lines(text: str) -> list[str]:
    return [str(error) for error in markdown.parse(text).errors]


def test_the_sample_file_reads_without_errors(parsed):
    assert parsed.errors == []
    assert [q.key for q in parsed.questions] == [
        "reserved-concurrency-protects-database",
        "default-timeout",
    ]


def test_front_matter_names_the_course(parsed):
    assert parsed.course == "aws-lambda"


def test_metadata_lines_fill_topics_domain_difficulty_tags_and_case(parsed):
    question = parsed.questions[0]

    assert question.topics == ["concurrency-and-scaling", "vpc-integration"]
    assert question.domain == "D2"
    assert question.difficulty == "hard"
    assert question.tags == ["throttling", "rds"]
    assert question.case == "serverless-web-application"


def test_difficulty_defaults_to_medium():
    assert markdown.parse(VALID).questions[0].difficulty == "medium"


def test_the_stem_keeps_paragraphs_and_code_fences_with_heading_like_lines(parsed):
    assert parsed.questions[0].stem == (
        "A function writes to an Amazon RDS database that accepts 100 connections.\n\n"
        "```text\n## this line is code, not a question\n### Options (also code)\n```\n\n"
        "Which solution meets these requirements? (Choose TWO.)"
    )


def test_two_checked_options_make_multiple_response_with_a_negative_distractor(parsed):
    question = parsed.questions[0]

    assert question.kind == "multiple"
    assert [o.fraction for o in question.options] == [0.5, 0.5, -0.5]


def test_three_checked_options_each_weigh_a_third_and_the_distractor_minus_a_third():
    text = VALID.replace("- [ ] Wrong.", "- [x] Also.").replace(
        "  Why: Because not.", "  Why: Yes.\n- [x] Third.\n  Why: Yes.\n- [ ] No.\n  Why: No."
    )

    assert [o.fraction for o in markdown.parse(text).questions[0].options] == [
        0.3333333,
        0.3333333,
        0.3333333,
        -0.3333333,
    ]


def test_one_checked_option_makes_a_single_answer_question(parsed):
    question = parsed.questions[1]

    assert question.kind == "single"
    assert [o.fraction for o in question.options] == [0.0, 1.0]


def test_why_lines_become_option_feedback_with_indented_continuations(parsed):
    feedback = [o.feedback for o in parsed.questions[0].options]

    assert feedback == [
        "Reserved concurrency caps how many instances run at once,\n"
        "so the connections stay under the limit.",
        "The proxy pools connections.\n\n    A code block inside the explanation.",
        "More concurrency means more connections.",
    ]


def test_the_explanation_section_is_the_general_feedback(parsed):
    assert parsed.questions[0].general_feedback == "Limit the concurrency or pool the connections."
    assert parsed.questions[1].general_feedback == ""


def test_questions_are_markdown_and_start_on_their_heading_line(parsed):
    assert [(q.text_format, q.line) for q in parsed.questions] == [
        ("markdown", 5),
        ("markdown", 37),
    ]


def test_an_option_text_may_continue_on_indented_lines():
    text = VALID.replace("- [x] Right.", "- [x] Right,\n  on two lines.")

    assert markdown.parse(text).questions[0].options[0].text == "Right,\non two lines."


def test_a_file_without_front_matter_has_no_course():
    assert markdown.parse(VALID).course == ""


# --- errors ------------------------------------------------------------------------------------


def test_topics_and_domain_are_optional_in_the_format_and_required_by_the_content_importer():
    text = VALID.replace("topics: handlers\ndomain: D1\n", "difficulty: easy\n")
    question = markdown.parse(text).questions[0]

    assert error_lines(text) == []
    assert question_reference_problems(
        question, "c", CourseSlugs(topics=frozenset(), cases=frozenset())
    ) == ["a question needs at least one topic", "a question needs a domain (D1 to D4)"]


def test_an_unknown_domain_is_an_error_on_its_line():
    assert error_lines(VALID.replace("D1", "D5")) == [
        "line 3: domain must be one of D1, D2, D3, D4 (got 'D5')"
    ]


def test_an_unknown_difficulty_is_an_error():
    assert error_lines(VALID.replace("domain: D1", "domain: D1\ndifficulty: brutal")) == [
        "line 4: difficulty must be one of easy, medium, hard (got 'brutal')"
    ]


def test_a_topic_that_is_not_a_slug_is_an_error():
    assert error_lines(VALID.replace("topics: handlers", "topics: Event Handlers")) == [
        "line 2: topic 'Event Handlers' is not a slug"
    ]


def test_an_unknown_metadata_key_is_an_error():
    assert error_lines(VALID.replace("domain: D1", "domain: D1\nlevel: 3")) == [
        "line 4: unknown metadata 'level' (known: topics, domain, difficulty, tags, case, "
        "title, format, category, kind, weights, shuffle, try)"
    ]


def test_metadata_given_twice_is_an_error():
    assert error_lines(VALID.replace("domain: D1", "domain: D1\ndomain: D2")) == [
        "line 4: domain: is given twice"
    ]


def test_an_option_without_why_is_an_error_on_the_option_line():
    assert error_lines(VALID.replace("  Why: Because not.\n", "")) == [
        "line 11: the option has no 'Why:' line"
    ]


def test_an_empty_why_is_read_and_the_content_importer_requires_one():
    text = VALID.replace("Why: Because not.", "Why:")
    question = markdown.parse(text).questions[0]

    assert error_lines(text) == []
    assert "option 2 has no explanation (Why:)" in question_reference_problems(
        question, "c", CourseSlugs(topics=frozenset({"handlers"}), cases=frozenset())
    )


def test_title_format_category_kind_and_weights_are_carried_by_metadata():
    question = QuestionData(
        "<p>Which?</p>",
        [OptionData("yellow", 1.0, "y"), OptionData("red", -0.5), OptionData("blue", -0.5)],
        "multiple",
        key="colours",
        title="Colours: a title",
        text_format="html",
        category="Lambda/Limits",
        difficulty="hard",
    )

    text = markdown.write([question])

    assert "title: Colours: a title\nformat: html\ncategory: Lambda/Limits\n" in text
    assert "kind: multiple\nweights: 100, -50, -50\n" in text
    assert markdown.parse(text).questions[0] == dataclasses.replace(question, line=1)


def test_a_why_line_that_is_not_indented_is_an_error():
    assert error_lines(VALID.replace("  Why: Because not.", "Why: Because not.")) == [
        "line 12: indent the 'Why:' line under its option (two spaces)",
        "line 11: the option has no 'Why:' line",
    ]


def test_duplicate_ids_in_a_file_are_an_error_on_the_second_heading():
    assert error_lines(VALID + "\n" + VALID) == [
        "line 14: duplicate question id 'a-question' (first used on line 1)"
    ]


def test_a_question_without_options_section_is_an_error():
    text = VALID.split("### Options")[0]

    assert "line 1: the question has no '### Options' section" in error_lines(text)


def test_an_empty_options_section_is_an_error():
    text = VALID.split("- [x]")[0]

    assert error_lines(text) == [
        "line 1: the '### Options' section holds no options ('- [x] ...')",
        "line 1: a question needs at least 2 options (found 0)",
    ]


def test_a_question_without_a_checked_option_is_an_error():
    assert error_lines(VALID.replace("[x]", "[ ]")) == [
        "line 1: a single-answer question needs an answer worth 100% (the best is worth 0%)"
    ]


def test_a_single_option_is_an_error():
    text = VALID.replace("- [ ] Wrong.\n  Why: Because not.\n", "")

    assert error_lines(text) == ["line 1: a question needs at least 2 options (found 1)"]


def test_an_empty_stem_is_an_error():
    assert error_lines(VALID.replace("Which?\n", "")) == ["line 1: the question text is empty"]


def test_a_heading_id_that_is_not_a_slug_is_an_error():
    assert error_lines(VALID.replace("## a-question", "## A Question")) == [
        "line 1: the question id 'A Question' is not a slug (like 'my-question')"
    ]


def test_a_heading_without_id_is_an_error():
    assert error_lines(VALID.replace("## a-question", "##")) == [
        "line 1: the question heading needs an id: '## some-question-id'"
    ]


def test_an_unknown_section_is_an_error():
    assert "line 7: unknown section '### Choices' (expected Options, Explanation)" in error_lines(
        VALID.replace("### Options", "### Choices")
    )


def test_an_explanation_before_the_options_is_an_error():
    text = VALID.replace("Which?\n", "Which?\n\n### Explanation\n\nEarly.\n")

    assert "line 7: '### Explanation' must come after '### Options'" in error_lines(text)


def test_stray_text_in_the_options_section_is_an_error():
    text = VALID.replace("- [ ] Wrong.", "Some prose.\n- [ ] Wrong.")

    assert error_lines(text) == ["line 11: expected an option ('- [x] ...' or '- [ ] ...')"]


def test_text_before_the_first_question_is_an_error():
    assert error_lines("# Quiz title\n\n" + VALID) == [
        "line 1: text before the first question heading ('## id')"
    ]


def test_unclosed_front_matter_is_an_error():
    assert error_lines("---\ncourse: aws-lambda\n" + VALID) == [
        "line 1: the front matter is not closed with '---'"
    ]


# --- writing -----------------------------------------------------------------------------------


def test_the_writer_reproduces_a_hand_written_file(data_text):
    text = data_text("questions.md")
    result = markdown.parse(text)

    assert markdown.write(result.questions, course=result.course) == text


def test_the_writer_omits_metadata_a_question_does_not_have():
    question = QuestionData(
        "Which?", [OptionData("a", 1.0, "yes"), OptionData("b", 0.0, "no")], "single"
    )
    question.key = "k"

    assert markdown.write([question]).startswith("## k\n\nWhich?\n")


def test_a_question_written_without_metadata_reads_back():
    question = QuestionData(
        "Which?", [OptionData("a", 1.0, "yes"), OptionData("b", 0.0, "no")], "single", key="k"
    )

    back = markdown.parse(markdown.write([question])).questions

    assert back == [dataclasses.replace(question, difficulty="medium", line=1)]


def test_the_writer_derives_unique_keys_for_questions_without_one():
    def titled(title: str) -> QuestionData:
        return QuestionData(
            "Q?", [OptionData("a", 1.0), OptionData("b", 0.0)], "single", title=title
        )

    text = markdown.write([titled("Cold starts"), titled("Cold starts"), titled("")])

    assert [line for line in text.splitlines() if line.startswith("## ")] == [
        "## cold-starts",
        "## cold-starts-2",
        "## question-3",
    ]


def test_the_writer_checks_every_option_with_a_positive_weight():
    question = QuestionData(
        "Q?",
        [OptionData("a", 0.5), OptionData("b", 0.5), OptionData("c", -1.0)],
        "multiple",
        key="k",
    )

    assert "- [x] a\n" in markdown.write([question])
    assert "- [ ] c\n" in markdown.write([question])
