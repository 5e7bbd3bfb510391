"""Import the question files of ``content/quizzes/*.md`` into the question bank.

Two phases, like the rest of ``import_content``: :func:`question_files_read` parses every file
with the project's Markdown question format and checks each question's course, topics and case
against the notes being imported (reporting ``path:line: message``); :func:`questions_save`
writes them. Questions are matched on their key: an unchanged question (same content hash) is
left alone, a changed one gets a new :class:`QuestionVersion` (attempts keep the version they
answered), and a question that left the files is archived, never deleted.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.db.models import Max

from studyapp.quizzes.formats import FORMATS, QuestionData
from studyapp.quizzes.formats.model import derived_fractions, normalize_fraction
from studyapp.quizzes.models import CaseStudy, Option, Question, QuestionVersion
from studyapp.topics.models import Course, ScenarioCase, Topic


@dataclass(frozen=True)
class CourseSlugs:
    """What a question may refer to in one course: its topic slugs and its case topics' slugs."""

    topics: frozenset[str]
    cases: frozenset[str]


@dataclass
class QuestionFile:
    source: str  # the path as shown to people
    course: str
    questions: list[QuestionData]


@dataclass
class QuestionsReading:
    files: list[QuestionFile] = field(default_factory=list)
    problems: list[tuple[str, int, str]] = field(default_factory=list)  # (path, line, message)


def course_slugs_from_outlines(outlines: Iterable) -> dict[str, CourseSlugs]:
    """Index the course outlines read from the notes (``studyapp.topics.notes.CourseOutline``)."""
    courses = {}
    for outline in outlines:
        topics = [topic for section in outline.sections for topic in section.topics]
        courses[outline.slug] = CourseSlugs(
            topics=frozenset(topic.slug for topic in topics),
            cases=frozenset(topic.slug for topic in topics if topic.case is not None),
        )
    return courses


def question_files_read(
    folder: Path, *, courses: dict[str, CourseSlugs], display: Callable[[Path], str] = str
) -> QuestionsReading:
    """Parse and check every ``*.md`` in ``folder`` (a missing folder holds no questions)."""
    reading = QuestionsReading()
    seen: dict[tuple[str, str], str] = {}
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        shown = display(path)
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            reading.problems.append((shown, 1, "not UTF-8 text"))
            continue
        result = FORMATS["markdown"].parse(text, source=shown)
        problems = [(shown, p.line, p.message) for p in result.errors]
        course = courses.get(result.course)
        if not problems and not result.course:
            problems.append((shown, 1, "the front matter names no course (course: <slug>)"))
        elif not problems and course is None:
            problems.append((shown, 1, f"unknown course {result.course!r}"))
        for question in result.questions if course else []:
            problems.extend(
                (shown, question.line, message)
                for message in question_reference_problems(question, result.course, course)
            )
            scoped = (result.course, question.key)  # a key is unique within its course
            if scoped in seen:
                message = f"question {question.key!r} is also defined in {seen[scoped]}"
                problems.append((shown, question.line, message))
            seen.setdefault(scoped, shown)
        reading.problems.extend(problems)
        if not problems:
            reading.files.append(QuestionFile(shown, result.course, result.questions))
    return reading


def question_reference_problems(
    question: QuestionData, course_slug: str, course: CourseSlugs
) -> list[str]:
    problems = [
        f"unknown topic {slug!r} in course {course_slug!r}"
        for slug in question.topics
        if slug not in course.topics
    ]
    if not question.topics:
        problems.append("a question needs at least one topic")
    if not question.domain:
        problems.append("a question needs a domain (D1 to D4)")
    if question.case and question.case not in course.cases:
        problems.append(f"unknown case {question.case!r} in course {course_slug!r}")
    problems.extend(
        f"option {number} has no explanation (Why:)"
        for number, option in enumerate(question.options, start=1)
        if not option.feedback.strip()
    )
    return problems


def question_content(question: QuestionData) -> dict:
    """What a version says, in a stable shape: its hash decides whether a new version is due.

    Title, text format, category, pinned options and weights other than the derived ones
    (:func:`derived_fractions`) are added only when they differ from what the Markdown question
    files always meant, so the hashes of questions
    imported before they existed stay the same (no spurious new versions)."""
    content = {
        "stem": question.stem.strip(),
        "kind": question.kind,
        "general": question.general_feedback.strip(),
        "domain": question.domain,
        "difficulty": question.difficulty or "medium",
        "tags": list(question.tags),
        "topics": list(question.topics),
        "case": question.case,
        "options": [
            [option.text.strip(), option.fraction > 0, option.feedback.strip()]
            for option in question.options
        ],
    }
    fractions = [normalize_fraction(option.fraction) for option in question.options]
    if fractions != derived_fractions([option.fraction > 0 for option in question.options]):
        content["fractions"] = fractions
    if question.title.strip():
        content["title"] = question.title.strip()
    if question.text_format not in ("", "markdown"):
        content["text_format"] = question.text_format
    if question.category.strip():
        content["category"] = question.category.strip()
    if not question.shuffle:
        content["shuffle"] = False
    pinned = [index for index, option in enumerate(question.options) if option.pinned]
    if pinned:
        content["pinned"] = pinned
    if question.combined_feedback:
        content["combined"] = question.combined_feedback
    if question.kind == "numerical":
        content["tolerances"] = [option.tolerance for option in question.options]
    if question.case_sensitive:
        content["case_sensitive"] = True
    if question.try_it.strip():
        content["try"] = question.try_it.strip()
    return content


def content_hash(content: dict) -> str:
    encoded = json.dumps(content, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()


def questions_save(files: list[QuestionFile], *, now: datetime) -> Counter:
    """Save the questions of every file; archive content questions no file has any more."""
    changes: Counter = Counter()
    keep: set[int] = set()
    for question_file in files:
        course = Course.objects.get(slug=question_file.course)
        topics = {topic.slug: topic for topic in Topic.objects.filter(course=course)}
        cases = {
            case.topic.slug: case
            for case in ScenarioCase.objects.filter(topic__course=course).select_related("topic")
        }
        studies = {study.slug: study for study in CaseStudy.objects.active().filter(course=course)}
        for data in question_file.questions:
            question = question_save(
                data,
                course=course,
                source=question_file.source,
                topics=topics,
                cases=cases,
                case_studies=studies,
                changes=changes,
                now=now,
            )
            keep.add(question.id)
    changes["archived"] += (
        Question.objects.active()
        .filter(origin=Question.Origin.CONTENT)
        .exclude(id__in=keep)
        .update(archived_at=now)
    )
    return changes


def question_save(
    data: QuestionData,
    *,
    course: Course,
    source: str,
    topics: dict[str, Topic],
    cases: dict[str, ScenarioCase],
    changes: Counter,
    now: datetime,
    origin: str = Question.Origin.CONTENT,
    case_studies: dict[str, CaseStudy] | None = None,
) -> Question:
    """Create or update one question; a new version only when its content changed."""
    content = question_content(data)
    digest = content_hash(content)
    question = (
        Question.objects.select_related("current_version")
        .filter(course=course, key=data.key)
        .first()
    )
    differing: dict = {}
    if question is None:
        question = Question.objects.create(
            key=data.key,
            course=course,
            status=Question.Status.PUBLISHED,
            origin=origin,
            source=source,
            in_pool=True,
            created_at=now,
        )
        changes["created"] += 1
    else:
        values = {
            "source": source,
            "origin": origin,
            "status": Question.Status.PUBLISHED,
            "in_pool": True,
            "archived_at": None,
        }
        differing = {k: v for k, v in values.items() if getattr(question, k) != v}
        for name, value in differing.items():
            setattr(question, name, value)
        if differing:
            question.save(update_fields=list(differing))
    current = question.current_version
    if current is None or current.content_hash != digest:
        version_create(
            question,
            content,
            digest=digest,
            topics=topics,
            cases=cases,
            case_studies=case_studies,
            now=now,
        )
    if current is not None and (differing or current.content_hash != digest):
        changes["updated"] += 1
    return question


def version_create(
    question: Question,
    content: dict,
    *,
    digest: str,
    topics: dict[str, Topic],
    cases: dict[str, ScenarioCase],
    now: datetime,
    author=None,
    case_studies: dict[str, CaseStudy] | None = None,
) -> QuestionVersion:
    """Write a new version of ``question`` and make it the current one."""
    number = (question.versions.aggregate(last=Max("number"))["last"] or 0) + 1
    case = cases.get(content["case"]) if content["case"] else None
    case_study = None
    if content["case"] and case is None:  # not a case of the notes: a case study's slug
        case_study = (case_studies or {}).get(content["case"]) or (
            CaseStudy.objects.active()
            .filter(course_id=question.course_id, slug=content["case"])
            .first()
        )
    version = QuestionVersion.objects.create(
        question=question,
        number=number,
        stem_md=content["stem"],
        kind=content["kind"],
        general_explanation_md=content["general"],
        domain=content["domain"],
        difficulty=content["difficulty"],
        tags=content["tags"],
        case=case,
        case_study=case_study,
        title=content.get("title", ""),
        text_format=content.get("text_format", "markdown"),
        category=content.get("category", ""),
        shuffle_options=content.get("shuffle", True),
        combined_feedback=content.get("combined", {}),
        case_sensitive=content.get("case_sensitive", False),
        try_it=content.get("try", ""),
        content_hash=digest,
        author=author,
        created_at=now,
    )
    version.topics.set([topics[slug] for slug in content["topics"]])
    fractions = content.get("fractions") or derived_fractions([o[1] for o in content["options"]])
    tolerances = content.get("tolerances") or [0.0] * len(fractions)
    pinned = set(content.get("pinned", []))
    Option.objects.bulk_create(
        Option(
            version=version,
            position=position,
            text_md=text,
            is_correct=correct,
            fraction=fraction,
            tolerance=tolerance,
            explanation_md=explanation,
            pinned=position in pinned,
        )
        for position, ((text, correct, explanation), fraction, tolerance) in enumerate(
            zip(content["options"], fractions, tolerances, strict=True)
        )
    )
    question.current_version = version
    question.save(update_fields=["current_version"])
    return version
