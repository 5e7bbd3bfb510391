"""The dashboard's prepared reads (studyapp/progress/prepared.py): compiled once, each run with
its own values, giving what the same queryset gives through the ORM."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from studyapp.progress import selectors
from studyapp.topics.models import ReadingProgress

from .conftest import NOW

pytestmark = pytest.mark.django_db

DAYS = {"zone": ZoneInfo("UTC"), "day_starts_at_hour": 4}


@pytest.fixture
def mate(django_user_model):
    return django_user_model.objects.create_user(username="grace", password="correct-horse-42")


def test_one_learners_recall_is_the_many_learners_read_for_them(world, learner, mate):
    custom = (-0.35, 0.9 ** (1 / -0.35) - 1)  # an optimised curve, not the default one
    for user, (stability, days) in ((learner, (4.0, 10)), (mate, (30.0, 2))):
        for card in world.cards[:4]:
            world.schedule(
                user, card, due=NOW, stability=stability, last_review=NOW - timedelta(days=days)
            )
    for user in (learner, mate):
        for curve in (selectors.DEFAULT_CURVE, custom):
            mine = selectors.learner_topic_recall(user.pk, now=NOW, curve=curve)
            theirs = selectors.topic_recall([user.pk], now=NOW, curves={user.pk: curve})
            assert mine.keys() == theirs.keys() and len(mine) == 2
            for key, (mean, cards) in theirs.items():
                assert mine[key] == (pytest.approx(mean, abs=1e-12), cards)
    assert selectors.learner_topic_recall(
        learner.pk, now=NOW, curve=custom
    ) != selectors.learner_topic_recall(learner.pk, now=NOW, curve=selectors.DEFAULT_CURVE)


def test_one_learners_accuracy_and_reading_are_the_many_learners_reads_for_them(
    world, learner, mate
):
    layers, vpc = world.topics
    q1, q2 = world.question(topic=layers), world.question(topic=vpc)
    world.attempt(learner, answers=[(q1, True), (q2, False)], at=NOW - timedelta(days=3))
    world.attempt(mate, answers=[(q1, False)], at=NOW - timedelta(days=2))
    ReadingProgress.objects.create(user=learner, topic=vpc, read_at=NOW, last_viewed_at=NOW)
    ReadingProgress.objects.create(user=mate, topic=layers, read_at=NOW, last_viewed_at=NOW)
    for user in (learner, mate):
        assert selectors.learner_topic_accuracy(user.pk) == selectors.topic_accuracy([user.pk])
        assert selectors.learner_topics_read(user.pk) == selectors.topics_read([user.pk])
    assert selectors.learner_topic_accuracy(learner.pk) == {
        (learner.pk, layers.pk): (1, 1),
        (learner.pk, vpc.pk): (0, 1),
    }
    assert selectors.learner_topics_read(mate.pk) == {(mate.pk, layers.pk)}


def test_a_moment_given_to_a_prepared_read_compares_as_the_orm_compares_it(world, learner):
    before = NOW + timedelta(days=2)
    world.schedule(learner, world.cards[0], due=before)  # not before it: not counted
    world.schedule(learner, world.cards[1], due=before - timedelta(microseconds=1))
    world.schedule(learner, world.cards[2], due=NOW)
    cards, _ = selectors.due_by_day(learner, before=before, **DAYS)
    assert cards == {NOW.date(): 1, before.date(): 1}
    everything, _ = selectors.due_by_day(learner, before=before + timedelta(seconds=1), **DAYS)
    assert sum(everything.values()) == 3


def test_a_prepared_read_is_compiled_once_and_run_with_each_runs_values(world, learner, mate):
    world.schedule(learner, world.cards[0], due=NOW)
    first = selectors.DUE.sql()
    assert selectors.due_by_day(learner, before=NOW + timedelta(days=1), **DAYS)[0]
    assert selectors.due_by_day(mate, before=NOW + timedelta(days=1), **DAYS) == ({}, {})
    assert selectors.DUE.sql() is first


def test_one_learners_scores_are_the_score_history_with_its_moments(world, learner, mate):
    question = world.question()
    for day in range(selectors.SCORES_SHOWN + 2):
        world.attempt(learner, answers=[(question, day % 2 == 0)], at=NOW - timedelta(days=day))
    world.attempt(mate, answers=[(question, True)], at=NOW)
    world.attempt(learner, answers=[(question, True)], at=NOW, submitted=False)
    mine = selectors.learner_score_history(learner.pk)
    assert mine == selectors.score_history(learner)
    assert len(mine) == selectors.SCORES_SHOWN
    assert mine[-1]["submitted_at"] == NOW and mine[-1]["submitted_at"].utcoffset() == timedelta(0)
    assert selectors.learner_score_history(mate.pk) == selectors.score_history(mate)
