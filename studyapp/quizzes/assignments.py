"""Cohort assignments: take a quiz, read a topic, study a deck of cards; and their status.

Status is computed, never stored:

* quiz: "done" once the learner submitted an attempt at it, "started" while one is open;
* topic: "done" once the learner marked it read (``ReadingProgress.read_at``);
* deck (a topic's or a whole course's cards): "done" once every active card of it has been
  reviewed at least once, "started" after the first.

Every function here runs a fixed number of queries, whatever the number of learners or
assignments (the dashboards' query-count tests hold it to that).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from studyapp.accounts.models import Cohort, Membership
from studyapp.cards.models import Card, CardSchedule, card_studied_q
from studyapp.core.archiving import active_q
from studyapp.core.errors import NotFound
from studyapp.quizzes.models import Assignment, Attempt
from studyapp.topics.models import ReadingProgress

NOT_STARTED, STARTED, DONE = "not started", "started", "done"


def assignment_create(
    *,
    cohort: Cohort,
    kind: str,
    by,
    now: datetime,
    quiz=None,
    topic=None,
    course=None,
    due_at: datetime | None = None,
) -> Assignment:
    if kind == Assignment.Kind.QUIZ and (quiz is None or quiz.owner_id != cohort.instructor_id):
        raise ValueError("a quiz assignment needs one of the cohort instructor's quizzes")
    return Assignment.objects.create(
        cohort=cohort,
        kind=kind,
        quiz=quiz if kind == Assignment.Kind.QUIZ else None,
        topic=topic if kind != Assignment.Kind.QUIZ else None,
        course=course if kind == Assignment.Kind.DECK and topic is None else None,
        due_at=due_at,
        created_by=by,
        created_at=now,
    )


def assignment_for_instructor(*, user, cohort: Cohort, assignment_id: int) -> Assignment:
    assignment = Assignment.objects.filter(
        pk=assignment_id, cohort=cohort, cohort__instructor=user
    ).first()
    if assignment is None:
        raise NotFound("No such assignment.")
    return assignment


def assignment_title(assignment: Assignment) -> str:
    if assignment.kind == Assignment.Kind.QUIZ:
        return f"Quiz: {assignment.quiz.title}"
    if assignment.kind == Assignment.Kind.TOPIC:
        return f"Read: {assignment.topic.title}"
    deck = assignment.topic.title if assignment.topic_id else assignment.course.title
    return f"Study the cards of {deck}"


def assignment_url(assignment: Assignment) -> str:
    """Where a learner goes to do it."""
    if assignment.kind == Assignment.Kind.QUIZ:
        return reverse("quizzes:assigned", args=[assignment.quiz_id])
    if assignment.kind == Assignment.Kind.TOPIC:
        return assignment.topic.get_absolute_url()
    if assignment.topic_id:
        topic = assignment.topic
        return f"{reverse('cards:index')}?topic={topic.key}"
    return reverse("cards:index")


def _with_related(assignments):
    return assignments.select_related("cohort", "quiz", "topic__course", "course").order_by(
        "due_at", "id"
    )


def _cohort_assignments(cohort: Cohort) -> list[Assignment]:
    """The cohort's assignments, read once per cohort object (the cohort dashboard asks for
    them twice)."""
    cached = cohort.__dict__.get("_assignments")
    if cached is None:
        cached = list(_with_related(Assignment.objects.filter(cohort=cohort)))
        cohort.__dict__["_assignments"] = cached
    return cached


def _member_ids(cohort: Cohort, assignments: list[Assignment]) -> list[int]:
    if not assignments:
        return []
    return list(Membership.objects.filter(cohort=cohort).values_list("user_id", flat=True))


def assignment_statuses(
    assignments: list[Assignment], user_ids: list[int]
) -> dict[tuple[int, int], str]:
    """(assignment id, user id) -> "not started" / "started" / "done", in four queries."""
    statuses: dict[tuple[int, int], str] = {}
    if not assignments or not user_ids:
        return statuses
    quiz_ids = {a.quiz_id for a in assignments if a.kind == Assignment.Kind.QUIZ}
    topic_ids = {a.topic_id for a in assignments if a.kind == Assignment.Kind.TOPIC}
    deck_topics = {a.topic_id for a in assignments if a.kind == Assignment.Kind.DECK and a.topic_id}
    deck_courses = {
        a.course_id for a in assignments if a.kind == Assignment.Kind.DECK and not a.topic_id
    }
    quiz_state: dict[tuple[int, int], str] = {}
    if quiz_ids:
        rows = (
            Attempt.objects.filter(quiz_id__in=quiz_ids, user_id__in=user_ids)
            .values("quiz_id", "user_id")
            .annotate(submitted=Count("id", filter=Q(submitted_at__isnull=False)))
            .order_by()
        )
        for row in rows:
            quiz_state[(row["quiz_id"], row["user_id"])] = DONE if row["submitted"] else STARTED
    read: set[tuple[int, int]] = set()
    if topic_ids:
        read = set(
            ReadingProgress.objects.filter(
                topic_id__in=topic_ids, user_id__in=user_ids, read_at__isnull=False
            ).values_list("topic_id", "user_id")
        )
    deck_total: dict[tuple[str, int], int] = {}
    deck_seen: dict[tuple[str, int, int], int] = defaultdict(int)
    if deck_topics or deck_courses:
        cards = Card.objects.studied()
        scope = Q(note__topic_id__in=deck_topics) | Q(note__topic__course_id__in=deck_courses)
        for row in (
            cards.filter(scope)
            .values("note__topic_id", "note__topic__course_id")
            .annotate(n=Count("id"))
            .order_by()
        ):
            deck_total[("topic", row["note__topic_id"])] = row["n"]
            key = ("course", row["note__topic__course_id"])
            deck_total[key] = deck_total.get(key, 0) + row["n"]
        seen_rows = (
            CardSchedule.objects.filter(
                card_studied_q("card"), user_id__in=user_ids, last_review__isnull=False
            )
            .filter(
                Q(card__note__topic_id__in=deck_topics)
                | Q(card__note__topic__course_id__in=deck_courses)
            )
            .values("user_id", "card__note__topic_id", "card__note__topic__course_id")
            .annotate(n=Count("card_id", distinct=True))
            .order_by()
        )
        for row in seen_rows:
            deck_seen[("topic", row["card__note__topic_id"], row["user_id"])] += row["n"]
            deck_seen[("course", row["card__note__topic__course_id"], row["user_id"])] += row["n"]
    for assignment in assignments:
        for uid in user_ids:
            if assignment.kind == Assignment.Kind.QUIZ:
                state = quiz_state.get((assignment.quiz_id, uid), NOT_STARTED)
            elif assignment.kind == Assignment.Kind.TOPIC:
                state = DONE if (assignment.topic_id, uid) in read else NOT_STARTED
            else:
                key = (
                    ("topic", assignment.topic_id)
                    if assignment.topic_id
                    else ("course", assignment.course_id)
                )
                total, seen = deck_total.get(key, 0), deck_seen.get((*key, uid), 0)
                state = DONE if total and seen >= total else STARTED if seen else NOT_STARTED
            statuses[(assignment.pk, uid)] = state
    return statuses


@dataclass(frozen=True)
class LearnerAssignment:
    assignment: Assignment
    title: str
    cohort: str
    due_at: datetime | None
    url: str
    status: str
    overdue: bool

    @property
    def done(self) -> bool:
        return self.status == DONE


def assignments_of_learner(user_id) -> QuerySet[Assignment]:
    """What the learner's cohorts (those not archived) assigned: the one definition
    :func:`learner_assignments` reads. ``user_id``: a value or, for a query compiled once, an
    expression."""
    return Assignment.objects.filter(active_q("cohort"), cohort__memberships__user_id=user_id)


def learner_assignments(user, *, now: datetime) -> list[LearnerAssignment]:
    """Everything the learner's cohorts assigned them, with its status; open work first
    (soonest due first), finished work last."""
    assignments = list(_with_related(assignments_of_learner(user.pk)))
    statuses = assignment_statuses(assignments, [user.pk])
    rows = [
        LearnerAssignment(
            assignment=a,
            title=assignment_title(a),
            cohort=a.cohort.name,
            due_at=a.due_at,
            url=assignment_url(a),
            status=statuses[(a.pk, user.pk)],
            overdue=bool(a.due_at and a.due_at < now and statuses[(a.pk, user.pk)] != DONE),
        )
        for a in assignments
    ]
    return sorted(rows, key=lambda r: (r.done, r.due_at is None, r.due_at or now))


@dataclass(frozen=True)
class CohortAssignment:
    assignment: Assignment
    title: str
    due_at: datetime | None
    done: int
    started: int
    of: int
    statistics_url: str


def cohort_assignments(cohort: Cohort) -> list[CohortAssignment]:
    """The cohort's assignments with how many members finished or started each."""
    assignments = _cohort_assignments(cohort)
    user_ids = _member_ids(cohort, assignments)
    statuses = assignment_statuses(assignments, user_ids)
    rows = []
    for a in assignments:
        states = [statuses.get((a.pk, uid), NOT_STARTED) for uid in user_ids]
        rows.append(
            CohortAssignment(
                assignment=a,
                title=assignment_title(a),
                due_at=a.due_at,
                done=states.count(DONE),
                started=states.count(STARTED),
                of=len(user_ids),
                statistics_url=(
                    reverse("teach:quiz_statistics", args=[a.quiz_id])
                    if a.kind == Assignment.Kind.QUIZ
                    else ""
                ),
            )
        )
    return rows


def cohort_assignments_done(cohort: Cohort) -> dict[int, int]:
    """learner id -> how many of the cohort's assignments they finished."""
    assignments = _cohort_assignments(cohort)
    user_ids = _member_ids(cohort, assignments)
    done: dict[int, int] = dict.fromkeys(user_ids, 0)
    for (_, uid), state in assignment_statuses(assignments, user_ids).items():
        done[uid] += state == DONE
    return done
