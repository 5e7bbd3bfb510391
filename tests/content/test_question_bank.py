"""The shipped question bank as a whole: exam-guide domain weights, sources, explanations, coverage.

These read the files in content/quizzes/ with the project's own Markdown question reader, so they
check exactly what import_content would load.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from studyapp.quizzes.formats.markdown import parse
from studyapp.topics.notes import notes_read

ROOT = Path(__file__).resolve().parents[2]
QUIZ_FILES = sorted((ROOT / "content" / "quizzes").glob("*.md"))
NOTES = ROOT / "content" / "notes" / "aws-lambda.md"

# AWS Certified Solutions Architect - Professional (SAP-C02) exam guide, content domains.
EXAM_GUIDE_WEIGHTS = {"D1": 26, "D2": 29, "D3": 25, "D4": 20}
DOCS_LINK = re.compile(r"\[[^\]]+\]\(https://docs\.aws\.amazon\.com/[^)\s]+\)")


def bank():
    questions = []
    for path in QUIZ_FILES:
        result = parse(path.read_text(encoding="utf-8"), source=path.name)
        assert not result.errors, (path.name, result.errors[:3])
        questions.extend(result.questions)
    return questions


QUESTIONS = bank()


def test_the_bank_holds_at_least_225_questions():
    assert len(QUESTIONS) >= 225


def test_domain_shares_are_within_three_points_of_the_exam_guide():
    counts = Counter(question.domain for question in QUESTIONS)
    shares = {domain: 100 * counts[domain] / len(QUESTIONS) for domain in EXAM_GUIDE_WEIGHTS}
    for domain, weight in EXAM_GUIDE_WEIGHTS.items():
        assert abs(shares[domain] - weight) <= 3, (domain, round(shares[domain], 1), weight)


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda question: question.key)
def test_every_question_links_to_aws_documentation(question):
    assert DOCS_LINK.search(question.general_feedback), "no docs.aws.amazon.com link"


# Issue 17: SA-Pro (SAP-C02) items have stems of 120 to 200 words with a business context and
# constraints. A case-study question counts its own stem only: the scenario shown above it (a
# one-line scenario of the notes, or a case-study file of 250 to 311 words) is shared by several
# questions, so each stem must still set up its own decision, and adding the shared text would
# put every case-study question over 200.
STEM_WORDS = range(120, 201)


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda question: question.key)
def test_every_stem_is_120_to_200_words_long(question):
    assert len(question.stem.split()) in STEM_WORDS, len(question.stem.split())


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda question: question.key)
def test_every_question_explains_every_option_and_the_whole(question):
    assert question.general_feedback.strip()
    assert len(question.options) >= 4
    for option in question.options:
        assert option.feedback.strip(), option.text


def test_question_ids_are_unique_across_the_bank():
    keys = Counter(question.key for question in QUESTIONS)
    assert [key for key, count in keys.items() if count > 1] == []


def test_every_topic_of_the_notes_has_at_least_six_questions():
    reading = notes_read(NOTES)
    assert reading.course is not None and not reading.problems
    per_topic = Counter(topic for question in QUESTIONS for topic in question.topics)
    thin = {t.slug: per_topic[t.slug] for t in reading.course.topics if per_topic[t.slug] < 6}
    assert thin == {}


def test_every_case_study_of_the_notes_has_at_least_five_questions():
    # The notes are the learner's own text and hold three scenario cases; more case studies need
    # a place of their own beside the notes (issue 17 stays open for it).
    reading = notes_read(NOTES)
    cases = [topic.slug for topic in reading.course.topics if topic.case is not None]
    per_case = Counter(question.case for question in QUESTIONS if question.case)
    assert len(cases) >= 3
    assert {case: per_case[case] for case in cases if per_case[case] < 5} == {}
