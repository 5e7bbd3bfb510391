"""Values nobody designs a form for, sent the way any client can: a number past 64 bits, a
superscript digit, a word where a number goes. Each of these answered a server error before (on
SQLite, or on both databases); each now gets the page's own answer and changes nothing."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from studyapp.cards.models import Card, CardSchedule
from studyapp.core.converters import INT64_MAX, INT64_MIN, int64_or_none
from studyapp.quizzes import quizbuilder
from studyapp.sandbox.functions import function_copy
from studyapp.sandbox.models import Function

PAST_64_BITS = str(INT64_MAX + 1)


@given(st.integers())
def test_a_whole_number_reads_back_only_within_64_bits(number):
    expected = number if INT64_MIN <= number <= INT64_MAX else None
    assert int64_or_none(str(number)) == expected


@given(st.text(max_size=30))
def test_any_other_text_is_no_number(text):
    number = int64_or_none(text)
    if re.fullmatch(r"-?[0-9]{1,19}", text) is None:
        assert number is None
    else:
        assert number is None or str(number) == str(int(text))


@pytest.mark.parametrize("text", ["\u00b2", "1\u2460", " 7", "7 ", "+7", "1_000", "", None])
def test_what_int_or_isdigit_would_take_is_no_number(text):
    assert int64_or_none(text) is None


@pytest.mark.django_db
class TestLearnerForms:
    @pytest.fixture
    def client(self, samples, learner):
        client = Client()
        client.force_login(learner)
        return client

    def test_a_card_id_past_64_bits_in_the_card_browser_is_a_bad_request(self, client):
        card = Card.objects.first()
        response = client.post(
            "/review/cards/change/",
            {"action": "suspend", "card": [str(card.pk), PAST_64_BITS]},
            HTTP_HX_REQUEST="true",
        )
        assert response.status_code == 400
        assert not CardSchedule.objects.exists()

    @pytest.fixture
    def own(self, learner):
        sample = Function.objects.samples().get(name="cold-start-vs-warm")
        return function_copy(function=sample, user=learner)

    @pytest.mark.parametrize("memory", ["\u00b2", "1769\u00b2", PAST_64_BITS])
    def test_a_try_link_with_a_memory_that_is_no_number_keeps_the_samples(self, client, memory):
        response = client.get("/sandbox/samples/cold-start-vs-warm/", {"memory_mb": memory})
        assert response.status_code == 200
        assert response.context["form"]["memory_mb"].value() == 128


@pytest.mark.django_db
class TestInstructorForms:
    @pytest.fixture
    def client(self, samples, instructor):
        client = Client()
        client.force_login(instructor)
        return client

    @pytest.mark.parametrize("question_id", [PAST_64_BITS, "\u00b2", "-1"])
    def test_the_live_preview_ignores_a_question_id_no_question_has(self, client, question_id):
        response = client.post(
            "/teach/questions/preview/", {"question_id": question_id, "stem_md": "A stem"}
        )
        assert response.status_code == 200

    @pytest.mark.parametrize("question", ["abc", PAST_64_BITS, "\u00b2", ""])
    def test_adding_a_question_that_is_no_number_to_a_quiz_is_not_found(
        self, client, instructor, question
    ):
        quiz = quizbuilder.quiz_create(owner=instructor, title="Week 1", now=timezone.now())
        response = client.post(f"/teach/quizzes/{quiz.pk}/items/", {"question": question})
        assert response.status_code == 404
        assert not quiz.items.exists()
