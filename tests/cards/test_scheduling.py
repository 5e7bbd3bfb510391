"""The scheduler wrapper: fsrs_review, schedule_preview and study_settings_for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import fsrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studyapp.cards.models import FsrsState, Rating, StudySettings
from studyapp.cards.scheduling import (
    FsrsOutcome,
    fsrs_review,
    interval_label,
    schedule_preview,
    study_settings_for,
)

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def no_fuzz(settings):
    settings.FSRS_ENABLE_FUZZING = False


def test_a_new_card_answered_good_goes_to_the_second_learning_step():
    outcome = fsrs_review(fsrs_state=None, rating=3, reviewed_at=START, duration_ms=2500)
    assert isinstance(outcome, FsrsOutcome)
    assert outcome.state == FsrsState.LEARNING
    assert outcome.due == START + timedelta(minutes=10)
    assert outcome.due.tzinfo is UTC
    assert outcome.review_log["rating"] == 3
    assert outcome.review_log["review_duration"] == 2500


def test_the_outcome_is_frozen():
    outcome = fsrs_review(fsrs_state=None, rating=1, reviewed_at=START, duration_ms=None)
    with pytest.raises(AttributeError):
        outcome.state = FsrsState.REVIEW  # type: ignore[misc]


def test_a_local_time_is_converted_to_utc_for_fsrs():
    paris = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
    outcome = fsrs_review(fsrs_state=None, rating=4, reviewed_at=paris, duration_ms=None)
    assert outcome.fsrs_state["last_review"] == "2026-03-02T09:00:00+00:00"


def test_a_zoneinfo_utc_datetime_is_accepted_although_fsrs_itself_refuses_it():
    moment = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("UTC"))
    with pytest.raises(ValueError):
        fsrs.Scheduler().review_card(fsrs.Card(card_id=1, due=moment), fsrs.Rating.Good, moment)
    outcome = fsrs_review(fsrs_state=None, rating=3, reviewed_at=moment, duration_ms=None)
    assert outcome.due == START + timedelta(minutes=10)


def test_a_naive_datetime_is_refused():
    with pytest.raises(ValueError, match="no time zone"):
        fsrs_review(fsrs_state=None, rating=3, reviewed_at=datetime(2026, 3, 2), duration_ms=None)


def test_a_rating_outside_1_to_4_is_refused():
    with pytest.raises(ValueError, match="rating"):
        fsrs_review(fsrs_state=None, rating=5, reviewed_at=START, duration_ms=None)


@settings(max_examples=60, deadline=None)
@given(
    ratings=st.lists(st.integers(min_value=1, max_value=4), min_size=1, max_size=12),
    gaps=st.lists(st.integers(min_value=0, max_value=60 * 24 * 40), min_size=12, max_size=12),
)
def test_a_sequence_of_answers_gives_exactly_what_fsrs_gives(ratings, gaps):
    scheduler = fsrs.Scheduler(enable_fuzzing=False)
    card = fsrs.Card(card_id=1, due=START)
    state = None
    moment = START
    for rating, gap in zip(ratings, gaps, strict=False):
        outcome = fsrs_review(fsrs_state=state, rating=rating, reviewed_at=moment, duration_ms=1)
        card, _ = scheduler.review_card(card, fsrs.Rating(rating), moment, 1)
        state = outcome.fsrs_state
        assert outcome.due == card.due
        assert {k: v for k, v in state.items() if k != "card_id"} == {
            k: v for k, v in card.to_dict().items() if k != "card_id"
        }
        moment = card.due + timedelta(minutes=gap)


def test_the_learners_settings_shape_the_schedule():
    settings = StudySettings(desired_retention=0.97, learning_steps=[5], relearning_steps=[])
    outcome = fsrs_review(
        fsrs_state=None, rating=1, reviewed_at=START, duration_ms=None, settings=settings
    )
    assert outcome.due == START + timedelta(minutes=5)
    strict = fsrs_review(
        fsrs_state=outcome.fsrs_state,
        rating=3,
        reviewed_at=outcome.due,
        duration_ms=None,
        settings=settings,
    )
    lenient = fsrs_review(
        fsrs_state=outcome.fsrs_state,
        rating=3,
        reviewed_at=outcome.due,
        duration_ms=None,
        settings=StudySettings(desired_retention=0.70, learning_steps=[5]),
    )
    assert strict.state == lenient.state == FsrsState.REVIEW
    assert strict.due < lenient.due


def test_the_preview_shows_what_each_rating_would_give():
    preview = schedule_preview(fsrs_state=None, now=START)
    assert preview[1] == timedelta(minutes=1)
    assert preview[2] == timedelta(minutes=5, seconds=30)
    assert preview[3] == timedelta(minutes=10)
    assert preview[4] >= timedelta(days=1)
    for rating, interval in preview.items():
        outcome = fsrs_review(fsrs_state=None, rating=rating, reviewed_at=START, duration_ms=None)
        assert outcome.due - START == interval


def test_intervals_read_like_ankis_buttons():
    assert interval_label(timedelta(minutes=1)) == "1m"
    assert interval_label(timedelta(minutes=10)) == "10m"
    assert interval_label(timedelta(hours=5)) == "5h"
    assert interval_label(timedelta(days=4)) == "4d"
    assert interval_label(timedelta(days=75)) == "2.5mo"
    assert interval_label(timedelta(days=730)) == "2y"


@pytest.mark.django_db
def test_study_settings_are_the_defaults_until_the_learner_saves_them(learner):
    found = study_settings_for(learner)
    assert found.pk is None
    assert (found.desired_retention, found.new_per_day, found.reviews_per_day) == (0.9, 20, 200)
    assert found.learning_steps == [1, 10]
    assert found.day_starts_at_hour == 4
    assert not StudySettings.objects.exists()
    StudySettings.objects.create(user=learner, new_per_day=5)
    assert study_settings_for(learner).new_per_day == 5


def test_states_and_ratings_are_fsrs_s_own_numbers():
    assert [int(state) for state in FsrsState] == [int(state) for state in fsrs.State]
    assert [state.name for state in FsrsState] == [s.name.upper() for s in fsrs.State]
    assert [int(rating) for rating in Rating] == [int(rating) for rating in fsrs.Rating]
    assert [rating.name for rating in Rating] == [r.name.upper() for r in fsrs.Rating]


def test_an_outcome_carries_its_state_as_the_enum_not_a_name():
    outcome = fsrs_review(fsrs_state=None, rating=Rating.EASY, reviewed_at=START, duration_ms=None)
    assert type(outcome.state) is FsrsState
