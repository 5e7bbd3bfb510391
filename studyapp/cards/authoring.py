"""Writing notes: content card files and instructors in the browser both save through here.

A note's cards follow its kind (one, two for reversed, one per cloze number). Saving again keeps
the cards that still exist, so a learner's schedule and history stay with them; a card whose
cloze number went away is archived, never deleted.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction

from studyapp.cards.faces import note_ordinals
from studyapp.cards.models import Card, Note

if TYPE_CHECKING:
    from studyapp.accounts.models import User
    from studyapp.topics.models import Topic


def note_cards_sync(note: Note, *, now: datetime, changes: Counter) -> list[Card]:
    """Create, revive or archive the note's cards so they match its kind and text."""
    wanted = note_ordinals(note)
    existing = {card.ordinal: card for card in note.cards.all()}
    cards = []
    for ordinal in wanted:
        card = existing.get(ordinal)
        if card is None:
            card = Card.objects.create(note=note, ordinal=ordinal)
            changes["created"] += 1
        elif card.archived_at is not None:
            card.archived_at = None
            card.save(update_fields=["archived_at"])
            changes["updated"] += 1
        cards.append(card)
    for ordinal, card in existing.items():
        if ordinal not in wanted and card.archived_at is None:
            card.archived_at = now
            card.save(update_fields=["archived_at"])
            changes["archived"] += 1
    return cards


def note_author_save(
    *,
    author: User,
    topic: Topic,
    kind: str,
    front_md: str,
    back_md: str,
    now: datetime,
    note: Note | None = None,
) -> Note:
    """Create (or edit) a card note written in the browser; its key never changes."""
    with transaction.atomic():
        if note is None:
            note = Note(key=f"authored:{uuid.uuid4().hex}", source=Note.Source.AUTHORED)
        note.topic = topic
        note.kind = kind
        note.front_md = front_md
        note.back_md = back_md
        note.author = note.author or author
        note.archived_at = None
        note.save()
        note_cards_sync(note, now=now, changes=Counter())
    return note


def note_archive(*, note: Note, now: datetime) -> None:
    """Take an authored note (and its cards) out of everyone's reviews; history stays."""
    Note.objects.filter(pk=note.pk).update(archived_at=now)
