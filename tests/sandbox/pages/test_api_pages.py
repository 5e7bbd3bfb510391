"""The pages behind the API: async event timelines, queues, concurrency, account settings."""

from __future__ import annotations

import json
import uuid

import pytest
from django.urls import reverse

from studyapp.sandbox.async_invoke import async_event_accept, async_events_run_due
from studyapp.sandbox.concurrency import account_for, provisioned_delete, provisioned_put
from studyapp.sandbox.invoking import function_run
from studyapp.sandbox.models import Function, QueueMessage

pytestmark = pytest.mark.django_db


def test_the_async_page_lists_events_and_the_event_page_shows_every_attempt(
    learner_client, learner, samples, sandbox_service
):
    function = Function.objects.samples().get(name="handled-vs-unhandled-error")
    event = async_event_accept(
        user=learner, function=function, payload={"mode": "unhandled"}, request_id=str(uuid.uuid4())
    )
    async_events_run_due(now=event.next_run_at)
    page = learner_client.get(reverse("lambda_pages:async_events", args=[function.name]))
    assert event.request_id in page.content.decode()
    detail = learner_client.get(
        reverse("lambda_pages:async_event", args=[function.name, event.request_id])
    )
    text = detail.content.decode()
    assert "Attempt 1" in text
    assert "Function error" in text
    assert "retry 1 in 1 min" in text


def test_another_learners_event_is_not_found(client, django_user_model, learner, samples):
    function = Function.objects.samples().get(name="handled-vs-unhandled-error")
    event = async_event_accept(user=learner, function=function, payload={}, request_id="e-1")
    other = django_user_model.objects.create_user(username="other", password="correct-horse-42")
    client.force_login(other)
    url = reverse("lambda_pages:async_event", args=[function.name, event.request_id])
    assert client.get(url).status_code == 404


def test_sending_from_the_queue_page_puts_messages_on_the_functions_queue(
    learner_client, learner, samples
):
    url = reverse("lambda_pages:queue_send", args=["sqs-partial-batch"])
    body = json.dumps({"orderId": "o-9", "quantity": 1})
    response = learner_client.post(url, {"body": body, "count": "3"})
    assert response.status_code == 302
    messages = QueueMessage.objects.filter(
        queue__owner=learner, queue__name="sqs-partial-batch-queue"
    )
    assert [m.body for m in messages] == [body] * 3
    page = learner_client.get(reverse("lambda_pages:queue", args=["sqs-partial-batch"]))
    assert "Visible (3)" in page.content.decode()


def test_the_account_page_changes_the_study_time_factor(learner_client, learner):
    response = learner_client.post(
        reverse("lambda_pages:account"), {"concurrency_limit": "20", "speed": "600"}
    )
    assert response.status_code == 302
    account = account_for(learner)
    assert account.concurrency_limit == 20
    assert account.time_factor == pytest.approx(1 / 600)


def test_the_concurrency_page_shows_the_sandboxs_environments(
    learner_client, samples, sandbox_service
):
    page = learner_client.get(reverse("lambda_pages:concurrency", args=["cold-start-vs-warm"]))
    assert page.status_code == 200
    assert "Execution environments now" in page.content.decode()
    assert "created" in page.content.decode()


def test_the_concurrency_page_tells_provisioned_environments_from_on_demand_ones(
    learner_client, learner, samples, sandbox_service
):
    function = Function.objects.samples().get(name="cold-start-vs-warm")
    try:
        provisioned_put(user=learner, function=function, count=1)
        function_run(
            user=learner, function=function, event={}, source="api"
        )  # served by the provisioned one
        page = learner_client.get(reverse("lambda_pages:concurrency", args=[function.name]))
        rows = [r.split("</tr>")[0] for r in page.content.decode().split("<tr>") if "<td>" in r]
        assert len(rows) == 1
        assert '<span class="badge">provisioned</span>' in rows[0]
        assert "INIT provisioned-concurrency" in rows[0]
        provisioned_delete(user=learner, function=function)
        function_run(
            user=learner, function=function, event={}, source="api"
        )  # a cold start, on demand
        page = learner_client.get(reverse("lambda_pages:concurrency", args=[function.name]))
        rows = [r.split("</tr>")[0] for r in page.content.decode().split("<tr>") if "<td>" in r]
        assert len(rows) == 1
        assert "on demand" in rows[0] and "INIT on-demand" in rows[0]
    finally:
        provisioned_delete(user=learner, function=function)
