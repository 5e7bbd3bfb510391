"""The one way questions come into a bank: parse -> the shared model -> plan -> apply.

Every importer goes through here in one direction:

1. **parse** (:func:`questions_parse`, :func:`question_files_read`): a format of ``formats/``
   reads the text into :class:`QuestionData`; question types a bank cannot keep are skipped
   with their line and the reason;
2. **plan** (:func:`import_plan`): each question is matched on its key within the bank and
   marked created, updated or unchanged (skipped ones keep their line and reason), and its
   references (topics, case) are checked; a plan with errors is never applied;
3. **apply** (:func:`import_apply`): the plan is written in one transaction; a question gets a
   new version only when what it says changed (attempts keep theirs).

Three doors open onto it: the browser import (``teach_views``), ``manage.py import_questions``
(:func:`questions_import` for both) and the content import of ``content/quizzes/*.md``
(:func:`question_files_read`, then :func:`questions_save`). They differ only in their
:class:`Placement`: what a new question's status, origin and pool are, and what an import
says about questions that are already there.

A bank is a course. Importing into a bank that does not exist creates it for the importing
instructor (:func:`bank_for_import`); importing into another instructor's bank is refused.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q, QuerySet
from django.utils.module_loading import import_string

from studyapp.core.errors import Invalid, NotAllowed
from studyapp.quizzes.banks import (
    FORMAT_NAMES,
    BankError,
    media_files,
    version_data,
)
from studyapp.quizzes.formats import FORMATS, ParseResult, Problem, QuestionData
from studyapp.quizzes.formats.model import (
    FileData,
    derived_fractions,
    is_slug,
    normalize_fraction,
    slugify,
)
from studyapp.quizzes.models import CaseStudy, Option, Question, QuestionMedia, QuestionVersion
from studyapp.quizzes.rendering import version_html_keep
from studyapp.topics.importing import bank_course_create
from studyapp.topics.models import Course, ScenarioCase, Topic

CREATED, UPDATED, UNCHANGED, SKIPPED = "created", "updated", "unchanged", "skipped"


# -- the plan and its report -----------------------------------------------------------------


@dataclass(frozen=True)
class PlannedQuestion:
    """One question of a file and what applying the plan does to it, and why."""

    line: int
    key: str
    title: str
    stem: str
    kind: str
    options: int
    action: str  # created, updated or unchanged
    reason: str


@dataclass
class ImportReport:
    """The plan of one file: what would be (or was) created, updated, unchanged or skipped."""

    format: str
    source: str
    course: str
    questions: list[PlannedQuestion] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    saved: bool = False
    new_bank: bool = False  # the bank does not exist yet: applying the plan creates it
    bank_created: bool = False
    data: list[QuestionData] = field(default_factory=list, repr=False)

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
            "created": counts[CREATED] if self.ok else 0,
            "updated": counts[UPDATED] if self.ok else 0,
            "unchanged": counts[UNCHANGED] if self.ok else 0,
            "skipped_items": [{"line": p.line, "reason": p.message} for p in self.skipped],
            "questions": [
                {"line": q.line, "key": q.key, "title": q.title, "action": q.action}
                for q in self.questions
            ],
            "saved": self.saved,
            "bank": self.course,
            "bank_created": self.bank_created,
        }


@dataclass(frozen=True)
class Placement:
    """Where applied questions stand: a new one's status, origin and pool, and what the import
    says of one that exists (``claim``: the content files own it outright)."""

    origin: str
    publish: bool = False
    pool: bool = False
    claim: bool = False
    source: str = ""

    def new_fields(self) -> dict:
        status = Question.Status.PUBLISHED if self.publish else Question.Status.DRAFT
        return {
            "status": status,
            "origin": self.origin,
            "in_pool": self.pool,
            "source": self.source[:300],
        }

    def existing_fields(self, question: Question) -> dict:
        """The fields of ``question`` this placement changes (never to draft, never out of
        the pool)."""
        wanted: dict = {"archived_at": None}
        if self.claim:
            wanted |= {"source": self.source[:300], "origin": self.origin}
        if self.publish:
            wanted["status"] = Question.Status.PUBLISHED
        if self.pool:
            wanted["in_pool"] = True
        return {name: value for name, value in wanted.items() if getattr(question, name) != value}


def content_placement(source: str) -> Placement:
    """The content files' questions: published, in the pool, owned by their file."""
    return Placement(Question.Origin.CONTENT, publish=True, pool=True, claim=True, source=source)


# -- choosing the bank ----------------------------------------------------------------------------


def bank_for_import(*, slug: str, user=None, create: bool = True) -> Course | None:
    """The bank (course) named ``slug`` that ``user`` may import into; None when there is none
    yet and ``user`` may create it (:func:`bank_create`, when the plan is applied).

    A course another instructor uploaded or created is theirs: importing into it is refused.
    ``user`` None is the operator on the command line, who may import into any bank but must
    name an owner to create one."""
    course = Course.objects.filter(slug=slug).first()
    if course is not None:
        if course.archived_at is not None:
            raise BankError(f"the bank {slug!r} is archived")
        bank_access_check(course=course, user=user)
        return course
    if not create:
        raise BankError(f"no question bank {slug!r}: upload the file again")
    if user is None:  # the operator names an existing bank (or an owner: --user)
        known = ", ".join(Course.objects.active().values_list("slug", flat=True)) or "none yet"
        raise BankError(f"no question bank {slug!r} (banks are courses: {known})")
    if not user.is_instructor:
        raise NotAllowed(f"{user.username} is not an instructor: only instructors own banks")
    if not is_slug(slug) or len(slug) > 120:
        raise BankError(f"{slug!r} cannot name a bank: use lower-case letters, digits and hyphens")
    return None


def bank_create(*, slug: str, user) -> Course:
    """A new bank of ``user``'s (checked by :func:`bank_for_import` first)."""
    return bank_course_create(slug=slug, owner=user)


def bank_access_check(*, course: Course, user) -> None:
    """Refuse ``user`` a bank another instructor owns."""
    if user is not None and course.uploaded_by_id not in (None, user.pk):
        raise NotAllowed(
            f"the bank {course.slug!r} belongs to another instructor: import into one of "
            "your banks, a shared course, or a new bank"
        )


def banks_for_instructor(user) -> QuerySet[Course]:
    """The banks ``user`` may import into: the shared courses and their own."""
    return Course.objects.active().filter(Q(uploaded_by__isnull=True) | Q(uploaded_by=user))


# -- parse ---------------------------------------------------------------------------------------


def questions_parse(*, text: str, format_name: str, source: str = "") -> ParseResult:
    """Read ``text`` in a format; the format skips what a bank cannot keep (essay, matching,
    description...) with its line and the reason."""
    if format_name not in FORMATS:
        raise BankError(f"unknown format {format_name!r} (known: {', '.join(FORMAT_NAMES)})")
    return FORMATS[format_name].parse(text, source=source)


@dataclass(frozen=True)
class CourseSlugs:
    """What a question may refer to in one course: its topic slugs and the slugs of its cases
    (the notes' case topics and the course's case studies)."""

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
    """Parse and check every ``*.md`` in ``folder`` (a missing folder holds no questions).

    The courses are the outlines being imported with them (not yet in the database), so the
    references are checked here; the plan against the bank is made when they are saved."""
    reading = QuestionsReading()
    seen: dict[tuple[str, str], str] = {}
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        shown = display(path)
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            reading.problems.append((shown, 1, "not UTF-8 text"))
            continue
        result = questions_parse(text=text, format_name="markdown", source=shown)
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
    """What a content file's question lacks or names wrongly (the shipped bank's rules)."""
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


# -- plan ----------------------------------------------------------------------------------------


@dataclass
class _Bank:
    """What a plan looks up in its bank by slug: topics, the notes' scenario cases and the
    case studies (a question's ``case`` names one or the other)."""

    course: Course | None
    topics: dict[str, Topic]
    cases: dict[str, ScenarioCase]
    case_studies: dict[str, CaseStudy]

    @classmethod
    def of(cls, course: Course | None) -> _Bank:
        if course is None or course.pk is None:
            return cls(course, {}, {}, {})
        topics = {topic.slug: topic for topic in Topic.objects.filter(course=course)}
        cases = {
            case.topic.slug: case
            for case in ScenarioCase.objects.filter(topic__course=course).select_related("topic")
        }
        studies = {study.slug: study for study in CaseStudy.objects.active().filter(course=course)}
        return cls(course, topics, cases, studies)


def import_plan(
    *,
    parsed: ParseResult,
    format_name: str,
    course: Course | None,
    bank: str = "",
    placement: Placement | None = None,
) -> ImportReport:
    """Match each parsed question with the bank's and say what applying would do.

    ``course`` None is a bank that does not exist yet (``bank`` names it): everything in it
    would be created."""
    report = ImportReport(
        format=format_name,
        source=parsed.source,
        course=course.slug if course else bank,
        skipped=list(parsed.skipped),
        errors=list(parsed.errors),
        new_bank=course is None,
    )
    found = _Bank.of(course)
    questions = parsed.questions
    if course is not None:
        _keys_by_text(questions, course)
    used: set[str] = set()
    for question in questions:
        report.errors.extend(_reference_problems(question, report.course, found))
        question.key = _unique(question.key or derived_key(question), used)
    report.errors.sort(key=lambda problem: problem.line)
    existing = {}
    if course is not None:
        existing = {
            q.key: q
            for q in Question.objects.select_related(
                "current_version__case__topic", "current_version__case_study"
            )
            .prefetch_related("current_version__topics")
            .filter(course=course, key__in=[question.key for question in questions])
        }
    for question in questions:
        stored = existing.get(question.key)
        if stored is not None and stored.current_version is not None:
            stored.current_version.question = stored
            keep_uncarried(question, stored.current_version)
            if format_name != "markdown" and not question.try_it:
                question.try_it = stored.current_version.try_it  # only Markdown carries try:
            if format_name != "moodle-xml":
                keep_combined_feedback(question, stored.current_version)
                keep_files(question, stored.current_version)
            if format_name != "markdown":
                keep_pins(question, stored.current_version)
            if format_name == "aiken":
                keep_what_aiken_cannot_say(question, stored.current_version)
        action, reason = _action(question, stored, placement)
        report.data.append(question)
        report.questions.append(
            PlannedQuestion(
                line=question.line,
                key=question.key,
                title=question.title,
                stem=question.stem,
                kind=question.kind,
                options=len(question.options),
                action=action,
                reason=reason,
            )
        )
    return report


def _action(
    question: QuestionData, stored: Question | None, placement: Placement | None
) -> tuple[str, str]:
    if stored is None:
        return CREATED, "new key in this bank"
    if stored.current_version is None or not version_says(stored.current_version, question):
        return UPDATED, "what it says changed: a new version"
    changes = placement.existing_fields(stored) if placement else {}
    if "archived_at" in changes:
        return UPDATED, "brought back from the archive"
    if changes:
        return UPDATED, f"{', '.join(sorted(changes))} changed"
    return UNCHANGED, "same content"


def derived_key(question: QuestionData) -> str:
    """A key for a question whose file gives none: its text's slug and a short hash of it."""
    digest = hashlib.sha256(question.stem.strip().encode()).hexdigest()[:10]
    return f"{slugify(question.stem)[:60].strip('-') or 'question'}-{digest}"


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


def keep_uncarried(question: QuestionData, version: QuestionVersion) -> None:
    """Fill in what the file's format cannot say (topics, domain, difficulty, case: only the
    Markdown format carries them) from the question as it is, so that importing a GIFT, Aiken or
    Moodle XML export over the bank never strips them."""
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


def keep_combined_feedback(question: QuestionData, version: QuestionVersion) -> None:
    """Only Moodle XML holds Moodle's combined feedback: a file in another format imported
    over the bank keeps the question's as it is."""
    stored = version.combined_feedback or {}
    question.correct_feedback = stored.get("correctfeedback", "")
    question.partially_correct_feedback = stored.get("partiallycorrectfeedback", "")
    question.incorrect_feedback = stored.get("incorrectfeedback", "")


def keep_pins(question: QuestionData, version: QuestionVersion) -> None:
    """Only the Markdown format holds an option's pin: a file in another format imported over
    the bank keeps the pin of every option whose text it still has."""
    pinned = {_words(option.text_md) for option in version.options.all() if option.pinned}
    for option in question.options:
        option.pinned = option.pinned or _words(option.text) in pinned


def keep_files(question: QuestionData, version: QuestionVersion) -> None:
    """Only Moodle XML holds attachments: a file in another format imported over the bank
    keeps the question's files as they are."""
    question.files = media_files(version)


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


def _reference_problems(question: QuestionData, bank: str, found: _Bank) -> list[Problem]:
    problems = [
        Problem(question.line, f"unknown topic {slug!r} in bank {bank!r}")
        for slug in question.topics
        if slug not in found.topics
    ]
    if question.case and question.case not in found.cases | found.case_studies:
        problems.append(Problem(question.line, f"unknown case {question.case!r}"))
    return problems


# -- apply ---------------------------------------------------------------------------------------


def import_apply(
    *, report: ImportReport, course: Course, placement: Placement, now: datetime, author=None
) -> list[Question]:
    """Write a plan without errors into ``course``, in one transaction."""
    if not report.ok:
        raise BankError(f"{len(report.errors)} error(s): nothing was imported")
    found = _Bank.of(course)
    with transaction.atomic():
        saved = [
            question_apply(data, bank=found, placement=placement, now=now, author=author)
            for data in report.data
        ]
    report.saved = True
    return saved


def question_apply(
    data: QuestionData, *, bank: _Bank, placement: Placement, now: datetime, author=None
) -> Question:
    """Create or update one question; a new version only when what it says changed."""
    content = question_content(data)
    digest = content_hash(content)
    question = (
        Question.objects.select_related("current_version")
        .filter(course=bank.course, key=data.key)
        .first()
    )
    if question is None:
        question = Question.objects.create(
            key=data.key,
            course=bank.course,
            author=author,
            created_at=now,
            **placement.new_fields(),
        )
    else:
        changes = placement.existing_fields(question)
        for name, value in changes.items():
            setattr(question, name, value)
        if changes:
            question.save(update_fields=list(changes))
    current = question.current_version
    if current is None or not version_says(current, data):
        version_create(
            question,
            content,
            digest=digest,
            topics=bank.topics,
            cases=bank.cases,
            case_studies=bank.case_studies,
            now=now,
            author=author,
            files=data.files,
        )
    return question


def questions_import(
    *,
    text: str,
    format_name: str,
    bank: str,
    user=None,
    now: datetime,
    source: str = "",
    dry_run: bool = False,
    publish: bool = False,
    pool: bool = False,
    create: bool = True,
) -> ImportReport:
    """Parse, plan and (unless ``dry_run`` or the plan has errors) apply one file.

    ``bank`` is the course's slug; a bank that does not exist is created for ``user`` when the
    plan is applied (a dry run, or a plan with errors, creates nothing)."""
    parsed = questions_parse(text=text, format_name=format_name, source=source)
    course = bank_for_import(slug=bank, user=user, create=create)
    placement = Placement(Question.Origin.IMPORTED, publish=publish, pool=pool, source=source)
    report = import_plan(
        parsed=parsed, format_name=format_name, course=course, bank=bank, placement=placement
    )
    if format_name == "markdown":  # the one format that carries try: lines
        report.errors.extend(try_line_problems(report.data))
    report.errors.sort(key=lambda problem: problem.line)
    if not report.ok or dry_run:
        return report
    with transaction.atomic():
        if course is None:
            course = bank_create(slug=bank, user=user)
            report.bank_created = True
        import_apply(report=report, course=course, placement=placement, now=now, author=user)
    return report


def try_line_problems(questions: list[QuestionData]) -> list[Problem]:
    """Each question's ``try:`` line checked against the samples the sandbox holds, as the editor
    checks it (``settings.QUESTION_TRY_CHECK``). ``import_content`` checks its own against the
    samples it is importing in the same run, so it does not come through here."""
    check = import_string(settings.QUESTION_TRY_CHECK)
    problems = []
    for question in questions:
        if not question.try_it:
            continue
        try:
            check(question.try_it)
        except Invalid as error:
            problems.append(Problem(question.line, str(error)))
    return problems


def questions_save(files: list[QuestionFile], *, now: datetime) -> Counter:
    """Save the content files' questions; archive content questions no file has any more."""
    changes: Counter = Counter()
    keep: set[int] = set()
    for question_file in files:
        course = Course.objects.get(slug=question_file.course)
        placement = content_placement(question_file.source)
        parsed = ParseResult(
            questions=question_file.questions, skipped=[], errors=[], source=question_file.source
        )
        report = import_plan(
            parsed=parsed, format_name="markdown", course=course, placement=placement
        )
        saved = import_apply(report=report, course=course, placement=placement, now=now)
        keep.update(question.id for question in saved)
        counts = report.counts
        changes["created"] += counts[CREATED]
        changes["updated"] += counts[UPDATED]
    changes["archived"] += (
        Question.objects.active()
        .filter(origin=Question.Origin.CONTENT)
        .exclude(id__in=keep)
        .update(archived_at=now)
    )
    return changes


# -- versions ------------------------------------------------------------------------------------


def question_content(question: QuestionData) -> dict:
    """What a version says, in a stable shape: its hash decides whether a new version is due.

    Title, text format, category, pinned options, weights other than the derived ones
    (:func:`derived_fractions`), tolerances, case sensitivity, the ``try:`` line and files are
    added only when they differ from what the Markdown question files always meant, so the
    hashes of questions imported before they existed stay the same (no spurious new versions)."""
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
    if question.files:
        content["files"] = [
            [file.area, file.path, file.name, hashlib.sha256(file.content).hexdigest()]
            for file in question.files
        ]
    return content


def content_hash(content: dict) -> str:
    encoded = json.dumps(content, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()


def version_says(version: QuestionVersion, data: QuestionData) -> bool:
    """True when ``version`` says what ``data`` says.

    The stored hash covers the topics in the order their file listed them, which the database
    does not keep; so when the hashes differ, the version is read back (topics in course order,
    as every export writes them) and compared as content."""
    content = question_content(data)
    if version.content_hash == content_hash(content):
        return True
    return question_content(version_data(version)) == content


def version_create(
    question: Question,
    content: dict,
    *,
    digest: str,
    topics: dict[str, Topic],
    cases: dict[str, ScenarioCase],
    now: datetime,
    author=None,
    files: list[FileData] | None = None,
    case_studies: dict[str, CaseStudy] | None = None,
) -> QuestionVersion:
    """Write a new version of ``question`` and make it the current one.

    The content's ``case`` names a scenario case of the notes (``cases``) or else a case study
    of the question's course (``case_studies``, looked up when not given). ``files`` None (the
    editor, which does not change attachments) keeps the current version's files."""
    previous = question.current_version
    if files is None:
        files = media_files(previous) if previous is not None else []
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
    options = Option.objects.bulk_create(
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
    version_html_keep(version, options)
    QuestionMedia.objects.bulk_create(
        QuestionMedia(
            version=version,
            position=position,
            area=file.area,
            name=file.name,
            path=file.path,
            content_type=media_type(file.name),
            size=len(file.content),
            sha256=hashlib.sha256(file.content).hexdigest(),
            data=file.content,
        )
        for position, file in enumerate(files)
    )
    question.current_version = version
    question.save(update_fields=["current_version"])
    return version


def media_type(name: str) -> str:
    """The content type a file's name says (``application/octet-stream`` when it says none)."""
    return mimetypes.guess_type(name, strict=False)[0] or "application/octet-stream"
