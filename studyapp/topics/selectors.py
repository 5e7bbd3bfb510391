"""Reads the topic pages share: a topic with its terms, what other apps hold for it, a glossary."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.db import connection
from django.db.models import Func, IntegerField, QuerySet, Subquery

from studyapp.core.archiving import active_q
from studyapp.topics.models import Course, KeyTerm, Topic, topic_visible_q


def topic_get(*, course_slug: str, topic_slug: str) -> Topic:
    """The visible topic at these slugs, with its course, section and case; raises DoesNotExist."""
    return (
        Topic.objects.visible()
        .filter(course__slug=course_slug, slug=topic_slug)
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


class RowCount(Func):
    """``COUNT(DISTINCT pk)`` of a queryset, as a subquery's one column (no ``GROUP BY``)."""

    function = "COUNT"
    template = "%(function)s(DISTINCT %(expressions)s)"
    output_field = IntegerField()


def count_of(queryset: QuerySet, field: str = "pk") -> Subquery:
    """How many distinct ``field`` values ``queryset`` has, as a subquery of one row."""
    return Subquery(queryset.order_by().annotate(rows=RowCount(field)).values("rows"))


# A topic id no row has: the counting query is built once with it, then run with real ids.
_ANY_TOPIC = -7_201_932_417


@functools.cache
def _related_counts_sql() -> tuple[str, tuple]:
    """The counting query's SQL and parameters, with ``_ANY_TOPIC`` for the topic (built once:
    building it costs far more than running it)."""
    topic = Topic(pk=_ANY_TOPIC)
    queryset = Topic.objects.filter(pk=topic.pk).values(
        # the active cards of its active notes
        card_count=count_of(topic.notes.active().filter(active_q("cards")), "cards"),
        question_count=count_of(topic.questions.all()),  # question versions tagged with it
        function_count=count_of(topic.functions.active()),
    )
    sql, params = queryset.query.sql_with_params()
    if _ANY_TOPIC not in params:
        raise RuntimeError("the counting query does not take the topic as a parameter")
    return sql, tuple(params)


def topic_related_counts(topic: Topic) -> RelatedCounts:
    """The topic's active cards, quiz questions and sandbox samples, in one query.

    Counted through the reverse relations the other apps declare on Topic (``notes``,
    ``questions``, ``functions``), so this module imports none of them. Read on every topic
    page, never kept: the other apps' authoring changes these counts.
    """
    sql, params = _related_counts_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, [topic.pk if value == _ANY_TOPIC else value for value in params])
        names = [column[0] for column in cursor.description]
        counts = dict(zip(names, cursor.fetchone(), strict=True))
    return RelatedCounts(
        cards=counts["card_count"],
        questions=counts["question_count"],
        functions=counts["function_count"],
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
    terms = KeyTerm.objects.active().filter(topic_visible_q("topic"))
    if course is not None:
        terms = terms.filter(topic__course=course)
    letters: dict[str, GlossaryLetter] = {}
    for term in sorted(terms.select_related("topic__course"), key=glossary_sort_key):
        letter = glossary_letter(term.term)
        letters.setdefault(letter, GlossaryLetter(letter, [])).terms.append(term)
    return sorted(letters.values(), key=lambda group: (group.letter != "#", group.letter))
