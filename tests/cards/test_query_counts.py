"""Acceptance: the next card and an answer take a constant number of queries, whatever the
number of cards and reviews: the next card 3 (the study settings, the queue, the card), an answer
at most 5, the review page 7 and an answer from the page 10."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from studyapp.cards.demo_data import demo_cards_build, demo_learners_build, demo_reviews_build
from studyapp.cards.models import Card, Note, NoteOverride
from studyapp.cards.overrides import note_override_save
from studyapp.cards.review import review_next, review_record
from tests.cards.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture(params=[10, 10_000], ids=["10-cards", "10000-cards"])
def cards(request) -> list[int]:
    return demo_cards_build(topics_per_course=10, cards_per_topic=request.param // 10)


@pytest.fixture
def studied(learner, cards):
    """The learner has history on a share of the cards; others have history too."""
    others = demo_learners_build(count=3)
    demo_reviews_build(
        user_ids=[learner.pk, *others],
        card_ids=cards,
        reviews_per_learner=min(len(cards), 4000),
        now=NOW,
        reviews_per_card=2,
    )
    return learner


def test_getting_the_next_card_takes_3_queries(studied, cards, django_assert_num_queries):
    with django_assert_num_queries(3):
        queue = review_next(studied, now=NOW)
    assert queue.current is not None


def test_getting_the_next_new_card_takes_3_queries(learner, cards, django_assert_num_queries):
    with django_assert_num_queries(3):
        queue = review_next(learner, now=NOW)
    assert queue.current.queue == "new"


def test_recording_an_answer_takes_at_most_5_queries(studied, cards, django_assert_max_num_queries):
    current = review_next(studied, now=NOW).current
    with django_assert_max_num_queries(5):
        result = review_record(
            user=studied,
            card=current.card,
            rating=3,
            duration_ms=2000,
            now=NOW + timedelta(seconds=5),
            version=current.version,
        )
    assert result.recorded


def test_recording_a_new_cards_first_answer_takes_at_most_5_queries(
    learner, cards, django_assert_max_num_queries
):
    card = Card.objects.get(pk=cards[-1])
    with django_assert_max_num_queries(5):
        result = review_record(
            user=learner, card=card, rating=1, duration_ms=900, now=NOW, version=0
        )
    assert result.recorded


def test_answering_a_card_in_the_browser_reads_the_study_settings_once(
    learner_client, studied, cards
):
    current = review_next(studied, now=NOW).current
    with CaptureQueriesContext(connection) as captured:
        response = learner_client.post(
            f"/review/cards/{current.card.pk}/answer/",
            {"rating": "3", "version": str(current.version), "duration_ms": "2000"},
            HTTP_HX_REQUEST="true",
        )
    assert response.status_code == 200
    settings_reads = [q for q in captured if '"cards_studysettings"' in q["sql"]]
    assert len(settings_reads) == 1


def test_the_next_card_with_the_learners_own_text_takes_3_queries(
    studied, cards, django_assert_num_queries
):
    """The learner's text of the card comes joined to the card: no query is added."""
    first = review_next(studied, now=NOW).current
    for note_id in {
        first.card.note_id,
        *Card.objects.filter(pk__in=cards[:50]).values_list("note_id", flat=True),
    }:
        NoteOverride.objects.create(
            user=studied, note_id=note_id, front_md="Mine", back_md="Mine",
            original_front_md="", original_back_md="", created_at=NOW, updated_at=NOW,
        )  # fmt: skip
    with django_assert_num_queries(3):
        queue = review_next(studied, now=NOW)
    assert queue.current.card == first.card
    assert queue.current.override.front_md == "Mine"


def test_the_next_new_card_with_the_learners_own_text_takes_3_queries(
    learner, cards, django_assert_num_queries
):
    first = review_next(learner, now=NOW).current
    note_override_save(user=learner, note=first.card.note, front_md="Mine", back_md="Mine", now=NOW)
    with django_assert_num_queries(3):
        queue = review_next(learner, now=NOW)
    assert (queue.current.queue, queue.current.override.front_md) == ("new", "Mine")


# The session, the user (with the header's role), the study settings, the queue, the card (or
# the summary when nothing is left) and the topic filter's topics.
REVIEW_PAGE_QUERIES = 6
# The session, the user, the card, the settings with the schedule, the update and the log in a
# savepoint (four), the queue and the next card.
ANSWER_QUERIES = 10


def test_the_review_page_with_a_card_takes_6_queries(
    learner_client, studied, cards, django_assert_num_queries
):
    with django_assert_num_queries(REVIEW_PAGE_QUERIES):
        page = learner_client.get("/review/")
    assert 'id="review-card"' in page.text


def test_the_review_page_with_nothing_left_takes_6_queries(
    learner_client, studied, cards, django_assert_num_queries
):
    Note.objects.update(archived_at=NOW)
    with django_assert_num_queries(REVIEW_PAGE_QUERIES):
        page = learner_client.get("/review/")
    assert 'id="review-summary"' in page.text


def test_an_answer_from_the_review_page_takes_10_queries(
    learner_client, studied, cards, django_assert_num_queries
):
    current = review_next(studied, now=timezone.now()).current
    data = {"rating": "3", "version": str(current.version), "duration_ms": "2000"}
    with django_assert_num_queries(ANSWER_QUERIES):
        fragment = learner_client.post(
            f"/review/cards/{current.card.pk}/answer/", data, HTTP_HX_REQUEST="true"
        )
    assert 'id="review-card"' in fragment.text
