"""The flashcards the notes' key terms make: one basic card per active key term.

Run by the content import after the topics app has saved the courses: each key term's note is
keyed ``course/topic/term``, so re-importing updates it in place (a learner's reviews stay),
and the note of a term or topic that left the notes is archived, never deleted.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from studyapp.cards.models import Card, Note
from studyapp.core.archiving import active_q
from studyapp.core.topic_keys import topic_key_build
from studyapp.core.upserts import archive_missing, row_upsert
from studyapp.topics.models import KeyTerm, Topic


def term_front(term: str, *, topic: Topic) -> str:
    context = " › ".join([topic.course.title, topic.section.title, topic.title])
    return f"{context}\n\nWhat is **{term}**?"


def term_note_save(*, term: KeyTerm, changes: Counter) -> Note:
    """The flashcard of a key term: the term asked in its context, the definition as answer."""
    topic = term.topic
    key = topic_key_build(course_slug=topic.course.slug, topic_slug=topic.slug)
    note = row_upsert(
        Note,
        changes,
        lookup={"key": f"{key}/{term.slug}"},
        values={
            "topic": topic,
            "key_term": term,
            "kind": Note.Kind.BASIC,
            "source": Note.Source.NOTES,
            "front_md": term_front(term.term, topic=topic),
            "back_md": term.definition_md,
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
    kept = {term_note_save(term=term, changes=changes).id for term in terms}
    archive_missing(
        Note.objects.filter(topic__course__slug__in=course_slugs, source=Note.Source.NOTES),
        changes,
        keep_ids=kept,
        now=now,
    )
    return changes
