"""Notes uploaded in the browser by an instructor: check them, preview the course, then save.

The same reader and the same saving as ``import_content``: a course is keyed by its slug, so
uploading an edited file updates it in place and every learner's review history stays. An
uploaded course's ``source`` is ``upload:<file name>``; the content import leaves such courses
alone (it archives only the courses its own folder no longer has), and an upload may not take
over a course that a file in ``content/notes/`` defines.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Max

from studyapp.accounts.models import User
from studyapp.cards.term_cards import term_cards_save
from studyapp.topics.importing import UPLOAD_PREFIX, NotesFile, course_save
from studyapp.topics.models import Course
from studyapp.topics.notes import (
    MAX_NOTES_BYTES,
    CourseOutline,
    Problem,
    notes_decode_parse,
    outline_report,
)
from studyapp.topics.search import search_index_rebuild

MAX_FILES = 10


@dataclass
class UploadedNotes:
    name: str
    text: str | None  # None when the bytes are not usable text
    course: CourseOutline | None
    problems: list[Problem] = field(default_factory=list)
    existing: Course | None = None  # the course it updates, if any

    @property
    def warnings(self) -> list[Problem]:
        return self.course.warnings if self.course is not None else []

    @property
    def report(self) -> dict:
        return outline_report(self.course) if self.course is not None else {}


@dataclass
class NotesUploadPreview:
    files: list[UploadedNotes]
    problems: list[str] = field(default_factory=list)  # about the upload as a whole

    @property
    def ok(self) -> bool:
        return bool(self.files) and not self.problems and not any(f.problems for f in self.files)


def notes_upload_check(*, files: list[tuple[str, bytes]], user: User) -> NotesUploadPreview:
    """Read each uploaded file as notes for ``user`` (an instructor); nothing is written."""
    preview = NotesUploadPreview(files=[])
    if not files:
        preview.problems.append("Choose at least one notes file (Markdown, UTF-8).")
    if len(files) > MAX_FILES:
        preview.problems.append(f"Upload at most {MAX_FILES} files at once.")
        return preview
    slugs: dict[str, str] = {}
    for name, raw in files:
        course, problems = notes_decode_parse(raw, name=name)
        text = raw.decode("utf-8") if course is not None else None
        uploaded = UploadedNotes(name=name, text=text, course=course, problems=list(problems))
        preview.files.append(uploaded)
        if course is None or problems:
            continue
        if course.slug in slugs:
            uploaded.problems.append(
                Problem(
                    1, f"{slugs[course.slug]} in this upload is also the course {course.title!r}"
                )
            )
        slugs[course.slug] = name
        existing = Course.objects.filter(slug=course.slug).first()
        if existing is not None and not existing.source.startswith(UPLOAD_PREFIX):
            uploaded.problems.append(
                Problem(
                    1,
                    f"the course {course.title!r} comes from {existing.source} in the content "
                    "folder; edit that file instead, or give this file another title",
                )
            )
        elif existing is not None and existing.uploaded_by_id not in (None, user.pk):
            uploaded.problems.append(
                Problem(
                    1,
                    f"the course {course.title!r} was uploaded by another instructor; only they "
                    "may upload it again, so give this file another title",
                )
            )
        uploaded.existing = existing
    return preview


def notes_upload_save(
    *, files: list[tuple[str, str]], user: User, now: datetime
) -> tuple[Counter, list]:
    """Check again and save uploaded notes (``(name, text)`` pairs) in one transaction.

    Returns the changes and the courses; raises ValueError (saving nothing) when a check fails,
    e.g. because a file in the content folder took the course's slug since the preview.
    """
    preview = notes_upload_check(
        files=[(name, text.encode("utf-8")) for name, text in files], user=user
    )
    if not preview.ok:
        problems = [
            *preview.problems,
            *(f"{f.name}: {p.message}" for f in preview.files for p in f.problems),
        ]
        raise ValueError("; ".join(problems))
    changes: Counter = Counter()
    courses = []
    with transaction.atomic():
        last = Course.objects.aggregate(last=Max("position"))["last"] or 0
        for uploaded in preview.files:
            position = uploaded.existing.position if uploaded.existing else last + 1
            last = max(last, position)
            notes = NotesFile(source=f"{UPLOAD_PREFIX}{uploaded.name}", outline=uploaded.course)
            course = course_save(notes, position=position, changes=changes, now=now)
            Course.objects.filter(pk=course.pk, uploaded_by=None).update(uploaded_by=user)
            courses.append(course)
        changes += term_cards_save(course_slugs=[course.slug for course in courses], now=now)
        search_index_rebuild()
    return changes, courses


__all__ = ["MAX_NOTES_BYTES", "notes_upload_check", "notes_upload_save"]
