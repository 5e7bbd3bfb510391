"""Values nobody designs a form for, sent the way any client can: a NUL character, a number past
64 bits, a superscript digit, a name longer than its column. Each of these answered a server
error (on SQLite, on PostgreSQL, or both) before; each now gets the page's own clear answer and
changes nothing."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from studyapp.accounts.models import Cohort
from studyapp.cards.models import Card, CardSchedule
from studyapp.core.converters import INT64_MAX, INT64_MIN, int64_or_none
from studyapp.quizzes import quizbuilder
from studyapp.quizzes.models import Quiz
from studyapp.sandbox.functions import function_copy
from studyapp.sandbox.models import Function, QueueMessage

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

    @pytest.mark.parametrize("body", ["\x00", "before\x00after", "bell \x07"])
    def test_a_queue_message_sqs_refuses_is_refused_on_the_page(self, client, own, body):
        response = client.post(
            f"/sandbox/lambda/{own.name}/queue/send/", {"body": body, "count": "1"}
        )
        assert response.status_code == 400
        assert "Invalid binary character in the message body" in response.content.decode()
        assert not QueueMessage.objects.exists()

    @pytest.mark.parametrize("qualifier", ["\x00", "live\x00", "\u00b2", "x" * 300])
    def test_a_qualifier_no_version_or_alias_has_is_named_as_missing(self, client, own, qualifier):
        response = client.post(
            f"/sandbox/lambda/{own.name}/invoke/",
            {"qualifier": qualifier, "count": "1", "event": "{}"},
        )
        assert response.status_code == 200
        assert "has no version or alias" in response.content.decode()

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

    @pytest.mark.parametrize(
        ("name", "message"),
        [
            ("\x00", "contains a control character"),
            ("Week\x001", "contains a control character"),
            ("x" * 121, "is 121 characters long; at most 120 fit."),
        ],
    )
    def test_a_cohort_name_its_column_cannot_keep_is_refused(self, client, name, message):
        response = client.post("/teach/cohorts/", {"name": name})
        assert response.status_code == 200
        assert f"The cohort&#x27;s name {message}" in response.content.decode()
        assert not Cohort.objects.exists()

    @pytest.mark.parametrize(
        ("title", "message"),
        [
            ("\x00", "contains a control character (such as NUL); type it without."),
            ("x" * 201, "is 201 characters long; at most 200 fit."),
            ("   ", None),
        ],
    )
    def test_a_quiz_title_its_column_cannot_keep_is_refused(self, client, title, message):
        response = client.post("/teach/quizzes/", {"title": title}, follow=True)
        shown = [str(m) for m in response.context["messages"]]
        assert shown == [f"The quiz's title {message}" if message else "Give the quiz a title."]
        assert not Quiz.objects.exists()

    def test_a_title_with_spaces_around_it_is_kept_without_them(self, client):
        client.post("/teach/quizzes/", {"title": "  Week 1  "})
        assert Quiz.objects.get().title == "Week 1"

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


@pytest.mark.django_db
def test_a_username_longer_than_any_account_is_refused_by_the_login_form(client, learner):
    response = client.post("/accounts/login/", {"username": "x" * 3000, "password": "secret"})
    assert response.status_code == 200
    assert "A username is at most 150 characters." in response.content.decode()
