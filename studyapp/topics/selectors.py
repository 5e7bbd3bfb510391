"""Reads the topic pages share: one topic with its terms, what other apps hold for it, the glossary.

Other apps link their objects to a topic through a foreign key (or many-to-many field) on their
model with a known related name; :func:`topic_related_counts` counts them once they exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.db import models

from studyapp.cards.models import Card
from studyapp.topics.models import Course, KeyTerm, Topic

# The related names through which other apps link their objects to a topic: quiz questions
# (quizzes: a many-to-many ``topics`` field, related_name="questions") and sandbox samples
# (sandbox.Function.topic, related_name="functions"). Until a model declares one, it counts 0.
RELATED_NAMES = {"questions": "questions", "functions": "functions"}


def topic_get(*, course_slug: str, topic_slug: str) -> Topic:
    """The active topic at these slugs, with its course, section and case; raises DoesNotExist."""
    return (
        Topic.objects.active()
        .filter(
            course__archived_at__isnull=True,
            section__archived_at__isnull=True,
            course__slug=course_slug,
            slug=topic_slug,
        )
        .select_related("course", "section", "case")
        .get()
    )


def topic_key_terms(topic: Topic) -> list[KeyTerm]:
    return list(topic.key_terms.active().order_by("position"))


def topic_corrections(topic: Topic, *, key_terms: list[KeyTerm]) -> list:
    """The corrections of the topic's lines and key terms, in the notes' order; each of
    ``key_terms`` gets its own as ``active_corrections`` (one query for all of them)."""
    corrections = list(
        topic.corrections.active().select_related("key_term").order_by("notes_line", "slug")
    )
    for term in key_terms:
        term.active_corrections = [c for c in corrections if c.key_term_id == term.pk]
    return corrections


@dataclass(frozen=True)
class RelatedCounts:
    """How many of the topic's cards, quiz questions (or their versions) and samples exist."""

    cards: int = 0
    questions: int = 0
    functions: int = 0


def _active(queryset: models.QuerySet) -> models.QuerySet:
    if hasattr(queryset, "active"):
        return queryset.active()
    if any(field.name == "archived_at" for field in queryset.model._meta.get_fields()):
        return queryset.filter(archived_at__isnull=True)
    return queryset


def _related_count(topic: Topic, related_name: str) -> int:
    """How many active objects point at ``topic`` through ``related_name``; 0 if no app does yet."""
    try:
        relation = Topic._meta.get_field(related_name)
    except FieldDoesNotExist:
        return 0
    if not relation.is_relation or not (relation.one_to_many or relation.many_to_many):
        return 0
    return _active(getattr(topic, related_name).all()).distinct().count()


def topic_related_counts(topic: Topic) -> RelatedCounts:
    """The topic's active cards, quiz questions and sandbox samples (one query per kind)."""
    cards = Card.objects.active().filter(note__topic=topic, note__archived_at__isnull=True).count()
    return RelatedCounts(
        cards=cards,
        questions=_related_count(topic, RELATED_NAMES["questions"]),
        functions=_related_count(topic, RELATED_NAMES["functions"]),
    )


@dataclass
class GlossaryLetter:
    letter: str
    terms: list[KeyTerm]


def glossary_letter(term: str) -> str:
    first = term.strip()[:1].upper()
    return first if first.isalpha() else "#"


def glossary_sort_key(term: KeyTerm) -> tuple[str, str, int]:
    return (term.term.casefold(), term.topic.title.casefold(), term.id)


def glossary(*, course: Course | None = None) -> list[GlossaryLetter]:
    """Every active key term A-Z (symbols and digits first, under "#"), grouped by first letter."""
    terms = KeyTerm.objects.active().filter(
        topic__archived_at__isnull=True,
        topic__section__archived_at__isnull=True,
        topic__course__archived_at__isnull=True,
    )
    if course is not None:
        terms = terms.filter(topic__course=course)
    letters: dict[str, GlossaryLetter] = {}
    for term in sorted(terms.select_related("topic__course"), key=glossary_sort_key):
        letter = glossary_letter(term.term)
        letters.setdefault(letter, GlossaryLetter(letter, [])).terms.append(term)
    return sorted(letters.values(), key=lambda group: (group.letter != "#", group.letter))
