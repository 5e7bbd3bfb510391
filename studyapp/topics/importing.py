"""Save course outlines read from notes files: create, update in place, or archive.

Rows are matched by slug, so importing the same notes twice changes nothing, and an edited
file updates its rows in place: a learner's reading progress and review history, which point
at those rows, stay. A topic (or key term) that left the notes is archived, never deleted.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from django.db import models

from studyapp.cards.models import Card, Note
from studyapp.topics.corrections import browser_corrections, correction_markdown
from studyapp.topics.models import Course, KeyTerm, ScenarioCase, Section, Topic
from studyapp.topics.notes import CourseOutline, KeyTermOutline, TopicOutline


@dataclass
class NotesFile:
    source: str  # path relative to the content folder, as shown to people
    outline: CourseOutline


def row_upsert[M: models.Model](
    model: type[M], changes: Counter, *, lookup: dict, values: dict
) -> M:
    """Create or update one row; save only when something differs, counting what happened."""
    row = model.objects.filter(**lookup).first()
    if row is None:
        row = model.objects.create(**lookup, **values)
        changes["created"] += 1
        return row
    differing = {name: value for name, value in values.items() if getattr(row, name) != value}
    if differing:
        for name, value in differing.items():
            setattr(row, name, value)
        # A modification time (auto_now) moves with every update: the Anki export relies on it.
        stamps = [f.name for f in model._meta.concrete_fields if getattr(f, "auto_now", False)]
        row.save(update_fields=[*differing, *stamps])
        changes["updated"] += 1
    return row


def archive_missing(
    queryset: models.QuerySet, changes: Counter, *, keep_ids: set[int], now: datetime
):
    archived = queryset.active().exclude(id__in=keep_ids).update(archived_at=now)
    changes["archived"] += archived


def courses_save(files: list[NotesFile], *, now: datetime) -> Counter:
    """Save every course outline (one per notes file) and archive what the notes no longer have."""
    changes: Counter = Counter()
    course_ids = set()
    for position, notes in enumerate(files):
        course = course_save(notes, position=position, changes=changes, now=now)
        course_ids.add(course.id)
    # Courses uploaded in the browser (topics.uploading) are not the content folder's to archive.
    from_files = Course.objects.exclude(source__startswith="upload:")
    archive_missing(from_files, changes, keep_ids=course_ids, now=now)
    return changes


def course_save(notes: NotesFile, *, position: int, changes: Counter, now: datetime) -> Course:
    outline = notes.outline
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
    occurrences = term_occurrences(outline)
    added = browser_corrections(outline.slug)
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
                occurrences=occurrences,
                added=added,
            )
            topic_ids.add(topic.id)
            topic_position += 1
    archive_missing(course.sections, changes, keep_ids=section_ids, now=now)
    archive_missing(course.topics, changes, keep_ids=topic_ids, now=now)
    archive_missing(
        Note.objects.filter(topic__course=course, source=Note.Source.NOTES).exclude(
            topic_id__in=topic_ids
        ),
        changes,
        keep_ids=set(),
        now=now,
    )
    return course


def topic_save(
    outline: TopicOutline,
    *,
    course: Course,
    section: Section,
    position: int,
    changes: Counter,
    now: datetime,
    occurrences: dict[int, list[tuple[TopicOutline, KeyTermOutline]]] | None = None,
    added: dict[tuple[str, str], list[str]] | None = None,
) -> Topic:
    """Save a topic, its key terms and their cards. ``occurrences`` (from term_occurrences)
    says which key terms the course defines more than once: only the first gives a card."""
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
    term_ids, note_ids = set(), set()
    for term_position, term_outline in enumerate(outline.key_terms):
        term = row_upsert(
            KeyTerm,
            changes,
            lookup={"topic": topic, "slug": term_outline.slug},
            values={
                "term": term_outline.term,
                "definition_md": term_outline.definition,
                "position": term_position,
                "archived_at": None,
            },
        )
        term_ids.add(term.id)
        same = (occurrences or {}).get(id(term_outline), [(outline, term_outline)])
        if same[0][1] is term_outline:  # a later occurrence is on the first one's card
            note = term_note_save(same, term=term, topic=topic, changes=changes, added=added)
            note_ids.add(note.id)
    archive_missing(topic.key_terms, changes, keep_ids=term_ids, now=now)
    archive_missing(
        topic.notes.filter(source=Note.Source.NOTES), changes, keep_ids=note_ids, now=now
    )
    return topic


def term_occurrences(course: CourseOutline) -> dict[int, list[tuple[TopicOutline, KeyTermOutline]]]:
    """Key terms by ``id()`` of their outline -> every occurrence of the same term in the course
    (for a term defined once, just itself)."""
    by_slug: dict[str, list[tuple[TopicOutline, KeyTermOutline]]] = {}
    for topic in course.topics:
        for term in topic.key_terms:
            by_slug.setdefault(term.slug, []).append((topic, term))
    return {id(term): same for same in by_slug.values() for _, term in same}


# Abstract one-word terms ("Processing", "Reusability", "Decoupling") name an aspect of their
# topic rather than a thing; "What is Processing?" asks nothing, so their card asks in context.
THIN_TERM = re.compile(r"^[A-Z][a-z]+(?:ing|ity|ness|tion|sion|ment)$")


def term_note_save(
    occurrences: list[tuple[TopicOutline, KeyTermOutline]],
    *,
    term: KeyTerm,
    topic: Topic,
    changes: Counter,
    added: dict[tuple[str, str], list[str]] | None = None,
) -> Note:
    """The flashcard of a key term: the term asked, the definition (every one the notes give,
    when the term is defined in several topics) and any corrections as the answer. The review
    page and the Anki note show the course and topic beside it, so the front does not repeat
    them."""
    first = occurrences[0][1]
    note = row_upsert(
        Note,
        changes,
        lookup={"key": f"{topic.course.slug}/{topic.slug}/{first.slug}"},
        values={
            "topic": topic,
            "key_term": term,
            "kind": Note.Kind.BASIC,
            "source": Note.Source.NOTES,
            "front_md": term_front(first.term, topic_title=topic.title),
            "back_md": term_back(occurrences, added=added or {}),
            "archived_at": None,
        },
    )
    row_upsert(Card, changes, lookup={"note": note, "ordinal": 1}, values={"archived_at": None})
    return note


def term_front(term: str, *, topic_title: str) -> str:
    if THIN_TERM.match(term):
        return f"In {topic_title}, what does **{term}** cover?"
    return f"What is **{term}**?"


def term_back(
    occurrences: list[tuple[TopicOutline, KeyTermOutline]],
    *,
    added: dict[tuple[str, str], list[str]] | None = None,
) -> str:
    """The definition (each labelled with its topic when there are several), then each
    correction of the term as a dated block quote: from the corrections files, then those
    added in the browser (``added``, by topic and term slug)."""
    if len(occurrences) == 1:
        parts = [occurrences[0][1].definition]
    else:
        parts = [f"**In {topic.title}:** {term.definition}" for topic, term in occurrences]
    corrections = [
        correction_markdown(dated=c.dated, note=c.note, source_url=c.source_url)
        for _, term in occurrences
        for c in term.corrections
    ]
    for topic, term in occurrences:
        corrections.extend((added or {}).get((topic.slug, term.slug), []))
    return "\n\n".join([*parts, *corrections])
