"""Database reads for the dashboards: each one query, aggregated in the database.

Every function here runs a fixed number of queries (most exactly one) whatever the number of
reviews, answers or learners it summarises: rows are grouped (``GROUP BY``) on indexed columns
(``user, reviewed_at``; ``user, due``) and only the groups come back.

Days are the learner's study days (from the day-start hour, in the learner's time zone). The
database groups rows by UTC quarter-hour (plain arithmetic on SQLite and PostgreSQL alike, no
per-row function calls) and Python folds the few hundred buckets into study days: exact, because
every time zone's offset and every day start is a whole number of quarter-hours. A learner's
answers per quarter-hour are also kept by the database as they are stored (``StudyQuarter``),
so the dashboard reads those sums (:func:`study_days`) instead of grouping the whole history;
:func:`card_reviews_by_day` and :func:`question_reviews_by_day` remain the figures' definition.
In the same way a learner's graded quiz answers are kept added up per topic (``TopicAnswers``)
for :func:`learner_topic_accuracy`, and per exam domain and quarter-hour (``DomainQuarter``) for
:func:`domain_answers`; :func:`topic_accuracy` and :func:`domain_rows` remain the definitions.

The learner's dashboard runs its reads prepared (:mod:`studyapp.progress.prepared`): the same
querysets, compiled to SQL once per process (``learner_*`` and the upper-case names below).

These read other apps' models (cards, quizzes, topics, accounts, sandbox) without changing them.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import TypedDict
from zoneinfo import ZoneInfo

from django.db.models import (
    Avg,
    Case,
    Count,
    DateTimeField,
    Expression,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Floor, Greatest, Power
from django.urls import reverse

from studyapp.accounts.models import Cohort, Membership, User
from studyapp.cards.models import CardSchedule, ReviewLog, StudySettings, schedule_studied_q
from studyapp.cards.review import EPOCH, StudyDay, epoch_days
from studyapp.cards.scheduling import scheduler_for
from studyapp.progress.models import DomainQuarter, StudyQuarter, TopicAnswers
from studyapp.progress.prepared import Parameter, Prepared, moment
from studyapp.quizzes.assignments import (
    assignments_of_learner,
    cohort_assignments,
    cohort_assignments_done,
    learner_assignments,
)
from studyapp.quizzes.models import (
    Attempt,
    AttemptQuestion,
    QuestionReview,
    QuestionSchedule,
    question_asked_q,
)
from studyapp.quizzes.selectors import questions_due_before
from studyapp.topics.models import Course, ReadingProgress, Topic, topic_visible_q

MATURE_DAYS = 21
REVIEW = CardSchedule.State.REVIEW


# -- days -------------------------------------------------------------------------------------


class EpochDays(Func):
    """A timestamp as (fractional) days since the Unix epoch, on SQLite and PostgreSQL.

    Django's duration arithmetic is not portable here (on SQLite a sum of durations comes back
    as text), so intervals are plain numbers of days instead."""

    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, template="(julianday(%(expressions)s) - 2440587.5)"
        )

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, template="(EXTRACT(EPOCH FROM %(expressions)s) / 86400.0)"
        )


QUARTERS_A_DAY = 96


def quarter_hour(field: str) -> Floor:
    """Which UTC quarter-hour since the epoch a timestamp falls in (plain SQL on both
    databases: no per-row Python function on SQLite). Every time zone's offset and every day
    start is a whole number of quarter-hours, so each bucket lies within one study day; the
    tiny nudge keeps a timestamp exactly on a boundary from rounding into the bucket before."""
    return Floor(EpochDays(field) * Value(float(QUARTERS_A_DAY)) + Value(1e-6))


def bucket_study_date(bucket: object, *, zone: ZoneInfo, day_starts_at_hour: int) -> date:
    """The learner's study day of a quarter-hour bucket (see :func:`quarter_hour`)."""
    return _bucket_study_date(int(bucket), zone, day_starts_at_hour)


@lru_cache(maxsize=4096)
def _bucket_study_date(bucket: int, zone: ZoneInfo, day_starts_at_hour: int) -> date:
    # The definition: bucket_day_number gives the same by arithmetic, and asks this only on
    # days when the zone's offset changes.
    moment = EPOCH + timedelta(minutes=15 * bucket)
    return (moment.astimezone(zone) - timedelta(hours=day_starts_at_hour)).date()


EPOCH_ORDINAL = EPOCH.date().toordinal()


@lru_cache(maxsize=16_384)
def utc_day_offset(day: int, zone: ZoneInfo) -> int | None:
    """``zone``'s UTC offset in quarter-hours all through the UTC day ``day`` (days since the
    epoch), or None when it changes during that day (or is not whole quarter-hours)."""
    start = EPOCH + timedelta(days=day)
    first = start.astimezone(zone).utcoffset()
    last = (start + timedelta(minutes=15 * (QUARTERS_A_DAY - 1))).astimezone(zone).utcoffset()
    seconds = int(first.total_seconds())
    if first != last or seconds % 900:
        return None
    return seconds // 900


def bucket_day_number(bucket: int, zone: ZoneInfo, day_starts_at_hour: int) -> int:
    """:func:`bucket_study_date` as days since the epoch, by integer arithmetic: the bucket's
    local wall-clock quarter-hour, less the day start, in whole days."""
    offset = utc_day_offset(bucket // QUARTERS_A_DAY, zone)
    if offset is None:  # a change of offset that day: the date library decides
        return _bucket_study_date(bucket, zone, day_starts_at_hour).toordinal() - EPOCH_ORDINAL
    return (bucket + offset - 4 * day_starts_at_hour) // QUARTERS_A_DAY


def day_of_number(number: int) -> date:
    return date.fromordinal(EPOCH_ORDINAL + number)


def by_study_day(
    rows: Iterable[dict], *, zone: ZoneInfo, day_starts_at_hour: int, fields: tuple[str, ...]
) -> dict[date, dict[str, int]]:
    """Add up per-bucket rows into per-study-day sums of ``fields``."""
    days: dict[int, dict[str, int]] = {}
    for row in rows:
        day = bucket_day_number(int(row["bucket"]), zone, day_starts_at_hour)
        sums = days.get(day)
        if sums is None:
            days[day] = {name: row[name] or 0 for name in fields}
        else:
            for name in fields:
                sums[name] += row[name] or 0
    return {day_of_number(day): days[day] for day in sorted(days)}


def scheduled_interval_days() -> ExpressionWrapper:
    """The interval, in days, a review-state card was scheduled for when it was answered.

    FSRS review intervals are whole days from the previous answer to ``due_before``; the log
    keeps ``elapsed_days`` (whole days since the previous answer, rounded down), so
    ``due_before - reviewed_at + elapsed_days`` is within a day below the interval, and
    "more than 20 days" is exactly "21 days or more" for whole-day intervals.
    """
    return ExpressionWrapper(
        EpochDays("due_before") - EpochDays("reviewed_at") + F("elapsed_days"),
        output_field=FloatField(),
    )


@dataclass(frozen=True)
class CardDay:
    reviews: int
    duration_ms: int
    young: int
    young_passed: int
    mature: int
    mature_passed: int


def card_reviews_by_day(
    user: User, *, zone: ZoneInfo, day_starts_at_hour: int
) -> dict[date, CardDay]:
    """Per study day: flashcard answers, their time, and review-state answers young/mature."""
    threshold = MATURE_DAYS - 1
    young = Q(state_before=REVIEW, interval__lte=threshold)
    mature = Q(state_before=REVIEW, interval__gt=threshold)
    passed = Q(rating__gte=2)
    rows = (
        ReviewLog.objects.filter(user=user)
        .alias(interval=scheduled_interval_days())
        .annotate(bucket=quarter_hour("reviewed_at"))
        .values("bucket")
        .annotate(
            reviews=Count("id"),
            duration=Coalesce(Sum("duration_ms"), 0),
            young=Count("id", filter=young),
            young_passed=Count("id", filter=young & passed),
            mature=Count("id", filter=mature),
            mature_passed=Count("id", filter=mature & passed),
        )
        .order_by()
    )
    fields = ("reviews", "duration", "young", "young_passed", "mature", "mature_passed")
    days = by_study_day(rows, zone=zone, day_starts_at_hour=day_starts_at_hour, fields=fields)
    return {
        day: CardDay(
            reviews=sums["reviews"],
            duration_ms=sums["duration"],
            young=sums["young"],
            young_passed=sums["young_passed"],
            mature=sums["mature"],
            mature_passed=sums["mature_passed"],
        )
        for day, sums in days.items()
    }


def question_reviews_by_day(
    user: User, *, zone: ZoneInfo, day_starts_at_hour: int
) -> dict[date, tuple[int, int]]:
    """Per study day: graded quiz answers and the time they took (ms)."""
    rows = (
        QuestionReview.objects.filter(user=user)
        .annotate(bucket=quarter_hour("reviewed_at"))
        .values("bucket")
        .annotate(answers=Count("id"), duration=Coalesce(Sum("duration_ms"), 0))
        .order_by()
    )
    days = by_study_day(
        rows, zone=zone, day_starts_at_hour=day_starts_at_hour, fields=("answers", "duration")
    )
    return {day: (sums["answers"], sums["duration"]) for day, sums in days.items()}


@dataclass(frozen=True)
class StudyDays:
    """A learner's answers per study day, from their per-quarter-hour sums (one query)."""

    cards: dict[date, CardDay]  # days with flashcard answers
    questions: dict[date, tuple[int, int]]  # days with graded quiz answers: (answers, ms)


LEARNER = Parameter("user", IntegerField())


def study_quarter_rows() -> QuerySet:
    """The learner's sums per quarter-hour, in the order :func:`study_days` reads them."""
    return StudyQuarter.objects.filter(user_id=LEARNER).values_list(
        "quarter", "reviews", "review_ms", "young", "young_passed", "mature", "mature_passed",
        "answers", "answer_ms",
    )  # fmt: skip


STUDY_QUARTERS = Prepared(study_quarter_rows)


def study_days(user: User, *, zone: ZoneInfo, day_starts_at_hour: int) -> StudyDays:
    """What :func:`card_reviews_by_day` and :func:`question_reviews_by_day` give (the figures'
    definition), from the sums the database keeps per quarter-hour (``StudyQuarter``) instead
    of the whole history: the same buckets, added up into the same days."""
    rows = STUDY_QUARTERS.rows(user=user.pk)
    # Added up per day number (days since the epoch): a learner's rows share few UTC days.
    cards: dict[int, list[int]] = {}
    questions: dict[int, list[int]] = {}
    shift = 4 * day_starts_at_hour
    offsets: dict[int, int | None] = {}
    for quarter, reviews, review_ms, young, young_ok, mature, mature_ok, answers, answer_ms in rows:
        utc_day = quarter // QUARTERS_A_DAY
        if utc_day in offsets:
            offset = offsets[utc_day]
        else:
            offset = offsets[utc_day] = utc_day_offset(utc_day, zone)
        if offset is None:
            day = bucket_day_number(quarter, zone, day_starts_at_hour)
        else:
            day = (quarter + offset - shift) // QUARTERS_A_DAY
        if reviews:
            sums = cards.get(day)
            if sums is None:
                cards[day] = [reviews, review_ms, young, young_ok, mature, mature_ok]
            else:
                sums[0] += reviews
                sums[1] += review_ms
                sums[2] += young
                sums[3] += young_ok
                sums[4] += mature
                sums[5] += mature_ok
        if answers:
            sums = questions.get(day)
            if sums is None:
                questions[day] = [answers, answer_ms]
            else:
                sums[0] += answers
                sums[1] += answer_ms
    return StudyDays(
        cards={day_of_number(day): CardDay(*cards[day]) for day in sorted(cards)},
        questions={day_of_number(day): tuple(questions[day]) for day in sorted(questions)},
    )


# -- what is due ------------------------------------------------------------------------------


def questions_due_rows() -> QuerySet:
    """How many of the learner's questions fall due before ``end`` (one row, one column)."""
    due = questions_due_before(LEARNER, Parameter("end", DateTimeField()))
    return due.order_by().annotate(n=Func(F("pk"), function="COUNT")).values_list("n")


QUESTIONS_DUE = Prepared(questions_due_rows)


def learner_questions_due(user: User, *, day: StudyDay) -> int:
    """``questions_due_count`` of the learner on their study ``day``: the quiz questions due
    today."""
    return QUESTIONS_DUE.rows(user=user.pk, end=day.end)[0][0]


def card_schedules_active() -> QuerySet[CardSchedule]:
    """Schedules of cards still in the course (see ``schedule_studied_q``)."""
    return CardSchedule.objects.filter(schedule_studied_q())


def question_schedules_active() -> QuerySet[QuestionSchedule]:
    return QuestionSchedule.objects.filter(question_asked_q("question"))


def due_rows() -> QuerySet:
    """The learner's unsuspended cards, and questions whose spaced-repetition schedule falls
    due, due before ``before``, counted per quarter-hour of their due date: rows of (kind: 0
    cards, 1 questions; bucket; n), the two groupings as one list."""
    before = Parameter("before", DateTimeField())
    cards = (
        card_schedules_active()
        .filter(user_id=LEARNER, suspended=False, due__lt=before)
        .annotate(bucket=quarter_hour("due"), kind=Value(0))
        .values("kind", "bucket")
        .annotate(n=Count("id"))
        .order_by()
    )
    questions = (
        question_schedules_active()
        .filter(user_id=LEARNER, due__lt=before)
        .annotate(bucket=quarter_hour("due"), kind=Value(1))
        .values("kind", "bucket")
        .annotate(n=Count("id"))
        .order_by()
    )
    return cards.union(questions, all=True)


DUE = Prepared(due_rows)


def due_by_day(
    user: User, *, before: datetime, zone: ZoneInfo, day_starts_at_hour: int
) -> tuple[dict[date, int], dict[date, int]]:
    """Cards and questions due before ``before`` (:func:`due_rows`), per study day of their due
    date (one query)."""
    rows = DUE.dicts(user=user.pk, before=before)
    days = [
        by_study_day(
            (row for row in rows if row["kind"] == kind),
            zone=zone,
            day_starts_at_hour=day_starts_at_hour,
            fields=("n",),
        )
        for kind in (0, 1)
    ]
    return tuple({day: sums["n"] for day, sums in found.items()} for found in days)


# -- mastery ----------------------------------------------------------------------------------


def forgetting_curve(settings: StudySettings | None) -> tuple[float, float]:
    """FSRS-6's (decay, factor) for these settings, from the scheduler the cards app builds:
    retrievability R = (1 + factor * days / stability) ** decay."""
    scheduler = scheduler_for(settings, enable_fuzzing=False)
    decay = -scheduler.parameters[20]
    return decay, 0.9 ** (1 / decay) - 1


DEFAULT_CURVE = forgetting_curve(None)


def settings_of(user_ids: Iterable[int]) -> dict[int, StudySettings]:
    """The saved study settings of these learners (missing: they use the defaults)."""
    return {s.user_id: s for s in StudySettings.objects.filter(user_id__in=list(user_ids))}


def retrievability(*, now: datetime, curves: dict[int, tuple[float, float]]) -> Power:
    """FSRS retrievability of a schedule at ``now``, in SQL, as ``fsrs`` computes it
    (``Scheduler.get_card_retrievability``): whole days since the last review, at least 0.

    ``curves`` gives learners whose (decay, factor) differ from the defaults (optimised
    parameters)."""
    decay: Value | Case = Value(DEFAULT_CURVE[0])
    factor: Value | Case = Value(DEFAULT_CURVE[1])
    custom = {uid: curve for uid, curve in curves.items() if curve != DEFAULT_CURVE}
    if custom:
        decay = Case(
            *(When(user_id=uid, then=Value(c[0])) for uid, c in custom.items()),
            default=Value(DEFAULT_CURVE[0]),
            output_field=FloatField(),
        )
        factor = Case(
            *(When(user_id=uid, then=Value(c[1])) for uid, c in custom.items()),
            default=Value(DEFAULT_CURVE[1]),
            output_field=FloatField(),
        )
    return retrievability_of(now_days=Value(epoch_days(now)), decay=decay, factor=factor)


def retrievability_of(*, now_days: Expression, decay: Expression, factor: Expression) -> Power:
    """:func:`retrievability` at ``now_days`` (days since the epoch) on the curve (decay,
    factor)."""
    elapsed = Greatest(Floor(now_days - F("last_review_days")), Value(0.0))
    return Power(Value(1.0) + factor * elapsed / F("stability"), decay, output_field=FloatField())


def recall_rows(learners: Q, *, recall: Expression) -> QuerySet:
    """Per learner and topic: the mean ``recall`` of the reviewed cards, and how many."""
    return (
        card_schedules_active()
        .filter(learners, stability__gt=0, last_review_days__isnull=False)
        .annotate(recall=recall)
        .values("user_id", "note__topic_id")
        .annotate(mean=Avg("recall"), cards=Count("id"))
        .order_by()
    )


def topic_recall(
    user_ids: list[int], *, now: datetime, curves: dict[int, tuple[float, float]]
) -> dict[tuple[int, int], tuple[float, int]]:
    """(learner, topic) -> (mean retrievability now of the topic's reviewed cards, cards)."""
    rows = recall_rows(Q(user_id__in=user_ids), recall=retrievability(now=now, curves=curves))
    return {(r["user_id"], r["note__topic_id"]): (r["mean"], r["cards"]) for r in rows}


LEARNER_RECALL = Prepared(
    lambda: recall_rows(
        Q(user_id=LEARNER),
        recall=retrievability_of(
            now_days=Parameter("now_days", FloatField()),
            decay=Parameter("decay", FloatField()),
            factor=Parameter("factor", FloatField()),
        ),
    )
)


def learner_topic_recall(
    user_id: int, *, now: datetime, curve: tuple[float, float]
) -> dict[tuple[int, int], tuple[float, int]]:
    """:func:`topic_recall` of one learner, whose forgetting curve is ``curve``."""
    decay, factor = curve
    rows = LEARNER_RECALL.dicts(user=user_id, now_days=epoch_days(now), decay=decay, factor=factor)
    return {(r["user_id"], r["note__topic_id"]): (r["mean"], r["cards"]) for r in rows}


def graded_topic_answers(learners: Q) -> QuerySet[AttemptQuestion]:
    """The learners' graded answers to questions that test a topic."""
    return AttemptQuestion.objects.filter(
        learners, correct__isnull=False, version__topics__isnull=False
    )


def accuracy_rows(answers: QuerySet[AttemptQuestion]) -> QuerySet:
    """Per learner and topic: the answers graded, and how many of them were right."""
    return (
        answers.values("attempt__user_id", "version__topics")
        .annotate(graded=Count("id"), right=Count("id", filter=Q(correct=True)))
        .order_by()
    )


def topic_accuracy(
    user_ids: list[int], *, cohort: Cohort | None = None
) -> dict[tuple[int, int], tuple[int, int]]:
    """(learner, topic) -> (right, graded) over every graded answer to the topic's questions;
    with ``cohort``, only the answers given since the learner joined it."""
    answers = graded_topic_answers(Q(attempt__user_id__in=user_ids))
    if cohort is not None:
        answers = answers.filter(
            attempt__user__memberships__cohort=cohort,
            answered_at__gte=F("attempt__user__memberships__joined_at"),
        )
    rows = accuracy_rows(answers)
    return {(r["attempt__user_id"], r["version__topics"]): (r["right"], r["graded"]) for r in rows}


LEARNER_ACCURACY = Prepared(
    lambda: TopicAnswers.objects.filter(user_id=LEARNER, graded__gt=0).values_list(
        "topic_id", "correct", "graded"
    )
)


def learner_topic_accuracy(user_id: int) -> dict[tuple[int, int], tuple[int, int]]:
    """:func:`topic_accuracy` of one learner, over all their answers: from the sums the
    database keeps per topic (``TopicAnswers``), one row a topic answered, instead of every
    answer."""
    rows = LEARNER_ACCURACY.rows(user=user_id)
    return {(user_id, topic): (right, graded) for topic, right, graded in rows}


def topics_active() -> list[Topic]:
    """Every topic still in the course, in course order, with its course and section."""
    return list(
        Topic.objects.visible()
        .select_related("course", "section")
        .order_by("course__position", "course__title", "course_id", "position")
    )


def course_versions() -> QuerySet:
    """What :func:`topics_active` depends on, course by course: every write of a course's
    sections and topics moves its ``content_version`` on (the importers'
    ``content_changed()``), and the course's own row says whether it is archived, where it
    sits and what it is called."""
    return Course.objects.order_by("pk").values_list(
        "pk", "content_version", "archived_at", "position", "title"
    )


COURSE_VERSIONS = Prepared(course_versions)


class _TopicsKept:
    """:func:`topics_active` as this process last read it, with the course versions it was
    read at; safe to share between a process's threads (the list is only ever replaced)."""

    def __init__(self) -> None:
        self.kept: tuple[tuple, list[Topic]] | None = None
        self.lock = threading.Lock()

    def get(self, key: tuple) -> list[Topic] | None:
        kept = self.kept
        return kept[1] if kept is not None and kept[0] == key else None

    def put(self, key: tuple, topics: list[Topic]) -> None:
        with self.lock:
            self.kept = (key, topics)

    def clear(self) -> None:
        with self.lock:
            self.kept = None


_topics_kept = _TopicsKept()


def topics_active_kept() -> list[Topic]:
    """:func:`topics_active`, read from the database only when a course's version, or the set
    of courses, has changed since this process last read it (one small query otherwise). The
    topics are shared between requests: read them, never change them."""
    key = tuple(COURSE_VERSIONS.rows())
    topics = _topics_kept.get(key)
    if topics is None:
        # Read after the versions, so at least as new as they are: never older topics under
        # a newer key.
        topics = topics_active()
        _topics_kept.put(key, topics)
    return topics


def topics_kept_forget() -> None:
    """Drop the topics this process keeps (tests start from none; no page needs it)."""
    _topics_kept.clear()


def read_rows(learners: Q) -> QuerySet:
    """(learner, topic) pairs the learners marked read."""
    return ReadingProgress.objects.filter(learners, read_at__isnull=False).values_list(
        "user_id", "topic_id"
    )


def topics_read(user_ids: list[int]) -> set[tuple[int, int]]:
    """(learner, topic) pairs the learners marked read."""
    return set(read_rows(Q(user_id__in=user_ids)))


LEARNER_READ = Prepared(lambda: read_rows(Q(user_id=LEARNER)))


def learner_topics_read(user_id: int) -> set[tuple[int, int]]:
    """:func:`topics_read` of one learner."""
    return set(LEARNER_READ.rows(user=user_id))


# -- quizzes ----------------------------------------------------------------------------------


class ScorePoint(TypedDict):
    """One finished, scored attempt: a point of the dashboard's score chart."""

    id: int
    mode: str
    title: str
    submitted_at: datetime
    scaled_score: int
    correct_count: int
    question_count: int


SCORES_SHOWN = 30


def latest_scores(attempts: QuerySet[Attempt], *, limit: int) -> QuerySet:
    """The last ``limit`` of these attempts submitted with a scaled score, newest first, as
    :class:`ScorePoint` rows."""
    return (
        attempts.filter(submitted_at__isnull=False, scaled_score__isnull=False)
        .order_by("-submitted_at", "-id")
        .values(
            "id", "mode", "title", "submitted_at", "scaled_score", "correct_count", "question_count"
        )[:limit]
    )


def score_history(
    user: User, *, limit: int = SCORES_SHOWN, since: datetime | None = None
) -> list[ScorePoint]:
    """The learner's last ``limit`` submitted attempts with a scaled score (those submitted
    since ``since``, if given), oldest first."""
    attempts = Attempt.objects.filter(user=user)
    if since is not None:
        attempts = attempts.filter(submitted_at__gte=since)
    rows = list(latest_scores(attempts, limit=limit))
    rows.reverse()
    return rows


LEARNER_SCORES = Prepared(
    lambda: latest_scores(Attempt.objects.filter(user_id=LEARNER), limit=SCORES_SHOWN),
    convert={"submitted_at": moment},
)


def learner_score_history(user_id: int) -> list[ScorePoint]:
    """:func:`score_history` of one learner: their last :data:`SCORES_SHOWN`, oldest first."""
    rows = LEARNER_SCORES.dicts(user=user_id)
    rows.reverse()
    return rows


def domain_rows(user_id: int, *, since: datetime) -> QuerySet:
    """Per exam domain: the learner's graded answers since ``since``, and those right (the
    definition of what :func:`domain_answers` reads from the sums)."""
    return (
        AttemptQuestion.objects.filter(
            attempt__user_id=user_id, correct__isnull=False, answered_at__gte=since
        )
        .values("version__domain")
        .annotate(graded=Count("id"), right=Count("id", filter=Q(correct=True)))
        .order_by()
    )


DOMAIN_ANSWERS = Prepared(
    lambda: (
        DomainQuarter.objects.filter(
            user_id=LEARNER, quarter__gte=Parameter("since", IntegerField())
        )
        .values("domain")
        .annotate(graded=Sum("graded"), right=Sum("correct"))
        .order_by()
    )
)


def quarter_number(moment: datetime) -> int:
    """The UTC quarter-hour since the epoch ``moment`` falls in, as :func:`quarter_hour`."""
    return math.floor((moment - EPOCH) / timedelta(days=1) * QUARTERS_A_DAY + 1e-6)


def domain_answers(user: User, *, since: datetime) -> dict[str, tuple[int, int]]:
    """Per exam domain: (right, graded) over the learner's graded answers since the start of
    the quarter-hour ``since`` falls in: from the sums the database keeps per domain and
    quarter-hour (``DomainQuarter``), a few rows a study session, instead of every answer."""
    rows = DOMAIN_ANSWERS.dicts(user=user.pk, since=quarter_number(since))
    return {r["domain"]: (r["right"], r["graded"]) for r in rows if r["graded"]}


# -- assignments (issue 7) --------------------------------------------------------------------


@dataclass(frozen=True)
class AssignmentStatus:
    """One assignment of a cohort (a quiz, a topic to read, a deck to study), as a learner or an
    instructor sees it."""

    title: str
    cohort: str
    due_at: datetime | None
    url: str
    done: int  # learners who finished it (1 or 0 on a learner's own dashboard)
    of: int  # learners it was assigned to
    status: str = ""  # on a learner's dashboard: "not started", "started" or "done"
    overdue: bool = False


LEARNER_ASSIGNED = Prepared(lambda: assignments_of_learner(LEARNER).values_list("pk")[:1])


def assignments_for_learner(
    user: User, *, now: datetime, cohort: Cohort | None = None
) -> list[AssignmentStatus]:
    """What the learner's cohorts (or only ``cohort``) assigned them, open work first (soonest
    due first); the statuses come from ``studyapp.quizzes.assignments`` in a fixed number of
    queries. A learner with nothing assigned costs one small query compiled once (most have
    no cohort): the assignments with their quizzes, topics and courses are read only when
    there is one."""
    if not LEARNER_ASSIGNED.rows(user=user.pk):
        return []
    return [
        AssignmentStatus(
            title=row.title,
            cohort=row.cohort,
            due_at=row.due_at,
            url=row.url,
            done=int(row.done),
            of=1,
            status=row.status,
            overdue=row.overdue,
        )
        for row in learner_assignments(user, now=now)
        if cohort is None or row.assignment.cohort_id == cohort.pk
    ]


def assignments_for_cohort(cohort: Cohort, *, now: datetime) -> list[AssignmentStatus]:
    """The cohort's assignments with how many members finished each (quizzes link to their
    item analysis)."""
    return [
        AssignmentStatus(
            title=row.title,
            cohort=cohort.name,
            due_at=row.due_at,
            url=row.statistics_url or reverse("teach:cohort_assignments", args=[cohort.pk]),
            done=row.done,
            of=row.of,
        )
        for row in cohort_assignments(cohort)
    ]


def assignments_done(cohort: Cohort) -> dict[int, int]:
    """learner id -> assignments finished in this cohort."""
    return cohort_assignments_done(cohort)


# -- cohorts ----------------------------------------------------------------------------------


def count_of(queryset: QuerySet) -> Coalesce:
    """A scalar subquery counting the rows of ``queryset`` (0 when there are none)."""
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


# -- the cohort table ------------------------------------------------------------------------


def cohort_learner_rows(cohort: Cohort, *, now: datetime) -> list[dict]:
    """One row per member with the figures of the instructor's table, in one query."""
    user = OuterRef("user_id")
    reviews = ReviewLog.objects.filter(user=user)
    answers = AttemptQuestion.objects.filter(attempt__user=user, answered_at__isnull=False)
    # Scores count from the day the learner joined this cohort, not from before it.
    submitted = Attempt.objects.filter(
        user=user,
        submitted_at__isnull=False,
        scaled_score__isnull=False,
        submitted_at__gte=OuterRef("joined_at"),
    )
    due = card_schedules_active().filter(user=user, suspended=False)
    read = ReadingProgress.objects.filter(
        topic_visible_q("topic"), user=user, read_at__isnull=False
    )

    def first(queryset: QuerySet, field: str, *order: str) -> Subquery:
        return Subquery(queryset.order_by(*order).values(field)[:1])

    return list(
        Membership.objects.filter(cohort=cohort)
        .order_by("user__username")
        .values("user_id", "user__username", "joined_at")
        .annotate(
            last_review=first(reviews, "reviewed_at", "-reviewed_at"),
            last_answer=first(answers, "answered_at", "-answered_at"),
            backlog=count_of(due.filter(state=REVIEW, due__lt=now - timedelta(days=1))),
            topics_read=count_of(read),
            quiz_last=first(submitted.filter(mode=Attempt.Mode.PRACTICE), "scaled_score",
                            "-submitted_at", "-id"),
            exam_last=first(submitted.filter(mode=Attempt.Mode.EXAM), "scaled_score",
                            "-submitted_at", "-id"),
            exam_best=first(submitted.filter(mode=Attempt.Mode.EXAM), "scaled_score",
                            "-scaled_score"),
        )
    )  # fmt: skip
