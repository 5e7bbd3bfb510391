"""Sending an asynchronous event from the asynchronous invocations page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from studyapp.sandbox.models import AsyncEvent, Function

pytestmark = pytest.mark.django_db


def test_the_page_accepts_an_event_as_invocation_type_event_does(learner_client, learner, samples):
    function = Function.objects.samples().get(name="async-retries-destinations")
    url = reverse("lambda_pages:async_send", args=[function.name])
    response = learner_client.post(url, {"payload": '{"orderId": "o-9", "amount": 10}'})
    assert response.status_code == 302
    event = AsyncEvent.objects.get(user=learner, function=function)
    assert event.payload == {"orderId": "o-9", "amount": 10}
    page = learner_client.get(response["Location"])
    assert f"Accepted (202): request {event.request_id}." in page.content.decode()


def test_the_page_shows_the_default_event_to_send(learner_client, samples):
    page = learner_client.get(
        reverse("lambda_pages:async_events", args=["async-retries-destinations"])
    )
    assert "&quot;amount&quot;: 2500" in page.content.decode()


def test_an_event_that_is_not_json_is_refused_and_nothing_is_queued(
    learner_client, learner, samples
):
    url = reverse("lambda_pages:async_send", args=["async-retries-destinations"])
    response = learner_client.post(url, {"payload": '{"amount": }'}, follow=True)
    assert "The event is not valid JSON: Expecting value at line 1, column 12." in (
        response.content.decode()
    )
    assert not AsyncEvent.objects.filter(user=learner).exists()


def test_the_send_form_is_a_post(learner_client, samples):
    url = reverse("lambda_pages:async_send", args=["async-retries-destinations"])
    assert learner_client.get(url).status_code == 405
