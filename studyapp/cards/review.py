"""Review sessions: which card comes next, recording answers, undo, suspend, bury and leeches.

The order follows Anki: learning cards that are due first, then reviews due today, the most at
risk first (relative overdueness: days since the last review divided by the stability, which
orders by FSRS retrievability), then new cards in course order up to the daily limit, and when
nothing else is left, learning cards due within the next 20 minutes. Days start at the
learner's ``day_starts_at_hour`` in their own time zone.

A card gets its :class:`CardSchedule` row on its first answer; until then it is new. Every answer
writes a :class:`ReviewLog` row holding the schedule as it was, which is what undo restores.
:func:`review_next` and :func:`review_record` each run a fixed number of SQL queries, whatever
the number of cards or reviews.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.db import IntegrityError, connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from studyapp.accounts.models import User
from studyapp.cards.models import (
    Card,
    CardSchedule,
    FsrsState,
    Note,
    NoteOverride,
    Rating,
    ReviewLog,
    StudySettings,
)
from studyapp.cards.overrides import OVERRIDE
from studyapp.cards.scheduling import (
    RATINGS,
    fsrs_card_from_state,
    fsrs_review,
    interval_label,
    schedule_preview,
    study_settings_for,
    study_settings_with_schedule,
    utc,
)
from studyapp.core.errors import Conflict
from studyapp.core.rows import Selected, row_insert, row_read, row_update, table
from studyapp.topics.models import Course, Section, Topic

LEARN_AHEAD = timedelta(minutes=20)
LEECH_THRESHOLD = 8  # lapses that make a card a leech ...
LEECH_EVERY = 4  # ... and again every 4 lapses after that
LEECH_TAG = "leech"
LEARNING_STATES = (FsrsState.LEARNING, FsrsState.RELEARNING)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# -- days -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StudyDay:
    start: datetime  # UTC
    end: datetime  # UTC, the start of the next study day


def study_day(*, now: datetime, time_zone: str, starts_at_hour: int) -> StudyDay:
    """The learner's study day around ``now``: from ``starts_at_hour`` local time to the next."""
    zone = ZoneInfo(time_zone or "UTC")
    local = utc(now).astimezone(zone)
    day = local.date()
    if local.time() < time(starts_at_hour):
        day -= timedelta(days=1)
    start = datetime.combine(day, time(starts_at_hour), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(starts_at_hour), tzinfo=zone)
    return StudyDay(start=utc(start), end=utc(end))


def study_day_for(user: User, settings: StudySettings, *, now: datetime) -> StudyDay:
    return study_day(now=now, time_zone=user.time_zone, starts_at_hour=settings.day_starts_at_hour)


def epoch_days(moment: datetime) -> float:
    return (moment - EPOCH).total_seconds() / 86400


# -- queues -----------------------------------------------------------------------------------


def cards_studied(*, topic: Topic | None = None) -> QuerySet[Card]:
    """Every card a learner studies: active cards of active notes, of visible topics."""
    cards = Card.objects.studied()
    if topic is not None:
        cards = cards.filter(note__topic=topic)
    return cards


@dataclass(frozen=True)
class ReviewCounts:
    new: int
    learning: int
    review: int

    @property
    def total(self) -> int:
        return self.new + self.learning + self.review


@dataclass(frozen=True)
class ReviewCard:
    """A card to show, with what the answer form needs."""

    card: Card
    schedule: CardSchedule | None  # None: a new card
    queue: str  # "new", "learning" or "review"
    version: int  # the schedule's version the answer must match (0 for a new card)
    override: NoteOverride | None = None  # the learner's own text of the card's note, if any


@dataclass(frozen=True)
class ReviewQueue:
    current: ReviewCard | None
    counts: ReviewCounts
    learning_later: datetime | None  # when the next learning card comes back today, if any
    day: StudyDay


# The queue in one hand-written query: the counts and the first learning and review card. Written
# as SQL (standard enough for SQLite and PostgreSQL) because building it with the ORM costs more
# time in Python than running it. Table names come from the models; values are parameters.
# New cards are only counted up to the daily limit (the counter never shows more, and the count
# stops early instead of checking every card of the course); the first new card is picked by
# NEW_PICK_SQL only when a new card is what comes next, since ordering every new card by course
# position is the most expensive part of the queue.
TOPIC_VISIBLE_JOINS = f"""
    JOIN {table(Section)} z ON z.id = t.section_id AND z.archived_at IS NULL
    JOIN {table(Course)} k ON k.id = t.course_id AND k.archived_at IS NULL"""
STUDIED_JOINS = f"""
    JOIN {table(Note)} n ON n.id = c.note_id AND n.archived_at IS NULL
    JOIN {table(Topic)} t ON t.id = n.topic_id AND t.archived_at IS NULL{TOPIC_VISIBLE_JOINS}"""
SCHEDULES = f"""
    FROM {table(CardSchedule)} s
    JOIN {table(Card)} c ON c.id = s.card_id AND c.archived_at IS NULL{STUDIED_JOINS}
    WHERE s.user_id = %(user)s AND s.suspended = %(no)s
      AND (s.buried_until IS NULL OR s.buried_until <= %(now)s){{topic}}"""
LEARNING = SCHEDULES + (
    f" AND s.state IN ({FsrsState.LEARNING:d}, {FsrsState.RELEARNING:d}) AND s.due < %(day_end)s"
)
REVIEWS = SCHEDULES + f" AND s.state = {FsrsState.REVIEW:d} AND s.due < %(day_end)s{{bury}}"
NEW = f"""
    FROM {table(Card)} c{STUDIED_JOINS}
    WHERE c.archived_at IS NULL{{topic}}
      AND NOT EXISTS (SELECT 1 FROM {table(CardSchedule)} x
                      WHERE x.user_id = %(user)s AND x.card_id = c.id){{bury}}"""  # noqa: S608
BURIED = f"""
      AND n.id NOT IN (SELECT b.note_id FROM {table(CardSchedule)} b
                       WHERE b.user_id = %(user)s AND b.last_review >= %(day_start)s)"""  # noqa: S608
# What counts a learner's queue today: the review queue's own columns and the cohort table's.
COUNTED_SQL = f"""(SELECT COUNT(*) {LEARNING}) AS learning,
    (SELECT COUNT(*) {REVIEWS}) AS reviews_due,
    (SELECT COUNT(*) FROM (SELECT 1 {NEW} LIMIT %(new_cap)s) capped) AS new_available,
    (SELECT COUNT(*) FROM {table(CardSchedule)} i
     WHERE i.user_id = %(user)s AND i.introduced_at >= %(day_start)s) AS introduced,
    (SELECT COUNT(*) FROM {table(ReviewLog)} r
     WHERE r.user_id = %(user)s AND r.reviewed_at >= %(day_start)s AND r.state_before = 2)
     AS reviews_done"""  # noqa: S608
COUNTED_COLUMNS = ("learning", "reviews_due", "new_available", "introduced", "reviews_done")
QUEUE_SQL = f"""SELECT
    {COUNTED_SQL},
    (SELECT COUNT(*) {LEARNING} AND s.due <= %(now)s) AS learning_now,
    (SELECT MIN(s.due) {LEARNING}) AS learning_next,
    (SELECT s.id {LEARNING} AND s.due <= %(ahead)s ORDER BY s.due, s.id LIMIT 1) AS learning_pick,
    (SELECT s.id {REVIEWS}
     ORDER BY (%(now_days)s - s.last_review_days) / s.stability DESC, s.id LIMIT 1) AS review_pick
"""
NEW_PICK_SQL = f"SELECT c.id {NEW} ORDER BY k.position, t.position, n.id, c.ordinal LIMIT 1"
QUEUE_COLUMNS = (
    *COUNTED_COLUMNS,
    "learning_now",
    "learning_next",
    "learning_pick",
    "review_pick",
)


@lru_cache(maxsize=16)
def queue_sql(*, topic: bool, bury: bool, new_pick: bool = False) -> str:
    return (NEW_SHOWN_SQL if new_pick else QUEUE_SQL).format(
        topic=" AND n.topic_id = %(topic)s" if topic else "", bury=BURIED if bury else ""
    )


# Every visible topic (see topics.models.topic_visible_q), for the topic filter.
TOPICS_VISIBLE_SQL = f"""SELECT k.slug, k.title, t.slug, t.title
    FROM {table(Topic)} t{TOPIC_VISIBLE_JOINS}
    WHERE t.archived_at IS NULL
    ORDER BY k.position, t.position"""  # noqa: S608


def topics_visible() -> list[tuple[str, str, str, str]]:
    """Every visible topic as (course slug, course title, topic slug, topic title), in course
    order, in one hand-written query as the queue is (the review page shows them as a filter)."""
    with connection.cursor() as cursor:
        cursor.execute(TOPICS_VISIBLE_SQL)
        return cursor.fetchall()


def datetime_from_db(value) -> datetime | None:
    """A datetime as the database returned it from raw SQL (SQLite gives text), in UTC."""
    if value is None or isinstance(value, datetime):
        return utc(value) if value is not None else None
    parsed = parse_datetime(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else utc(parsed)


def queue_params(
    user: User, settings: StudySettings, *, now: datetime, day: StudyDay, topic: Topic | None
) -> dict:
    when = connection.ops.adapt_datetimefield_value
    return {
        "user": user.pk,
        "no": False,
        "now": when(now),
        "ahead": when(now + LEARN_AHEAD),
        "day_start": when(day.start),
        "day_end": when(day.end),
        "now_days": epoch_days(now),
        "topic": topic.pk if topic is not None else None,
        "new_cap": settings.new_per_day,
    }


def queue_numbers(
    user: User, settings: StudySettings, *, now: datetime, day: StudyDay, topic: Topic | None
) -> dict:
    """Every number of the queue and the first learning and review card, in one query."""
    params = queue_params(user, settings, now=now, day=day, topic=topic)
    sql = queue_sql(topic=topic is not None, bury=settings.bury_siblings)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = dict(zip(QUEUE_COLUMNS, cursor.fetchone(), strict=True))
    row["learning_next"] = datetime_from_db(row["learning_next"])
    row["counts"] = counts_within_limits(row, settings)
    return row


def counts_within_limits(row: dict, settings: StudySettings) -> ReviewCounts:
    """What is left today: new and review cards within the learner's daily limits."""
    new_left = max(0, settings.new_per_day - row["introduced"])
    reviews_left = max(0, settings.reviews_per_day - row["reviews_done"])
    return ReviewCounts(
        new=min(row["new_available"], new_left),
        learning=row["learning"],
        review=min(row["reviews_due"], reviews_left),
    )


# The counting columns of QUEUE_SQL, for one learner among many (see review_counts_of).
COUNTS_SQL = f"""SELECT {{learner:d}} AS learner, {COUNTED_SQL}"""
COUNTS_COLUMNS = ("learner", *COUNTED_COLUMNS)


def review_counts_of(
    users: Iterable[User], *, now: datetime, settings: dict[int, StudySettings]
) -> dict[int, ReviewCounts]:
    """Each learner's review-queue counts today, by user id: what :func:`review_next` counts
    for them (their own time zone, day start and daily limits), in one query for them all.

    ``settings``: the learners' saved study settings by user id (missing: the defaults).

    The statement names each learner by their place in ``users``, never by their id: its text
    is then the same for every learner whose dashboard asks (and for every cohort of a size),
    so PostgreSQL prepares it once per connection instead of planning it at every request.
    """
    now = utc(now)
    parts, params, chosen = [], {}, []
    for place, user in enumerate(users):
        mine = settings.get(user.pk) or StudySettings(user_id=user.pk)
        chosen.append((user.pk, mine))
        day = study_day_for(user, mine, now=now)
        values = queue_params(user, mine, now=now, day=day, topic=None)
        sql = COUNTS_SQL.format(learner=place, topic="", bury=BURIED if mine.bury_siblings else "")
        parts.append(NAMED_PARAMETER.sub(rf"%(\1_{place:d})s", sql))
        params.update({f"{name}_{place:d}": value for name, value in values.items()})
    if not parts:
        return {}
    with connection.cursor() as cursor:
        cursor.execute("\nUNION ALL\n".join(parts), params)
        rows = [dict(zip(COUNTS_COLUMNS, row, strict=True)) for row in cursor.fetchall()]
    counts = {}
    for row in rows:
        pk, mine = chosen[row["learner"]]
        counts[pk] = counts_within_limits(row, mine)
    return counts


NAMED_PARAMETER = re.compile(r"%\((\w+)\)s")


# -- the card shown ---------------------------------------------------------------------------


# The card to show with its note, topic and course and the learner's own text of the note, in
# one hand-written query as the queue is (the ORM's select_related with the override's filtered
# join took longer to build than the queue's query takes to run): either the schedule the queue
# picked (the learner's own) or the first new card in course order (NEW_PICK_SQL).
SHOWN = (
    Selected(Card, "c"),
    Selected(Note, "n"),
    Selected(Topic, "t"),
    Selected(Course, "k"),
    Selected(NoteOverride, "o"),
)
SCHEDULE = Selected(CardSchedule, "s")
SHOWN_JOINS = f"""
    JOIN {table(Note)} n ON n.id = c.note_id
    JOIN {table(Topic)} t ON t.id = n.topic_id
    JOIN {table(Course)} k ON k.id = t.course_id
    LEFT JOIN {table(NoteOverride)} o ON o.note_id = n.id AND o.user_id = %(user)s"""
SHOWN_COLUMNS = ", ".join(part.columns() for part in SHOWN)
SCHEDULE_SHOWN_SQL = f"""SELECT {SCHEDULE.columns()}, {SHOWN_COLUMNS}
    FROM {table(CardSchedule)} s
    JOIN {table(Card)} c ON c.id = s.card_id{SHOWN_JOINS}
    WHERE s.id = %(pick)s AND s.user_id = %(user)s"""  # noqa: S608
NEW_SHOWN_SQL = f"""SELECT {SHOWN_COLUMNS}
    FROM {table(Card)} c{SHOWN_JOINS}
    WHERE c.id = ({NEW_PICK_SQL})"""  # noqa: S608


def card_joined(card: Card, note: Note, topic: Topic, course: Course) -> Card:
    """``card`` with its note, topic and course at hand, as ``select_related`` leaves them."""
    topic.course = course
    note.topic = topic
    card.note = note
    return card


def schedule_shown(user: User, *, pick: int, queue: str) -> ReviewCard:
    """The learner's schedule ``pick`` as the card to show, in one query."""
    row = row_read(SCHEDULE_SHOWN_SQL, {"user": user.pk, "pick": pick}, (SCHEDULE, *SHOWN))
    if row is None:
        raise CardSchedule.DoesNotExist(pick)
    schedule, card, note, topic, course, override = row
    schedule.card = card_joined(card, note, topic, course)
    return ReviewCard(schedule.card, schedule, queue, schedule.version, override)


def new_card_first(
    user: User, settings: StudySettings, *, now: datetime, day: StudyDay, topic: Topic | None
) -> ReviewCard | None:
    """The first new card in course order, to show, in one query; None when there is none."""
    params = queue_params(user, settings, now=now, day=day, topic=topic)
    sql = queue_sql(topic=topic is not None, bury=settings.bury_siblings, new_pick=True)
    row = row_read(sql, params, SHOWN)
    if row is None:
        return None
    card, note, card_topic, course, override = row
    return ReviewCard(card_joined(card, note, card_topic, course), None, "new", 0, override)


def review_next(
    user: User,
    *,
    now: datetime,
    topic: Topic | None = None,
    settings: StudySettings | None = None,
) -> ReviewQueue:
    """The next card to show and what is left today, in three queries. The card comes with
    the learner's override of its note (their own text), if any, in the same query.

    ``settings``: the learner's study settings when the caller has just read them (an answer
    does), saving a query.
    """
    now = utc(now)
    if settings is None:
        settings = study_settings_for(user)
    day = study_day_for(user, settings, now=now)
    numbers = queue_numbers(user, settings, now=now, day=day, topic=topic)
    counts: ReviewCounts = numbers["counts"]
    current = None
    if numbers["learning_now"]:
        current = schedule_shown(user, pick=numbers["learning_pick"], queue="learning")
    elif counts.review:
        current = schedule_shown(user, pick=numbers["review_pick"], queue="review")
    elif counts.new:
        current = new_card_first(user, settings, now=now, day=day, topic=topic)
    if current is None and numbers["learning_pick"]:
        # Nothing else left: a learning card due within 20 minutes is shown early (as in Anki).
        current = schedule_shown(user, pick=numbers["learning_pick"], queue="learning")
    return ReviewQueue(
        current=current, counts=counts, learning_later=numbers["learning_next"], day=day
    )


def answer_intervals(
    current: ReviewCard, *, now: datetime, settings: StudySettings
) -> dict[int, str]:
    """What each rating would give, as button labels (1m, 10m, 4d ...)."""
    state = current.schedule.fsrs_card if current.schedule is not None else None
    preview = schedule_preview(fsrs_state=state, now=now, settings=settings)
    return {rating: interval_label(preview[rating]) for rating in RATINGS}


# -- answering --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewRecorded:
    recorded: bool  # False: a replay of an answer already recorded (or a stale form)
    schedule: CardSchedule | None
    became_leech: bool = False
    settings: StudySettings | None = None  # the learner's, as read for this answer


class StaleAnswer(Conflict):
    """The schedule changed since the form was shown: the answer is not recorded again."""


def schedule_snapshot(schedule: CardSchedule) -> dict:
    def when(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment else None

    return {
        "fsrs_card": schedule.fsrs_card,
        "due": when(schedule.due),
        "state": schedule.state,
        "stability": schedule.stability,
        "last_review": when(schedule.last_review),
        "last_review_days": schedule.last_review_days,
        "introduced_at": when(schedule.introduced_at),
        "reps": schedule.reps,
        "lapses": schedule.lapses,
        "suspended": schedule.suspended,
        "buried_until": when(schedule.buried_until),
        "leech": schedule.leech,
    }


def snapshot_fields(snapshot: dict) -> dict:
    def when(value: str | None) -> datetime | None:
        return datetime.fromisoformat(value) if value else None

    return {
        **snapshot,
        "due": when(snapshot["due"]),
        "last_review": when(snapshot["last_review"]),
        "introduced_at": when(snapshot["introduced_at"]),
        "buried_until": when(snapshot["buried_until"]),
    }


def is_leech_lapse(lapses: int) -> bool:
    return lapses >= LEECH_THRESHOLD and (lapses - LEECH_THRESHOLD) % LEECH_EVERY == 0


def review_record(
    *,
    user: User,
    card: Card,
    rating: int,
    duration_ms: int | None,
    now: datetime,
    version: int | None = None,
) -> ReviewRecorded:
    """Record one answer and reschedule the card through FSRS.

    ``version`` is the schedule version the answer form was built for (0 for a new card). When it
    no longer matches, the form was already answered (a double click, a resubmitted page, a
    second tab): nothing is recorded and ``recorded`` is False. Five queries at most.
    """
    now = utc(now)
    settings, schedule = study_settings_with_schedule(
        user, schedule=CardSchedule, item="card_id", item_id=card.pk
    )
    if duration_ms is not None:
        duration_ms = max(0, min(int(duration_ms), 24 * 3600 * 1000))
    current_version = schedule.version if schedule is not None else 0
    if schedule is not None and schedule.introduced_at is None:
        current_version = 0  # a new card that was only suspended
    if version is not None and version != current_version:
        return ReviewRecorded(recorded=False, schedule=schedule, settings=settings)
    before = schedule_snapshot(schedule) if schedule is not None and current_version else None
    outcome = fsrs_review(
        fsrs_state=before["fsrs_card"] if before else None,
        rating=rating,
        reviewed_at=now,
        duration_ms=duration_ms,
        settings=settings,
    )
    state_after = outcome.state
    state_before = schedule.state if before else None
    lapses = schedule.lapses if before else 0
    leech = schedule.leech if before else False
    suspended = schedule.suspended if schedule is not None else False
    became_leech = False
    if state_before == FsrsState.REVIEW and rating == Rating.AGAIN:
        lapses += 1
        if is_leech_lapse(lapses):
            leech = became_leech = True
            if settings.leech_action == StudySettings.LeechAction.SUSPEND:
                suspended = True
    last_review = datetime.fromisoformat(outcome.fsrs_state["last_review"])
    values = {
        "fsrs_card": outcome.fsrs_state,
        "due": outcome.due,
        "state": state_after,
        "stability": outcome.fsrs_state["stability"],
        "last_review": last_review,
        "last_review_days": epoch_days(last_review),
        "reps": (schedule.reps if before else 0) + 1,
        "lapses": lapses,
        "leech": leech,
        "suspended": suspended,
        "buried_until": None,
    }
    elapsed_days = (now - schedule.last_review).days if before and schedule.last_review else None
    try:
        with transaction.atomic():
            if schedule is None:
                schedule = CardSchedule.objects.create(
                    user=user, card=card, note_id=card.note_id, introduced_at=now, **values
                )
            else:
                read_version = schedule.version
                values["version"] = read_version + 1
                if not before:
                    values["introduced_at"] = now
                for name, value in values.items():
                    setattr(schedule, name, value)
                if not row_update(schedule, tuple(values), matching={"version": read_version}):
                    raise StaleAnswer
            row_insert(
                ReviewLog,
                {
                    "user_id": user.pk,
                    "card_id": card.pk,
                    "rating": rating,
                    "reviewed_at": now,
                    "duration_ms": duration_ms,
                    "elapsed_days": elapsed_days,
                    "state_before": state_before,
                    "state_after": state_after,
                    "due_before": schedule_due_before(before),
                    "due_after": outcome.due,
                    "schedule_before": before,
                    "fsrs_review_log": outcome.review_log,
                    "created_at": timezone.now(),
                },
            )
    except (IntegrityError, StaleAnswer):
        return ReviewRecorded(recorded=False, schedule=None, settings=settings)
    return ReviewRecorded(
        recorded=True, schedule=schedule, became_leech=became_leech, settings=settings
    )


def schedule_due_before(before: dict | None) -> datetime | None:
    return datetime.fromisoformat(before["due"]) if before else None


@dataclass(frozen=True)
class ReviewUndone:
    card: Card
    rating: int


def review_undo(*, user: User, now: datetime) -> ReviewUndone | None:
    """Take back the learner's last answer of the current study day; None when there is none."""
    now = utc(now)
    settings = study_settings_for(user)
    day = study_day_for(user, settings, now=now)
    log = (
        ReviewLog.objects.filter(user=user, reviewed_at__gte=day.start)
        .select_related("card__note__topic__course")
        .order_by("-reviewed_at", "-pk")
        .first()
    )
    if log is None:
        return None
    with transaction.atomic():
        schedule = CardSchedule.objects.filter(user=user, card=log.card_id).first()
        if schedule is not None:
            if log.schedule_before is None:
                schedule.delete()
            else:
                fields = snapshot_fields(log.schedule_before)
                CardSchedule.objects.filter(pk=schedule.pk).update(
                    **fields, version=schedule.version + 1
                )
        log.delete()
    return ReviewUndone(card=log.card, rating=log.rating)


# -- suspend and bury -------------------------------------------------------------------------


def schedule_for_change(*, user: User, card: Card, now: datetime) -> CardSchedule:
    """The learner's schedule of ``card``, creating a placeholder for a new card (not introduced).

    A placeholder keeps a suspended or buried new card out of the new queue; it is removed again
    when the card is unsuspended, so the card is new once more.
    """
    schedule = CardSchedule.objects.filter(user=user, card=card).first()
    if schedule is not None:
        return schedule
    placeholder = fsrs_card_from_state(None, now=utc(now))
    return CardSchedule.objects.create(
        user=user,
        card=card,
        note_id=card.note_id,
        fsrs_card=placeholder.to_dict(),
        due=utc(now),
        state=CardSchedule.State.LEARNING,
        introduced_at=None,
    )


def card_suspend(*, user: User, card: Card, now: datetime) -> CardSchedule:
    """Take the card out of the learner's reviews until they unsuspend it."""
    with transaction.atomic():
        schedule = schedule_for_change(user=user, card=card, now=now)
        CardSchedule.objects.filter(pk=schedule.pk).update(suspended=True, version=F("version") + 1)
    schedule.refresh_from_db()
    return schedule


def card_unsuspend(*, user: User, card: Card, now: datetime) -> CardSchedule | None:
    """Put a suspended card back into the reviews (a never-answered card becomes new again)."""
    schedule = CardSchedule.objects.filter(user=user, card=card).first()
    if schedule is None:
        return None
    if schedule.introduced_at is None:
        schedule.delete()
        return None
    CardSchedule.objects.filter(pk=schedule.pk).update(suspended=False, version=F("version") + 1)
    schedule.refresh_from_db()
    return schedule


def card_bury(*, user: User, card: Card, now: datetime) -> CardSchedule:
    """Hide the card until the learner's next study day."""
    settings = study_settings_for(user)
    day = study_day_for(user, settings, now=utc(now))
    with transaction.atomic():
        schedule = schedule_for_change(user=user, card=card, now=now)
        CardSchedule.objects.filter(pk=schedule.pk).update(
            buried_until=day.end, version=F("version") + 1
        )
    schedule.refresh_from_db()
    return schedule


# -- summaries --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewSummary:
    answered: int
    again: int
    seconds: int
    by_rating: dict[int, int]
    due_tomorrow: int


# What the learner did today and what waits tomorrow, in one hand-written query as the queue is.
SUMMARY_SQL = f"""SELECT COUNT(*),
    {", ".join(f"SUM(CASE WHEN r.rating = {rating:d} THEN 1 ELSE 0 END)" for rating in RATINGS)},
    SUM(r.duration_ms),
    (SELECT COUNT(*) {SCHEDULES.format(topic="")}
     AND s.due >= %(day_end)s AND s.due < %(tomorrow_end)s)
    FROM {table(ReviewLog)} r
    WHERE r.user_id = %(user)s AND r.reviewed_at >= %(day_start)s"""  # noqa: S608


def review_summary(*, user: User, now: datetime, day: StudyDay) -> ReviewSummary:
    """What the learner did today and what waits tomorrow (``day``: their study day, as
    :func:`review_next` found it)."""
    when = connection.ops.adapt_datetimefield_value
    params = {
        "user": user.pk,
        "no": False,
        "now": when(utc(now)),
        "day_start": when(day.start),
        "day_end": when(day.end),
        "tomorrow_end": when(day.end + timedelta(days=1)),
    }
    with connection.cursor() as cursor:
        cursor.execute(SUMMARY_SQL, params)
        answered, *rated, milliseconds, due_tomorrow = cursor.fetchone()
    by_rating = {rating: count or 0 for rating, count in zip(RATINGS, rated, strict=True)}
    return ReviewSummary(
        answered=answered,
        again=by_rating[Rating.AGAIN],
        seconds=round((milliseconds or 0) / 1000),
        by_rating=by_rating,
        due_tomorrow=due_tomorrow,
    )


# A studied card by id (see cards_studied) with its note, topic and course and a learner's own
# text of the note, in one hand-written query as the card shown is: the reveal and the answer
# read it at every card, and the ORM's query with its joins, filters and the override's filtered
# join took longer to build than to run.
CARD_STUDIED_SQL = f"""SELECT {SHOWN_COLUMNS}
    FROM {table(Card)} c{STUDIED_JOINS}
    LEFT JOIN {table(NoteOverride)} o ON o.note_id = n.id AND o.user_id = %(user)s
    WHERE c.id = %(card)s AND c.archived_at IS NULL"""  # noqa: S608


def card_for_learner(*, card_id: int, user: User | None = None) -> Card:
    """A studied card by id, with its note, topic and course, or DoesNotExist.

    With ``user``, the card carries that learner's override of its note (read it with
    :func:`studyapp.cards.overrides.joined_override`), in the same query.
    """
    row = row_read(CARD_STUDIED_SQL, {"card": card_id, "user": getattr(user, "pk", None)}, SHOWN)
    if row is None:
        raise Card.DoesNotExist(card_id)
    card, note, topic, course, override = row
    card = card_joined(card, note, topic, course)
    setattr(card, OVERRIDE, override)
    return card


# The learner's schedule of one card (one at most), as the reveal reads it for the intervals it
# shows, in SQL kept once as the card's own read is.
SCHEDULE_OF_SQL = f"""SELECT {SCHEDULE.columns()} FROM {table(CardSchedule)} s
    WHERE s.user_id = %(user)s AND s.card_id = %(card)s"""  # noqa: S608


def schedule_of(*, user: User, card: Card) -> CardSchedule | None:
    """The learner's schedule of ``card``; None before their first answer."""
    row = row_read(SCHEDULE_OF_SQL, {"user": user.pk, "card": card.pk}, (SCHEDULE,))
    return None if row is None else row[0]
