"""Data built for the dashboard tests: a small course, hand-made review logs and quiz answers."""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime, timedelta

import pytest

from studyapp.cards.models import Card, CardSchedule, FsrsState, Note, ReviewLog
from studyapp.quizzes import attempts
from studyapp.quizzes.models import (
    Attempt,
    AttemptQuestion,
    Option,
    Question,
    QuestionReview,
    QuestionSchedule,
    QuestionVersion,
)
from studyapp.topics.models import Course, Section, Topic

# Wednesday 4 March 2026, 12:00 UTC; with the default 4 am day start (UTC) the study day is 4 March.
NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


def answer_at_random(
    attempt: Attempt, rng: random.Random, *, at: datetime, skipped: float = 0.0
) -> None:
    """Answers an attempt's questions in order through the real function, each with an option
    picked at random, 5-200 s after ``at``; each question is left unanswered with the chance
    ``skipped``."""
    for item in attempt.items.select_related("version").order_by("position"):
        if skipped and rng.random() < skipped:
            continue
        options = list(item.version.options.order_by("position"))
        attempts.attempt_answer(
            attempt=attempt,
            position=item.position,
            option_ids=[rng.choice(options).pk],
            now=at + timedelta(seconds=rng.randint(5, 200)),
        )


class World:
    """A course of two topics with three cards each, and helpers that write known history."""

    def __init__(self) -> None:
        self.course = Course.objects.create(
            slug="aws-lambda", title="AWS Lambda", source="notes/aws-lambda.md"
        )
        self.section = Section.objects.create(course=self.course, slug="basics", title="Basics")
        self.topics = [
            Topic.objects.create(
                course=self.course,
                section=self.section,
                slug=slug,
                title=title,
                position=position,
            )
            for position, (slug, title) in enumerate(
                [("layers", "Lambda Layers"), ("vpc", "VPC Integration")]
            )
        ]
        self.cards = []
        for topic in self.topics:
            for number in range(3):
                note = Note.objects.create(
                    key=f"aws-lambda/{topic.slug}/{number}",
                    topic=topic,
                    source=Note.Source.NOTES,
                    front_md=f"Front {number}",
                    back_md="Back",
                )
                self.cards.append(Card.objects.create(note=note, ordinal=1))
        self.questions: list[Question] = []

    def review(
        self,
        user,
        *,
        at: datetime,
        rating: int = 3,
        state_before: int | None = 2,
        interval_days: int = 5,
        elapsed_days: int | None = None,
        duration_ms: int = 4000,
        card: Card | None = None,
    ) -> ReviewLog:
        """One answer. ``interval_days``: how far apart it was scheduled from the previous
        answer; ``elapsed_days``: how long it really waited (default: on time)."""
        elapsed = interval_days if elapsed_days is None else elapsed_days
        previous = at - timedelta(days=elapsed)
        first = state_before is None
        return ReviewLog.objects.create(
            user=user,
            card=card or self.cards[0],
            rating=rating,
            reviewed_at=at,
            duration_ms=duration_ms,
            elapsed_days=None if first else elapsed,
            state_before=state_before,
            state_after=2,
            due_before=None if first else previous + timedelta(days=interval_days),
            due_after=at + timedelta(days=3),
            fsrs_review_log={},
        )

    def schedule(
        self,
        user,
        card: Card,
        *,
        due: datetime,
        stability: float = 10.0,
        last_review: datetime | None = None,
        suspended: bool = False,
        state: int = 2,
    ) -> CardSchedule:
        last_review = last_review or NOW - timedelta(days=5)
        return CardSchedule.objects.create(
            user=user,
            card=card,
            note=card.note,
            fsrs_card={
                "card_id": card.pk,
                "state": state,
                "step": None,
                "stability": stability,
                "difficulty": 5.0,
                "due": due.isoformat(),
                "last_review": last_review.isoformat(),
            },
            due=due,
            state=state,
            stability=stability,
            last_review=last_review,
            last_review_days=(last_review - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds()
            / 86400,
            introduced_at=last_review,
            suspended=suspended,
        )

    def question(self, *, domain: str = "D1", topic: Topic | None = None) -> Question:
        number = len(self.questions)
        stem = f"Question {number}?"
        question = Question.objects.create(
            key=f"q-{number}",
            course=self.course,
            status=Question.Status.PUBLISHED,
            created_at=NOW - timedelta(days=400),
        )
        version = QuestionVersion.objects.create(
            question=question,
            number=1,
            stem_md=stem,
            kind=QuestionVersion.Kind.SINGLE,
            domain=domain,
            content_hash=hashlib.sha256(stem.encode()).hexdigest(),
            created_at=NOW - timedelta(days=400),
        )
        version.topics.add(topic or self.topics[0])
        Option.objects.create(version=version, position=0, text_md="A", is_correct=True)
        question.current_version = version
        question.save()
        self.questions.append(question)
        return question

    def attempt(
        self,
        user,
        *,
        answers: list[tuple[Question, bool]],
        at: datetime,
        mode: str = Attempt.Mode.PRACTICE,
        submitted: bool = True,
    ) -> Attempt:
        """A finished attempt with these (question, right?) answers, scored as the exam is."""
        right = sum(ok for _, ok in answers)
        score = 100 + 900 * right // len(answers)
        attempt = Attempt.objects.create(
            user=user,
            mode=mode,
            started_at=at - timedelta(minutes=30),
            submitted_at=at if submitted else None,
            question_count=len(answers),
            correct_count=right if submitted else None,
            scaled_score=score if submitted else None,
        )
        for position, (question, ok) in enumerate(answers, 1):
            AttemptQuestion.objects.create(
                attempt=attempt,
                position=position,
                version=question.current_version,
                chosen=[1],
                shown_at=at - timedelta(minutes=1),
                answered_at=at,
                correct=ok,
            )
            QuestionReview.objects.create(
                user=user,
                question=question,
                rating=3 if ok else 1,
                reviewed_at=at,
                duration_ms=60_000,
            )
        return attempt

    def question_due(self, user, question: Question, *, due: datetime) -> QuestionSchedule:
        return QuestionSchedule.objects.create(
            user=user,
            question=question,
            fsrs_state={},
            state=FsrsState.REVIEW,
            due=due,
            last_reviewed_at=due - timedelta(days=3),
        )


@pytest.fixture
def world(db) -> World:
    return World()
