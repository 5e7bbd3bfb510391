"""The learner's and the instructor's dashboards: every figure, its definition and its chart.

The figures are plain functions of the rows :mod:`studyapp.progress.selectors` reads (each a
fixed number of queries), so a dashboard page costs the same number of queries whatever the
size of the history behind it. ``now`` is always passed in, so tests fix the clock.

Definitions (shown on the pages as :data:`DEFINITIONS`):
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from django.urls import reverse

from studyapp.accounts.models import Cohort, Membership, User
from studyapp.cards.models import StudySettings
from studyapp.cards.review import review_counts_of, study_day_for
from studyapp.cards.scheduling import study_settings_for, utc
from studyapp.core.charts import (
    Chart,
    bar_list,
    calendar_heatmap,
    line_chart,
    matrix_heatmap,
    multi_line_chart,
    stacked_bar_chart,
)
from studyapp.core.csv import csv_safe
from studyapp.core.errors import NotFound
from studyapp.progress import selectors
from studyapp.quizzes import grading
from studyapp.quizzes.models import DOMAIN_WEIGHTS, DOMAINS
from studyapp.topics.models import Topic

FORECAST_DAYS = 30
RETENTION_WEEKS = 26
HEATMAP_WEEKS = 53
READINESS_DAYS = 90
READINESS_MIN_ANSWERS = 10
STUDY_NEXT = 5

DEFINITIONS = {
    "due": "Due today: cards the review session will show today (within your daily limits) "
    "and quiz questions whose spaced-repetition schedule comes round before your study day ends.",
    "forecast": f"Forecast: cards and questions falling due on each of your next "
    f"{FORECAST_DAYS} study days; today's are what is due today, as above.",
    "heatmap": "Activity: flashcard answers plus graded quiz answers on each study day of the "
    "last year.",
    "streak": "Streak: consecutive study days with at least one answer, ending today or "
    "yesterday; days run from your day-start hour in your own time zone.",
    "time": "Time studied: the time spent answering flashcards and quiz questions (from "
    "showing to answering), added up.",
    "retention": f"True retention: the share of answers to cards in review (not learning or "
    f"relearning) rated Hard, Good or Easy, per week; young cards were scheduled less than "
    f"{selectors.MATURE_DAYS} days apart, mature ones {selectors.MATURE_DAYS} days or more "
    f"(as Anki defines it).",
    "mastery": "Mastery of a topic: how likely you are to recall its cards right now (the mean "
    "FSRS retrievability of the cards you have reviewed) and the share of your answers to its "
    "questions that were right; the colour is the mean of the two (or whichever exists).",
    "scores": f"Scores: the scaled score of each finished quiz and exam. {grading.SCALING_METHOD}",
    "readiness": f"Readiness: for each exam domain, your graded answers of the last "
    f"{READINESS_DAYS} days scaled as the exam score is (100 + 900 × share right), once there "
    f"are at least {READINESS_MIN_ANSWERS}; the overall estimate weights the domains as the "
    f"exam does (26/29/25/20%) once all four have one.",
}


# -- figures ----------------------------------------------------------------------------------


def local_study_date(moment: datetime, *, zone: ZoneInfo, day_starts_at_hour: int) -> date:
    """The study day ``moment`` falls on (as :func:`selectors.study_date` does in SQL)."""
    return (utc(moment) - timedelta(hours=day_starts_at_hour)).astimezone(zone).date()


def streak_days(active: Iterable[date], *, today: date) -> int:
    """Consecutive active days ending today, or yesterday when today has nothing yet."""
    days = set(active)
    day = today if today in days else today - timedelta(days=1)
    streak = 0
    while day in days:
        streak += 1
        day -= timedelta(days=1)
    return streak


@dataclass(frozen=True)
class WeekRetention:
    week: date  # the Monday
    young: int
    young_passed: int
    mature: int
    mature_passed: int

    @property
    def young_rate(self) -> float | None:
        return self.young_passed / self.young if self.young else None

    @property
    def mature_rate(self) -> float | None:
        return self.mature_passed / self.mature if self.mature else None


def weekly_retention(
    days: dict[date, selectors.CardDay], *, today: date, weeks: int = RETENTION_WEEKS
) -> list[WeekRetention]:
    """True retention per week (Monday to Sunday), the last ``weeks`` weeks up to today's."""
    this_monday = today - timedelta(days=today.weekday())
    mondays = [this_monday - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    totals = {monday: [0, 0, 0, 0] for monday in mondays}
    for day, counts in days.items():
        monday = day - timedelta(days=day.weekday())
        if monday in totals:
            bucket = totals[monday]
            bucket[0] += counts.young
            bucket[1] += counts.young_passed
            bucket[2] += counts.mature
            bucket[3] += counts.mature_passed
    return [WeekRetention(monday, *totals[monday]) for monday in mondays]


@dataclass(frozen=True)
class ForecastDay:
    day: date
    cards: int
    questions: int


def forecast(
    cards: dict[date, int],
    questions: dict[date, int],
    *,
    today: date,
    cards_today: int,
    questions_today: int,
    days: int = FORECAST_DAYS,
) -> list[ForecastDay]:
    """Cards and questions due on each of the next ``days`` days. Today's are the figures of
    the review queue and of the due questions (``cards_today``, ``questions_today``), so the
    chart never disagrees with "Due today"."""
    result = [ForecastDay(today, cards_today, questions_today)]
    for offset in range(1, days):
        day = today + timedelta(days=offset)
        result.append(ForecastDay(day, cards.get(day, 0), questions.get(day, 0)))
    return result


@dataclass(frozen=True)
class DomainReadiness:
    domain: str
    name: str
    right: int
    graded: int

    @property
    def estimate(self) -> int | None:
        if self.graded < READINESS_MIN_ANSWERS:
            return None
        return grading.scaled_score(correct=self.right, total=self.graded)

    @property
    def passes(self) -> bool | None:
        return None if self.estimate is None else grading.score_passes(self.estimate)


def readiness(answers: dict[str, tuple[int, int]]) -> tuple[list[DomainReadiness], int | None]:
    """Per-domain estimates and the exam-weighted overall one (None until all four exist)."""
    domains = [
        DomainReadiness(code, name, *answers.get(code, (0, 0))) for code, name in DOMAINS.items()
    ]
    if any(d.estimate is None for d in domains):
        return domains, None
    weight = sum(DOMAIN_WEIGHTS.values())
    overall = sum(d.estimate * DOMAIN_WEIGHTS[d.domain] for d in domains) / weight
    return domains, int(overall)


class TopicLinks:
    """Where to read, review or practise a topic, each worked out when a page first asks for it
    (the course map links most topics only to their reading)."""

    def __init__(self, topic: Topic) -> None:
        self.topic = topic

    @classmethod
    def of(cls, topic: Topic) -> TopicLinks:
        """The topic's links, kept with it: a topic kept between requests
        (:func:`selectors.topics_active_kept`) works its links out once."""
        links = topic.__dict__.get("_links")
        if links is None:
            links = topic.__dict__["_links"] = cls(topic)
        return links

    @cached_property
    def read(self) -> str:
        return self.topic.get_absolute_url()

    @cached_property
    def review(self) -> str:
        return f"{reverse('cards:index')}?topic={self.topic.key}"

    @cached_property
    def practise(self) -> str:
        return f"{reverse('quizzes:index')}?topic={self.topic.key}"


@dataclass(frozen=True)
class TopicMastery:
    topic: Topic
    recall: float | None  # mean retrievability now
    cards: int
    right: int
    graded: int
    read: bool

    @property
    def accuracy(self) -> float | None:
        return self.right / self.graded if self.graded else None

    @property
    def score(self) -> float | None:
        return mastery_score(self.recall, self.accuracy)

    @property
    def level(self) -> str:
        return mastery_level(self.score)

    @property
    def started(self) -> bool:
        return self.cards > 0 or self.graded > 0 or self.read

    @property
    def links(self) -> TopicLinks:
        return TopicLinks.of(self.topic)


def mastery_score(recall: float | None, accuracy: float | None) -> float | None:
    known = [value for value in (recall, accuracy) if value is not None]
    return sum(known) / len(known) if known else None


def mastery_level(score: float | None) -> str:
    """The colour step of a mastery score, as the matrix heatmap shades it (0-4, or none)."""
    return "none" if score is None else str(min(4, int(score * 5)))


def topic_masteries(
    user_id: int,
    topics: list[Topic],
    *,
    recall: dict[tuple[int, int], tuple[float, int]],
    accuracy: dict[tuple[int, int], tuple[int, int]],
    read: set[tuple[int, int]],
) -> list[TopicMastery]:
    result = []
    for topic in topics:
        mean, cards = recall.get((user_id, topic.id), (None, 0))
        right, graded = accuracy.get((user_id, topic.id), (0, 0))
        result.append(TopicMastery(topic, mean, cards, right, graded, (user_id, topic.id) in read))
    return result


def weakest(masteries: list[TopicMastery], *, count: int = STUDY_NEXT) -> list[TopicMastery]:
    """The lowest-scoring topics studied so far, then topics not started yet, in course order."""
    scored = sorted((m for m in masteries if m.score is not None), key=lambda m: m.score)
    fresh = [m for m in masteries if not m.started]
    return (scored + fresh)[:count]


# -- the learner's dashboard ------------------------------------------------------------------


@dataclass(frozen=True)
class SectionMap:
    title: str
    topics: list[TopicMastery]


@dataclass(frozen=True)
class CourseMap:
    title: str
    sections: list[SectionMap]


@dataclass
class LearnerDashboard:
    today: date
    cards_due: int
    cards_new: int
    cards_learning: int
    cards_review: int
    questions_due: int
    streak: int
    active_today: bool
    studied_ms: int
    studied_ms_30: int
    answers_total: int
    cards_answered: int  # flashcard answers ever
    questions_answered: int  # graded quiz answers ever
    young_rate: float | None  # the last four weeks
    mature_rate: float | None
    forecast: list[ForecastDay]
    retention: list[WeekRetention]
    masteries: list[TopicMastery]
    course_map: list[CourseMap]
    study_next: list[TopicMastery]
    scores: list[selectors.ScorePoint]
    domains: list[DomainReadiness]
    overall_readiness: int | None
    assignments: list[selectors.AssignmentStatus]
    charts: dict[str, Chart] = field(default_factory=dict)
    # slug -> what the page says instead of a chart that has no data yet
    chart_empty: dict[str, str] = field(default_factory=dict)
    definitions: dict[str, str] = field(default_factory=lambda: DEFINITIONS)


@dataclass(frozen=True)
class LearnerHistory:
    """What Home reads first, to know whether the dashboard or the first run's start is the
    learner's: their study settings and their answers by study day (two queries)."""

    settings: StudySettings
    answered: selectors.StudyDays

    @property
    def cards_answered(self) -> int:
        return sum(c.reviews for c in self.answered.cards.values())

    @property
    def questions_answered(self) -> int:
        return sum(answers for answers, _ in self.answered.questions.values())


def learner_history(user: User) -> LearnerHistory:
    settings = study_settings_for(user)
    zone = ZoneInfo(user.time_zone or "UTC")
    hour = settings.day_starts_at_hour
    return LearnerHistory(settings, selectors.study_days(user, zone=zone, day_starts_at_hour=hour))


def learner_dashboard(
    user: User, *, now: datetime, history: LearnerHistory | None = None
) -> LearnerDashboard:
    """Everything on the learner's home page, in a fixed number of queries (two fewer when
    ``history``, :func:`learner_history`, was read already)."""
    now = utc(now)
    history = history or learner_history(user)
    settings = history.settings
    zone = ZoneInfo(user.time_zone or "UTC")
    hour = settings.day_starts_at_hour
    # What the review session shows today: its counts only, not the card it would show next.
    counts = review_counts_of([user], now=now, settings={user.pk: settings})[user.pk]
    day = study_day_for(user, settings, now=now)
    today = local_study_date(now, zone=zone, day_starts_at_hour=hour)

    questions_due = selectors.learner_questions_due(user, day=day)

    card_days, question_days = history.answered.cards, history.answered.questions
    activity: dict[date, int] = {d: c.reviews for d, c in card_days.items()}
    for d, (answers, _) in question_days.items():
        activity[d] = activity.get(d, 0) + answers
    month_ago = today - timedelta(days=29)
    studied_ms = sum(c.duration_ms for c in card_days.values()) + sum(
        ms for _, ms in question_days.values()
    )
    studied_ms_30 = sum(c.duration_ms for d, c in card_days.items() if d >= month_ago) + sum(
        ms for d, (_, ms) in question_days.items() if d >= month_ago
    )

    horizon = day.start + timedelta(days=FORECAST_DAYS)
    cards_due, questions_due_days = selectors.due_by_day(
        user, before=horizon, zone=zone, day_starts_at_hour=hour
    )
    days_ahead = forecast(
        cards_due,
        questions_due_days,
        today=today,
        cards_today=counts.total,
        questions_today=questions_due,
    )
    weeks = weekly_retention(card_days, today=today)
    recent = weeks[-4:]
    young = sum(w.young for w in recent)
    mature = sum(w.mature for w in recent)

    topics = selectors.topics_active_kept()
    curve = selectors.forgetting_curve(settings)
    masteries = topic_masteries(
        user.id,
        topics,
        recall=selectors.learner_topic_recall(user.id, now=now, curve=curve),
        accuracy=selectors.learner_topic_accuracy(user.id),
        read=selectors.learner_topics_read(user.id),
    )
    domains, overall = readiness(
        selectors.domain_answers(user, since=now - timedelta(days=READINESS_DAYS))
    )
    board = LearnerDashboard(
        today=today,
        cards_due=counts.total,
        cards_new=counts.new,
        cards_learning=counts.learning,
        cards_review=counts.review,
        questions_due=questions_due,
        streak=streak_days(activity, today=today),
        active_today=today in activity,
        studied_ms=studied_ms,
        studied_ms_30=studied_ms_30,
        answers_total=sum(activity.values()),
        cards_answered=history.cards_answered,
        questions_answered=history.questions_answered,
        young_rate=sum(w.young_passed for w in recent) / young if young else None,
        mature_rate=sum(w.mature_passed for w in recent) / mature if mature else None,
        forecast=days_ahead,
        retention=weeks,
        masteries=masteries,
        course_map=course_map(masteries),
        study_next=weakest(masteries),
        scores=selectors.learner_score_history(user.id),
        domains=domains,
        overall_readiness=overall,
        assignments=selectors.assignments_for_learner(user, now=now),
    )
    board.charts = learner_charts(board, activity=activity)
    board.chart_empty = learner_charts_empty(board, activity=activity)
    return board


def learner_charts_empty(board: LearnerDashboard, *, activity: dict[date, int]) -> dict[str, str]:
    """For each chart with nothing to draw yet, the sentence the page shows in its place."""
    empty = {}
    if not any(d.cards or d.questions for d in board.forecast):
        empty["forecast"] = (
            f"Nothing is due in the next {FORECAST_DAYS} days: the cards and questions you "
            f"study show here on the days they come back."
        )
    if not activity:
        empty["heatmap"] = "No answers yet: each day you answer cards or questions fills a square."
    if not any(w.young or w.mature for w in board.retention):
        empty["retention"] = (
            "No reviews of cards in review yet: retention shows once cards you learned come "
            "back days later."
        )
    if not board.scores:
        empty["scores"] = "No finished quiz or exam yet: each one's scaled score shows here."
    if not any(d.graded for d in board.domains):
        empty["readiness"] = (
            f"No graded answers yet: a domain's estimate shows after {READINESS_MIN_ANSWERS} "
            f"answers in it within {READINESS_DAYS} days."
        )
    return empty


def course_map(masteries: list[TopicMastery]) -> list[CourseMap]:
    courses: list[CourseMap] = []
    for mastery in masteries:
        topic = mastery.topic
        if not courses or courses[-1].title != topic.course.title:
            courses.append(CourseMap(topic.course.title, []))
        sections = courses[-1].sections
        if not sections or sections[-1].title != topic.section.title:
            sections.append(SectionMap(topic.section.title, []))
        sections[-1].topics.append(mastery)
    return courses


def percent(value: float | None) -> str:
    return "no data" if value is None else f"{value:.0%}"


def learner_charts(board: LearnerDashboard, *, activity: dict[date, int]) -> dict[str, Chart]:
    days = board.forecast
    due_total = sum(d.cards + d.questions for d in days)
    peak = max(days, key=lambda d: d.cards + d.questions)
    charts = {
        "forecast": stacked_bar_chart(
            title=f"Due in the next {FORECAST_DAYS} days",
            summary=(
                f"{due_total} reviews fall due in the next {FORECAST_DAYS} days; today has "
                f"{days[0].cards} cards and {days[0].questions} questions, the busiest day is "
                f"{peak.day:%a %-d %b} with {peak.cards + peak.questions}."
            ),
            labels=[f"{d.day:%-d %b}" for d in days],
            series=[("Cards", [d.cards for d in days]), ("Questions", [d.questions for d in days])],
            slug="forecast",
        )
    }
    year_start = board.today - timedelta(days=364)
    in_year = {d: n for d, n in activity.items() if year_start <= d <= board.today}
    charts["heatmap"] = calendar_heatmap(
        title="Answers per day, last 12 months",
        summary=(
            f"{sum(in_year.values())} answers on {len(in_year)} days in the last year; "
            f"current streak {board.streak} day{'' if board.streak == 1 else 's'}."
        ),
        counts=in_year,
        end=board.today,
        weeks=HEATMAP_WEEKS,
        slug="heatmap",
    )
    weeks = board.retention
    charts["retention"] = multi_line_chart(
        title=f"True retention per week, last {RETENTION_WEEKS} weeks",
        summary=(
            f"Last 4 weeks: young cards {percent(board.young_rate)}, "
            f"mature cards {percent(board.mature_rate)} passed."
        ),
        labels=[f"{w.week:%-d %b}" for w in weeks],
        series=[
            ("Young", [w.young_rate for w in weeks]),
            ("Mature", [w.mature_rate for w in weeks]),
        ],
        y_min=0,
        y_max=1,
        percent=True,
        label_header="Week of",
        slug="retention",
    )
    scores = board.scores
    last = scores[-1]["scaled_score"] if scores else None
    charts["scores"] = line_chart(
        title="Quiz and exam scores",
        summary=(
            f"{len(scores)} scored attempts; the latest scored {last} "
            f"({'at or above' if last >= grading.PASS_SCORE else 'below'} the 750 pass mark)."
            if scores
            else "No finished quiz or exam yet."
        ),
        labels=[f"{s['submitted_at']:%-d %b} {s['mode']}" for s in scores],
        values=[s["scaled_score"] for s in scores],
        y_min=grading.MIN_SCORE,
        y_max=grading.MAX_SCORE,
        reference=(grading.PASS_SCORE, "pass 750"),
        value_header="Scaled score",
        label_header="Finished",
        slug="scores",
    )
    shown = [d for d in board.domains if d.estimate is not None]
    charts["readiness"] = bar_list(
        title="Exam readiness per domain",
        summary=(
            f"Estimated overall {board.overall_readiness} of 1,000 "
            f"({'passing' if board.overall_readiness >= grading.PASS_SCORE else 'not passing'})."
            if board.overall_readiness is not None
            else f"{len(shown)} of 4 domains have enough answers for an estimate "
            f"({READINESS_MIN_ANSWERS} in the last {READINESS_DAYS} days)."
        ),
        labels=[f"{d.domain} {d.name}" for d in board.domains],
        values=[d.estimate for d in board.domains],
        x_min=grading.MIN_SCORE,
        x_max=grading.MAX_SCORE,
        reference=(grading.PASS_SCORE, "750"),
        notes=[f"{d.right} of {d.graded} right" for d in board.domains],
        label_header="Domain",
        value_header="Estimated score",
        missing=f"fewer than {READINESS_MIN_ANSWERS} answers",
        slug="readiness",
    )
    return charts


# -- the instructor's dashboard ---------------------------------------------------------------


@dataclass(frozen=True)
class LearnerRow:
    user_id: int
    username: str
    last_active: datetime | None
    cards_due: int
    backlog: int
    topics_read: int
    topics_total: int
    quiz_last: int | None
    exam_last: int | None
    exam_best: int | None
    assignments_done: int
    mastery: float | None  # mean over the topics they studied


@dataclass(frozen=True)
class CohortTopic:
    topic: Topic
    mean: float
    learners: int


@dataclass
class CohortDashboard:
    cohort: Cohort
    rows: list[LearnerRow]
    topics_total: int
    weakest: list[CohortTopic]
    assignments: list[selectors.AssignmentStatus]
    charts: dict[str, Chart] = field(default_factory=dict)
    definitions: dict[str, str] = field(default_factory=lambda: DEFINITIONS)


def cohort_dashboard(cohort: Cohort, *, now: datetime) -> CohortDashboard:
    """The instructor's view of one cohort, in a fixed number of queries."""
    now = utc(now)
    members = selectors.cohort_learner_rows(cohort, now=now)
    user_ids = [m["user_id"] for m in members]
    saved = selectors.settings_of(user_ids)
    curves = {uid: selectors.forgetting_curve(s) for uid, s in saved.items()}
    # "Cards due" is what each learner's own review queue counts today (their day, their limits).
    due = review_counts_of(
        User.objects.filter(pk__in=user_ids).only("pk", "time_zone"), now=now, settings=saved
    )
    topics = selectors.topics_active_kept()
    recall = selectors.topic_recall(user_ids, now=now, curves=curves)
    accuracy = selectors.topic_accuracy(user_ids, cohort=cohort)
    read = selectors.topics_read(user_ids)
    done = selectors.assignments_done(cohort)
    grid = {
        uid: topic_masteries(uid, topics, recall=recall, accuracy=accuracy, read=read)
        for uid in user_ids
    }
    rows = []
    for member in members:
        uid = member["user_id"]
        scores = [m.score for m in grid[uid] if m.score is not None]
        active = [t for t in (member["last_review"], member["last_answer"]) if t is not None]
        rows.append(
            LearnerRow(
                user_id=uid,
                username=member["user__username"],
                last_active=max(active) if active else None,
                cards_due=due[uid].total,
                backlog=member["backlog"],
                topics_read=member["topics_read"],
                topics_total=len(topics),
                quiz_last=member["quiz_last"],
                exam_last=member["exam_last"],
                exam_best=member["exam_best"],
                assignments_done=done.get(uid, 0),
                mastery=sum(scores) / len(scores) if scores else None,
            )
        )
    studied_topics = [
        index
        for index, _ in enumerate(topics)
        if any(grid[uid][index].score is not None for uid in user_ids)
    ]
    per_topic = []
    for index in studied_topics:
        scores = [grid[uid][index].score for uid in user_ids if grid[uid][index].score is not None]
        per_topic.append(CohortTopic(topics[index], sum(scores) / len(scores), len(scores)))
    board = CohortDashboard(
        cohort=cohort,
        rows=rows,
        topics_total=len(topics),
        weakest=sorted(per_topic, key=lambda t: t.mean)[:STUDY_NEXT],
        assignments=selectors.assignments_for_cohort(cohort, now=now),
    )
    board.charts["mastery"] = matrix_heatmap(
        title="Mastery by topic and learner",
        summary=(
            f"{len(rows)} learners × {len(studied_topics)} topics someone has studied; "
            + (
                f"the weakest topic is {board.weakest[0].topic.title} at "
                f"{board.weakest[0].mean:.0%}."
                if board.weakest
                else "no one has studied a topic yet."
            )
        ),
        row_labels=[row.username for row in rows],
        column_labels=[topics[index].title for index in studied_topics],
        values=[[grid[uid][index].score for index in studied_topics] for uid in user_ids],
        slug="mastery",
    )
    return board


@dataclass
class CohortLearner:
    """One member of a cohort as their instructor sees them: what they did since joining."""

    cohort: Cohort
    learner: User
    joined_at: datetime
    scores: list[selectors.ScorePoint]
    studied: list[TopicMastery]  # the topics they have studied, in course order
    topics_total: int
    assignments: list[selectors.AssignmentStatus]
    charts: dict[str, Chart] = field(default_factory=dict)
    definitions: dict[str, str] = field(default_factory=lambda: DEFINITIONS)


def cohort_learner(cohort: Cohort, *, user_id: int, now: datetime) -> CohortLearner:
    """A member's detail page for the cohort's instructor (the caller has checked that the
    cohort is theirs); NotFound for anyone who is not a member. Scores and quiz answers count
    from the moment they joined the cohort."""
    membership = (
        Membership.objects.filter(cohort=cohort, user_id=user_id).select_related("user").first()
    )
    if membership is None:
        raise NotFound("No such learner in this cohort.")
    now, learner, joined = utc(now), membership.user, membership.joined_at
    saved = selectors.settings_of([learner.pk])
    curves = {uid: selectors.forgetting_curve(s) for uid, s in saved.items()}
    topics = selectors.topics_active_kept()
    masteries = topic_masteries(
        learner.pk,
        topics,
        recall=selectors.topic_recall([learner.pk], now=now, curves=curves),
        accuracy=selectors.topic_accuracy([learner.pk], cohort=cohort),
        read=selectors.topics_read([learner.pk]),
    )
    scores = selectors.score_history(learner, since=joined)
    detail = CohortLearner(
        cohort=cohort,
        learner=learner,
        joined_at=joined,
        scores=scores,
        studied=[m for m in masteries if m.started],
        topics_total=len(topics),
        assignments=selectors.assignments_for_learner(learner, now=now, cohort=cohort),
    )
    if scores:
        last = scores[-1]["scaled_score"]
        detail.charts["scores"] = line_chart(
            title="Quiz and exam scores since joining",
            summary=(
                f"{len(scores)} scored attempt{'' if len(scores) == 1 else 's'} since joining; "
                f"the latest scored {last}."
            ),
            labels=[f"{p['submitted_at']:%-d %b} {p['mode']}" for p in scores],
            values=[p["scaled_score"] for p in scores],
            y_min=grading.MIN_SCORE,
            y_max=grading.MAX_SCORE,
            reference=(grading.PASS_SCORE, "pass 750"),
            value_header="Scaled score",
            label_header="Finished",
            slug="learner-scores",
        )
    return detail


CSV_HEADERS = (
    "learner",
    "last active (UTC)",
    "cards due",
    "backlog",
    "topics read",
    "topics",
    "last quiz score",
    "last exam score",
    "best exam score",
    "assignments done",
    "mastery",
)


def cohort_csv(board: CohortDashboard) -> str:
    """The learner table as CSV (spreadsheet-safe: no cell starts a formula)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADERS)
    for row in board.rows:
        writer.writerow(
            [
                csv_safe(row.username),
                row.last_active.isoformat() if row.last_active else "",
                row.cards_due,
                row.backlog,
                row.topics_read,
                row.topics_total,
                "" if row.quiz_last is None else row.quiz_last,
                "" if row.exam_last is None else row.exam_last,
                "" if row.exam_best is None else row.exam_best,
                row.assignments_done,
                "" if row.mastery is None else f"{row.mastery:.2f}",
            ]
        )
    return out.getvalue()
