"""Writing questions in the browser: save a version, compare versions, find near-duplicates.

Saving goes through the same content hash and :func:`question_import.version_create` as the
importers, so a save that changes nothing makes no version, and editing a question creates a
new version while every attempt keeps the one it answered.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils.crypto import get_random_string

from studyapp.quizzes.banks import media_files, version_data
from studyapp.quizzes.formats import QuestionData
from studyapp.quizzes.formats.model import format_number, format_percent, slugify
from studyapp.quizzes.media import files_follow_options
from studyapp.quizzes.models import Question, QuestionVersion
from studyapp.quizzes.question_import import content_hash, question_content, version_create
from studyapp.topics.models import Course, ScenarioCase, Topic

#: A stem this similar (difflib ratio) to a published one is flagged as a near-duplicate.
NEAR_DUPLICATE_RATIO = 0.85
#: At most this many published stems are compared (those sharing the stem's rarest words).
SHORTLIST = 200

_WORD_RE = re.compile(r"[a-z0-9]+")


def question_author_save(
    *,
    author,
    data: QuestionData,
    course: Course,
    status: str,
    now: datetime,
    question: Question | None = None,
    option_origins: list[int | None] | None = None,
) -> tuple[Question, bool]:
    """Create or edit a question written in the browser; (question, whether a version was made).

    ``data.topics`` are slugs of ``course``'s topics. A new question gets a key from its title
    (or stem) and a random suffix, so two authors never collide. The editor does not change
    attachments: an edited question keeps its current version's files, and an option's files
    follow it where the author moved it: ``option_origins`` gives each option's position in the
    current version (None for a new one)."""
    if question is not None and question.current_version is not None and not data.files:
        data.files = media_files(question.current_version)
        if option_origins is not None:
            data.files = files_follow_options(data.files, origins=option_origins)
    content = question_content(data)
    digest = content_hash(content)
    topics = {topic.slug: topic for topic in Topic.objects.filter(course=course)}
    cases = {
        case.topic.slug: case
        for case in ScenarioCase.objects.filter(topic__course=course).select_related("topic")
    }
    with transaction.atomic():
        if question is None:
            base = slugify(data.title or data.stem)[:60].strip("-") or "question"
            question = Question.objects.create(
                key=f"{base}-{get_random_string(6).lower()}",
                course=course,
                status=status,
                origin=Question.Origin.AUTHORED,
                author=author,
                created_at=now,
            )
        else:
            question = Question.objects.select_for_update().get(pk=question.pk)
            question.status, question.course = status, course
            question.save(update_fields=["status", "course"])
        current = question.current_version
        made = current is None or current.content_hash != digest
        if made:
            version_create(
                question,
                content,
                digest=digest,
                topics=topics,
                cases=cases,
                now=now,
                author=author,
                files=data.files,
            )
    return question, made


# -- version history ---------------------------------------------------------------------------


def version_text(version: QuestionVersion) -> list[str]:
    """A version as readable lines (Markdown sources and metadata) for a diff."""
    data = version_data(version)
    lines = [f"Title: {data.title}"] if data.title else []
    lines += [
        f"Kind: {version.get_kind_display()}"
        + (" (case counts)" if version.case_sensitive else ""),
        f"Domain: {data.domain or '-'}  Difficulty: {data.difficulty or '-'}",
        f"Topics: {', '.join(data.topics) or '-'}",
        f"Tags: {', '.join(data.tags) or '-'}",
        *([f"Try it: {data.try_it}"] if data.try_it else []),
        "",
        *data.stem.splitlines(),
        "",
        "Options:",
    ]
    for index, option in enumerate(data.options):
        mark = "x" if option.fraction > 0 else " "
        weight = f" ({format_percent(option.fraction)}%)" if option.fraction not in (0, 1) else ""
        tolerance = f" ± {format_number(option.tolerance)}" if option.tolerance else ""
        lines.append(f"{chr(65 + index)}. [{mark}]{weight} {option.text}{tolerance}")
        if option.pinned:
            lines.append("   Pinned: keeps its place")
        lines += [f"   Why: {line}" for line in option.feedback.splitlines()]
    if data.general_feedback:
        lines += ["", "Explanation:", *data.general_feedback.splitlines()]
    return lines


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added", "removed" or "hunk"
    text: str


def version_diff(old: QuestionVersion | None, new: QuestionVersion) -> list[DiffLine]:
    """What changed from ``old`` to ``new``, line by line (everything is added when old is None)."""
    before = version_text(old) if old else []
    after = version_text(new)
    lines: list[DiffLine] = []
    for line in difflib.unified_diff(before, after, lineterm="", n=3):
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            lines.append(DiffLine("hunk", "…"))
        elif line.startswith("+"):
            lines.append(DiffLine("added", line[1:]))
        elif line.startswith("-"):
            lines.append(DiffLine("removed", line[1:]))
        else:
            lines.append(DiffLine("same", line[1:]))
    return lines


# -- near-duplicates ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NearDuplicate:
    question: Question
    stem: str
    ratio: float


def words(text: str) -> list[str]:
    return _WORD_RE.findall(text.lower())


def near_duplicates(
    *, stem: str, exclude_question_id: int | None = None, limit: int = 3
) -> list[NearDuplicate]:
    """Published questions whose stem reads almost the same (difflib ratio above 0.85).

    Only a shortlist is compared: published stems containing at least one of the stem's three
    longest words (at most :data:`SHORTLIST` of them), so the check stays fast on a big bank."""
    normalized = " ".join(words(stem))
    if len(normalized) < 12:
        return []
    longest = sorted(set(words(stem)), key=len, reverse=True)[:3]
    matches = Q()
    for word in longest:
        matches |= Q(current_version__stem_md__icontains=word)
    candidates = (
        Question.objects.published()
        .filter(matches)
        .exclude(pk=exclude_question_id)
        .select_related("current_version")[:SHORTLIST]
    )
    found = []
    for question in candidates:
        other = " ".join(words(question.current_version.stem_md))
        matcher = difflib.SequenceMatcher(None, normalized, other, autojunk=False)
        if matcher.real_quick_ratio() < NEAR_DUPLICATE_RATIO:
            continue
        if matcher.quick_ratio() < NEAR_DUPLICATE_RATIO:
            continue
        ratio = matcher.ratio()
        if ratio >= NEAR_DUPLICATE_RATIO:
            found.append(NearDuplicate(question, question.current_version.stem_md, ratio))
    return sorted(found, key=lambda d: -d.ratio)[:limit]
