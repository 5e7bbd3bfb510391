"""The first-run start: what a new learner sees on Home until they have studied once.

A learner who has neither reviewed a card nor answered a practice question (and has not put
the start away) is shown, instead of the dashboard, what the app does and four steps: choose
desired retention and daily limits, open the first topic, review the first cards, answer the
first practice question. Each step is done when the learner has done it (read from their rows,
never from a flag); the start goes once the review and the practice answer exist, or once the
learner dismisses it (``accounts.onboarding.start_dismiss``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from studyapp.accounts.models import User
from studyapp.cards.models import ReviewLog, StudySettings
from studyapp.progress.prepared import Prepared
from studyapp.progress.selectors import LEARNER, topics_active_kept
from studyapp.quizzes.models import Attempt, AttemptQuestion
from studyapp.quizzes.selectors import topics_with_questions
from studyapp.topics.models import ReadingProgress, Topic


@dataclass(frozen=True)
class StartSteps:
    """Which steps of the start the learner has done."""

    settings_chosen: bool
    topic_opened: bool
    reviewed: bool
    practised: bool

    @property
    def finished(self) -> bool:
        """Studied once: a card reviewed and a practice question answered."""
        return self.reviewed and self.practised


@dataclass(frozen=True)
class FirstRun:
    steps: StartSteps
    first_topic: Topic | None  # the course's first topic
    practice_topic: Topic | None  # the first topic a practice question tests


def start_steps_row() -> QuerySet:
    """The learner's four steps, each done or not: one row of four."""
    learner = OuterRef("pk")
    return (
        User.objects.filter(pk=LEARNER)
        .annotate(
            settings_chosen=Exists(StudySettings.objects.filter(user=learner)),
            topic_opened=Exists(ReadingProgress.objects.filter(user=learner)),
            reviewed=Exists(ReviewLog.objects.filter(user=learner)),
            practised=Exists(  # an exam's answers count once it is submitted
                AttemptQuestion.objects.filter(
                    Q(attempt__mode=Attempt.Mode.PRACTICE) | Q(attempt__submitted_at__isnull=False),
                    attempt__user=learner,
                    answered_at__isnull=False,
                )
            ),
        )
        .values_list("settings_chosen", "topic_opened", "reviewed", "practised")
    )


START_STEPS = Prepared(start_steps_row)
# The first topic a practice question tests, as topics_with_questions orders them.
PRACTICE_TOPIC = Prepared(lambda: topics_with_questions().values_list("pk")[:1])


def start_steps(user: User) -> StartSteps:
    """The four steps' state, in one query."""
    (row,) = START_STEPS.rows(user=user.pk)
    return StartSteps(*(bool(done) for done in row))  # SQLite gives 0 and 1


def first_run_for(user: User) -> FirstRun | None:
    """The start to show ``user`` on Home, or None when the dashboard is theirs.

    Its two topics come from the topics this process keeps in course order (one small query
    when the course has not changed): the first of them, and the one the practice query names,
    read before them so that the kept topics are at least as new as its answer."""
    if user.start_dismissed_at is not None:
        return None
    steps = start_steps(user)
    if steps.finished:
        return None
    practice = PRACTICE_TOPIC.rows()
    topics = topics_active_kept()
    practice_pk = practice[0][0] if practice else None
    return FirstRun(
        steps=steps,
        first_topic=topics[0] if topics else None,
        practice_topic=next((topic for topic in topics if topic.pk == practice_pk), None),
    )
