"""Case studies: business scenarios that several questions share (``content/case-studies/``).

They live beside the notes, not in them (the notes are their author's text). A file is one case
study; its name is the case's slug, which questions name with ``case: <slug>``:

    ---
    course: aws-lambda
    ---

    # A retail group's shared event platform

    The scenario in Markdown: the company, what it runs today, its constraints.

Two phases as for the rest of the content: :func:`case_study_files_read` checks every file and
reports ``(path, line, message)``; :func:`case_studies_save` writes them (keyed by course and
slug; a case study whose file is gone is archived, and its questions keep their text).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from studyapp.core.upserts import archive_missing, row_upsert
from studyapp.quizzes.models import CaseStudy
from studyapp.topics.models import Course

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FRONT_MATTER_COURSE = re.compile(r"^course:\s*(\S+)\s*$")

Problem = tuple[str, int, str]


@dataclass(frozen=True)
class CaseStudyData:
    course: str
    slug: str
    title: str
    body: str
    source: str


def case_study_files_read(
    folder: Path, *, courses: Iterable[str], display: Callable[[Path], str] = str
) -> tuple[list[CaseStudyData], list[Problem]]:
    """Read and check every ``*.md`` in ``folder`` (a missing folder holds no case studies)."""
    known = set(courses)
    studies: list[CaseStudyData] = []
    problems: list[Problem] = []
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        shown = display(path)
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            problems.append((shown, 1, "not UTF-8 text"))
            continue
        study = _case_study_read(path.stem, text, shown, known, problems)
        if study is not None:
            studies.append(study)
    return studies, problems


def _case_study_read(
    slug: str, text: str, shown: str, courses: set[str], problems: list[Problem]
) -> CaseStudyData | None:
    lines = text.splitlines()
    found: list[Problem] = []
    if not SLUG.match(slug):
        found.append((shown, 1, f"the file name {slug!r} must be a slug (a-z, 0-9 and -)"))
    course = ""
    index = 0
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if end is None:
            found.append((shown, 1, "the front matter is not closed with ---"))
            end = len(lines) - 1
        for number in range(1, end):
            match = FRONT_MATTER_COURSE.match(lines[number])
            if match:
                course = match.group(1)
        index = end + 1
    if not course:
        found.append((shown, 1, "the front matter names no course (course: <slug>)"))
    elif course not in courses:
        found.append((shown, 1, f"unknown course {course!r}"))
    while index < len(lines) and not lines[index].strip():
        index += 1
    title = ""
    if index < len(lines) and lines[index].startswith("# "):
        title = lines[index][2:].strip()
        index += 1
    else:
        found.append((shown, index + 1, "a case study starts with its title: # Title"))
    body = "\n".join(lines[index:]).strip()
    if title and not body:
        found.append((shown, index, "the case study has a title but no text"))
    problems.extend(found)
    if found:
        return None
    return CaseStudyData(course=course, slug=slug, title=title, body=body, source=shown)


def case_studies_save(studies: list[CaseStudyData], *, now: datetime) -> Counter:
    changes: Counter = Counter()
    courses = {course.slug: course for course in Course.objects.all()}
    kept = set()
    for study in studies:
        row = row_upsert(
            CaseStudy,
            changes,
            lookup={"course": courses[study.course], "slug": study.slug},
            values={
                "title": study.title,
                "body_md": study.body,
                "source": study.source,
                "archived_at": None,
            },
        )
        kept.add(row.pk)
    archive_missing(CaseStudy.objects, changes, keep_ids=kept, now=now)
    return changes
