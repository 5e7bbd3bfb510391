"""Review sessions: queue order, daily limits, day boundaries, answers, undo, suspend, leeches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import fsrs
import pytest

from studyapp.cards.models import Card, CardSchedule, Note, ReviewLog, StudySettings
from studyapp.cards.review import (
    card_bury,
    card_for_learner,
    card_suspend,
    card_unsuspend,
    review_next,
    review_record,
    review_summary,
    review_undo,
    schedule_of,
    study_day,
)
from studyapp.topics.models import Course, Section, Topic
from tests.cards.conftest import NOW, note_add
from tests.rows import stored_columns

pytestmark = pytest.mark.django_db


def answer(user, card, rating, now, duration_ms=1500, **kwargs):
    return review_record(
        user=user, card=card, rating=rating, duration_ms=duration_ms, now=now, **kwargs
    )


def graduate(user, card, now):
    """Answer a new card Easy: it goes straight to review; returns its schedule."""
    return answer(user, card, 4, now).schedule


# -- the queue ---------------------------------------------------------------------------------


def test_a_new_learner_starts_with_the_first_card_of_the_first_topic(learner, deck):
    queue = review_next(learner, now=NOW)
    assert queue.current.card == deck.cards()[0]
    assert queue.current.queue == "new"
    assert queue.current.schedule is None
    assert (queue.counts.new, queue.counts.learning, queue.counts.review) == (4, 0, 0)


def test_no_schedule_rows_exist_before_the_first_answer(learner, deck):
    review_next(learner, now=NOW)
    assert not CardSchedule.objects.exists()


def test_a_learning_card_that_is_due_comes_before_new_cards(learner, deck):
    first = deck.cards()[0]
    answer(learner, first, 1, NOW)  # Again: due in 1 minute
    queue = review_next(learner, now=NOW + timedelta(minutes=2))
    assert queue.current.card == first
    assert queue.current.queue == "learning"
    assert queue.counts.learning == 1
    assert queue.counts.new == 3
    assert review_next(learner, now=NOW).current.queue == "new"  # not due yet: new cards first


def test_a_learning_card_due_within_20_minutes_is_shown_early_when_nothing_else_is_left(
    learner, deck
):
    StudySettings.objects.create(user=learner, new_per_day=1)
    first = deck.cards()[0]
    answer(learner, first, 3, NOW)  # Good: due in 10 minutes
    assert review_next(learner, now=NOW).current.card == first
    queue = review_next(learner, now=NOW - timedelta(minutes=11))
    assert queue.current is None
    assert queue.learning_later == NOW + timedelta(minutes=10)


def test_reviews_due_today_come_before_new_cards_most_overdue_first(learner, deck):
    a, b, c, _ = deck.cards()
    ten_days_ago = NOW - timedelta(days=10)
    for card in (a, b, c):
        graduate(learner, card, ten_days_ago)
    # b was seen again later than a and c: it is the least overdue; c has the lowest stability.
    CardSchedule.objects.filter(card=b).update(
        last_review=NOW - timedelta(days=3),
        last_review_days=(NOW - timedelta(days=3)).timestamp() / 86400,
    )
    CardSchedule.objects.filter(card=c).update(stability=1.0)
    CardSchedule.objects.update(due=NOW - timedelta(days=1))
    queue = review_next(learner, now=NOW)
    assert queue.counts.review == 3
    assert queue.current.queue == "review"
    assert queue.current.card == c
    answer(learner, c, 3, NOW)
    assert review_next(learner, now=NOW).current.card == a
    answer(learner, a, 3, NOW)
    assert review_next(learner, now=NOW).current.card == b


def test_new_cards_stop_at_the_daily_limit(learner, deck):
    StudySettings.objects.create(user=learner, new_per_day=2)
    cards = deck.cards()
    assert review_next(learner, now=NOW).counts.new == 2
    graduate(learner, cards[0], NOW)
    graduate(learner, cards[1], NOW)
    queue = review_next(learner, now=NOW)
    assert queue.counts.new == 0
    assert queue.current is None
    tomorrow = review_next(learner, now=NOW + timedelta(days=1))
    assert tomorrow.counts.new == 2


def test_reviews_stop_at_the_daily_limit(learner, deck):
    StudySettings.objects.create(user=learner, reviews_per_day=1, new_per_day=0)
    for card in deck.cards():
        graduate(learner, card, NOW - timedelta(days=20))
    queue = review_next(learner, now=NOW)
    assert queue.counts.review == 1
    answer(learner, queue.current.card, 3, NOW)
    after = review_next(learner, now=NOW)
    assert after.counts.review == 0
    assert after.current is None


def test_the_topic_filter_shows_only_that_topics_cards(learner, deck):
    memory = deck.topics[1]
    queue = review_next(learner, now=NOW, topic=memory)
    assert queue.current.card.note.topic == memory
    assert queue.counts.new == 2


def test_archived_cards_are_not_studied(learner, deck):
    Note.objects.filter(topic=deck.topics[0]).update(archived_at=NOW)
    queue = review_next(learner, now=NOW)
    assert queue.counts.new == 2
    assert queue.current.card.note.topic == deck.topics[1]


def test_a_card_is_read_by_id_with_its_note_topic_and_course_in_one_query(
    learner, deck, django_assert_num_queries
):
    card = deck.cards()[0]
    note = card.note
    with django_assert_num_queries(1):
        read = card_for_learner(card_id=card.pk, user=learner)
        assert (read, read.note, read.note.topic, read.note.topic.course) == (
            card,
            note,
            deck.topics[0],
            deck.course,
        )
        assert (read.note.front_md, read.ordinal) == (note.front_md, card.ordinal)


@pytest.mark.parametrize(
    "archived",
    ["card", "note", "topic", "section", "course"],
)
def test_a_card_no_longer_studied_is_not_read_by_id(learner, deck, archived):
    card = deck.cards()[0]
    rows = {
        "card": Card.objects.filter(pk=card.pk),
        "note": Note.objects.filter(pk=card.note_id),
        "topic": Topic.objects.filter(pk=card.note.topic_id),
        "section": Section.objects.filter(pk=card.note.topic.section_id),
        "course": Course.objects.filter(pk=deck.course.pk),
    }
    rows[archived].update(archived_at=NOW)
    with pytest.raises(Card.DoesNotExist):
        card_for_learner(card_id=card.pk, user=learner)


# -- the study day -----------------------------------------------------------------------------


def test_the_study_day_starts_at_4_am_local_time():
    day = study_day(
        now=datetime(2026, 7, 1, 1, 30, tzinfo=UTC), time_zone="Europe/Paris", starts_at_hour=4
    )
    # 03:30 in Paris (summer time) still belongs to the previous day, which began 04:00 local.
    assert day.start == datetime(2026, 6, 30, 2, 0, tzinfo=UTC)
    assert day.end == datetime(2026, 7, 1, 2, 0, tzinfo=UTC)


def test_a_day_across_a_clock_change_is_23_hours_long():
    day = study_day(
        now=datetime(2026, 3, 28, 12, 0, tzinfo=UTC), time_zone="Europe/Paris", starts_at_hour=4
    )
    assert day.end - day.start == timedelta(hours=23)


def test_reviews_due_later_today_in_the_learners_time_zone_are_shown(learner, deck):
    learner.time_zone = "America/New_York"
    learner.save()
    card = deck.cards()[0]
    graduate(learner, card, NOW - timedelta(days=5))
    # 10:00 UTC is 05:00 in New York; the day ends at 04:00 next morning local (09:00 UTC).
    CardSchedule.objects.filter(card=card).update(due=datetime(2026, 3, 3, 8, 30, tzinfo=UTC))
    assert review_next(learner, now=NOW).counts.review == 1
    CardSchedule.objects.filter(card=card).update(due=datetime(2026, 3, 3, 9, 30, tzinfo=UTC))
    assert review_next(learner, now=NOW).counts.review == 0


def test_new_cards_answered_before_the_day_start_hour_count_for_the_previous_day(learner, deck):
    StudySettings.objects.create(user=learner, new_per_day=1, day_starts_at_hour=6)
    cards = deck.cards()
    graduate(learner, cards[0], datetime(2026, 3, 2, 5, 0, tzinfo=UTC))  # before 06:00
    assert review_next(learner, now=datetime(2026, 3, 2, 5, 30, tzinfo=UTC)).counts.new == 0
    assert review_next(learner, now=datetime(2026, 3, 2, 6, 0, tzinfo=UTC)).counts.new == 1


# -- answers -----------------------------------------------------------------------------------


def test_an_answer_is_logged_with_rating_duration_and_time(learner, deck):
    card = deck.cards()[0]
    result = answer(learner, card, 3, NOW, duration_ms=4321)
    assert result.recorded
    log = ReviewLog.objects.get()
    assert (log.user, log.card, log.rating, log.duration_ms) == (learner, card, 3, 4321)
    assert log.reviewed_at == NOW
    assert log.state_before is None
    assert log.state_after == CardSchedule.State.LEARNING
    assert log.due_after == NOW + timedelta(minutes=10)
    assert log.fsrs_review_log["review_duration"] == 4321


def test_a_replay_of_the_app_gives_the_same_due_dates_and_states_as_fsrs(learner, deck):
    """Acceptance: answers through the app and through fsrs directly agree (fuzzing off)."""
    card = deck.cards()[0]
    scheduler = fsrs.Scheduler(enable_fuzzing=False)
    direct = fsrs.Card(card_id=1, due=NOW)
    ratings = [3, 3, 3, 1, 3, 2, 3, 4, 1, 1, 3, 3, 2, 4]
    moment = NOW
    for step, rating in enumerate(ratings):
        answer(learner, card, rating, moment, duration_ms=1000 + step)
        direct, _ = scheduler.review_card(direct, fsrs.Rating(rating), moment, 1000 + step)
        schedule = CardSchedule.objects.get(user=learner, card=card)
        assert schedule.due == direct.due
        assert schedule.state == direct.state.value
        stored = {k: v for k, v in schedule.fsrs_card.items() if k != "card_id"}
        assert stored == {k: v for k, v in direct.to_dict().items() if k != "card_id"}
        moment = direct.due + timedelta(hours=step % 3)
    assert ReviewLog.objects.filter(card=card).count() == len(ratings)


def test_an_answer_form_submitted_twice_is_recorded_once(learner, deck):
    card = deck.cards()[0]
    shown = review_next(learner, now=NOW).current
    assert answer(learner, card, 3, NOW, version=shown.version).recorded
    assert not answer(learner, card, 3, NOW, version=shown.version).recorded
    assert ReviewLog.objects.count() == 1
    later = review_next(learner, now=NOW + timedelta(minutes=10)).current
    assert later.version == 1
    assert answer(learner, card, 3, NOW + timedelta(minutes=10), version=1).recorded
    assert not answer(learner, card, 3, NOW + timedelta(minutes=11), version=1).recorded
    assert ReviewLog.objects.count() == 2


# -- siblings, suspend, undo, leeches -----------------------------------------------------------


def test_siblings_are_buried_until_the_next_day(learner, deck):
    Note.objects.filter(topic=deck.topics[0]).update(archived_at=NOW)
    Note.objects.filter(topic=deck.topics[1]).update(archived_at=NOW)
    note = note_add(
        deck.topics[0], key="pair", kind=Note.Kind.REVERSED, front="Q", back="A", ordinals=(1, 2)
    )
    first, second = note.cards.order_by("ordinal")
    graduate(learner, first, NOW)
    queue = review_next(learner, now=NOW)
    assert queue.current is None
    assert queue.counts.new == 0
    assert review_next(learner, now=NOW + timedelta(days=1)).current.card == second


def test_siblings_are_shown_the_same_day_when_burying_is_off(learner, deck):
    StudySettings.objects.create(user=learner, bury_siblings=False)
    note = note_add(
        deck.topics[0],
        key="cloze",
        kind=Note.Kind.CLOZE,
        front="{{c1::a}} {{c2::b}}",
        ordinals=(1, 2),
    )
    first, second = note.cards.order_by("ordinal")
    for card in deck.cards():
        if card.note_id != note.id:
            card_suspend(user=learner, card=card, now=NOW)
    graduate(learner, first, NOW)
    assert review_next(learner, now=NOW).current.card == second


def test_a_buried_card_comes_back_the_next_day(learner, deck):
    card = deck.cards()[0]
    card_bury(user=learner, card=card, now=NOW)
    assert review_next(learner, now=NOW).current.card != card
    assert review_next(learner, now=NOW + timedelta(days=1)).current.card == card


def test_a_suspended_card_is_not_shown_until_unsuspended(learner, deck):
    card = deck.cards()[0]
    card_suspend(user=learner, card=card, now=NOW)
    queue = review_next(learner, now=NOW)
    assert queue.current.card != card
    assert queue.counts.new == 3
    card_unsuspend(user=learner, card=card, now=NOW)
    assert review_next(learner, now=NOW).current.card == card
    assert not CardSchedule.objects.exists()  # a never-answered card is simply new again


def test_a_suspended_review_card_keeps_its_schedule(learner, deck):
    card = deck.cards()[0]
    schedule = graduate(learner, card, NOW - timedelta(days=30))
    card_suspend(user=learner, card=card, now=NOW)
    assert review_next(learner, now=NOW).counts.review == 0
    card_unsuspend(user=learner, card=card, now=NOW)
    restored = CardSchedule.objects.get(pk=schedule.pk)
    assert restored.due == schedule.due
    assert review_next(learner, now=NOW).counts.review == 1


def test_undo_restores_the_schedule_and_forgets_the_answer(learner, deck):
    card = deck.cards()[0]
    answer(learner, card, 3, NOW)
    before = CardSchedule.objects.get()
    answer(learner, card, 1, NOW + timedelta(minutes=10))
    undone = review_undo(user=learner, now=NOW + timedelta(minutes=11))
    assert (undone.card, undone.rating) == (card, 1)
    after = CardSchedule.objects.get()
    assert (after.due, after.state, after.fsrs_card, after.reps) == (
        before.due,
        before.state,
        before.fsrs_card,
        before.reps,
    )
    assert after.version > before.version
    assert ReviewLog.objects.count() == 1


def test_undoing_a_first_answer_makes_the_card_new_again(learner, deck):
    card = deck.cards()[0]
    answer(learner, card, 3, NOW)
    review_undo(user=learner, now=NOW)
    assert not CardSchedule.objects.exists()
    assert not ReviewLog.objects.exists()
    queue = review_next(learner, now=NOW)
    assert queue.current.card == card
    assert queue.counts.new == 4


def test_undo_with_nothing_answered_today_does_nothing(learner, deck):
    answer(learner, deck.cards()[0], 3, NOW - timedelta(days=1))
    assert review_undo(user=learner, now=NOW) is None
    assert ReviewLog.objects.count() == 1


def lapse_until(user, card, lapses, now):
    """Graduate the card, then forget it ``lapses`` times (Again in review, Good to relearn)."""
    answer(user, card, 4, now)
    leeches = []
    for _ in range(lapses):
        schedule = CardSchedule.objects.get(user=user, card=card)
        now = schedule.due
        result = answer(user, card, 1, now)
        leeches.append(result.became_leech)
        now = CardSchedule.objects.get(user=user, card=card).due
        answer(user, card, 3, now)
    return leeches, now


def test_a_card_forgotten_8_times_is_tagged_a_leech_and_suspended(learner, deck):
    card = deck.cards()[0]
    leeches, _ = lapse_until(learner, card, 8, NOW)
    assert leeches == [False] * 7 + [True]
    schedule = CardSchedule.objects.get(card=card)
    assert schedule.leech
    assert schedule.suspended
    assert schedule.lapses == 8


def test_with_tag_only_a_leech_stays_in_the_reviews_and_is_flagged_again_every_4_lapses(
    learner, deck
):
    StudySettings.objects.create(user=learner, leech_action=StudySettings.LeechAction.TAG)
    card = deck.cards()[0]
    leeches, _ = lapse_until(learner, card, 12, NOW)
    assert [n + 1 for n, flagged in enumerate(leeches) if flagged] == [8, 12]
    schedule = CardSchedule.objects.get(card=card)
    assert schedule.leech
    assert not schedule.suspended


def test_the_summary_counts_todays_answers_and_time(learner, deck):
    cards = deck.cards()
    answer(learner, cards[0], 1, NOW, duration_ms=2000)
    answer(learner, cards[1], 4, NOW, duration_ms=3000)
    later = NOW + timedelta(minutes=1)
    queue = review_next(learner, now=later)
    summary = review_summary(user=learner, now=later, day=queue.day)
    assert summary.answered == 2
    assert summary.again == 1
    assert summary.seconds == 5
    assert queue.counts.learning == 1  # the card answered Again comes back later today


def test_a_learners_schedule_of_a_card_is_theirs_alone_and_none_before_an_answer(
    learner, deck, django_user_model
):
    card = deck.cards()[0]
    other = django_user_model.objects.create_user(username="bo", password="correct-horse-42")
    assert schedule_of(user=learner, card=card) is None
    review_record(user=learner, card=card, rating=3, duration_ms=1000, now=NOW)
    stored = CardSchedule.objects.get(user=learner, card=card)
    read = schedule_of(user=learner, card=card)
    fields = CardSchedule._meta.concrete_fields
    assert [f.value_from_object(read) for f in fields] == [
        f.value_from_object(stored) for f in fields
    ]
    assert schedule_of(user=other, card=card) is None


def test_a_card_answer_writes_the_review_log_row_create_would(learner, deck):
    """The log is written in SQL kept once (core.rows.row_insert): column by column, the row
    is what ``ReviewLog.objects.create`` stores for the same values."""
    card = deck.cards()[0]
    answer(learner, card, 3, NOW)
    answer(learner, card, 1, NOW + timedelta(minutes=10), version=1)  # a schedule before it
    for written in ReviewLog.objects.all():
        twin = ReviewLog.objects.create(
            **{
                field.attname: getattr(written, field.attname)
                for field in ReviewLog._meta.concrete_fields
                if field.attname != "id"
            }
        )
        ReviewLog.objects.filter(pk=twin.pk).update(created_at=written.created_at)
        assert stored_columns(ReviewLog, written.pk) == stored_columns(ReviewLog, twin.pk)
    assert ReviewLog.objects.filter(schedule_before__isnull=True).count() == 2  # a new card's
