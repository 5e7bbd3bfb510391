"""The one scheduler wrapper: every spaced-repetition decision goes through the ``fsrs`` package.

Cards (and quiz questions) keep their whole FSRS card as a dict (``fsrs.Card.to_dict()``); this
module turns a learner's :class:`StudySettings` into an ``fsrs.Scheduler``, applies one answer
(:func:`fsrs_review`) and previews the interval each rating would give (:func:`schedule_preview`).
Nothing here computes an interval itself.

``fsrs`` accepts only datetimes whose tzinfo is ``datetime.timezone.utc`` (not even
``ZoneInfo("UTC")``), so every datetime is converted with :func:`utc` on the way in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

import fsrs
from django.conf import settings as django_settings
from django.db.models import Model

from studyapp.accounts.models import User
from studyapp.cards.models import FsrsState, Rating, StudySettings
from studyapp.core.rows import Selected, row_read, table

RATINGS = tuple(Rating)
RATING_NAMES = {rating: rating.label for rating in Rating}


@dataclass(frozen=True)
class FsrsOutcome:
    """The result of one answer: the new FSRS card, its due time and state, and the review log."""

    fsrs_state: dict  # fsrs.Card.to_dict()
    due: datetime  # UTC
    state: FsrsState
    review_log: dict  # fsrs.ReviewLog.to_dict()


def utc(moment: datetime) -> datetime:
    """The same instant with tzinfo exactly ``datetime.timezone.utc``; naive ones are refused."""
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        raise ValueError(f"{moment!r} has no time zone; pass an aware (UTC) datetime")
    return moment.astimezone(UTC)


SETTINGS = Selected(StudySettings, "x")
SETTINGS_SQL = f"""SELECT {SETTINGS.columns()}
    FROM {table(StudySettings)} x WHERE x.user_id = %(user)s"""  # noqa: S608


def study_settings_for(user: User) -> StudySettings:
    """The learner's study settings, or unsaved defaults when they never changed them (no write).

    One hand-written query (see :mod:`studyapp.core.rows`): every review page reads them."""
    row = row_read(SETTINGS_SQL, {"user": user.pk}, (SETTINGS,))
    return row[0] if row is not None else StudySettings(user=user)


@cache
def settings_with_schedule_sql(schedule: type[Model], item: str) -> tuple[str, Selected]:
    """The query of :func:`study_settings_with_schedule` for one kind of schedule."""
    schedules = Selected(schedule, "s")
    sql = f"""SELECT {SETTINGS.columns()}, {schedules.columns()}
    FROM {table(User)} u
    LEFT JOIN {table(StudySettings)} x ON x.user_id = u.id
    LEFT JOIN {table(schedule)} s ON s.user_id = u.id AND s.{item} = %(item)s
    WHERE u.id = %(user)s"""  # noqa: S608
    return sql, schedules


def study_settings_with_schedule[S: Model](
    user: User, *, schedule: type[S], item: str, item_id: int
) -> tuple[StudySettings, S | None]:
    """The learner's study settings (unsaved defaults when they never changed them) and their
    schedule of one item, or None, in one hand-written query (see :mod:`studyapp.core.rows`):
    ``schedule`` is the model of the learner's schedules (a card's, a question's), ``item`` its
    column naming the item (``card_id``, ``question_id``) and ``item_id`` the item."""
    sql, schedules = settings_with_schedule_sql(schedule, item)
    settings, found = row_read(sql, {"user": user.pk, "item": item_id}, (SETTINGS, schedules))
    return settings if settings is not None else StudySettings(user=user), found


def fuzzing_enabled() -> bool:
    """Fuzz spreads review intervals a little (as Anki does); tests turn it off for exact dates.

    The setting ``FSRS_ENABLE_FUZZING`` (environment variable of the same name, default on).
    """
    return django_settings.FSRS_ENABLE_FUZZING


def scheduler_for(
    settings: StudySettings | None, *, enable_fuzzing: bool | None = None
) -> fsrs.Scheduler:
    """An ``fsrs.Scheduler`` configured by the learner's settings (library defaults without)."""
    settings = settings if settings is not None else StudySettings()
    if enable_fuzzing is None:
        enable_fuzzing = fuzzing_enabled()
    parameters = settings.parameters or fsrs.scheduler.DEFAULT_PARAMETERS
    return fsrs.Scheduler(
        parameters=parameters,
        desired_retention=settings.desired_retention,
        learning_steps=[timedelta(minutes=m) for m in settings.learning_steps],
        relearning_steps=[timedelta(minutes=m) for m in settings.relearning_steps],
        maximum_interval=settings.maximum_interval,
        enable_fuzzing=enable_fuzzing,
    )


def fsrs_card_from_state(fsrs_state: dict | None, *, now: datetime) -> fsrs.Card:
    """The FSRS card stored as a dict, or a new card (due now) when there is none yet."""
    if fsrs_state is None:
        # The library's own default id (epoch milliseconds), without its 1 ms sleep.
        return fsrs.Card(card_id=int(now.timestamp() * 1000), due=now)
    card = fsrs.Card.from_dict(fsrs_state)
    card.due = utc(card.due)
    card.last_review = utc(card.last_review) if card.last_review else None
    return card


def fsrs_review(
    *,
    fsrs_state: dict | None,
    rating: Rating | int,
    reviewed_at: datetime,
    duration_ms: int | None,
    settings: StudySettings | None = None,
) -> FsrsOutcome:
    """Apply one answer (1 Again, 2 Hard, 3 Good, 4 Easy) to an FSRS state; None is a new card.

    ``reviewed_at`` may be any aware datetime; it is converted to UTC for ``fsrs``.
    """
    if rating not in RATINGS:
        raise ValueError(f"rating must be 1, 2, 3 or 4, not {rating!r}")
    reviewed_at = utc(reviewed_at)
    scheduler = scheduler_for(settings)
    card = fsrs_card_from_state(fsrs_state, now=reviewed_at)
    card, log = scheduler.review_card(card, fsrs.Rating(rating), reviewed_at, duration_ms)
    return FsrsOutcome(
        fsrs_state=card.to_dict(),
        due=utc(card.due),
        state=FsrsState(card.state.value),
        review_log=log.to_dict(),
    )


def schedule_preview(
    *, fsrs_state: dict | None, now: datetime, settings: StudySettings | None = None
) -> dict[int, timedelta]:
    """The interval each rating would give now (without fuzz), for the answer buttons."""
    now = utc(now)
    scheduler = scheduler_for(settings, enable_fuzzing=False)
    card = fsrs_card_from_state(fsrs_state, now=now)
    preview = {}
    for rating in RATINGS:
        reviewed, _ = scheduler.review_card(card, fsrs.Rating(rating), now)
        preview[rating] = reviewed.due - now
    return preview


def interval_label(interval: timedelta) -> str:
    """A short human interval as Anki shows it: 1m, 10m, 3h, 4d, 2.1mo, 1.5y."""
    minutes = interval.total_seconds() / 60
    if minutes < 60:
        return f"{max(1, round(minutes))}m"
    hours = minutes / 60
    if hours < 24:
        return f"{round(hours)}h"
    days = hours / 24
    if days < 30:
        return f"{round(days)}d"
    if days < 365:
        return f"{days / 30:.1f}mo".replace(".0mo", "mo")
    return f"{days / 365:.1f}y".replace(".0y", "y")
