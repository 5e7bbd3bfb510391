"""The dashboard reads a learner's accuracy per topic, and per exam domain over the readiness
window, from sums the database keeps as answers are graded, changed and removed, and as
questions gain or lose topics or change domain: the figures stay what every graded answer gives,
in one query of a few rows, however long the history."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from studyapp.cards.demo_data import demo_learners_build
from studyapp.cards.review import EPOCH
from studyapp.progress import selectors
from studyapp.progress.dashboards import READINESS_DAYS, learner_dashboard
from studyapp.progress.models import DomainQuarter, TopicAnswers
from studyapp.quizzes import attempts
from studyapp.quizzes.models import (
    Attempt,
    AttemptQuestion,
    Option,
    Question,
    QuestionVersion,
)
from tests.progress.conftest import NOW, answer_at_random


def from_every_answer(user) -> dict:
    """The accuracy per topic as the definition gives it: grouped from every graded answer."""
    return selectors.topic_accuracy([user.pk])


def from_the_sums(user) -> dict:
    return selectors.learner_topic_accuracy(user.pk)


#: Readiness windows: all of the history, and one starting mid-quarter-hour five days back.
WINDOWS = (NOW - timedelta(days=400), NOW - timedelta(days=5, minutes=-7, seconds=-13))


def domains_from_every_answer(user, since) -> dict:
    """The answers per domain as the definition gives them, from the start of the quarter-hour
    ``since`` falls in."""
    start = EPOCH + timedelta(minutes=15 * selectors.quarter_number(since))
    rows = selectors.domain_rows(user.pk, since=start)
    return {row["version__domain"]: (row["right"], row["graded"]) for row in rows}


def domains_from_the_sums(user, since) -> dict:
    return selectors.domain_answers(user, since=since)


def same_as_every_answer(*users) -> bool:
    """Every learner's sums, per topic and per domain in each window, are the definition's."""
    return all(
        from_the_sums(user) == from_every_answer(user)
        and all(
            domains_from_the_sums(user, since) == domains_from_every_answer(user, since)
            for since in WINDOWS
        )
        for user in users
    )


def bank(world) -> None:
    """Questions in the pool on one topic, the other, or both, each with a wrong option too."""
    first, second = world.topics
    for number, topic in enumerate((first, second, first, second, first)):
        question = world.question(domain=f"D{number % 4 + 1}", topic=topic)
        Question.objects.filter(pk=question.pk).update(in_pool=True)
        Option.objects.create(
            version=question.current_version, position=1, text_md="B", is_correct=False
        )
        if number == 4:
            question.current_version.topics.add(second)  # tests both topics


def practise(user, *, sessions: int, seed: int) -> None:
    """Practice sessions through the real functions: each answer graded as it is given, some
    questions left unanswered."""
    rng = random.Random(seed)
    for session in range(sessions):
        at = NOW - timedelta(days=sessions - session)
        attempt = attempts.practice_start(user=user, now=at, count=4, rng=rng)
        answer_at_random(attempt, rng, at=at, skipped=0.2)


def sit_exam(user, *, seed: int) -> Attempt:
    """An exam answered in part and submitted: every question graded at once when it closes
    (the unanswered ones as wrong), in one bulk update."""
    rng = random.Random(seed)
    attempt = attempts.exam_start(user=user, now=NOW, count=5, rng=rng)
    for item in attempt.items.select_related("version").order_by("position")[:3]:
        options = list(item.version.options.order_by("position"))
        attempts.attempt_answer(
            attempt=attempt,
            position=item.position,
            option_ids=[rng.choice(options).pk],
            now=NOW + timedelta(minutes=item.position),
        )
    return attempts.attempt_submit(attempt=attempt, now=NOW + timedelta(minutes=10))


@pytest.fixture
def other(db):
    from studyapp.accounts.models import User

    return User.objects.get(pk=demo_learners_build(count=1, prefix="other")[0])


@pytest.mark.django_db
def test_answers_graded_in_practice_and_in_an_exam_add_up_to_what_every_answer_gives(
    world, learner, other
):
    bank(world)
    practise(learner, sessions=12, seed=1)
    practise(other, sessions=5, seed=2)
    sit_exam(learner, seed=3)
    accuracy = from_every_answer(learner)
    assert sum(graded for _, graded in accuracy.values()) > 30
    assert {topic for _, topic in accuracy} == {topic.pk for topic in world.topics}
    assert same_as_every_answer(learner, other)
    assert from_the_sums(other) != from_the_sums(learner)
    everything, recent = (domains_from_the_sums(learner, since) for since in WINDOWS)
    assert set(everything) == {"D1", "D2", "D3", "D4"}
    assert sum(graded for _, graded in recent.values()) < sum(
        graded for _, graded in everything.values()
    )


@pytest.mark.django_db
def test_answers_changed_or_removed_by_any_means_are_moved_or_taken_back(world, learner, other):
    bank(world)
    practise(learner, sessions=10, seed=4)
    practise(other, sessions=4, seed=5)

    def same() -> bool:
        return same_as_every_answer(learner, other)

    graded = AttemptQuestion.objects.filter(attempt__user=learner, correct__isnull=False)
    AttemptQuestion.objects.filter(pk__in=graded.filter(correct=True).values("pk")[:3]).update(
        correct=False
    )  # regraded
    assert same()
    AttemptQuestion.objects.filter(pk__in=graded.values("pk")[:2]).update(correct=None)
    assert same()  # ungraded
    item = graded.first()
    item.version = world.questions[1].current_version  # another topic and domain
    item.save()
    assert same()
    item.answered_at -= timedelta(days=3, minutes=20)  # another quarter-hour, out of a window
    item.save(update_fields=["answered_at"])
    assert same()
    QuestionVersion.objects.filter(pk=world.questions[2].current_version_id).update(domain="D4")
    assert same()
    graded.filter(pk=graded.last().pk).delete()
    assert same()
    Attempt.objects.filter(pk=graded.first().attempt_id).delete()  # its answers go with it
    assert same()
    moved = Attempt.objects.filter(user=learner).first()
    moved.user = other
    moved.save()  # an attempt handed to another learner
    assert same()
    version = world.questions[0].current_version
    version.topics.add(world.topics[1])  # a question that now tests both topics
    assert same()
    version.topics.remove(world.topics[0])
    assert same()
    version.topics.clear()  # tests no topic now: counted nowhere
    assert same()
    assert from_the_sums(learner)  # the other questions still count


@pytest.mark.django_db
def test_answers_stored_in_bulk_are_counted(world, learner):
    bank(world)
    attempt = Attempt.objects.create(user=learner, mode=Attempt.Mode.PRACTICE, started_at=NOW)
    versions = [question.current_version for question in world.questions]
    AttemptQuestion.objects.bulk_create(
        AttemptQuestion(
            attempt=attempt, position=position, version=version, correct=position % 3 == 0
        )
        for position, version in enumerate(versions * 4, 1)
    )
    assert same_as_every_answer(learner)
    assert sum(graded for _, graded in from_the_sums(learner).values()) == 4 * (len(versions) + 1)
    assert domains_from_the_sums(learner, WINDOWS[0]) == {}  # graded, but never answered
    AttemptQuestion.objects.filter(attempt=attempt, position__lte=10).update(
        answered_at=NOW - timedelta(hours=1)
    )
    assert same_as_every_answer(learner)
    assert sum(graded for _, graded in domains_from_the_sums(learner, WINDOWS[1]).values()) == 10


@pytest.mark.django_db
def test_a_topic_or_a_learner_deleted_leaves_no_sums_behind(world, learner, other):
    bank(world)
    practise(learner, sessions=6, seed=6)
    practise(other, sessions=6, seed=7)
    world.topics[1].delete()
    assert not TopicAnswers.objects.filter(topic_id=world.topics[1].pk).exists()
    assert same_as_every_answer(learner, other)
    learner.delete()
    assert set(TopicAnswers.objects.values_list("user_id", flat=True)) == {other.pk}
    assert set(DomainQuarter.objects.values_list("user_id", flat=True)) == {other.pk}
    assert same_as_every_answer(other)


@pytest.mark.django_db
def test_a_version_that_is_no_longer_current_still_counts_for_its_topics(world, learner):
    bank(world)
    practise(learner, sessions=6, seed=8)
    before = from_the_sums(learner)
    question = world.questions[0]
    old = question.current_version
    new = QuestionVersion.objects.create(
        question=question,
        number=2,
        stem_md="Reworded?",
        kind=old.kind,
        domain=old.domain,
        content_hash="reworded",
        created_at=NOW,
    )
    new.topics.add(world.topics[1])
    question.current_version = new
    question.save()
    assert from_the_sums(learner) == before
    assert same_as_every_answer(learner)


@pytest.mark.django_db
def test_the_accuracy_per_topic_and_domain_take_one_query_each_whatever_the_history(
    world, learner, django_assert_num_queries
):
    bank(world)
    practise(learner, sessions=15, seed=9)
    with django_assert_num_queries(1):
        accuracy = selectors.learner_topic_accuracy(learner.pk)
    with django_assert_num_queries(1):
        domains = selectors.domain_answers(learner, since=WINDOWS[1])
    assert accuracy == from_every_answer(learner)
    assert domains == domains_from_every_answer(learner, WINDOWS[1])


@pytest.mark.django_db
def test_the_dashboard_masteries_and_readiness_show_every_answer(world, learner):
    bank(world)
    practise(learner, sessions=8, seed=10)
    board = learner_dashboard(learner, now=NOW + timedelta(days=1))
    accuracy = from_every_answer(learner)
    for mastery in board.masteries:
        right, graded = accuracy.get((learner.pk, mastery.topic.pk), (0, 0))
        assert (mastery.right, mastery.graded) == (right, graded)
    assert any(mastery.graded for mastery in board.masteries)
    since = NOW + timedelta(days=1) - timedelta(days=READINESS_DAYS)
    domains = domains_from_every_answer(learner, since)
    for domain in board.domains:
        assert (domain.right, domain.graded) == domains.get(domain.domain, (0, 0))
    assert any(domain.graded for domain in board.domains)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("latest_migrations_afterwards")
def test_the_answers_graded_before_the_migration_are_added_up(world, learner, other):
    bank(world)
    practise(learner, sessions=8, seed=11)
    practise(other, sessions=3, seed=12)
    executor = MigrationExecutor(connection)
    executor.migrate([("progress", "0003_topic_answers")])  # no triggers, no sums
    TopicAnswers.objects.all().delete()
    AttemptQuestion.objects.filter(attempt__user=learner, correct__isnull=False).first().delete()

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([("progress", "0006_domain_quarter_triggers")])
    assert same_as_every_answer(learner, other)
    assert from_the_sums(learner)
    assert domains_from_the_sums(other, WINDOWS[0])
