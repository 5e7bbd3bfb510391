"""A learner's own text of a shared note: what they see wherever its cards are shown to them.

Notes are shared: they come from the course's notes, a content file or an instructor, and every
learner studies the same cards. A learner who edits a card (as Anki users edit their copy) gets a
:class:`NoteOverride` of its note: theirs alone, read by every page that shows them the card (the
review session, the card browser and its search, the Anki export), never by another learner.
The shared note is never changed by a learner. Restoring the original removes the override.

:func:`note_text` is the one place that decides which text a learner sees. Readers join the
learner's override into the query they already run (:func:`overrides_joined`, a filtered
LEFT JOIN), so showing the learner's text costs no query, whatever the number of cards.

The override keeps the course's text as it was when the learner saved theirs; when the course's
note changes later (its notes re-imported), the learner keeps their text and is told that the
course's version changed (:attr:`NoteText.original_changed`), with both texts at hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import FilteredRelation, Q, QuerySet

from studyapp.cards.faces import CardFaces, card_faces
from studyapp.cards.models import Card, Note, NoteOverride
from studyapp.core.errors import NotFound

if TYPE_CHECKING:
    from studyapp.accounts.models import User

OVERRIDE = "learner_override"  # the attribute each row of a joined query carries


def overrides_joined(queryset: QuerySet, *, user: User, note_path: str = "note") -> QuerySet:
    """``queryset`` with ``user``'s override of each row's note joined and selected.

    ``note_path`` leads from the rows to their note: ``"note"`` for cards, ``"card__note"`` for
    schedules, ``""`` for notes. Read the override with :func:`joined_override`; filter on it as
    ``learner_override__...``. Only this user's override can be joined (one per note at most).
    """
    relation = f"{note_path}__overrides" if note_path else "overrides"
    joined = FilteredRelation(relation, condition=Q(**{f"{relation}__user": user}))
    return queryset.annotate(**{OVERRIDE: joined}).select_related(OVERRIDE)


def joined_override(row: object) -> NoteOverride | None:
    """The override :func:`overrides_joined` brought with ``row``; None when it has none."""
    return getattr(row, OVERRIDE, None)


@dataclass(frozen=True)
class NoteText:
    """A note's fields as one learner sees them."""

    front_md: str
    back_md: str
    own: bool  # the learner's own text (an override), not the course's
    original_changed: bool  # the course's text changed since the learner saved theirs
    original_front_md: str  # the course's text, as it is now
    original_back_md: str


def note_text(note: Note, *, override: NoteOverride | None) -> NoteText:
    """What the learner whose override this is sees of ``note`` (the course's text without one).

    ``override`` must be the learner's own override of this note (from :func:`joined_override`
    or :func:`override_of`), or None.
    """
    if override is None:
        return NoteText(note.front_md, note.back_md, False, False, note.front_md, note.back_md)
    changed = (note.front_md, note.back_md) != (
        override.original_front_md,
        override.original_back_md,
    )
    return NoteText(
        front_md=override.front_md,
        back_md=override.back_md,
        own=True,
        original_changed=changed,
        original_front_md=note.front_md,
        original_back_md=note.back_md,
    )


def learner_card_faces(card: Card, *, override: NoteOverride | None) -> CardFaces:
    """The card's faces from the learner's text of its note."""
    text = note_text(card.note, override=override)
    return card_faces(card, front_md=text.front_md, back_md=text.back_md)


def override_of(*, user: User, note: Note) -> NoteOverride | None:
    """``user``'s override of ``note``, if they have one (one query)."""
    return NoteOverride.objects.filter(user=user, note=note).first()


def note_studied_check(note: Note) -> None:
    """:class:`NotFound` unless the note has a card that learners study (an active card of an
    active note in a visible topic): only those can be overridden."""
    if not Card.objects.studied().filter(note=note).exists():
        raise NotFound("No such card.")


def note_override_save(
    *, user: User, note: Note, front_md: str, back_md: str, now: datetime
) -> NoteOverride | None:
    """Save ``user``'s own text of ``note`` (checked by the note form); the note is unchanged.

    The course's current text is kept beside it. Saving the course's own text (compared without
    leading and trailing blanks, which the form strips) removes the override instead: there is
    nothing of the learner's to keep, and None is returned.
    """
    note_studied_check(note)
    with transaction.atomic():
        if (front_md.strip(), back_md.strip()) == (note.front_md.strip(), note.back_md.strip()):
            NoteOverride.objects.filter(user=user, note=note).delete()
            return None
        override, _ = NoteOverride.objects.update_or_create(
            user=user,
            note=note,
            defaults={
                "front_md": front_md,
                "back_md": back_md,
                "original_front_md": note.front_md,
                "original_back_md": note.back_md,
                "updated_at": now,
            },
            create_defaults={
                "front_md": front_md,
                "back_md": back_md,
                "original_front_md": note.front_md,
                "original_back_md": note.back_md,
                "created_at": now,
                "updated_at": now,
            },
        )
    return override


def note_override_restore(*, user: User, note: Note) -> bool:
    """Remove ``user``'s own text of ``note``: they see the course's again. False when they had
    none."""
    removed, _ = NoteOverride.objects.filter(user=user, note=note).delete()
    return bool(removed)
