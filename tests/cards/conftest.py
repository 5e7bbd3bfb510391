"""A small course with cards for the review tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from studyapp.cards.models import Card, Note
from studyapp.topics.models import Course, Section, Topic

# 10:00 in UTC on a Monday; with the default 4 am day start the study day began at 04:00.
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@dataclass
class Deck:
    course: Course
    topics: list[Topic]
    notes: list[Note]

    def cards(self) -> list[Card]:
        return list(
            Card.objects.filter(note__in=self.notes).order_by(
                "note__topic__position", "note_id", "ordinal"
            )
        )


def deck_build(*, basic_per_topic: int = 2, topics: int = 2, slug: str = "aws-lambda") -> Deck:
    course = Course.objects.create(slug=slug, title="AWS Lambda", source="notes/aws-lambda.md")
    section = Section.objects.create(course=course, slug="configuration", title="Configuration")
    titles = ["Concurrency and Scaling", "Memory and Timeout", "Lambda Layers", "VPC Integration"]
    made_topics, notes = [], []
    for position in range(topics):
        title = titles[position % len(titles)] + ("" if position < len(titles) else f" {position}")
        topic = Topic.objects.create(
            course=course,
            section=section,
            slug=f"topic-{position}",
            title=title,
            position=position,
        )
        made_topics.append(topic)
        for number in range(basic_per_topic):
            note = Note.objects.create(
                key=f"{slug}/topic-{position}/term-{number}",
                topic=topic,
                kind=Note.Kind.BASIC,
                source=Note.Source.NOTES,
                front_md=f"What is **term {position}.{number}**?",
                back_md=f"Definition {position}.{number}.",
            )
            Card.objects.create(note=note, ordinal=1)
            notes.append(note)
    return Deck(course=course, topics=made_topics, notes=notes)


def note_add(
    topic: Topic, *, key: str, kind: str, front: str, back: str = "", ordinals=(1,)
) -> Note:
    note = Note.objects.create(
        key=key, topic=topic, kind=kind, source=Note.Source.CONTENT, front_md=front, back_md=back
    )
    for ordinal in ordinals:
        Card.objects.create(note=note, ordinal=ordinal)
    return note


@pytest.fixture
def deck(db) -> Deck:
    return deck_build()


@pytest.fixture(autouse=True)
def no_fuzz(settings):
    """Exact due dates: fuzz (a random spread of review intervals) is off in the card tests."""
    settings.FSRS_ENABLE_FUZZING = False
