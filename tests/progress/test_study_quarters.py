"""The dashboard reads a learner's answers per quarter-hour, kept by the database as answers are
stored, changed and removed; every figure stays what the whole history gives, in any time zone
and from any day-start hour, before and after the learner changes either."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from studyapp.accounts.models import User
from studyapp.cards.demo_data import demo_cards_build, demo_learners_build, demo_reviews_build
from studyapp.cards.models import Card, ReviewLog, StudySettings
from studyapp.cards.review import review_record, review_undo
from studyapp.cards.scheduling import study_settings_for
from studyapp.progress import selectors
from studyapp.progress.dashboards import learner_dashboard
from studyapp.progress.models import StudyQuarter
from studyapp.quizzes import attempts
from studyapp.quizzes.models import Option, Question, QuestionReview
from tests.progress.conftest import NOW, answer_at_random


def days_of(user) -> dict:
    """The learner's current time zone and day-start hour."""
    user.refresh_from_db()
    hour = study_settings_for(user).day_starts_at_hour
    return {"zone": ZoneInfo(user.time_zone or "UTC"), "day_starts_at_hour": hour}


def from_the_whole_history(user) -> selectors.StudyDays:
    """The figures as the dashboard worked them out before: from every answer stored."""
    days = days_of(user)
    return selectors.StudyDays(
        cards=selectors.card_reviews_by_day(user, **days),
        questions=selectors.question_reviews_by_day(user, **days),
    )


def from_the_quarters(user) -> selectors.StudyDays:
    return selectors.study_days(user, **days_of(user))


def settings_change(user, *, time_zone: str, hour: int) -> None:
    user.time_zone = time_zone
    user.save(update_fields=["time_zone"])
    StudySettings.objects.update_or_create(user=user, defaults={"day_starts_at_hour": hour})


def study(world, user, *, days: int = 240, seed: int = 1) -> None:
    """A long history through the real recording functions: flashcard answers at all hours
    (three right on a Kathmandu 3 am day start), some taken back, and graded practice answers."""
    rng = random.Random(seed)
    for domain in ("D1", "D2", "D3", "D4"):
        question = world.question(domain=domain)
        Question.objects.filter(pk=question.pk).update(in_pool=True)
        Option.objects.create(
            version=question.current_version, position=1, text_md="B", is_correct=False
        )
    start = NOW - timedelta(days=days)
    moments = [start + timedelta(minutes=rng.randrange(days * 24 * 60)) for _ in range(300)]
    boundary = start.replace(hour=21, minute=15, second=0) + timedelta(days=days // 2)
    moments += [boundary - timedelta(seconds=1), boundary, boundary + timedelta(seconds=1)]
    for at in sorted(moments):
        review_record(
            user=user,
            card=rng.choice(world.cards),
            rating=rng.choices((1, 2, 3, 4), weights=(15, 15, 60, 10))[0],
            duration_ms=rng.choice((None, rng.randint(800, 20_000))),
            now=at,
        )
        if rng.random() < 0.05:
            review_undo(user=user, now=at + timedelta(seconds=5))
        if rng.random() < 0.15:
            attempt = attempts.practice_start(user=user, now=at, count=2, rng=rng)
            answer_at_random(attempt, rng, at=at)


@pytest.fixture
def kathmandu(learner):
    """A learner at UTC+5:45 whose study day starts at 3 am."""
    settings_change(learner, time_zone="Asia/Kathmandu", hour=3)
    return learner


@pytest.mark.django_db
def test_answers_recorded_and_taken_back_add_up_to_what_the_whole_history_gives(world, kathmandu):
    study(world, kathmandu)
    history = from_the_whole_history(kathmandu)
    assert sum(day.young + day.mature for day in history.cards.values()) > 50
    assert sum(answers for answers, _ in history.questions.values()) > 20
    assert from_the_quarters(kathmandu) == history


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("time_zone", "hour"),
    [("America/New_York", 0), ("Asia/Kathmandu", 7), ("UTC", 4), ("Pacific/Chatham", 23)],
)
def test_a_change_of_time_zone_or_day_start_gives_the_figures_of_the_new_days(
    world, kathmandu, time_zone, hour
):
    study(world, kathmandu, days=120)
    before = from_the_quarters(kathmandu)
    settings_change(kathmandu, time_zone=time_zone, hour=hour)
    after = from_the_quarters(kathmandu)
    assert after == from_the_whole_history(kathmandu)
    assert after != before
    study(world, kathmandu, days=20, seed=2)  # and answers given since
    assert from_the_quarters(kathmandu) == from_the_whole_history(kathmandu)


@pytest.mark.django_db
def test_answers_stored_changed_or_removed_by_other_means_count_as_well(world, kathmandu):
    study(world, kathmandu, days=60)
    world.review(kathmandu, at=NOW - timedelta(days=2), interval_days=30)  # straight in the log
    world.attempt(kathmandu, answers=[(world.questions[0], True)], at=NOW - timedelta(days=1))
    assert from_the_quarters(kathmandu) == from_the_whole_history(kathmandu)
    moved = ReviewLog.objects.filter(user=kathmandu).order_by("pk")[:10]
    for log in moved:
        log.reviewed_at -= timedelta(hours=7)
        log.save()
    QuestionReview.objects.filter(user=kathmandu).update(duration_ms=1234)
    assert from_the_quarters(kathmandu) == from_the_whole_history(kathmandu)
    Card.objects.filter(pk=world.cards[0].pk).delete()  # its answers go with it
    assert from_the_quarters(kathmandu) == from_the_whole_history(kathmandu)


@pytest.mark.django_db
def test_a_history_stored_in_bulk_is_counted(learner):
    others = demo_learners_build(count=2)
    cards = demo_cards_build(topics_per_course=2, cards_per_topic=50)
    demo_reviews_build(user_ids=[learner.pk, *others], card_ids=cards, reviews_per_learner=600,
                       now=NOW)  # fmt: skip
    for user in [learner, *User.objects.filter(pk__in=others)]:
        assert from_the_quarters(user) == from_the_whole_history(user)
        assert sum(day.reviews for day in from_the_quarters(user).cards.values()) == 600


@pytest.mark.django_db
def test_the_answers_per_day_take_one_query_whatever_the_history(
    world, kathmandu, django_assert_num_queries
):
    study(world, kathmandu, days=60)
    days = days_of(kathmandu)
    with django_assert_num_queries(1):
        selectors.study_days(kathmandu, **days)


@pytest.mark.django_db
def test_the_dashboard_figures_come_from_the_quarters(world, kathmandu):
    study(world, kathmandu, days=200)
    board = learner_dashboard(kathmandu, now=NOW)
    history = from_the_whole_history(kathmandu)
    assert board.cards_answered == sum(day.reviews for day in history.cards.values())
    assert board.questions_answered == sum(n for n, _ in history.questions.values())
    assert board.studied_ms == sum(day.duration_ms for day in history.cards.values()) + sum(
        ms for _, ms in history.questions.values()
    )


@pytest.mark.django_db
def test_a_deleted_learner_leaves_no_sums_behind(world, kathmandu):
    study(world, kathmandu, days=30)
    assert StudyQuarter.objects.filter(user=kathmandu).exists()
    kathmandu.delete()
    assert not StudyQuarter.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("latest_migrations_afterwards")
def test_the_answers_given_before_the_migration_are_added_up(world, learner):
    settings_change(learner, time_zone="Asia/Kathmandu", hour=3)
    study(world, learner, days=90)
    executor = MigrationExecutor(connection)
    executor.migrate([("progress", "0001_study_quarter")])  # no triggers, no sums
    StudyQuarter.objects.all().delete()
    ReviewLog.objects.filter(pk=ReviewLog.objects.order_by("pk").first().pk).delete()
    expected = from_the_whole_history(learner)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([("progress", "0002_study_quarter_triggers")])
    assert from_the_quarters(learner) == expected


@pytest.mark.parametrize(
    "time_zone",
    ["UTC", "Europe/London", "America/New_York", "Asia/Kathmandu", "Australia/Lord_Howe",
     "Pacific/Chatham", "America/St_Johns", "Asia/Kolkata", "America/Santiago"],
)  # fmt: skip
def test_quarter_hours_fall_on_the_study_days_the_date_library_gives(time_zone):
    """Every quarter-hour of 2025 and 2026 (daylight saving changes included), from midnight
    and from 4 am and 11 pm day starts."""
    zone = ZoneInfo(time_zone)
    first = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp()) // 900
    last = int(datetime(2027, 1, 1, tzinfo=UTC).timestamp()) // 900
    for hour in (0, 4, 23):
        for quarter in range(first, last):
            number = selectors.bucket_day_number(quarter, zone, hour)
            assert selectors.day_of_number(number) == selectors.bucket_study_date(
                quarter, zone=zone, day_starts_at_hour=hour
            ), (quarter, hour)
