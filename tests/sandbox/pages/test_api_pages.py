"""The pages behind the API: async event timelines, queues, concurrency, account settings."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from studyapp.sandbox import concurrency
from studyapp.sandbox.async_invoke import async_event_accept, async_events_run_due
from studyapp.sandbox.concurrency import account_for, provisioned_delete, provisioned_put
from studyapp.sandbox.environments import (
    ASK_AGAIN_AFTER_S,
    environments_pending,
    environments_request,
)
from studyapp.sandbox.invoking import function_run
from studyapp.sandbox.messages import SANDBOX_UNAVAILABLE
from studyapp.sandbox.models import EnvironmentsSnapshot, Function, QueueMessage
from tests.plugins.task_worker import invocation_tasks_run

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
REFRESH_TASK = "studyapp.sandbox.environments.environments_refresh"


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


def listed(client, url: str) -> str:
    """The page once the worker has answered the refresh the page asked for."""
    client.get(url)
    invocation_tasks_run()
    return client.get(url).content.decode()


def environment_rows(html: str) -> list[str]:
    return [r.split("</tr>")[0] for r in html.split("<tr>") if "<td>" in r]


@pytest.mark.django_db(transaction=True)
def test_the_concurrency_page_asks_the_worker_for_the_environments_and_shows_the_last_list(
    learner_client, learner, samples, sandbox_service
):
    function = Function.objects.samples().get(name="cold-start-vs-warm")
    url = reverse("lambda_pages:concurrency", args=[function.name])
    first = learner_client.get(url).content.decode()
    assert "Asking the sandbox for its environments…" in first
    assert "All your functions:" not in first
    assert invocation_tasks_run() == 1  # the worker asks the sandbox service
    page = learner_client.get(url).content.decode()
    snapshot = EnvironmentsSnapshot.objects.get(user=learner, function=function)
    assert re.search(
        rf"As the sandbox listed them \d+ s ago \({snapshot.taken_at:%H:%M:%S} UTC\); "
        "a newer list is on its way.",
        page,
    )
    assert "All your functions: 0 environments" in page


@pytest.mark.django_db(transaction=True)
def test_the_concurrency_page_never_calls_the_sandbox_itself(
    learner_client, learner, samples, settings
):
    settings.SANDBOX_URL = "http://127.0.0.1:9"  # a call from the web would fail here
    url = reverse("lambda_pages:concurrency", args=["cold-start-vs-warm"])
    page = learner_client.get(url).content.decode()
    assert "Asking the sandbox for its environments…" in page
    assert SANDBOX_UNAVAILABLE not in page
    refreshes = DBTaskResult.objects.filter(task_path=REFRESH_TASK, status="READY")
    assert refreshes.count() == 1
    learner_client.get(url)  # while one is on its way, no other is asked for
    assert refreshes.count() == 1
    assert invocation_tasks_run() == 1  # the worker finds the service unreachable
    page = learner_client.get(url).content.decode()
    assert SANDBOX_UNAVAILABLE in page and "As the sandbox listed them" in page
    assert "127.0.0.1:9" not in page


def test_a_refresh_no_worker_answered_is_asked_for_again(learner, samples):
    function = Function.objects.samples().get(name="cold-start-vs-warm")
    asked = environments_request(user=learner, function=function, now=T0)
    assert environments_pending(asked, now=T0 + timedelta(seconds=ASK_AGAIN_AFTER_S - 1))
    assert not environments_pending(asked, now=T0 + timedelta(seconds=ASK_AGAIN_AFTER_S))
    again = environments_request(
        user=learner, function=function, now=T0 + timedelta(seconds=ASK_AGAIN_AFTER_S)
    )
    assert again.requested_at == T0 + timedelta(seconds=ASK_AGAIN_AFTER_S)


@pytest.mark.django_db(transaction=True)
def test_the_concurrency_page_tells_provisioned_environments_from_on_demand_ones(
    learner_client, learner, samples, sandbox_service, monkeypatch
):
    monkeypatch.setattr(concurrency, "PROVISION_WAIT_S", 0.0)  # the test runs the worker's part
    function = Function.objects.samples().get(name="cold-start-vs-warm")
    url = reverse("lambda_pages:concurrency", args=[function.name])
    try:
        provisioned_put(user=learner, function=function, count=1)
        invocation_tasks_run()
        function_run(
            user=learner, function=function, event={}, source="api"
        )  # served by the provisioned one
        rows = environment_rows(listed(learner_client, url))
        assert len(rows) == 1
        assert '<span class="badge">provisioned</span>' in rows[0]
        assert "INIT provisioned-concurrency" in rows[0]
        provisioned_delete(user=learner, function=function)
        invocation_tasks_run()
        function_run(
            user=learner, function=function, event={}, source="api"
        )  # a cold start, on demand
        rows = environment_rows(listed(learner_client, url))
        assert len(rows) == 1
        assert "on demand" in rows[0] and "INIT on-demand" in rows[0]
    finally:
        provisioned_delete(user=learner, function=function)
        invocation_tasks_run()


@pytest.mark.parametrize(
    ("count", "message"),
    [
        (
            "100000",
            "How many must be a whole number from 1 to 50; 100,000 is not. Nothing was sent.",
        ),
        ("abc", "How many must be a whole number from 1 to 50; “abc” is not. Nothing was sent."),
        ("0", "How many must be a whole number from 1 to 50; 0 is not. Nothing was sent."),
        ("", "How many must be a whole number from 1 to 50; “” is not. Nothing was sent."),
    ],
)
def test_how_many_out_of_range_sends_nothing_and_keeps_what_was_typed(
    learner_client, learner, samples, count, message
):
    url = reverse("lambda_pages:queue_send", args=["sqs-partial-batch"])
    body = json.dumps({"orderId": "o-typed", "quantity": 7})
    response = learner_client.post(url, {"body": body, "count": count})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "o-typed" in html and f'value="{count}"' in html
    assert not QueueMessage.objects.filter(queue__owner=learner).exists()


def test_queue_settings_that_are_not_numbers_are_refused_and_change_nothing(
    learner_client, learner, samples
):
    from studyapp.sandbox.models import Queue

    url = reverse("lambda_pages:queue_settings", args=["sqs-partial-batch"])
    learner_client.get(reverse("lambda_pages:queue", args=["sqs-partial-batch"]))
    queue = Queue.objects.get(owner=learner, name="sqs-partial-batch-queue")
    before = (queue.batch_size, queue.visibility_timeout_s)
    response = learner_client.post(
        url,
        {"batch_size": "abc", "batching_window_s": "0", "visibility_timeout_s": "30"},
        follow=True,
    )
    assert "The batch size must be a whole number; “abc” is not." in response.content.decode()
    response = learner_client.post(
        url, {"batch_size": "5", "batching_window_s": "0", "visibility_timeout_s": "100000"}
    )
    queue.refresh_from_db()
    assert (queue.batch_size, queue.visibility_timeout_s) == before


@pytest.mark.parametrize(
    ("limit", "speed", "message"),
    [
        ("abc", "60", "The account limit must be a whole number; “abc” is not."),
        ("20", "100000", "The study speed must be a whole number from 1 to 3,600; 100,000 is not."),
        ("20", "0", "The study speed must be a whole number from 1 to 3,600; 0 is not."),
        ("1000", "60", "The account limit must be between 1 and 100."),
    ],
)
def test_account_settings_out_of_range_are_refused_and_change_nothing(
    learner_client, learner, limit, speed, message
):
    before = account_for(learner)
    response = learner_client.post(
        reverse("lambda_pages:account"), {"concurrency_limit": limit, "speed": speed}, follow=True
    )
    assert message in response.content.decode()
    after = account_for(learner)
    assert (after.concurrency_limit, after.time_factor) == (
        before.concurrency_limit,
        before.time_factor,
    )


@pytest.mark.django_db(transaction=True)
def test_a_learner_sees_their_own_environments_and_an_instructor_the_whole_sandbox(
    client, learner, instructor, samples, sandbox_service
):
    function = Function.objects.samples().get(name="cold-start-vs-warm")
    function_run(user=learner, function=function, event={}, source="page")
    function_run(user=instructor, function=function, event={}, source="page")
    url = reverse("lambda_pages:concurrency", args=[function.name])
    client.force_login(learner)
    page = listed(client, url)
    rows = [r for r in page.split("<tr>") if "<td>" in r]
    assert len(rows) == 1
    assert "All your functions: 1 environment (0 busy, 1 idle, 0 reset" in page
    assert "The whole sandbox" not in page and "reused" not in page
    client.force_login(instructor)
    page = listed(client, url)
    assert "All your functions: 1 environment" in page
    assert "The whole sandbox (instructors only)" in page
    table = page.split('class="sandbox-environments"')[1]
    assert table.count("<tr><td>") >= 2  # the learner's environment and the instructor's
    assert "created" in page and "reused" in page
