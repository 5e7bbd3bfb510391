"""The flashcards the notes' key terms make: one basic card per key term of a course.

Run by the content import (and a notes upload) after the topics app has saved the courses and
their corrections. A term the notes define in several topics (Execution Role) is one card with
every definition, on the first topic's note. A term nested under another in the notes is a card
of its own that asks in the context of the term above it, whose back still lists it. Each note is
keyed ``course/topic/term``, so re-importing updates it in place (a learner's reviews stay), and
the note of a term or topic that left the notes is archived, never deleted.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime

from studyapp.cards.models import Card, Note
from studyapp.core.archiving import active_q
from studyapp.core.topic_keys import topic_key_build
from studyapp.core.upserts import archive_missing, row_upsert
from studyapp.topics.corrections import correction_markdown
from studyapp.topics.models import Correction, KeyTerm

# Abstract one-word terms ("Processing", "Reusability", "Decoupling") name an aspect of their
# topic rather than a thing; "What is Processing?" asks nothing, so their card asks in context.
THIN_TERM = re.compile(r"^[A-Z][a-z]+(?:ing|ity|ness|tion|sion|ment)$")


def term_front(term: str, *, topic_title: str, parent: str = "") -> str:
    """The question; the review page and the Anki note show the course and topic beside it.

    A term nested under another ("AWS Services" under "Event-Driven Architecture") asks in the
    context of that term, as a thin term asks in the context of its topic."""
    if parent:
        return f"In {parent}, what does **{term}** cover?"
    if THIN_TERM.match(term):
        return f"In {topic_title}, what does **{term}** cover?"
    return f"What is **{term}**?"


def term_back(occurrences: list[KeyTerm], corrections: list[Correction]) -> str:
    """The definition (each labelled with its topic when the term has several), then each
    correction as a dated block quote: the corrections files' in notes order, then those added
    in the browser in the order they were added."""
    if len(occurrences) == 1:
        parts = [occurrences[0].definition_md]
    else:
        parts = [f"**In {term.topic.title}:** {term.definition_md}" for term in occurrences]
    ordered = sorted(corrections, key=lambda c: (c.file == "", c.notes_line, c.pk))
    quotes = [
        correction_markdown(dated=c.dated, note=c.note_md, source_url=c.source_url) for c in ordered
    ]
    return "\n\n".join([*parts, *quotes])


def term_note_save(
    occurrences: list[KeyTerm], *, corrections: list[Correction], changes: Counter
) -> Note:
    """The card of a key term on its first occurrence's topic."""
    first = occurrences[0]
    topic = first.topic
    key = topic_key_build(course_slug=topic.course.slug, topic_slug=topic.slug)
    note = row_upsert(
        Note,
        changes,
        lookup={"key": f"{key}/{first.slug}"},
        values={
            "topic": topic,
            "key_term": first,
            "kind": Note.Kind.BASIC,
            "source": Note.Source.NOTES,
            "front_md": term_front(first.term, topic_title=topic.title, parent=first.parent_term),
            "back_md": term_back(occurrences, corrections),
            "archived_at": None,
        },
    )
    row_upsert(Card, changes, lookup={"note": note, "ordinal": 1}, values={"archived_at": None})
    return note


def term_cards_save(*, course_slugs: list[str], now: datetime) -> Counter:
    """Save the key-term cards of these courses; archive their term notes no longer backed."""
    changes: Counter = Counter()
    terms = (
        KeyTerm.objects.active()
        .filter(active_q("topic"), topic__course__slug__in=course_slugs)
        .select_related("topic__course", "topic__section")
        .order_by("topic__course__position", "topic__position", "position")
    )
    by_term: dict[tuple[int, str], list[KeyTerm]] = {}
    for term in terms:
        by_term.setdefault((term.topic.course_id, term.slug), []).append(term)
    corrections: dict[int, list[Correction]] = {}
    for correction in Correction.objects.active().filter(key_term__in=[term.id for term in terms]):
        corrections.setdefault(correction.key_term_id, []).append(correction)
    kept = set()
    for occurrences in by_term.values():
        found = [c for term in occurrences for c in corrections.get(term.id, [])]
        kept.add(term_note_save(occurrences, corrections=found, changes=changes).id)
    archive_missing(
        Note.objects.filter(topic__course__slug__in=course_slugs, source=Note.Source.NOTES),
        changes,
        keep_ids=kept,
        now=now,
    )
    return changes
