"""Save course outlines read from notes files: create, update in place, or archive.

Rows are matched by slug, so importing the same notes twice changes nothing, and an edited
file updates its rows in place: a learner's reading progress and review history, which point
at those rows, stay. A topic (or key term) that left the notes is archived, never deleted.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Max

from studyapp.core.upserts import archive_missing, row_upsert
from studyapp.topics.models import Course, KeyTerm, ScenarioCase, Section, Topic
from studyapp.topics.notes import CourseOutline, TopicOutline

# The source of a course uploaded in the browser: ``upload:<file name>``.
UPLOAD_PREFIX = "upload:"


def bank_course_create(*, slug: str, owner) -> Course:
    """A course that begins as an instructor's question bank: no notes yet, owned by ``owner``
    (only they may import into it or upload its notes), and never archived by the content
    import, as an uploaded course."""
    last = Course.objects.aggregate(last=Max("position"))["last"] or 0
    title = slug.replace("-", " ").replace("_", " ").capitalize()
    return Course.objects.create(
        slug=slug,
        title=title,
        source=f"{UPLOAD_PREFIX}question bank",
        uploaded_by=owner,
        position=last + 1,
    )


@dataclass
class NotesFile:
    source: str  # path relative to the content folder, as shown to people
    outline: CourseOutline


def courses_save(files: list[NotesFile], *, now: datetime) -> Counter:
    """Save every course outline (one per notes file) and archive what the notes no longer have."""
    changes: Counter = Counter()
    course_ids = set()
    for position, notes in enumerate(files):
        course = course_save(notes, position=position, changes=changes, now=now)
        course_ids.add(course.id)
    # Courses uploaded in the browser (content.uploading) are not the content folder's to archive.
    from_files = Course.objects.exclude(source__startswith=UPLOAD_PREFIX)
    archive_missing(from_files, changes, keep_ids=course_ids, now=now)
    return changes


def course_save(notes: NotesFile, *, position: int, changes: Counter, now: datetime) -> Course:
    """Save one course outline; when any of its rows changed, its topic pages' cached parts go
    (``content_version`` moves on, in the caller's transaction)."""
    outline = notes.outline
    before = changes.total()
    course = row_upsert(
        Course,
        changes,
        lookup={"slug": outline.slug},
        values={
            "title": outline.title,
            "intro_md": outline.intro,
            "source": notes.source,
            "position": position,
            "archived_at": None,
        },
    )
    section_ids, topic_ids = set(), set()
    topic_position = 0
    for section_position, section_outline in enumerate(outline.sections):
        section = row_upsert(
            Section,
            changes,
            lookup={"course": course, "slug": section_outline.slug},
            values={
                "title": section_outline.title,
                "prose_md": section_outline.prose,
                "position": section_position,
                "archived_at": None,
            },
        )
        section_ids.add(section.id)
        for topic_outline in section_outline.topics:
            topic = topic_save(
                topic_outline,
                course=course,
                section=section,
                position=topic_position,
                changes=changes,
                now=now,
            )
            topic_ids.add(topic.id)
            topic_position += 1
    archive_missing(course.sections, changes, keep_ids=section_ids, now=now)
    archive_missing(course.topics, changes, keep_ids=topic_ids, now=now)
    if changes.total() != before:
        Course.objects.filter(pk=course.pk).content_changed()
    return course


def topic_save(
    outline: TopicOutline,
    *,
    course: Course,
    section: Section,
    position: int,
    changes: Counter,
    now: datetime,
) -> Topic:
    topic = row_upsert(
        Topic,
        changes,
        lookup={"course": course, "slug": outline.slug},
        values={
            "section": section,
            "title": outline.title,
            "body_md": outline.body,
            "position": position,
            "archived_at": None,
        },
    )
    if outline.case:
        row_upsert(
            ScenarioCase,
            changes,
            lookup={"topic": topic},
            values={"scenario_md": outline.case.scenario, "solution_md": outline.case.solution},
        )
    term_ids = set()
    for term_position, term_outline in enumerate(outline.key_terms):
        term = row_upsert(
            KeyTerm,
            changes,
            lookup={"topic": topic, "slug": term_outline.slug},
            values={
                "term": term_outline.term,
                "definition_md": term_outline.definition,
                "parent_term": term_outline.parent,
                "position": term_position,
                "archived_at": None,
            },
        )
        term_ids.add(term.id)
    archive_missing(topic.key_terms, changes, keep_ids=term_ids, now=now)
    return topic
