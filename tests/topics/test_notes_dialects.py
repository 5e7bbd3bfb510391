"""The notes reader takes the dialects people write notes in, and says what it did not take.

The files in ``dialects/`` are notes on other services written the way other people write them:
``- **T**: d`` bullets straight under ``##`` sections, ``### Topic`` headings, ``**T:** d`` in
numbered and indented lists, en and em dashes, lazy continuation lines, no ``# Title``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from studyapp.topics.notes import CourseOutline, notes_parse

DIALECTS = Path(__file__).parent / "dialects"


def read(name: str) -> CourseOutline:
    course, problems = notes_parse((DIALECTS / name).read_text(encoding="utf-8"), name=name)
    assert problems == []
    return course


def cards(course: CourseOutline) -> dict[str, list[str]]:
    return {topic.title: [term.term for term in topic.key_terms] for topic in course.topics}


def warning_lines(course: CourseOutline) -> list[int]:
    return [warning.line for warning in course.warnings]


def test_term_bullets_directly_under_sections_become_each_sections_own_topic():
    course = read("amazon-sqs.md")
    assert [section.title for section in course.sections] == [
        "Queue types",
        "Visibility and retention",
        "With Lambda",
    ]
    assert cards(course) == {
        "Queue types": ["Standard queue", "FIFO queue"],
        "Visibility and retention": ["Visibility timeout", "Retention period", "Dead-letter queue"],
        "With Lambda": ["Batch size", "Partial batch response"],
    }


def test_a_bold_bullet_without_a_separator_is_a_warning_with_its_line():
    course = read("amazon-sqs.md")
    (warning,) = course.warnings
    assert warning.line == 9
    assert "'Message group ID'" in warning.message
    assert "not taken as a key term" in warning.message


def test_an_unindented_continuation_line_is_joined_to_the_definition():
    terms = {term.term: term for term in read("amazon-sqs.md").key_terms}
    assert terms["Visibility timeout"].definition == (
        "How long a received message stays hidden from other consumers "
        "(default 30 seconds, at most 12 hours)."
    )


def test_prose_before_the_term_bullets_stays_with_the_section():
    course = read("amazon-sqs.md")
    assert course.sections[2].prose.startswith("Lambda polls the queue for you")


def test_topics_come_from_the_heading_level_below_the_sections():
    course = read("dynamodb.md")
    assert [section.title for section in course.sections] == ["Data model", "Capacity"]
    assert cards(course) == {
        "Keys": ["Partition key", "Sort key"],
        "Indexes": ["GSI", "LSI"],
        "Modes": ["On-demand", "Provisioned"],
    }
    assert course.warnings == []


def test_a_colon_inside_the_bold_term_in_numbered_and_indented_lists():
    terms = {term.term: term.definition for term in read("dynamodb.md").key_terms}
    assert terms["Partition key"] == "Decides which partition stores the item."
    assert terms["LSI"] == (
        "A local secondary index: same partition key, another sort key; made at table "
        "creation only."
    )


def test_a_hash_line_inside_fenced_code_is_not_a_heading():
    course = read("dynamodb.md")
    assert "# A comment in code" in course.topics[-1].body


def test_a_file_without_a_title_is_titled_after_its_file_name_with_a_warning():
    course = read("s3_study_notes.md")
    assert course.title == "S3 study notes"
    assert course.slug == "s3-study-notes"
    assert course.warnings[0].line == 1
    assert "titled 'S3 study notes' after the file name" in course.warnings[0].message


def test_bold_paragraphs_with_a_trailing_colon_start_topics():
    course = read("s3_study_notes.md")
    assert [topic.title for topic in course.topics] == [
        "Key concepts",
        "Storage classes",
        "Encryption",
    ]


def test_dash_en_dash_em_dash_and_double_hyphen_separate_term_and_definition():
    terms = {term.term: term.definition for term in read("s3_study_notes.md").key_terms}
    assert terms["Bucket"] == "A container for objects; its name is unique across all accounts."
    assert terms["Object"] == "A file and its metadata, addressed by a key."
    assert terms["Prefix"] == "The part of a key before the last slash."
    assert terms["S3 Standard"] == "Frequently accessed data."


def test_a_bold_line_glued_to_a_list_and_a_term_outside_a_list_are_warnings():
    course = read("s3_study_notes.md")
    assert warning_lines(course) == [1, 20, 23]
    assert "put a blank line before it" in course.warnings[1].message
    assert "looks like a key term but is not a bullet" in course.warnings[2].message


def test_several_hash_headings_are_sections_with_topics_one_level_below():
    course = read("kinesis.md")
    assert course.title == "Kinesis"
    assert [section.title for section in course.sections] == ["Data Streams", "Firehose"]
    assert cards(course) == {"Shards": ["Shard"], "Delivery": ["Buffer"]}
    assert "several '# ' headings" in course.warnings[0].message


def test_term_bullets_directly_under_the_title_make_an_overview_topic():
    course = read("ecs.md")
    assert cards(course) == {
        "Overview": ["Task definition", "Service"],
        "Launch types": ["Fargate", "EC2"],
    }
    assert course.sections[0].title == "Amazon ECS"


@pytest.mark.parametrize("name", sorted(path.name for path in DIALECTS.glob("*.md")))
def test_every_line_of_a_dialect_file_ends_somewhere(name):
    text = (DIALECTS / name).read_text(encoding="utf-8")
    course = read(name)
    assert set(course.line_places) == set(range(1, len(text.splitlines()) + 1))


def test_the_shipped_notes_give_no_warning_22_topics_and_43_terms(settings):
    path = settings.CONTENT_DIR / "notes" / "aws-lambda.md"
    course, problems = notes_parse(path.read_text(encoding="utf-8"), name=path.name)
    assert problems == []
    assert course.warnings == []
    assert len(course.topics) == 22
    # 41 terms of the topics' own lists, and the two nested under Event-Driven Architecture
    assert len(course.key_terms) == 43
    nested = [(t.term, t.parent, t.line) for t in course.key_terms if t.parent]
    assert nested == [
        ("AWS Services", "Event-Driven Architecture", 20),
        ("Custom Applications", "Event-Driven Architecture", 21),
    ]


def test_a_key_term_nested_under_a_plain_list_item_is_a_warning():
    course, _ = notes_parse(
        "# SNS\n\n## Delivery\n\n**Protocols**\n\n- Push\n  - **HTTP/S**: Delivery to a web "
        "endpoint.\n- **SMS**: Text messages.\n",
        name="sns.md",
    )
    assert [term.term for term in course.key_terms] == ["SMS"]
    (warning,) = course.warnings
    assert warning.line == 8
    assert "'HTTP/S' is nested under a list item that is not a key term" in warning.message


def test_an_underlined_heading_is_a_warning_with_the_line_of_its_text():
    course, _ = notes_parse(
        "# SNS\n\nTopics and subscriptions\n------------------------\n\n**Fan-out**\n\n"
        "- **Topic**: A channel.\n",
        name="sns.md",
    )
    (warning,) = course.warnings
    assert warning.line == 3
    assert "'Topics and subscriptions' is underlined as a heading" in warning.message


def test_term_bullets_nested_under_a_term_are_terms_of_their_own_in_any_dialect():
    text = "\n".join(
        [
            "# Amazon SQS",  # 1
            "",
            "## Queues",  # 3
            "",
            "- **Visibility Timeout**: how long a received message stays hidden.",  # 5
            "  - **Default** – 30 seconds.",  # 6
            "  - **Maximum** — 12 hours,",  # 7
            "  counted from the receive.",  # 8: a lazy continuation of Maximum
            "1. **Retention:** how long a queue keeps a message.",  # 9
            "   * **Range:** 1 minute to 14 days.",  # 10
            "     * **Default** - 4 days.",  # 11: nested one level deeper
            "   * **Bold without a separator**",  # 12: a near-miss
        ]
    )
    course, problems = notes_parse(text, name="sqs.md")
    assert problems == []
    assert [(t.term, t.parent, t.line) for t in course.key_terms] == [
        ("Visibility Timeout", "", 5),
        ("Default", "Visibility Timeout", 6),
        ("Maximum", "Visibility Timeout", 7),
        ("Retention", "", 9),
        ("Range", "Retention", 10),
    ]
    by_term = {t.term: t.definition for t in course.key_terms}
    assert by_term["Default"] == "30 seconds."
    assert by_term["Maximum"] == "12 hours, counted from the receive."
    # the card of the term above still lists what is nested under it
    assert by_term["Visibility Timeout"] == (
        "how long a received message stays hidden.\n\n"
        "- **Default** – 30 seconds.\n- **Maximum** — 12 hours,\n  counted from the receive."
    )
    assert by_term["Range"] == "1 minute to 14 days.\n\n* **Default** - 4 days."
    assert [(w.line, w.message) for w in course.warnings] == [
        (
            11,
            "key term 'Default' appears twice in topic 'Queues' (first at line 6); only the "
            "first gives a card",
        ),
        (
            12,
            "the bullet starts with the bold 'Bold without a separator' but no ':' or dash "
            "follows it, so it is not taken as a key term; write '**Term**: definition'",
        ),
    ]
