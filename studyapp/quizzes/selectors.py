"""Reads shared by the quiz pages and by other apps (the daily review, issue 7's cohorts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, Prefetch, Q, QuerySet, prefetch_related_objects

from studyapp.cards.review import StudyDay, study_day_for
from studyapp.cards.scheduling import study_settings_for
from studyapp.core.archiving import active_q
from studyapp.core.errors import NotFound
from studyapp.quizzes.models import (
    Attempt,
    AttemptQuestion,
    Option,
    Question,
    question_asked_q,
)
from studyapp.topics.models import Topic


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


def attempt_for_owner(user, attempt_id: int) -> Attempt:
    """The attempt if ``user`` took it (to answer, flag or submit), else NotFound."""
    if not user.is_authenticated:
        raise NotFound("No such attempt.")
    # Without the model's ordering: one row by its key needs none.
    attempt = Attempt.objects.filter(pk=attempt_id, user=user).order_by().first()
    if attempt is None:
        raise NotFound("No such attempt.")
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


def attempt_item(attempt: Attempt, position: int | None) -> AttemptQuestion | None:
    """One question of the attempt, at ``position`` or (None) the first one not answered yet
    (where a practice session resumes), with its version, case study and the version's options
    (two queries), whatever the attempt's length. What the page shows only once the answer is
    revealed (the topics to study, the case's topic) is loaded by
    :func:`attempt_item_study_links_load`."""
    if position is None:
        items = attempt.items.filter(answered_at__isnull=True).order_by("position")
    else:  # one row: without the model's ordering (by the attempt's start, a join)
        items = attempt.items.filter(position=position).order_by()
    return attempt_item_queryset(items).first()


def attempt_item_queryset(items: QuerySet[AttemptQuestion]) -> QuerySet[AttemptQuestion]:
    """``items`` loaded as a question page shows one: with its version, case study and
    options."""
    return items.select_related("version__case_study").prefetch_related(
        Prefetch("version__options", queryset=Option.objects.order_by("position"))
    )


def attempt_item_study_links_load(item: AttemptQuestion) -> None:
    """Load what a revealed question links to: the topics (with their course) of the item's
    version, and its case's topic when it has a case: one query, two with a case."""
    lookups = [Prefetch("topics", queryset=Topic.objects.select_related("course"))]
    if item.version.case_id is not None:
        lookups.append("case__topic__course")
    prefetch_related_objects([item.version], *lookups)


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
    return (
        Question.objects.asked()
        .filter(schedules__user=user, schedules__due__lt=day.end)
        .order_by("schedules__due", "pk")
    )


def questions_due_count(user, now: datetime, *, day: StudyDay | None = None) -> int:
    """How many questions are due today (:func:`questions_due`)."""
    return questions_due(user, now=now, day=day).count()


def topics_with_questions() -> QuerySet[Topic]:
    """Visible topics that at least one published question tests (for the practice filter)."""
    return (
        Topic.objects.visible()
        .filter(
            question_asked_q("questions__question"),
            questions__question__current_version=F("questions__id"),
        )
        .select_related("course")
        .distinct()
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
