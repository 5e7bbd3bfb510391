"""Reads shared by the quiz pages and by other apps (the daily review, issue 7's cohorts).

A question page and an answer read their attempt, the question shown (its version, case study
and options) and, once it is revealed, its topics with hand-written SQL
(:mod:`studyapp.core.rows`): building the ORM's queries took several times longer in Python
than the database takes to run them, and these reads are on every question and every answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from django.db import connection
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, prefetch_related_objects

from studyapp.cards.review import StudyDay, study_day_for
from studyapp.cards.scheduling import study_settings_for
from studyapp.core.archiving import active_q
from studyapp.core.errors import NotFound
from studyapp.core.rows import (
    Selected,
    related_known,
    row_read,
    row_read_with_many,
    rows_read,
    table,
)
from studyapp.quizzes.models import (
    Attempt,
    AttemptQuestion,
    CaseStudy,
    Option,
    Question,
    QuestionVersion,
    question_asked_q,
)
from studyapp.topics.models import Course, Topic


def attempt_for_viewer(user, attempt_id: int) -> Attempt:
    """The attempt if ``user`` may see it, else NotFound (never NotAllowed: no hint that it exists).

    Its owner may, and so may the instructor of a cohort that the attempt's quiz was assigned
    to, while the attempt's learner is a member of that cohort. Only the owner may change an
    attempt: pages that do use :func:`attempt_for_owner`.
    """
    if not user.is_authenticated:
        raise NotFound("No such attempt.")
    teaches = active_q("quiz__assignments__cohort") & Q(
        quiz__assignments__cohort__instructor=user,
        quiz__assignments__cohort__memberships__user=F("user"),
    )
    attempt = Attempt.objects.filter(Q(user=user) | teaches, pk=attempt_id).distinct().first()
    if attempt is None:
        raise NotFound("No such attempt.")
    return attempt


ATTEMPT = Selected(Attempt, "a")
OWN_ATTEMPT_SQL = f"""SELECT {ATTEMPT.columns()}
    FROM {table(Attempt)} a WHERE a.id = %(attempt)s AND a.user_id = %(user)s"""  # noqa: S608


def attempt_for_owner(user, attempt_id: int) -> Attempt:
    """The attempt if ``user`` took it (to answer, flag or submit), else NotFound."""
    if not user.is_authenticated:
        raise NotFound("No such attempt.")
    row = row_read(OWN_ATTEMPT_SQL, {"attempt": attempt_id, "user": user.pk}, (ATTEMPT,))
    if row is None:
        raise NotFound("No such attempt.")
    attempt = row[0]
    attempt.user = user  # known already: grading an answer needs it without reading it again
    return attempt


@dataclass(frozen=True)
class NavigatorItem:
    """What the question navigator shows of one question: no stem, no options, no grade."""

    position: int
    is_answered: bool
    is_open: bool  # not answered yet (practice) or answer cleared (exam): answered_at is None
    flagged: bool


def attempt_navigator(attempt: Attempt) -> list[NavigatorItem]:
    """Every question's position, answered and flagged state, in order, in one light query."""
    rows = attempt.items.order_by("position").values_list(
        "position", "chosen", "response", "answered_at", "flagged"
    )
    return [
        NavigatorItem(
            position=position,
            is_answered=bool(chosen) or bool(response.strip()),
            is_open=answered_at is None,
            flagged=flagged,
        )
        for position, chosen, response, answered_at, flagged in rows
    ]


# One question of an attempt as a question page shows it: with its attempt, version, case study
# and the version's options (in their written order), in one hand-written query (a row for each
# option).
ITEM_PARTS = (
    Selected(AttemptQuestion, "i"),
    ATTEMPT,
    Selected(QuestionVersion, "v"),
    Selected(CaseStudy, "c"),
)
OPTION = Selected(Option, "o")
ITEM_SQL = f"""SELECT {", ".join(part.columns() for part in ITEM_PARTS)}, {OPTION.columns()}
    FROM {table(AttemptQuestion)} i
    JOIN {table(Attempt)} a ON a.id = i.attempt_id
    JOIN {table(QuestionVersion)} v ON v.id = i.version_id
    LEFT JOIN {table(CaseStudy)} c ON c.id = v.case_study_id
    LEFT JOIN {table(Option)} o ON o.version_id = v.id
    WHERE {{which}}
    ORDER BY o.position"""  # noqa: S608
AT_POSITION = "i.attempt_id = %(attempt)s AND i.position = %(position)s"
FIRST_OPEN = f"""i.id = (SELECT f.id FROM {table(AttemptQuestion)} f
    WHERE f.attempt_id = %(attempt)s AND f.answered_at IS NULL
    ORDER BY f.position LIMIT 1)"""  # noqa: S608


@lru_cache(maxsize=4)
def item_sql(which: str, *, lock: bool) -> str:
    """The question's query; ``lock``: taking the question's and its attempt's rows for the
    rest of the transaction (SELECT ... FOR UPDATE on a database that has it; SQLite's write
    transactions are the whole database's)."""
    if lock and connection.features.has_select_for_update:
        return f"{ITEM_SQL.format(which=which)} {connection.ops.for_update_sql(of=('i', 'a'))}"
    return ITEM_SQL.format(which=which)


def item_read(
    attempt_id: int, *, position: int | None, lock: bool = False
) -> AttemptQuestion | None:
    """The attempt's question at ``position`` (None: its first one not answered yet) with its
    attempt as the database has it now, its version, case study and options; None when there
    is no such question."""
    which = FIRST_OPEN if position is None else AT_POSITION
    params = {"attempt": attempt_id, "position": position}
    found = row_read_with_many(item_sql(which, lock=lock), params, ITEM_PARTS, OPTION)
    if found is None:
        return None
    (item, attempt, version, case_study), options = found
    version.case_study = case_study
    related_known(version, "options", options)
    item.version, item.attempt = version, attempt
    return item


def attempt_item(attempt: Attempt, position: int | None) -> AttemptQuestion | None:
    """One question of the attempt, at ``position`` or (None) the first one not answered yet
    (where a practice session resumes), with its version, case study and the version's options
    (one query), whatever the attempt's length. What the page shows only once the answer is
    revealed (the topics to study, the case's topic) is loaded by
    :func:`attempt_item_study_links_load`."""
    item = item_read(attempt.pk, position=position)
    if item is not None:
        item.attempt = attempt
    return item


OPEN_ITEM_SQL = f"""SELECT 1 FROM {table(AttemptQuestion)} i
    WHERE i.attempt_id = %(attempt)s AND i.answered_at IS NULL LIMIT 1"""  # noqa: S608


def attempt_has_open_item(attempt: Attempt) -> bool:
    """True while a question of the attempt is not answered yet (one hand-written query)."""
    with connection.cursor() as cursor:
        cursor.execute(OPEN_ITEM_SQL, {"attempt": attempt.pk})
        return cursor.fetchone() is not None


TOPIC_PARTS = (Selected(Topic, "t"), Selected(Course, "k"))
VERSION_TOPICS = QuestionVersion._meta.get_field("topics")
VERSION_TOPICS_SQL = f"""SELECT {", ".join(part.columns() for part in TOPIC_PARTS)}
    FROM {table(VERSION_TOPICS.remote_field.through)} vt
    JOIN {table(Topic)} t ON t.id = vt.{VERSION_TOPICS.m2m_reverse_name()}
    JOIN {table(Course)} k ON k.id = t.course_id
    WHERE vt.{VERSION_TOPICS.m2m_column_name()} = %(version)s
    ORDER BY k.position, k.title, t.position"""  # noqa: S608


def attempt_item_study_links_load(item: AttemptQuestion) -> None:
    """Load what a revealed question links to: the topics (with their course) of the item's
    version, in the topics' order (one hand-written query), and its case's topic when it has a
    case (one more)."""
    topics = []
    for topic, course in rows_read(VERSION_TOPICS_SQL, {"version": item.version_id}, TOPIC_PARTS):
        topic.course = course
        topics.append(topic)
    related_known(item.version, "topics", topics)
    if item.version.case_id is not None:
        prefetch_related_objects([item.version], "case__topic__course")


def attempt_items(attempt: Attempt) -> list[AttemptQuestion]:
    """The attempt's questions in order, with each version's options and topics loaded (the
    review of a whole attempt; a question page uses :func:`attempt_item`)."""
    return list(
        attempt.items.select_related(
            "version__question", "version__case__topic", "version__case_study"
        ).prefetch_related(
            Prefetch("version__options", queryset=Option.objects.order_by("position")),
            Prefetch("version__topics", queryset=Topic.objects.select_related("course")),
        )
    )


def attempts_history(user) -> QuerySet[Attempt]:
    return Attempt.objects.filter(user=user).order_by("-started_at", "-id")


def questions_due(user, *, now: datetime, day: StudyDay | None = None) -> QuerySet[Question]:
    """The questions due today: those the learner has answered whose spaced-repetition schedule
    falls due before the end of the learner's study day (their time zone, their day start),
    overdue ones first. The one definition of a due question: the practice of due questions
    asks these, and every "due" figure counts them (:func:`questions_due_count`). ``day``: the
    learner's study day at ``now`` when the caller has it already (saving a query)."""
    if not user.is_authenticated:
        return Question.objects.none()
    if day is None:
        day = study_day_for(user, study_settings_for(user), now=now)
    return questions_due_before(user.pk, day.end).order_by("schedules__due", "pk")


def questions_due_before(user_id, end) -> QuerySet[Question]:
    """The learner's questions whose schedule falls due before ``end`` (each a value or, for a
    query compiled once, an expression): what :func:`questions_due` asks for a study day."""
    return Question.objects.asked().filter(schedules__user_id=user_id, schedules__due__lt=end)


def questions_due_count(user, now: datetime, *, day: StudyDay | None = None) -> int:
    """How many questions are due today (:func:`questions_due`)."""
    return questions_due(user, now=now, day=day).count()


def topics_with_questions() -> QuerySet[Topic]:
    """Visible topics that at least one published question tests (for the practice filter
    and the first run's practice step).

    Asked as an EXISTS for each topic: joined to the questions instead, each topic came once
    for every question testing it, and the DISTINCT that made them one again sorted all those
    rows, every topic's body with them, before the first was taken."""
    tested = QuestionVersion.topics.through.objects.filter(
        question_asked_q("questionversion__question"),
        topic=OuterRef("pk"),
        questionversion__question__current_version=F("questionversion_id"),
    )
    return (
        Topic.objects.visible()
        .filter(Exists(tested))
        .select_related("course")
        .order_by("course__position", "position")
    )


def questions_for_topic(topic: Topic) -> QuerySet[Question]:
    """Published questions whose current version tests ``topic`` (for the topic pages)."""
    return (
        Question.objects.published()
        .filter(current_version__topics=topic)
        .select_related("current_version")
        .distinct()
    )
