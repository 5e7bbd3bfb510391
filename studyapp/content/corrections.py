"""Corrections added in the browser: the correction beside the notes, and at once on its card.

The topics app keeps the correction; the cards app writes the term's card. Both are written
here, above them, in one transaction, as the content import does for the corrections files.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction

from studyapp.cards.term_cards import term_cards_save
from studyapp.topics.corrections import correction_add
from studyapp.topics.models import Correction, KeyTerm, Topic


def correction_publish(
    *,
    topic: Topic,
    key_term: KeyTerm | None,
    quote: str,
    dated: date,
    source_url: str,
    note: str,
    now: datetime,
) -> Correction:
    """Add the correction and rewrite the course's term cards, so its card shows it under the
    answer. Raises ValueError (saving nothing) when the quote is not in the topic's text."""
    with transaction.atomic():
        correction = correction_add(
            topic=topic,
            key_term=key_term,
            quote=quote,
            dated=dated,
            source_url=source_url,
            note=note,
        )
        term_cards_save(course_slugs=[topic.course.slug], now=now)
    return correction
