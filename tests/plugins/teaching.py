"""What an instructor makes for the learner: a cohort, a quiz of the S3 bank, an assignment.

Each is built through the app's own services (tests/factories.py), at ``MADE_AT``, the moment
the quiz tests take as now. A test that needs another shape builds it with the factories.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from studyapp.accounts.models import Cohort
from studyapp.quizzes.assignments import assignment_create
from studyapp.quizzes.models import Assignment, Question, Quiz
from tests.factories import cohort_make, quiz_make

# 09:00 UTC on Monday 2 March 2026.
MADE_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def cohort(instructor, learner) -> Cohort:
    """A cohort the instructor teaches, which the learner (ada) joined."""
    return cohort_make(instructor=instructor, learners=[learner], now=MADE_AT)


@pytest.fixture
def quiz(instructor, bank: dict[str, Question]) -> Quiz:
    """The instructor's published quiz "Week 1": the bank's q0 then q1, in that order."""
    questions = [bank["q0"], bank["q1"]]
    return quiz_make(owner=instructor, questions=questions, now=MADE_AT, shuffle_questions=False)


@pytest.fixture
def quiz_assignment(instructor, cohort: Cohort, quiz: Quiz) -> Assignment:
    """The quiz assigned to the cohort, with no due date: the learner may take it."""
    return assignment_create(cohort=cohort, kind="quiz", quiz=quiz, by=instructor, now=MADE_AT)
