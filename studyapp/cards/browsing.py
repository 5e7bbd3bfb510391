"""The card browser: search every card a learner studies, and change many at once.

Anki's browser, for this app's cards. A card is shared by every learner; what belongs to one
learner is their :class:`CardSchedule` of it (none while the card is new). So search reads the
studied cards joined to the learner's own schedule, and every change touches only that learner's
schedules: another learner's cards cannot be reached, and a card id that is not a studied card
is :class:`NotFound`.

States, as in Anki's ``is:`` searches: *new* (never answered, suspended or not), *learning*
(learning or relearning), *review*, *due* (waiting in today's reviews: answered, not suspended
or buried, due before the study day ends), *suspended*, *leech*, and *edited* (the cards whose
text the learner changed: their own copy, see :mod:`studyapp.cards.overrides`). Tags are not
stored; the tags a card carries in the Anki export (the course's slug, ``course::topic`` and
``leech``) can be searched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import models, transaction
from django.db.models import F, FilteredRelation, Q, QuerySet

from studyapp.accounts.models import TEACH_PERMISSION
from studyapp.cards.models import Card, CardSchedule, FsrsState, Note
from studyapp.cards.overrides import OVERRIDE, overrides_joined
from studyapp.cards.review import (
    LEARNING_STATES,
    cards_studied,
    study_day_for,
)
from studyapp.cards.scheduling import fsrs_card_from_state, study_settings_for, utc
from studyapp.core.errors import NotFound

if TYPE_CHECKING:
    from studyapp.accounts.models import User
    from studyapp.topics.models import Topic


class CardState(models.TextChoices):
    NEW = "new", "New"
    LEARNING = "learning", "Learning"
    REVIEW = "review", "Review"
    DUE = "due", "Due today"
    SUSPENDED = "suspended", "Suspended"
    LEECH = "leech", "Leech"
    EDITED = "edited", "Edited by you"


class CardSort(models.TextChoices):
    DUE = "due", "Due (soonest first)"
    CREATED = "created", "Added (newest first)"
    TOPIC = "topic", "Topic (course order)"
    DIFFICULTY = "difficulty", "Difficulty (hardest first)"
    STABILITY = "stability", "Stability (weakest first)"
    LAPSES = "lapses", "Lapses (most first)"


class CardAction(models.TextChoices):
    SUSPEND = "suspend", "Suspend"
    UNSUSPEND = "unsuspend", "Unsuspend"
    RESET = "reset", "Reset to new"


LEECH_TAGS = ("leech", "lambda-study::leech")
TERM = re.compile(r'"([^"]*)"|(\S+)')


def query_terms(query: str) -> list[str]:
    """The words of a search, a "quoted phrase" being one term; every term must match."""
    return [phrase or word for phrase, word in TERM.findall(query) if (phrase or word).strip()]


def tag_q(tag: str) -> Q:
    """Cards carrying ``tag`` in the Anki export: a course slug, ``course::topic``, or leech."""
    tag = tag.strip().lower()
    if tag in LEECH_TAGS:
        return Q(mine__leech=True)
    course, _, topic = tag.partition("::")
    found = Q(note__topic__course__slug=course)
    if topic:
        found &= Q(note__topic__slug=topic)
    return found


def state_q(state: str, *, user: User, now: datetime) -> Q:
    introduced = Q(mine__introduced_at__isnull=False)
    if state == CardState.NEW:
        return Q(mine__isnull=True) | Q(mine__introduced_at__isnull=True)
    if state == CardState.LEARNING:
        return introduced & Q(mine__state__in=LEARNING_STATES)
    if state == CardState.REVIEW:
        return introduced & Q(mine__state=FsrsState.REVIEW)
    if state == CardState.DUE:
        day = study_day_for(user, study_settings_for(user), now=utc(now))
        unburied = Q(mine__buried_until__isnull=True) | Q(mine__buried_until__lte=now)
        return introduced & Q(mine__suspended=False, mine__due__lt=day.end) & unburied
    if state == CardState.SUSPENDED:
        return Q(mine__suspended=True)
    if state == CardState.LEECH:
        return Q(mine__leech=True)
    if state == CardState.EDITED:
        return Q(**{f"{OVERRIDE}__isnull": False})
    return Q()


def text_q(term: str) -> Q:
    """Cards whose text, as the learner sees it, holds ``term``: their own text of the note
    where they have one (:mod:`studyapp.cards.overrides`), else the course's."""
    own = Q(**{f"{OVERRIDE}__isnull": False})
    in_own = Q(**{f"{OVERRIDE}__front_md__icontains": term}) | Q(
        **{f"{OVERRIDE}__back_md__icontains": term}
    )
    in_course = Q(note__front_md__icontains=term) | Q(note__back_md__icontains=term)
    return (own & in_own) | (~own & in_course)


SORTS = {
    CardSort.DUE: [F("mine__due").asc(nulls_last=True)],
    CardSort.CREATED: [F("pk").desc()],
    CardSort.TOPIC: [
        F("note__topic__course__position").asc(),
        F("note__topic__position").asc(),
        F("note_id").asc(),
    ],
    CardSort.DIFFICULTY: [F("mine__fsrs_card__difficulty").desc(nulls_last=True)],
    CardSort.STABILITY: [F("mine__stability").asc(nulls_last=True)],
    CardSort.LAPSES: [F("mine__lapses").desc(nulls_last=True)],
}


def cards_search(
    *,
    user: User,
    now: datetime,
    query: str = "",
    topic: Topic | None = None,
    tag: str = "",
    state: str = "",
    sort: str = CardSort.DUE,
) -> QuerySet[Card]:
    """Every card ``user`` studies that matches, new cards included, sorted.

    Each card comes with its note, topic and course, the learner's schedule of it
    (:func:`card_schedule`) and their override of its note (``joined_override``). ``query``
    matches the note's text as the learner sees it (front and back as written, so a cloze's
    hidden answers too), case-insensitively, every term; unknown states and sorts are ignored
    (all cards, due order).
    """
    cards = (
        cards_studied(topic=topic)
        .annotate(mine=FilteredRelation("schedules", condition=Q(schedules__user=user)))
        .select_related("note__topic__course", "mine")
    )
    cards = overrides_joined(cards, user=user, note_path="note")
    for term in query_terms(query):
        cards = cards.filter(text_q(term))
    if tag.strip():
        cards = cards.filter(tag_q(tag))
    cards = cards.filter(state_q(state, user=user, now=now))
    order = SORTS.get(sort, SORTS[CardSort.DUE])
    return cards.order_by(*order, "note__topic__course__position", "note_id", "ordinal", "pk")


def card_schedule(card: Card) -> CardSchedule | None:
    """The learner's schedule of a card from :func:`cards_search`; None while the card is new
    (Django leaves the joined attribute unset when nothing matched)."""
    return getattr(card, "mine", None)


def card_state_labels(schedule: CardSchedule | None) -> list[str]:
    """What a card is, in words, for its row: New / Learning / Review, then Suspended, Leech."""
    if schedule is None or schedule.introduced_at is None:
        labels = [CardState.NEW.label]
    elif schedule.state in LEARNING_STATES:
        labels = [CardState.LEARNING.label]
    else:
        labels = [CardState.REVIEW.label]
    if schedule is not None and schedule.suspended:
        labels.append(CardState.SUSPENDED.label)
    if schedule is not None and schedule.leech:
        labels.append(CardState.LEECH.label)
    return labels


def note_editable(*, user: User, note: Note) -> bool:
    """Whether ``user`` may edit the shared note itself in the browser: only notes they wrote
    themselves in the browser, with the right to write cards. Cards from the notes and from
    content files change only with the content; every other edit is the learner's own copy
    (:mod:`studyapp.cards.overrides`)."""
    return (
        note.source == Note.Source.AUTHORED
        and note.author_id == user.pk
        and user.has_perm(TEACH_PERMISSION)
    )


def card_for_editing(*, user: User, card_id: int) -> Card:
    """A card ``user`` studies, to edit: the shared note when :func:`note_editable`, else their
    own copy of its text. With its note, topic and course and ``user``'s override of the note;
    :class:`NotFound` when it is not a studied card."""
    cards = cards_studied().select_related("note__topic__course").filter(pk=card_id)
    card = overrides_joined(cards, user=user, note_path="note").first()
    if card is None:
        raise NotFound("No such card.")
    return card


def cards_for_learner(*, card_ids: list[int]) -> list[Card]:
    """The studied cards with these ids; :class:`NotFound` if any id is not one."""
    wanted = set(card_ids)
    cards = list(cards_studied().filter(pk__in=wanted))
    if not wanted or len(cards) != len(wanted):
        raise NotFound("No such card.")
    return cards


@dataclass(frozen=True)
class CardsChanged:
    action: str
    selected: int
    changed: int  # cards whose state this changed (suspending a suspended card changes nothing)


def cards_suspend(*, user: User, cards: list[Card], now: datetime) -> int:
    """Suspend the cards; a new card gets a placeholder schedule that keeps it out of the new
    queue (as :func:`studyapp.cards.review.card_suspend` does). Returns how many changed."""
    ids = [card.pk for card in cards]
    changed = CardSchedule.objects.filter(user=user, card__in=ids, suspended=False).update(
        suspended=True, version=F("version") + 1
    )
    have = set(CardSchedule.objects.filter(user=user, card__in=ids).values_list("card", flat=True))
    placeholder = fsrs_card_from_state(None, now=utc(now)).to_dict()
    missing = [card for card in cards if card.pk not in have]
    CardSchedule.objects.bulk_create(
        CardSchedule(
            user=user,
            card=card,
            note_id=card.note_id,
            fsrs_card=placeholder,
            due=utc(now),
            state=CardSchedule.State.LEARNING,
            introduced_at=None,
            suspended=True,
        )
        for card in missing
    )
    return changed + len(missing)


def cards_unsuspend(*, user: User, cards: list[Card]) -> int:
    """Put suspended cards back; a never-answered one becomes new again (its placeholder goes)."""
    suspended = CardSchedule.objects.filter(user=user, card__in=cards, suspended=True)
    removed, _ = suspended.filter(introduced_at__isnull=True).delete()
    changed = suspended.filter(introduced_at__isnull=False).update(
        suspended=False, version=F("version") + 1
    )
    return removed + changed


def cards_reset(*, user: User, cards: list[Card]) -> int:
    """Forget the cards' scheduling: each answered card is new again, unsuspended and no longer
    a leech. The review log stays (it is the learner's history, and the optimiser's data)."""
    removed, _ = CardSchedule.objects.filter(
        user=user, card__in=cards, introduced_at__isnull=False
    ).delete()
    return removed


def cards_change(*, user: User, card_ids: list[int], action: str, now: datetime) -> CardsChanged:
    """Apply one action to the learner's selected cards, all or nothing, in one transaction.

    :class:`NotFound` (and nothing changes) when any id is not a studied card.
    """
    if action not in CardAction.values:
        raise NotFound("No such action.")
    with transaction.atomic():
        cards = cards_for_learner(card_ids=card_ids)
        if action == CardAction.SUSPEND:
            changed = cards_suspend(user=user, cards=cards, now=now)
        elif action == CardAction.UNSUSPEND:
            changed = cards_unsuspend(user=user, cards=cards)
        else:
            changed = cards_reset(user=user, cards=cards)
    return CardsChanged(action=action, selected=len(cards), changed=changed)
