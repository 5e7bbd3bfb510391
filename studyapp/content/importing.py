"""Import the course content folder: notes, questions, card files, sample functions and events.

Two phases: first every file is read and checked, collecting each problem as
``path:line: message``; only when there is none is anything written, all in one transaction.
So bad input changes nothing, and a good import is idempotent (see each part's importer).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from studyapp.core.archiving import active_q
from studyapp.cards.content_cards import (
    CardsFile,
    card_files_read,
    card_files_save,
    course_topics_from_outlines,
)
from studyapp.cards.models import Card
from studyapp.cards.term_cards import term_cards_save
from studyapp.quizzes.case_studies import (
    CaseStudyData,
    case_studies_save,
    case_study_files_read,
)
from studyapp.quizzes.checking import files_check, import_warnings
from studyapp.quizzes.models import CaseStudy, Question
from studyapp.quizzes.question_import import (
    QuestionFile,
    course_slugs_from_outlines,
    question_files_read,
    questions_save,
)
from studyapp.sandbox.importing import (
    SandboxReading,
    sample_topics_from_outlines,
    sandbox_content_counts,
    sandbox_content_read,
    sandbox_content_save,
)
from studyapp.sandbox.trying import TrySetupError, try_setup_parse
from studyapp.topics.corrections import CorrectionsFile, correction_files_read, corrections_save
from studyapp.topics.importing import NotesFile, courses_save
from studyapp.topics.models import Course, Section, Topic
from studyapp.topics.notes import notes_read, outline_report
from studyapp.topics.search import search_index_rebuild


@dataclass(frozen=True)
class ContentProblem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ContentError(Exception):
    def __init__(self, problems: list[ContentProblem]):
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


@dataclass
class ImportSummary:
    counts: dict[str, int]  # what the content holds now, by kind
    changes: dict[str, int]  # rows created, updated and archived by this import
    warnings: list[ContentProblem] = field(default_factory=list)  # what was not taken, and why
    notes: list[dict] = field(default_factory=list)  # what each notes file became

    def to_dict(self) -> dict:
        return {
            **self.counts,
            "changes": self.changes,
            "warnings": [
                {"path": w.path, "line": w.line, "message": w.message} for w in self.warnings
            ],
            "notes": self.notes,
        }


def display_path(path: Path, source: Path) -> str:
    try:
        return str(path.relative_to(source.parent))
    except ValueError:
        return str(path)


def notes_files_read(
    source: Path, problems: list[ContentProblem], warnings: list[ContentProblem] | None = None
) -> list[NotesFile]:
    files = []
    for path in sorted((source / "notes").glob("*.md")):
        reading = notes_read(path)
        shown = display_path(path, source)
        problems.extend(ContentProblem(shown, p.line, p.message) for p in reading.problems)
        if warnings is not None:
            warnings.extend(ContentProblem(shown, w.line, w.message) for w in reading.warnings)
        if reading.course is not None and not reading.problems:
            files.append(NotesFile(source=shown, outline=reading.course))
    seen: dict[str, str] = {}
    for notes in files:
        if notes.outline.slug in seen:
            message = f"course {notes.outline.slug!r} is also defined in {seen[notes.outline.slug]}"
            problems.append(ContentProblem(notes.source, 1, message))
        seen[notes.outline.slug] = notes.source
    return files


def case_study_files_check(
    source: Path, notes: list[NotesFile], problems: list[ContentProblem]
) -> list[CaseStudyData]:
    studies, found = case_study_files_read(
        source / "case-studies",
        courses=[file.outline.slug for file in notes],
        display=lambda path: display_path(path, source),
    )
    problems.extend(ContentProblem(*problem) for problem in found)
    return studies


def question_files_check(
    source: Path,
    notes: list[NotesFile],
    problems: list[ContentProblem],
    studies: list[CaseStudyData] = (),
) -> list[QuestionFile]:
    """The question files, checked against the notes' topics and cases and the case studies."""
    courses = course_slugs_from_outlines(file.outline for file in notes)
    for course, slugs in list(courses.items()):
        extra = {study.slug for study in studies if study.course == course}
        for slug in sorted(extra & slugs.cases):
            message = f"case study {slug!r} has the name of a scenario case of the notes"
            problems.append(ContentProblem(f"{source.name}/case-studies/{slug}.md", 1, message))
        courses[course] = replace(slugs, cases=slugs.cases | extra)
    reading = question_files_read(
        source / "quizzes",
        courses=courses,
        display=lambda path: display_path(path, source),
    )
    problems.extend(ContentProblem(*problem) for problem in reading.problems)
    return reading.files


def sandbox_files_check(
    source: Path, notes: list[NotesFile], problems: list[ContentProblem]
) -> SandboxReading:
    reading = sandbox_content_read(
        source,
        topics=sample_topics_from_outlines(file.outline for file in notes),
        display=lambda path: display_path(path, source),
    )
    problems.extend(ContentProblem(*problem) for problem in reading.problems)
    return reading


def try_links_check(
    source: Path,
    files: list[QuestionFile],
    sandbox: SandboxReading,
    problems: list[ContentProblem],
) -> None:
    """Every question's ``try:`` line names a sample being imported and settings it knows."""
    samples = frozenset(function.name for function in sandbox.functions)
    events = frozenset(event.slug for event in sandbox.events)
    for question_file in files:
        lines: list[str] | None = None
        for question in question_file.questions:
            if not question.try_it:
                continue
            try:
                try_setup_parse(question.try_it, samples=samples, events=events)
            except TrySetupError as error:
                if lines is None:
                    path = source.parent / question_file.source
                    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
                line = next(
                    (
                        number
                        for number in range(question.line, len(lines) + 1)
                        if lines[number - 1].startswith("try:")
                    ),
                    question.line,
                )
                problems.append(ContentProblem(question_file.source, line, str(error)))


def card_files_check(
    source: Path, notes: list[NotesFile], problems: list[ContentProblem]
) -> list[CardsFile]:
    reading = card_files_read(
        source,
        topics=course_topics_from_outlines(file.outline for file in notes),
        display=lambda path: display_path(path, source),
    )
    problems.extend(ContentProblem(*problem) for problem in reading.problems)
    return reading.files


def correction_files_check(
    source: Path, notes: list[NotesFile], problems: list[ContentProblem]
) -> list[CorrectionsFile]:
    files, found = correction_files_read(
        source,
        courses=[file.outline for file in notes],
        display=lambda path: display_path(path, source),
    )
    problems.extend(ContentProblem(*problem) for problem in found)
    return files


def content_counts() -> dict[str, int]:
    return {
        "courses": Course.objects.active().count(),
        "sections": Section.objects.active().filter(active_q("course")).count(),
        "topics": Topic.objects.visible().count(),
        "cards": Card.objects.studied().count(),
        "questions": Question.objects.asked().count(),
        "case_studies": CaseStudy.objects.active().count(),
        **sandbox_content_counts(),
    }


def content_import(source: Path, *, strict: bool = False) -> ImportSummary:
    """Import everything under ``source``; raise ContentError (changing nothing) on bad input.

    Warnings (a line that looked like a topic or key term and was not taken) are reported in the
    summary; with ``strict`` they are errors too.
    """
    if not source.is_dir():
        raise ContentError([ContentProblem(str(source), 0, "no such content folder")])
    problems: list[ContentProblem] = []
    warnings: list[ContentProblem] = []
    notes = notes_files_read(source, problems, warnings)
    studies = case_study_files_check(source, notes, problems)
    question_files = question_files_check(source, notes, problems, studies)
    sandbox = sandbox_files_check(source, notes, problems)
    try_links_check(source, question_files, sandbox, problems)
    card_files = card_files_check(source, notes, problems)
    correction_files = correction_files_check(source, notes, problems)
    if strict:
        problems.extend(warnings)
    if problems:
        raise ContentError(sorted(problems, key=lambda p: (p.path, p.line)))
    now = timezone.now()
    changes: Counter = Counter()
    with transaction.atomic():
        changes += courses_save(notes, now=now)
        changes += corrections_save(correction_files, now=now)
        changes += term_cards_save(course_slugs=[file.outline.slug for file in notes], now=now)
        changes += case_studies_save(studies, now=now)
        changes += questions_save(question_files, now=now)
        changes += sandbox_content_save(sandbox, now=now)
        changes += card_files_save(card_files, now=now)
        search_index_rebuild()  # in full: the course is small
    return ImportSummary(
        counts=content_counts(),
        changes={key: changes[key] for key in ("created", "updated", "archived")},
        warnings=[*warnings, *question_check_warnings(source, question_files)],
        notes=[{"path": file.source, **outline_report(file.outline)} for file in notes],
    )


def question_check_warnings(source: Path, files: list[QuestionFile]) -> list[ContentProblem]:
    """What the question checker finds in the imported question files (it never blocks)."""
    report = files_check((file.source, file.questions) for file in files)
    folder = display_path(source / "quizzes", source)
    return [ContentProblem(*warning) for warning in import_warnings(report, folder=folder)]
