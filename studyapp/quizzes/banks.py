"""The question bank read back: its versions as the formats' model, and export.

The formats (``formats/``) read text into :class:`QuestionData` and write it back; this module
reads :class:`Question` / :class:`QuestionVersion` / :class:`Option` (and their media) into that
model and writes a bank in a format. Importing is :mod:`studyapp.quizzes.question_import`.

A bank is a course: ``--bank aws-lambda`` exports the questions of the course with that slug.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import F, Prefetch

from studyapp.core.errors import Invalid
from studyapp.quizzes.formats import FORMATS, OptionData, QuestionData, aiken, gift, markdown
from studyapp.quizzes.formats.model import FileData, derived_fractions
from studyapp.quizzes.models import Option, QuestionMedia, QuestionVersion
from studyapp.topics.models import Course

FORMAT_NAMES = tuple(FORMATS)


class BankError(Invalid):
    """A request the import or export cannot carry out; the message is for the person."""


@dataclass(frozen=True)
class BankExport:
    text: str
    count: int
    skipped: list[str]
    losses: list[str] = field(default_factory=list)  # what was written without part of it


# -- choosing the bank -------------------------------------------------------------------------


def bank_resolve(slug: str | None, *, hint: str = "") -> Course:
    """The course named by ``slug`` (or by a Markdown file's front matter, ``hint``); without
    either, the only course there is."""
    wanted = slug or hint
    courses = Course.objects.active()
    if wanted:
        course = courses.filter(slug=wanted).first()
        if course is None:
            known = ", ".join(courses.values_list("slug", flat=True)) or "none yet"
            raise BankError(f"no question bank {wanted!r} (banks are courses: {known})")
        return course
    found = list(courses[:2])
    if len(found) == 1:
        return found[0]
    if not found:
        raise BankError("there is no course to import into yet: import the content first")
    raise BankError("several banks exist: name one with --bank SLUG (a course's slug)")


# -- database -> QuestionData ------------------------------------------------------------------


def version_data(version: QuestionVersion) -> QuestionData:
    """What a saved version says, as the formats' model."""
    topics = sorted(version.topics.all(), key=lambda topic: (topic.position, topic.pk))
    options = list(version.options.all())
    return QuestionData(
        stem=version.stem_md,
        options=[
            OptionData(
                text=o.text_md,
                fraction=fraction,
                feedback=o.explanation_md,
                tolerance=o.tolerance,
                pinned=o.pinned,
            )
            for o, fraction in zip(options, option_fractions(options), strict=True)
        ],
        kind=version.kind,
        key=version.question.key,
        title=version.title,
        text_format=version.text_format or "markdown",
        general_feedback=version.general_explanation_md,
        category=version.category,
        topics=[topic.slug for topic in topics],
        domain=version.domain,
        difficulty=version.difficulty,
        tags=list(version.tags or []),
        case=version.case.topic.slug
        if version.case_id
        else (version.case_study.slug if version.case_study_id else ""),
        shuffle=version.shuffle_options,
        case_sensitive=version.case_sensitive,
        try_it=version.try_it,
        correct_feedback=(version.combined_feedback or {}).get("correctfeedback", ""),
        partially_correct_feedback=(version.combined_feedback or {}).get(
            "partiallycorrectfeedback", ""
        ),
        incorrect_feedback=(version.combined_feedback or {}).get("incorrectfeedback", ""),
        files=media_files(version),
    )


def media_files(version: QuestionVersion) -> list[FileData]:
    """A version's attachments, as the formats' model."""
    return [
        FileData(name=media.name, content=bytes(media.data), area=media.area, path=media.path)
        for media in version.media.all()
    ]


def option_fractions(options: list[Option]) -> list[float]:
    """The options' weights; rows written without any (all 0) get the weights derived from their
    correct marks (:func:`derived_fractions`)."""
    if any(option.fraction for option in options):
        return [option.fraction for option in options]
    return derived_fractions([option.is_correct for option in options])


def bank_versions(course: Course | None = None, *, keys: list[str] | None = None):
    """The current versions of the bank's active questions, ready for :func:`version_data`."""
    versions = (
        QuestionVersion.objects.filter(
            question__current_version=F("id"), question__archived_at__isnull=True
        )
        .select_related("question", "case__topic", "case_study")
        .prefetch_related(
            Prefetch("options", queryset=Option.objects.order_by("position")),
            Prefetch("media", queryset=QuestionMedia.objects.order_by("position")),
            "topics",
        )
        .order_by("question__course__position", "question__created_at", "question__id")
    )
    if course is not None:
        versions = versions.filter(question__course=course)
    if keys is not None:
        versions = versions.filter(question__key__in=keys)
    return versions


def bank_data(course: Course | None = None) -> list[QuestionData]:
    return [version_data(version) for version in bank_versions(course)]


# -- export --------------------------------------------------------------------------------------


def questions_export(*, format_name: str, course: Course | None = None) -> BankExport:
    """Write the bank's current questions in a format; Aiken reports what it cannot hold."""
    if format_name not in FORMATS:
        raise BankError(f"unknown format {format_name!r} (known: {', '.join(FORMAT_NAMES)})")
    versions = list(bank_versions(course))
    questions = [version_data(version) for version in versions]
    losses = export_losses(questions, format_name=format_name)
    if format_name == "aiken":
        written = aiken.export(questions)
        count = len(questions) - len(written.skipped)
        return BankExport(written.text, count, written.skipped, losses)
    if format_name == "markdown":
        courses = {version.question.course_id for version in versions}
        slug = course.slug if course else ""
        if not slug and len(courses) == 1:
            slug = versions[0].question.course.slug
        skipped = [
            f"question {number} ({question.key}): {markdown.unexportable_reason(question)}"
            for number, question in enumerate(questions, start=1)
            if markdown.unexportable_reason(question)
        ]
        held = [question for question in questions if not markdown.unexportable_reason(question)]
        text = FORMATS["markdown"].write(held, course=slug)
        return BankExport(text, len(held), skipped, losses)
    return BankExport(FORMATS[format_name].write(questions), len(questions), [], losses)


#: What each format holds no place for; the bank keeps it when the file is imported over it.
_NOT_CARRIED = {
    "gift": ("topics", "domain", "difficulty", "case", "try", "files"),
    "moodle-xml": ("topics", "domain", "difficulty", "case", "try"),
    "aiken": (
        "topics",
        "domain",
        "difficulty",
        "case",
        "try",
        "title",
        "feedback",
        "tags",
        "files",
    ),
    "markdown": ("files",),
}
_FORMAT_LOSSES = {"gift": gift.losses, "markdown": markdown.losses, "aiken": aiken.losses}


def export_losses(questions: list[QuestionData], *, format_name: str) -> list[str]:
    """Per question, what the format writes it without (never silently)."""
    losses = []
    check = _FORMAT_LOSSES.get(format_name)
    for number, question in enumerate(questions, start=1):
        reasons = list(check(question)) if check else []
        missing = [name for name in _NOT_CARRIED[format_name] if _has(question, name)]
        if question.combined_feedback and format_name != "moodle-xml":
            missing.append("correct/partially correct/incorrect feedback")
        if missing:
            reasons.append(f"{format_name} holds no {', '.join(missing)}")
        pinned = [chr(65 + i) for i, option in enumerate(question.options) if option.pinned]
        if pinned and format_name != "markdown":
            reasons.append(
                f"{format_name} cannot pin an option: {', '.join(pinned)} is shuffled with "
                "the others after an import (only the Markdown format keeps a pin)"
            )
        losses.extend(f"question {number} ({question.key}): {reason}" for reason in reasons)
    return losses


def _has(question: QuestionData, name: str) -> bool:
    """Does the question hold something under ``name`` (``files``: attachments)?"""
    if name == "feedback":
        return bool(question.general_feedback or any(o.feedback for o in question.options))
    if name == "try":
        return bool(question.try_it)
    if name == "difficulty":  # the default every question has says nothing
        return question.difficulty not in ("", "medium")
    return bool(getattr(question, name))
