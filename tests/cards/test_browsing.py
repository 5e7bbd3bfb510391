"""The card browser's search and changes: every filter, every sort, one learner's cards only."""

from __future__ import annotations

from datetime import timedelta

import pytest

from studyapp.cards.authoring import note_author_save
from studyapp.cards.browsing import (
    CardAction,
    card_for_editing,
    card_schedule,
    card_state_labels,
    cards_change,
    cards_search,
    note_editable,
)
from studyapp.cards.models import Card, CardSchedule, Note, ReviewLog
from studyapp.cards.review import card_suspend, review_record
from studyapp.core.errors import NotFound
from tests.cards.conftest import NOW, note_add

pytestmark = pytest.mark.django_db


def answer(user, card, rating, now=NOW):
    return review_record(user=user, card=card, rating=rating, duration_ms=1000, now=now).schedule


def found(user, **filters) -> list[Card]:
    return list(cards_search(user=user, now=NOW, **filters))


# -- search ------------------------------------------------------------------------------------


def test_without_filters_every_studied_card_is_found_new_ones_included(learner, deck):
    cards = deck.cards()
    answer(learner, cards[0], 3)
    Card.objects.filter(pk=cards[3].pk).update(archived_at=NOW)
    assert set(found(learner)) == set(cards[:3])


def test_each_card_comes_with_the_learners_own_schedule_or_none(learner, deck):
    cards = deck.cards()
    schedule = answer(learner, cards[0], 3)
    by_id = {card.pk: card for card in found(learner)}
    assert card_schedule(by_id[cards[0].pk]) == schedule
    assert card_schedule(by_id[cards[1].pk]) is None


def test_text_matches_the_front_or_the_back_whatever_the_case(learner, deck):
    cards = deck.cards()
    assert found(learner, query="TERM 0.1") == [cards[1]]
    assert found(learner, query="definition 1.0") == [cards[2]]


def test_every_word_of_the_text_must_match(learner, deck):
    assert found(learner, query="definition nowhere") == []


def test_quoted_words_match_as_one_phrase(learner, deck):
    cards = deck.cards()
    assert set(found(learner, query="term 1")) == {cards[1], cards[2], cards[3]}
    assert set(found(learner, query='"term 1"')) == {cards[2], cards[3]}


def test_text_finds_the_hidden_answer_of_a_cloze_card(learner, deck):
    note = note_add(
        deck.topics[0], key="cloze", kind=Note.Kind.CLOZE, front="Timeout is {{c1::900}} s."
    )
    assert found(learner, query="900") == [note.cards.get()]


def test_the_topic_filter_keeps_that_topics_cards(learner, deck):
    cards = deck.cards()
    assert set(found(learner, topic=deck.topics[1])) == {cards[2], cards[3]}


def test_a_course_tag_keeps_that_courses_cards(learner, deck):
    assert len(found(learner, tag="aws-lambda")) == 4
    assert found(learner, tag="s3") == []


def test_a_course_and_topic_tag_keeps_that_topics_cards_as_in_the_anki_export(learner, deck):
    cards = deck.cards()
    assert set(found(learner, tag="AWS-Lambda::topic-1")) == {cards[2], cards[3]}


def test_the_leech_tag_keeps_the_learners_leeches(learner, deck):
    cards = deck.cards()
    answer(learner, cards[1], 3)
    CardSchedule.objects.filter(card=cards[1]).update(leech=True)
    assert found(learner, tag="leech") == [cards[1]]


# -- states ------------------------------------------------------------------------------------


@pytest.fixture
def states(learner, deck) -> dict[str, Card]:
    """One card in each state: new, suspended new, learning, review due today, review later."""
    cards = deck.cards()
    note = note_add(deck.topics[1], key="extra", kind=Note.Kind.BASIC, front="Extra", back="x")
    extra = note.cards.get()
    card_suspend(user=learner, card=cards[1], now=NOW)
    answer(learner, cards[2], 3)  # Good on a new card: learning, due in 10 minutes
    answer(learner, cards[3], 4, now=NOW - timedelta(days=60))  # review, due long ago
    answer(learner, extra, 4)  # review, due in days
    return {
        "new": cards[0],
        "suspended new": cards[1],
        "learning": cards[2],
        "due review": cards[3],
        "later review": extra,
    }


def test_state_new_is_every_card_never_answered_suspended_or_not(learner, states):
    assert set(found(learner, state="new")) == {states["new"], states["suspended new"]}


def test_state_learning_is_every_card_in_learning_or_relearning(learner, states):
    assert found(learner, state="learning") == [states["learning"]]


def test_state_review_is_every_card_in_review(learner, states):
    assert set(found(learner, state="review")) == {states["due review"], states["later review"]}


def test_state_due_is_what_comes_back_before_the_study_day_ends(learner, states):
    assert set(found(learner, state="due")) == {states["learning"], states["due review"]}


def test_state_due_leaves_out_suspended_cards(learner, states):
    card_suspend(user=learner, card=states["due review"], now=NOW)
    assert found(learner, state="due") == [states["learning"]]


def test_state_suspended_is_every_suspended_card_new_or_answered(learner, states):
    card_suspend(user=learner, card=states["due review"], now=NOW)
    assert set(found(learner, state="suspended")) == {
        states["suspended new"],
        states["due review"],
    }


def test_state_leech_is_every_leech(learner, states):
    CardSchedule.objects.filter(card=states["due review"]).update(leech=True)
    assert found(learner, state="leech") == [states["due review"]]


def test_another_learners_schedules_change_nothing_in_the_search(learner, deck, django_user_model):
    other = django_user_model.objects.create_user(username="bob", password="correct-horse-42")
    cards = deck.cards()
    card_suspend(user=other, card=cards[0], now=NOW)
    answer(other, cards[1], 3)
    assert found(learner, state="suspended") == []
    assert len(found(learner, state="new")) == 4


def test_a_cards_state_in_words(learner, states):
    labels = {
        name: card_state_labels(CardSchedule.objects.filter(card=card).first())
        for name, card in states.items()
    }
    assert labels == {
        "new": ["New"],
        "suspended new": ["New", "Suspended"],
        "learning": ["Learning"],
        "due review": ["Review"],
        "later review": ["Review"],
    }


# -- sorts -------------------------------------------------------------------------------------


def test_sorting_by_due_puts_the_soonest_first_and_new_cards_last(learner, deck):
    cards = deck.cards()
    answer(learner, cards[3], 4)  # due in days
    answer(learner, cards[1], 1)  # Again: due in a minute
    assert found(learner, sort="due") == [cards[1], cards[3], cards[0], cards[2]]


def test_sorting_by_added_puts_the_newest_card_first(learner, deck):
    assert found(learner, sort="created") == list(reversed(deck.cards()))


def test_sorting_by_topic_follows_the_course_order(learner, deck):
    cards = deck.cards()
    deck.topics[0].position, deck.topics[1].position = 5, 1
    for topic in deck.topics:
        topic.save(update_fields=["position"])
    assert found(learner, sort="topic") == [cards[2], cards[3], cards[0], cards[1]]


def test_sorting_by_difficulty_puts_the_hardest_first(learner, deck):
    cards = deck.cards()
    answer(learner, cards[2], 4)
    answer(learner, cards[0], 1)
    assert found(learner, sort="difficulty")[:2] == [cards[0], cards[2]]


def test_sorting_by_stability_puts_the_weakest_first(learner, deck):
    cards = deck.cards()
    answer(learner, cards[2], 1)
    answer(learner, cards[1], 4)
    assert found(learner, sort="stability")[:2] == [cards[2], cards[1]]


def test_sorting_by_lapses_puts_the_most_forgotten_first(learner, deck):
    cards = deck.cards()
    answer(learner, cards[0], 4)
    answer(learner, cards[3], 4)
    CardSchedule.objects.filter(card=cards[3]).update(lapses=2)
    assert found(learner, sort="lapses")[:2] == [cards[3], cards[0]]


def test_an_unknown_sort_or_state_is_ignored(learner, deck):
    assert len(found(learner, sort="nonsense", state="nonsense")) == 4


# -- changes -----------------------------------------------------------------------------------


def test_suspending_many_cards_counts_those_it_changed(learner, deck):
    cards = deck.cards()
    answer(learner, cards[0], 3)
    card_suspend(user=learner, card=cards[2], now=NOW)
    ids = [cards[0].pk, cards[1].pk, cards[2].pk]
    result = cards_change(user=learner, card_ids=ids, action=CardAction.SUSPEND, now=NOW)
    assert (result.selected, result.changed) == (3, 2)
    assert set(found(learner, state="suspended")) == {cards[0], cards[1], cards[2]}


def test_unsuspending_makes_a_never_answered_card_new_again(learner, deck):
    cards = deck.cards()
    answer(learner, cards[0], 3)
    ids = [cards[0].pk, cards[1].pk]
    cards_change(user=learner, card_ids=ids, action=CardAction.SUSPEND, now=NOW)
    result = cards_change(user=learner, card_ids=ids, action=CardAction.UNSUSPEND, now=NOW)
    assert result.changed == 2
    assert not CardSchedule.objects.filter(card=cards[1]).exists()
    schedule = CardSchedule.objects.get(card=cards[0])
    assert (schedule.suspended, schedule.introduced_at) == (False, NOW)


def test_resetting_makes_answered_cards_new_and_keeps_their_review_log(learner, deck):
    cards = deck.cards()
    answer(learner, cards[0], 3)
    answer(learner, cards[1], 4)
    CardSchedule.objects.filter(card=cards[1]).update(suspended=True, leech=True)
    ids = [cards[0].pk, cards[1].pk, cards[2].pk]
    result = cards_change(user=learner, card_ids=ids, action=CardAction.RESET, now=NOW)
    assert (result.selected, result.changed) == (3, 2)
    assert not CardSchedule.objects.filter(user=learner).exists()
    assert ReviewLog.objects.filter(user=learner).count() == 2
    assert len(found(learner, state="new")) == 4


def test_resetting_leaves_another_learners_schedule_alone(learner, deck, django_user_model):
    other = django_user_model.objects.create_user(username="bob", password="correct-horse-42")
    card = deck.cards()[0]
    answer(other, card, 3)
    answer(learner, card, 3)
    cards_change(user=learner, card_ids=[card.pk], action=CardAction.RESET, now=NOW)
    assert CardSchedule.objects.filter(user=other, card=card).exists()


def test_a_change_with_an_id_that_is_not_a_studied_card_changes_nothing(learner, deck):
    cards = deck.cards()
    Card.objects.filter(pk=cards[3].pk).update(archived_at=NOW)
    with pytest.raises(NotFound):
        cards_change(user=learner, card_ids=[cards[0].pk, cards[3].pk], action="suspend", now=NOW)
    assert not CardSchedule.objects.exists()


# -- editing -----------------------------------------------------------------------------------


def authored(author, topic) -> Card:
    note = note_author_save(
        author=author, topic=topic, kind="basic", front_md="Mine?", back_md="Yes.", now=NOW
    )
    return note.cards.get()


def test_an_instructor_may_edit_the_cards_they_wrote(instructor, deck):
    card = authored(instructor, deck.topics[0])
    assert card_for_editing(user=instructor, card_id=card.pk) == card


def test_another_instructors_card_is_edited_as_a_copy_not_as_its_note(
    instructor, deck, django_user_model
):
    from studyapp.accounts.roles import instructor_grant

    other = django_user_model.objects.create_user(username="alan", password="correct-horse-42")
    instructor_grant(user=other)
    card = authored(other, deck.topics[0])
    assert card_for_editing(user=instructor, card_id=card.pk) == card
    assert not note_editable(user=instructor, note=card.note)


def test_cards_from_the_notes_are_edited_as_a_copy_not_as_their_note(instructor, deck):
    card = deck.cards()[0]
    assert card_for_editing(user=instructor, card_id=card.pk) == card
    assert not note_editable(user=instructor, note=card.note)


def test_a_learner_edits_only_a_copy_even_of_a_card_with_their_name(learner, deck):
    card = authored(learner, deck.topics[0])
    assert not note_editable(user=learner, note=card.note)


def test_a_card_that_is_not_studied_cannot_be_edited(learner, deck):
    card = deck.cards()[0]
    Card.objects.filter(pk=card.pk).update(archived_at=NOW)
    with pytest.raises(NotFound):
        card_for_editing(user=learner, card_id=card.pk)
    with pytest.raises(NotFound):
        card_for_editing(user=learner, card_id=999_999)
