"""One definition of a visible topic ("published and reachable"), used by every page.

A topic is visible when neither it, its section nor its course is archived; a topic in an
archived section is then gone from its page, from review and from practice alike.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from studyapp.cards.models import Card
from studyapp.cards.review import cards_studied
from studyapp.core.topic_keys import topic_key_build, topic_key_parse
from studyapp.topics.models import Topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def hidden_section(concurrency) -> Topic:
    """The concurrency topic, left active inside a section that is archived."""
    concurrency.section.archived_at = timezone.now()
    concurrency.section.save(update_fields=["archived_at"])
    return concurrency


def test_a_topic_of_an_archived_section_is_not_visible(hidden_section):
    assert Topic.objects.active().filter(pk=hidden_section.pk).exists()
    assert not Topic.objects.visible().filter(pk=hidden_section.pk).exists()


def test_a_topic_of_an_archived_section_has_no_page(learner_client, hidden_section):
    assert learner_client.get(hidden_section.get_absolute_url()).status_code == 404


def test_a_topic_of_an_archived_section_cannot_be_chosen_for_review(learner_client, hidden_section):
    response = learner_client.get(reverse("cards:index"), {"topic": hidden_section.key})
    assert response.status_code == 404


def test_a_topic_of_an_archived_section_is_not_offered_for_practice(learner_client, hidden_section):
    html = learner_client.get(reverse("quizzes:index"), {"topic": hidden_section.key}).content
    assert f"Topics: {hidden_section.title}".encode() not in html


def test_the_cards_of_a_topic_of_an_archived_section_are_not_studied(hidden_section):
    hidden_cards = Card.objects.filter(note__topic=hidden_section)
    assert hidden_cards.exists()
    assert not cards_studied().filter(pk__in=hidden_cards).exists()


def test_a_topic_key_names_its_course_and_topic(concurrency):
    assert concurrency.key == "aws-lambda/concurrency-and-scaling"
    assert Topic.objects.by_key(concurrency.key).get() == concurrency


@pytest.mark.parametrize("key", ["", "aws-lambda", "aws-lambda/", "/x", "a/b/c", "  "])
def test_a_malformed_topic_key_names_no_topic(key):
    assert topic_key_parse(key) is None
    assert not Topic.objects.by_key(key).exists()


def test_building_and_parsing_a_topic_key_round_trip():
    key = topic_key_build(course_slug="aws-lambda", topic_slug="cold-starts")
    assert tuple(topic_key_parse(key)) == ("aws-lambda", "cold-starts")
    assert str(topic_key_parse(key)) == key
