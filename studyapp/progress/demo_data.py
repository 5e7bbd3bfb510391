"""Bulk demo data for the dashboards and their benchmark (``manage.py seed_demo``).

The cards, learners and review histories come from the cards app's builder
(:mod:`studyapp.cards.demo_data`); this module adds what the dashboards also read: a small
question bank on the demo course, quiz and exam attempts with graded answers, question schedules
and reviews, reading progress, and a 30-learner cohort taught by the demo instructor. Rows go in
with raw ``executemany`` (the cards builder's :func:`insert_rows`), so a million reviews take
well under two minutes.

Everything made here is recognisable (courses ``demo-course-*``, users ``demo-learner-*``, the
demo instructor's cohort "Demo cohort"), so :func:`demo_reset` removes exactly it.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Q

from studyapp.accounts.cohorts import cohort_create
from studyapp.accounts.demo import demo_users_ensure
from studyapp.accounts.models import Cohort, Membership, User
from studyapp.cards.demo_data import (
    demo_cards_build,
    demo_learners_build,
    demo_reviews_build,
    insert_rows,
)
from studyapp.cards.models import CardSchedule, FsrsState, Rating, ReviewLog
from studyapp.quizzes.models import (
    DOMAINS,
    Attempt,
    AttemptQuestion,
    Option,
    Question,
    QuestionReview,
    QuestionSchedule,
    QuestionVersion,
)
from studyapp.topics.models import Course, ReadingProgress, Topic

COURSE_PREFIX = "demo"
LEARNER_PREFIX = "demo-learner"
COHORT_NAME = "Demo cohort"
COHORT_SIZE = 30
QUESTIONS_PER_DOMAIN = 10
PRACTICE_PER_LEARNER = 6
PRACTICE_QUESTIONS = 10
EXAMS_PER_LEARNER = 2
EXAM_QUESTIONS = 20


class DemoDataPresent(Exception):
    """Demo data is already in the database; seeding again would double it."""


@dataclass(frozen=True)
class DemoSummary:
    learners: int
    cards: int
    reviews: int
    attempts: int
    answers: int
    cohort: Cohort
    seconds: float


def demo_courses():
    return Course.objects.filter(slug__startswith=f"{COURSE_PREFIX}-course-")


def demo_learners():
    return User.objects.filter(username__startswith=f"{LEARNER_PREFIX}-")


def demo_present() -> bool:
    return demo_courses().exists() or demo_learners().exists()


def demo_reset() -> None:
    """Remove everything :func:`demo_seed` made (the demo logins themselves stay)."""
    courses = demo_courses()
    learners = demo_learners()
    with transaction.atomic():
        ReviewLog.objects.filter(
            Q(user__in=learners) | Q(card__note__topic__course__in=courses)
        ).delete()
        CardSchedule.objects.filter(
            Q(user__in=learners) | Q(note__topic__course__in=courses)
        ).delete()
        QuestionReview.objects.filter(
            Q(user__in=learners) | Q(question__course__in=courses)
        ).delete()
        Attempt.objects.filter(
            Q(user__in=learners) | Q(items__version__question__course__in=courses)
        ).distinct().delete()
        Cohort.objects.filter(name=COHORT_NAME, instructor__username="instructor").delete()
        learners.delete()
        courses.delete()


def demo_questions_build(*, course: Course, topics: list[Topic], now: datetime) -> list[dict]:
    """A small bank on the demo course: ``QUESTIONS_PER_DOMAIN`` per domain, four options
    each, every question on one topic. Returns what answers need (ids, domain, options)."""
    made = []
    for domain in DOMAINS:
        for number in range(QUESTIONS_PER_DOMAIN):
            topic = topics[(len(made)) % len(topics)]
            stem = f"Demo {domain} question {number} about {topic.title}?"
            question = Question.objects.create(
                key=f"{course.slug}/{domain.lower()}-{number}",
                course=course,
                status=Question.Status.PUBLISHED,
                origin=Question.Origin.AUTHORED,
                in_pool=True,
                created_at=now,
            )
            version = QuestionVersion.objects.create(
                question=question,
                number=1,
                stem_md=stem,
                kind=QuestionVersion.Kind.SINGLE,
                domain=domain,
                content_hash=hashlib.sha256(stem.encode()).hexdigest(),
                created_at=now,
            )
            version.topics.add(topic)
            options = Option.objects.bulk_create(
                Option(
                    version=version,
                    position=position,
                    text_md=f"Option {position}",
                    is_correct=position == 0,
                    explanation_md="Why.",
                )
                for position in range(4)
            )
            question.current_version = version
            question.save(update_fields=["current_version"])
            made.append(
                {
                    "question": question.pk,
                    "version": version.pk,
                    "domain": domain,
                    "right": options[0].pk,
                    "wrong": options[1].pk,
                }
            )
    return made


def demo_attempts_build(
    *, user_ids: list[int], questions: list[dict], now: datetime, seed: int = 0
) -> tuple[int, int]:
    """Practice sessions and timed exams over the last six months for each learner, with
    graded answers, question reviews and schedules. Returns (attempts, answers)."""
    rng = random.Random(seed)
    when = connection.ops.adapt_datetimefield_value
    item_columns = [
        "attempt_id", "position", "version_id", "chosen", "shown_at", "answered_at", "flagged",
        "correct",
    ]  # fmt: skip
    review_columns = [
        "user_id", "question_id", "rating", "reviewed_at", "duration_ms", "review_log",
    ]  # fmt: skip
    schedule_columns = [
        "user_id", "question_id", "fsrs_state", "state", "due", "last_reviewed_at", "reviews",
    ]  # fmt: skip
    attempts_made = answers_made = 0
    for start in range(0, len(user_ids), 100):
        chunk = user_ids[start : start + 100]
        plans = []
        for user_id in chunk:
            ability = rng.uniform(0.45, 0.92)
            domain_skill = {d: ability + rng.uniform(-0.12, 0.12) for d in DOMAINS}
            sessions = [(Attempt.Mode.PRACTICE, PRACTICE_QUESTIONS)] * PRACTICE_PER_LEARNER + [
                (Attempt.Mode.EXAM, EXAM_QUESTIONS)
            ] * EXAMS_PER_LEARNER
            starts = sorted(now - timedelta(days=rng.uniform(0.5, 180)) for _ in sessions)
            for (mode, count), started in zip(sessions, starts, strict=True):
                asked = rng.sample(questions, count)
                right = [rng.random() < domain_skill[q["domain"]] for q in asked]
                correct = sum(right)
                score = 100 + 900 * correct // count
                finished = started + timedelta(seconds=90 * count)
                attempt = Attempt(
                    user_id=user_id,
                    mode=mode,
                    title="Practice: all questions" if mode == "practice" else "Timed exam",
                    started_at=started,
                    deadline=started + timedelta(seconds=144 * count) if mode == "exam" else None,
                    submitted_at=finished,
                    ending=Attempt.Ending.SUBMITTED,
                    config={"demo": True},
                    question_count=count,
                    correct_count=correct,
                    scaled_score=score,
                    passed=score >= 750,
                )
                plans.append((attempt, asked, right))
        Attempt.objects.bulk_create([plan[0] for plan in plans], batch_size=1000)
        items, reviews, last_seen = [], [], {}
        for attempt, asked, right in plans:
            moment = attempt.started_at
            for position, (question, is_right) in enumerate(zip(asked, right, strict=True), 1):
                shown, moment = moment, moment + timedelta(seconds=rng.uniform(30, 150))
                items.append(
                    (
                        attempt.pk,
                        position,
                        question["version"],
                        json.dumps([question["right" if is_right else "wrong"]]),
                        when(shown),
                        when(moment),
                        False,
                        is_right,
                    )
                )
                reviewed_at = attempt.submitted_at if attempt.mode == "exam" else moment
                reviews.append(
                    (
                        attempt.user_id,
                        question["question"],
                        int(Rating.GOOD if is_right else Rating.AGAIN),
                        when(reviewed_at),
                        int((moment - shown).total_seconds() * 1000),
                        "{}",
                    )
                )
                key = (attempt.user_id, question["question"])
                count = last_seen.get(key, (None, 0))[1] + 1
                last_seen[key] = (reviewed_at, count, is_right)
        schedules = []
        for (user_id, question_id), (reviewed_at, count, is_right) in last_seen.items():
            due = reviewed_at + timedelta(days=rng.uniform(1, 60) if is_right else 0.01)
            state = FsrsState.REVIEW if is_right else FsrsState.RELEARNING
            fsrs_state = {
                "card_id": question_id,
                "state": int(state),
                "step": None if is_right else 0,
                "stability": rng.uniform(2, 40),
                "difficulty": rng.uniform(3, 8),
                "due": due.isoformat(),
                "last_review": reviewed_at.isoformat(),
            }
            schedules.append(
                (
                    user_id,
                    question_id,
                    json.dumps(fsrs_state),
                    int(state),
                    when(due),
                    when(reviewed_at),
                    count,
                )
            )
        with transaction.atomic():
            insert_rows(AttemptQuestion._meta.db_table, item_columns, items)
            insert_rows(QuestionReview._meta.db_table, review_columns, reviews)
            insert_rows(QuestionSchedule._meta.db_table, schedule_columns, schedules)
        attempts_made += len(plans)
        answers_made += len(items)
    return attempts_made, answers_made


def demo_reading_build(
    *, user_ids: list[int], topics: list[Topic], now: datetime, seed: int = 0
) -> int:
    """Each learner has opened some topics, in course order, and marked most of them read."""
    rng = random.Random(seed)
    rows = []
    for user_id in user_ids:
        for topic in topics[: rng.randint(0, len(topics))]:
            viewed = now - timedelta(days=rng.uniform(0, 300))
            rows.append(
                ReadingProgress(
                    user_id=user_id,
                    topic=topic,
                    last_viewed_at=viewed,
                    read_at=viewed if rng.random() < 0.8 else None,
                )
            )
    ReadingProgress.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def demo_cohort_build(*, instructor: User, user_ids: list[int], now: datetime) -> Cohort:
    """The demo instructor's cohort of the first ``COHORT_SIZE`` learners."""
    cohort = cohort_create(instructor=instructor, name=COHORT_NAME)
    Membership.objects.bulk_create(
        Membership(cohort=cohort, user_id=user_id, joined_at=now - timedelta(days=200))
        for user_id in user_ids[:COHORT_SIZE]
    )
    return cohort


def demo_seed(
    *,
    learners: int,
    reviews: int,
    now: datetime,
    topics: int = 10,
    cards_per_topic: int = 100,
    seed: int = 0,
) -> DemoSummary:
    """Build the whole demo: ``learners`` learners (the demo learner first) sharing ``reviews``
    review-log rows, plus quizzes, reading, and the demo instructor's cohort.

    Raises :class:`DemoDataPresent` when demo data exists (call :func:`demo_reset` first)."""
    if demo_present():
        raise DemoDataPresent(
            f"Demo data is already here ({demo_learners().count()} demo learners, "
            f"{demo_courses().count()} demo course)."
        )
    if learners < 1:
        raise ValueError("learners must be at least 1")
    started = time.monotonic()
    # One transaction: the builders' own per-learner transactions become savepoints, so SQLite
    # writes the million rows with one commit instead of one a learner.
    with transaction.atomic():
        summary = _demo_build(
            learners=learners,
            reviews=reviews,
            now=now,
            topics=topics,
            cards_per_topic=cards_per_topic,
            seed=seed,
        )
    return DemoSummary(**summary, seconds=time.monotonic() - started)


def _demo_build(
    *, learners: int, reviews: int, now: datetime, topics: int, cards_per_topic: int, seed: int
) -> dict:
    demo_learner, instructor = demo_users_ensure()
    card_ids = demo_cards_build(
        courses=1, topics_per_course=topics, cards_per_topic=cards_per_topic, prefix=COURSE_PREFIX
    )
    user_ids = [demo_learner.pk, *demo_learners_build(count=learners - 1, prefix=LEARNER_PREFIX)]
    made = demo_reviews_build(
        user_ids=user_ids,
        card_ids=card_ids,
        reviews_per_learner=max(1, reviews // learners),
        now=now,
        seed=seed,
    )
    course = demo_courses().get()
    course_topics = list(Topic.objects.filter(course=course).order_by("position"))
    questions = demo_questions_build(course=course, topics=course_topics, now=now)
    attempts, answers = demo_attempts_build(
        user_ids=user_ids, questions=questions, now=now, seed=seed
    )
    demo_reading_build(user_ids=user_ids, topics=course_topics, now=now, seed=seed)
    cohort = demo_cohort_build(instructor=instructor, user_ids=user_ids, now=now)
    return {
        "learners": len(user_ids),
        "cards": len(card_ids),
        "reviews": made,
        "attempts": attempts,
        "answers": answers,
        "cohort": cohort,
    }
