"""The question bank and the interchange formats: import and export through the database.

The formats (``formats/``) read text into :class:`QuestionData` and write it back; this module
maps that model onto :class:`Question` / :class:`QuestionVersion` / :class:`Option` and back.

A bank is a course: ``--bank aws-lambda`` imports into (or exports from) the questions of the
course with that slug. Importing is all or nothing: when the file has a syntax error, or refers
to a topic or case the course does not have, nothing is saved and every problem is reported with
its line. Question types the app does not have are skipped, each with its line and the reason.
Questions are matched on their key within the bank (a GIFT ``[id:..]`` comment, a Moodle
``<idnumber>``, a title's slug, a Markdown ``## id``; else one derived from the text), so
importing the same file twice changes nothing, an edited question gets a new version (attempts
keep theirs), and the same key in another bank is another question.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import F, Prefetch

from studyapp.core.errors import Invalid
from studyapp.quizzes.formats import (
    FORMATS,
    OptionData,
    Problem,
    QuestionData,
    aiken,
    gift,
    markdown,
)
from studyapp.quizzes.formats.model import derived_fractions, slugify
from studyapp.quizzes.importing import (
    content_hash,
    question_content,
    version_create,
)
from studyapp.quizzes.models import CaseStudy, Option, Question, QuestionVersion
from studyapp.topics.models import Course, ScenarioCase, Topic

FORMAT_NAMES = tuple(FORMATS)


class BankError(Invalid):
    """A request the import or export cannot carry out; the message is for the person."""


@dataclass(frozen=True)
class ImportedQuestion:
    """One question of a file and what importing it does (or would do, in a dry run)."""

    line: int
    key: str
    title: str
    stem: str
    kind: str
    options: int
    action: str  # "new", "updated" or "unchanged"

    @property
    def action_name(self) -> str:
        """The action as the import report's counts name it: created, updated, unchanged."""
        return "created" if self.action == "new" else self.action


@dataclass
class ImportReport:
    format: str
    source: str
    course: str
    questions: list[ImportedQuestion] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    saved: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def counts(self) -> Counter:
        return Counter(question.action for question in self.questions)

    def as_json(self) -> dict:
        """The ``import_questions --json`` object: imported, skipped and errors first."""
        counts = self.counts
        return {
            "imported": len(self.questions) if self.ok else 0,
            "skipped": len(self.skipped),
            "errors": [{"line": p.line, "message": p.message} for p in self.errors],
            "created": counts["new"] if self.ok else 0,
            "updated": counts["updated"] if self.ok else 0,
            "unchanged": counts["unchanged"] if self.ok else 0,
            "skipped_items": [{"line": p.line, "reason": p.message} for p in self.skipped],
            "questions": [
                {"line": q.line, "key": q.key, "title": q.title, "action": q.action_name}
                for q in self.questions
            ],
            "saved": self.saved,
        }


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
    )


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
            Prefetch("options", queryset=Option.objects.order_by("position")), "topics"
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
    "gift": ("topics", "domain", "difficulty", "case", "try"),
    "moodle-xml": ("topics", "domain", "difficulty", "case", "try"),
    "aiken": ("topics", "domain", "difficulty", "case", "try", "title", "feedback", "tags"),
    "markdown": (),
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
    if name == "feedback":
        return bool(question.general_feedback or any(o.feedback for o in question.options))
    if name == "try":
        return bool(question.try_it)
    if name == "difficulty":  # the default every question has says nothing
        return question.difficulty not in ("", "medium")
    return bool(getattr(question, name))


# -- import --------------------------------------------------------------------------------------


def derived_key(question: QuestionData) -> str:
    """A key for a question whose file gives none: its text's slug and a short hash of it."""
    digest = hashlib.sha256(question.stem.strip().encode()).hexdigest()[:10]
    return f"{slugify(question.stem)[:60].strip('-') or 'question'}-{digest}"


def questions_import(
    *,
    text: str,
    format_name: str,
    course: Course,
    author=None,
    now: datetime,
    source: str = "",
    dry_run: bool = False,
    publish: bool = False,
    pool: bool = False,
) -> ImportReport:
    """Read ``text`` and, unless ``dry_run`` or the file has errors, save its questions."""
    if format_name not in FORMATS:
        raise BankError(f"unknown format {format_name!r} (known: {', '.join(FORMAT_NAMES)})")
    parsed = FORMATS[format_name].parse(text, source=source)
    report = ImportReport(
        format=format_name,
        source=source,
        course=course.slug,
        skipped=list(parsed.skipped),
        errors=list(parsed.errors),
    )
    topics = {topic.slug: topic for topic in Topic.objects.filter(course=course)}
    cases = {
        case.topic.slug: case
        for case in ScenarioCase.objects.filter(topic__course=course).select_related("topic")
    }
    studies = {study.slug: study for study in CaseStudy.objects.active().filter(course=course)}
    used: set[str] = set()
    _keys_by_text(parsed.questions, course)
    for question in parsed.questions:
        report.errors.extend(_reference_problems(question, course, topics, cases | studies))
        question.key = _unique(question.key or derived_key(question), used)
    report.errors.sort(key=lambda problem: problem.line)
    existing = {
        q.key: q
        for q in Question.objects.select_related(
            "current_version__case__topic", "current_version__case_study"
        )
        .prefetch_related("current_version__topics")
        .filter(course=course, key__in=[question.key for question in parsed.questions])
    }
    planned = []
    for question in parsed.questions:
        found = existing.get(question.key)
        if found is not None and found.current_version is not None:
            found.current_version.question = found
            keep_uncarried(question, found.current_version, course)
            if format_name != "markdown" and not question.try_it:
                question.try_it = found.current_version.try_it  # only Markdown carries try:
            if format_name != "moodle-xml":
                keep_combined_feedback(question, found.current_version)
            if format_name != "markdown":
                keep_pins(question, found.current_version)
            if format_name == "aiken":
                keep_what_aiken_cannot_say(question, found.current_version)
        if found is None:
            action = "new"
        elif found.current_version is None or not version_says(found.current_version, question):
            action = "updated"
        else:
            action = "unchanged"
        planned.append((question, action))
        report.questions.append(
            ImportedQuestion(
                line=question.line,
                key=question.key,
                title=question.title,
                stem=question.stem,
                kind=question.kind,
                options=len(question.options),
                action=action,
            )
        )
    if report.errors or dry_run:
        return report
    with transaction.atomic():
        for question, _action in planned:
            _question_import(
                question,
                course=course,
                source=source,
                topics=topics,
                cases=cases,
                author=author,
                now=now,
                publish=publish,
                pool=pool,
            )
    report.saved = True
    return report


def keep_uncarried(question: QuestionData, version: QuestionVersion, course: Course) -> None:
    """Fill in what the file's format cannot say (topics, domain, difficulty, case: only the
    Markdown format carries them) from the question as it is, so that importing a GIFT, Aiken or
    Moodle XML export over the bank never strips them."""
    if version.question.course_id != course.id:
        return
    if not question.topics:
        topics = sorted(version.topics.all(), key=lambda topic: (topic.position, topic.pk))
        question.topics = [topic.slug for topic in topics]
    if not question.domain:
        question.domain = version.domain
    if not question.difficulty:
        question.difficulty = version.difficulty
    if not question.case and version.case_id:
        question.case = version.case.topic.slug
    elif not question.case and version.case_study_id:
        question.case = version.case_study.slug


def keep_pins(question: QuestionData, version: QuestionVersion) -> None:
    """Only the Markdown format holds an option's pin: a file in another format imported over
    the bank keeps the pin of every option whose text it still has."""
    pinned = {_words(option.text_md) for option in version.options.all() if option.pinned}
    for option in question.options:
        option.pinned = option.pinned or _words(option.text) in pinned


def _words(text: str) -> str:
    return " ".join(text.split())


def _keys_by_text(questions: list[QuestionData], course: Course) -> None:
    """A question whose file gives no key (Aiken has none) is the bank's question with the
    same text, when exactly one has it; so an Aiken export imported again matches itself."""
    keyless = [question for question in questions if not question.key]
    if not keyless:
        return
    by_text: dict[str, list[str]] = {}
    for key, stem in QuestionVersion.objects.filter(
        question__course=course,
        question__current_version=F("id"),
        question__archived_at__isnull=True,
    ).values_list("question__key", "stem_md"):
        by_text.setdefault(_words(stem), []).append(key)
    for question in keyless:
        keys = by_text.get(_words(question.stem), [])
        if len(keys) == 1:
            question.key = keys[0]


def keep_combined_feedback(question: QuestionData, version: QuestionVersion) -> None:
    """Only Moodle XML holds Moodle's combined feedback: a file in another format imported
    over the bank keeps the question's as it is."""
    stored = version.combined_feedback or {}
    question.correct_feedback = stored.get("correctfeedback", "")
    question.partially_correct_feedback = stored.get("partiallycorrectfeedback", "")
    question.incorrect_feedback = stored.get("incorrectfeedback", "")


def keep_what_aiken_cannot_say(question: QuestionData, version: QuestionVersion) -> None:
    """Aiken writes each text on one line and holds no title, format, feedback, weights,
    category or tags: when the file says the same words and the same right answer as the bank's
    question, the question keeps all of that as it is."""
    stored = version_data(version)
    if _words(question.stem) != _words(stored.stem):
        return
    question.stem = stored.stem
    same_options = len(question.options) == len(stored.options) and all(
        _words(new.text) == _words(old.text) and (new.fraction >= 1.0) == (old.fraction >= 1.0)
        for new, old in zip(question.options, stored.options, strict=False)
    )
    if same_options:
        question.options = stored.options
    question.title = stored.title
    question.text_format = stored.text_format
    question.general_feedback = stored.general_feedback
    question.category = stored.category
    question.tags = stored.tags


def _unique(key: str, used: set[str]) -> str:
    candidate, suffix = key[:190], 2
    while candidate in used:
        candidate, suffix = f"{key[:185]}-{suffix}", suffix + 1
    used.add(candidate)
    return candidate


def _reference_problems(
    question: QuestionData, course: Course, topics: dict, cases: dict
) -> list[Problem]:
    problems = [
        Problem(question.line, f"unknown topic {slug!r} in bank {course.slug!r}")
        for slug in question.topics
        if slug not in topics
    ]
    if question.case and question.case not in cases:
        problems.append(Problem(question.line, f"unknown case {question.case!r}"))
    return problems


def _question_import(
    data: QuestionData,
    *,
    course: Course,
    source: str,
    topics: dict,
    cases: dict,
    author,
    now: datetime,
    publish: bool,
    pool: bool = False,
) -> Question:
    """Create or update one question; a new version only when what it says changed.

    A question that exists keeps its origin (a content question stays one) and its status,
    unless ``publish`` asks for it to be published."""
    content = question_content(data)
    digest = content_hash(content)
    question = (
        Question.objects.select_related("current_version")
        .filter(course=course, key=data.key)
        .first()
    )
    if question is None:
        question = Question.objects.create(
            key=data.key,
            course=course,
            status=Question.Status.PUBLISHED if publish else Question.Status.DRAFT,
            origin=Question.Origin.IMPORTED,
            in_pool=pool,
            source=source[:300],
            author=author,
            created_at=now,
        )
    else:
        changed = []
        if question.archived_at is not None:
            question.archived_at = None
            changed.append("archived_at")
        if publish and question.status != Question.Status.PUBLISHED:
            question.status = Question.Status.PUBLISHED
            changed.append("status")
        if pool and not question.in_pool:
            question.in_pool = True
            changed.append("in_pool")
        if changed:
            question.save(update_fields=changed)
    current = question.current_version
    if current is None or not version_says(current, data):
        version_create(
            question, content, digest=digest, topics=topics, cases=cases, now=now, author=author
        )
    return question


def version_says(version: QuestionVersion, data: QuestionData) -> bool:
    """True when ``version`` says what ``data`` says.

    The stored hash covers the topics in the order their file listed them, which the database
    does not keep; so when the hashes differ, the version is read back (topics in course order,
    as every export writes them) and compared as content."""
    content = question_content(data)
    if version.content_hash == content_hash(content):
        return True
    return question_content(version_data(version)) == content
