"""Fast synthetic data for benchmarks and demos: courses of cards, learners and review histories.

Rows go in with ``bulk_create`` and raw ``executemany`` (no per-row ORM work), so a million
review-log rows take seconds. The histories are plausible rather than replayed: each studied card
has a few answers with growing gaps and a final FSRS state (review or learning) whose due date is
spread around ``now``, so some reviews are due, some overdue and some learning cards come back
today. ``manage.py seed_demo`` can call these functions.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from studyapp.cards.models import Card, CardSchedule, FsrsState, Note, Rating, ReviewLog
from studyapp.topics.models import Course, Section, Topic

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def demo_cards_build(
    *,
    courses: int = 1,
    topics_per_course: int = 10,
    cards_per_topic: int = 100,
    prefix: str = "demo",
) -> list[int]:
    """Create courses of basic cards; return the card ids in course order."""
    card_ids: list[int] = []
    with transaction.atomic():
        for course_number in range(courses):
            slug = f"{prefix}-course-{course_number}"
            course = Course.objects.create(
                slug=slug, title=f"Demo course {course_number}", source="demo", position=100
            )
            section = Section.objects.create(course=course, slug="demo", title="Demo")
            topics = Topic.objects.bulk_create(
                Topic(
                    course=course,
                    section=section,
                    slug=f"topic-{number}",
                    title=f"Demo topic {number}",
                    position=number,
                )
                for number in range(topics_per_course)
            )
            notes = Note.objects.bulk_create(
                (
                    Note(
                        key=f"{slug}/{topic.slug}/term-{number}",
                        topic=topic,
                        kind=Note.Kind.BASIC,
                        source=Note.Source.CONTENT,
                        front_md=f"What is **term {number}** of {topic.title}?",
                        back_md=f"The definition of term {number}.",
                    )
                    for topic in topics
                    for number in range(cards_per_topic)
                ),
                batch_size=2000,
            )
            cards = Card.objects.bulk_create(
                (Card(note=note, ordinal=1) for note in notes), batch_size=2000
            )
            card_ids.extend(card.pk for card in cards)
    return card_ids


def demo_learners_build(
    *, count: int, prefix: str = "demo-learner", password: str = ""
) -> list[int]:
    """Create ``count`` learners (an unusable password unless one is given); return their ids."""
    User = get_user_model()
    hashed = make_password(password or None)
    users = User.objects.bulk_create(
        (User(username=f"{prefix}-{number}", password=hashed) for number in range(count)),
        batch_size=1000,
    )
    return [user.pk for user in users]


def insert_rows(table: str, columns: list[str], rows: list[tuple]) -> None:
    if not rows:
        return
    quote = connection.ops.quote_name
    # Table and column names come from our own models, never from input.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        quote(table), ", ".join(quote(c) for c in columns), ", ".join(["%s"] * len(columns))
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def demo_reviews_build(
    *,
    user_ids: list[int],
    card_ids: list[int],
    reviews_per_learner: int,
    now: datetime,
    reviews_per_card: int = 8,
    seed: int = 0,
) -> int:
    """Give each learner a review history on some cards; return the number of log rows made."""
    rng = random.Random(seed)
    when = connection.ops.adapt_datetimefield_value
    note_of = dict(Card.objects.filter(pk__in=card_ids).values_list("pk", "note_id"))
    cards_each = max(1, min(len(card_ids), reviews_per_learner // reviews_per_card))
    schedule_columns = [
        "user_id", "card_id", "note_id", "fsrs_card", "due", "state", "stability",
        "last_review", "last_review_days", "introduced_at", "reps", "lapses", "suspended",
        "buried_until", "leech", "version",
    ]  # fmt: skip
    log_columns = [
        "user_id", "card_id", "rating", "reviewed_at", "duration_ms", "elapsed_days",
        "state_before", "state_after", "due_before", "due_after", "schedule_before",
        "fsrs_review_log", "created_at",
    ]  # fmt: skip
    made = 0
    for user_id in user_ids:
        schedules, logs = [], []
        studied = rng.sample(card_ids, cards_each)
        remaining = reviews_per_learner
        for index, card_id in enumerate(studied):
            count = remaining if index == cards_each - 1 else reviews_per_card
            count = max(1, count)
            remaining -= count
            stability = rng.uniform(0.5, 3.0)
            moment = now - timedelta(days=rng.uniform(30, 400))
            state_before = None
            due_before = None
            previous: datetime | None = None
            for review in range(count):
                rating = rng.choices(tuple(Rating), weights=(10, 15, 65, 10))[0]
                lapse = rating == Rating.AGAIN
                stability = stability * (0.5 if lapse else rng.uniform(1.8, 3.0))
                state_after = FsrsState.RELEARNING if lapse and review else FsrsState.REVIEW
                relearning = state_after == FsrsState.RELEARNING
                interval = timedelta(minutes=10) if relearning else timedelta(days=stability)
                due_after = moment + interval
                logs.append(
                    (
                        user_id,
                        card_id,
                        int(rating),
                        when(moment),
                        rng.randint(1500, 15000),
                        None if previous is None else (moment - previous).days,
                        None if state_before is None else int(state_before),
                        int(state_after),
                        when(due_before) if due_before else None,
                        when(due_after),
                        None,
                        json.dumps(
                            {
                                "card_id": card_id,
                                "rating": int(rating),
                                "review_datetime": moment.isoformat(),
                                "review_duration": None,
                            }
                        ),
                        when(moment),
                    )
                )
                previous = moment
                state_before, due_before = state_after, due_after
                if review < count - 1:
                    # The next answer comes around the due date; the last one is left as is.
                    moment = min(due_after + timedelta(days=rng.uniform(-0.2, 2)), now)
            last_review = moment
            # Spread the final due dates: about a fifth due now, a few learning today.
            if rng.random() < 0.05:
                state, due = FsrsState.LEARNING, now + timedelta(minutes=rng.uniform(-30, 120))
            else:
                state = FsrsState.REVIEW
                due = now + timedelta(days=rng.uniform(-10, 40))
            fsrs_card = {
                "card_id": card_id,
                "state": int(state),
                "step": 0 if state == FsrsState.LEARNING else None,
                "stability": stability,
                "difficulty": rng.uniform(2, 8),
                "due": due.isoformat(),
                "last_review": last_review.isoformat(),
            }
            schedules.append(
                (
                    user_id,
                    card_id,
                    note_of[card_id],
                    json.dumps(fsrs_card),
                    when(due),
                    int(state),
                    stability,
                    when(last_review),
                    (last_review - EPOCH).total_seconds() / 86400,
                    when(last_review - timedelta(days=300)),
                    count,
                    0,
                    False,
                    None,
                    False,
                    count,
                )
            )
        with transaction.atomic():
            insert_rows(CardSchedule._meta.db_table, schedule_columns, schedules)
            insert_rows(ReviewLog._meta.db_table, log_columns, logs)
        made += len(logs)
    return made
