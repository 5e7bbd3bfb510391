"""Factories for the objects many tests build: a published quiz of given questions, a cohort
with its learners, what a deployment gives for a new function. Each goes through the app's own
services or types (quizbuilder, cohorts, deploying), so what a test builds is what an
instructor or a learner could have built."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from studyapp.accounts.cohorts import cohort_create, cohort_join
from studyapp.accounts.models import Cohort, User
from studyapp.quizzes import quizbuilder
from studyapp.quizzes.models import Question, Quiz
from studyapp.sandbox.deploying import NewFunction


def quiz_make(
    *,
    owner: User,
    questions: Iterable[Question],
    now: datetime,
    title: str = "Week 1",
    **rules: object,
) -> Quiz:
    """A published quiz of ``questions`` in this order; ``rules`` set Quiz fields
    (e.g. ``shuffle_questions=False``, ``attempts_allowed=0``)."""
    quiz = quizbuilder.quiz_create(owner=owner, title=title, now=now)
    quiz.status = Quiz.Status.PUBLISHED
    for name, value in rules.items():
        setattr(quiz, name, value)
    quiz.save()
    for question in questions:
        quizbuilder.quiz_item_add(quiz=quiz, question=question)
    return quiz


def cohort_make(
    *, instructor: User, now: datetime, name: str = "Class", learners: Iterable[User] = ()
) -> Cohort:
    """A cohort the instructor teaches, which ``learners`` joined with its invite code."""
    cohort = cohort_create(instructor=instructor, name=name)
    for learner in learners:
        cohort_join(user=learner, code=cohort.code, now=now)
    return cohort


def new_function_make(*, name: str, description: str = "") -> NewFunction:
    """What CreateFunction gives for a function with Lambda's defaults: handler app.handler,
    128 MB, a 3 s timeout, 512 MB of /tmp, no environment, Text logs."""
    return NewFunction(
        name=name,
        handler="app.handler",
        description=description,
        memory_mb=128,
        timeout_s=3,
        ephemeral_storage_mb=512,
        environment={},
        log_format="Text",
    )
