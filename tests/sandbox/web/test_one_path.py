"""One invocation path: the page's Run, the Lambda API and asynchronous events take their leases
under the same rules, and the web process never calls the sandbox service to invoke.

The task worker is run by the test itself (``invocation_tasks_run``), so a run stays queued, and
holds its lease, exactly as long as the test wants: no clock decides what is in flight.
"""

from __future__ import annotations

import ast
import threading
import time
import uuid
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from studyapp.accounts.access_keys import access_key_create
from studyapp.sandbox import invoking, sqs
from studyapp.sandbox.async_invoke import async_event_accept, async_event_attempt_run
from studyapp.sandbox.concurrency import (
    ACCOUNT_LIMIT_REASON,
    RESERVED_LIMIT_REASON,
    provisioned_keep,
    provisioned_release,
)
from studyapp.sandbox.environments import environments_refresh
from studyapp.sandbox.function_settings import FunctionSettings
from studyapp.sandbox.invoking import invocation_lanes_run
from studyapp.sandbox.messages import SANDBOX_UNAVAILABLE
from studyapp.sandbox.models import (
    AsyncAttempt,
    ConcurrencyLease,
    Function,
    Invocation,
    QueueMessage,
)
from tests.plugins.task_worker import INVOCATION_TASK, WORKER_TASKS, invocation_tasks_run
from tests.sandbox.api.conftest import client_for

pytestmark = pytest.mark.django_db(transaction=True)

HTMX = {"HTTP_HX_REQUEST": "true"}
STUDYAPP = Path(__file__).resolve().parents[3] / "studyapp"


@pytest.fixture
def access_key(learner):
    return access_key_create(user=learner, now=timezone.now())


def sample(name: str) -> Function:
    return Function.objects.samples().get(name=name)


def page_form(function: Function, **changes) -> dict[str, str]:
    form = {
        "memory_mb": str(function.memory_mb),
        "timeout_s": str(function.timeout_s),
        "ephemeral_storage_mb": str(function.ephemeral_storage_mb),
        "log_format": function.log_format,
        "environment": "\n".join(f"{k}={v}" for k, v in function.environment.items()),
        "event": "{}",
        "count": "1",
    }
    return form | {key: str(value) for key, value in changes.items()}


def test_the_test_worker_runs_the_tasks_the_app_queues_for_the_sandbox_service():
    assert invocation_lanes_run.module_path == INVOCATION_TASK
    service_tasks = (invocation_lanes_run, provisioned_keep, provisioned_release)
    assert {task.module_path for task in (*service_tasks, environments_refresh)} == set(
        WORKER_TASKS
    )


def test_reserved_concurrency_zero_throttles_a_page_run_as_it_throttles_an_api_call(
    samples, learner, client, live_server, access_key
):
    function = sample("cold-start-vs-warm")
    lambda_client = client_for(live_server, access_key)
    lambda_client.put_function_concurrency(
        FunctionName=function.name, ReservedConcurrentExecutions=0
    )

    with pytest.raises(ClientError) as raised:
        lambda_client.invoke(FunctionName=function.name, Payload=b"{}")
    answer = raised.value.response
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert answer["Error"]["Code"] == "TooManyRequestsException"
    assert answer["Error"]["Message"] == "Rate Exceeded."
    assert answer["Reason"] == RESERVED_LIMIT_REASON

    client.force_login(learner)
    response = client.post(reverse("sandbox:run", args=[function.pk]), page_form(function), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "reserved concurrency is 0" in html and RESERVED_LIMIT_REASON in html

    throttled = Invocation.objects.filter(user=learner).order_by("id")
    assert [(i.status, i.config["source"]) for i in throttled] == [
        ("throttled", "api"),
        ("throttled", "page"),
    ]
    assert all(i.result["payload"]["Reason"] == RESERVED_LIMIT_REASON for i in throttled)
    assert not DBTaskResult.objects.filter(task_path=INVOCATION_TASK).exists()  # nothing to run


def test_the_learners_cap_counts_page_api_and_async_runs_together(
    samples, learner, live_server, access_key, sandbox_service, settings
):
    settings.SANDBOX_MAX_RUNNING_PER_LEARNER = 1
    lambda_client = client_for(live_server, access_key)
    guard, cold = sample("timeout-guard"), sample("cold-start-vs-warm")

    # A page run in flight (queued for the worker, its lease held) ...
    page_run = invoking.run_start(
        function=guard, user=learner, run_settings=FunctionSettings.of(guard), event={}
    )
    # ... throttles an API call of another function ...
    with pytest.raises(ClientError) as raised:
        lambda_client.invoke(FunctionName=cold.name, Payload=b"{}")
    assert raised.value.response["Error"]["Code"] == "TooManyRequestsException"
    assert raised.value.response["Reason"] == ACCOUNT_LIMIT_REASON
    # ... and an asynchronous event's attempt.
    event = async_event_accept(user=learner, function=cold, payload={}, request_id="evt-cap")
    async_event_attempt_run(event_id=event.pk, number=1, now=event.next_run_at)
    assert AsyncAttempt.objects.get(event=event).outcome == AsyncAttempt.Outcome.THROTTLED

    assert invocation_tasks_run() == 1
    [done] = Invocation.objects.filter(batch=page_run.batch)
    assert done.status == "success"

    # An API call in flight (its view waits for the worker) throttles a page run.
    answers: list[dict] = []
    call = threading.Thread(
        target=lambda: answers.append(lambda_client.invoke(FunctionName=cold.name, Payload=b"{}"))
    )
    call.start()
    try:
        queued = None
        while queued is None and call.is_alive():
            queued = Invocation.objects.filter(
                user=learner, status="queued", config__source="api"
            ).first()
            time.sleep(0.02)  # the view is writing its row: look again
        assert queued is not None, "the API call should be queued for the worker"
        with pytest.raises(invoking.RunThrottled, match="1 of your invocations are already"):
            invoking.run_start(
                function=guard, user=learner, run_settings=FunctionSettings.of(guard), event={}
            )
    finally:
        while call.is_alive():
            invocation_tasks_run()
            call.join(timeout=0.05)
    assert answers and answers[0]["StatusCode"] == 200

    sources = Invocation.objects.filter(user=learner).order_by("id")
    assert [(i.config["source"], i.status) for i in sources] == [
        ("page", "success"),
        ("api", "throttled"),
        ("async", "throttled"),
        ("api", "success"),
        ("page", "throttled"),
    ]


def test_a_page_run_reaches_the_sandbox_only_through_the_task_worker(
    samples, learner, client, settings, caplog
):
    settings.SANDBOX_URL = "http://127.0.0.1:9"  # nothing listens there
    function = sample("cold-start-vs-warm")
    client.force_login(learner)
    threads_before = threading.active_count()

    response = client.post(reverse("sandbox:run", args=[function.pk]), page_form(function), **HTMX)

    assert response.status_code == 200 and 'hx-trigger="every 1s"' in response.content.decode()
    assert threading.active_count() == threads_before  # no thread started in the web process
    [invocation] = Invocation.objects.filter(user=learner)
    assert invocation.status == "queued"  # the web did not call the (unreachable) service
    assert DBTaskResult.objects.filter(task_path=INVOCATION_TASK, status="READY").count() == 1

    assert invocation_tasks_run() == 1  # the worker's call finds the service unreachable
    invocation.refresh_from_db()
    assert invocation.status == "error" and invocation.message == SANDBOX_UNAVAILABLE
    page = client.get(reverse("sandbox:run_result", args=[invocation.batch]), **HTMX)
    assert SANDBOX_UNAVAILABLE in page.content.decode()
    assert "127.0.0.1:9" not in page.content.decode() and "lambda serve" not in page.text
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "http://127.0.0.1:9" in logged  # for the operator


def test_a_synchronous_call_no_worker_starts_is_given_up_and_never_runs(
    samples, learner, monkeypatch
):
    monkeypatch.setattr(invoking, "CALL_MARGIN_S", 0.0)
    function = sample("cold-start-vs-warm")
    monkeypatch.setattr(function, "timeout_s", 1)
    with pytest.raises(invoking.InvocationFailed) as failed:
        invoking.invocation_call(user=learner, function=function, event={})
    assert failed.value.unavailable and failed.value.message == SANDBOX_UNAVAILABLE
    [invocation] = Invocation.objects.filter(user=learner)
    assert invocation.status == "error" and invocation.message == invoking.NOT_STARTED
    invocation_tasks_run()  # the task runs late: the invocation is not started any more
    invocation.refresh_from_db()
    assert invocation.status == "error" and invocation.started_at is None


def test_no_module_of_the_app_holds_a_thread_pool():
    pools = []
    for path in STUDYAPP.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module in {
                "concurrent.futures",
                "multiprocessing.pool",
            }:
                names = [alias.name for alias in node.names]
            if any(name in {"ThreadPoolExecutor", "ThreadPool", "Pool"} for name in names):
                pools.append(str(path.relative_to(STUDYAPP)))
    assert pools == []


def test_a_batch_takes_one_lease_per_lane_and_gives_them_back(samples, learner, sandbox_service):
    function = sample("cold-start-vs-warm")
    started = invoking.run_start(
        function=function,
        user=learner,
        run_settings=FunctionSettings.of(function),
        event={},
        count=5,
        now=timezone.now(),
    )
    assert ConcurrencyLease.objects.filter(user=learner).count() == 3  # the learner's cap
    assert invocation_tasks_run() == 1
    assert ConcurrencyLease.objects.filter(user=learner).count() == 0
    statuses = Invocation.objects.filter(batch=started.batch).values_list("status", flat=True)
    assert list(statuses) == ["success"] * 5
    assert isinstance(started.batch, uuid.UUID)


def test_poll_now_on_the_queue_page_leaves_the_batch_to_the_worker(
    samples, learner, client, settings
):
    settings.SANDBOX_URL = "http://127.0.0.1:9"  # a call from the web would fail here
    function = sample("sqs-partial-batch")
    queue = sqs.event_source_queue(user=learner, function=function)
    sqs.message_send(queue=queue, body='{"id": 1}', now=timezone.now())
    client.force_login(learner)

    response = client.post(reverse("lambda_pages:queue_poll", args=[function.name]))

    assert response.status_code == 302
    assert not Invocation.objects.exists()  # nothing was invoked in the web process
    assert QueueMessage.objects.get(queue=queue).receive_count == 0
    polls = DBTaskResult.objects.filter(task_path="studyapp.sandbox.sqs.queue_poll_task")
    assert polls.filter(status="READY").exists()


def test_an_api_call_while_the_sandbox_is_down_answers_in_plain_words(
    samples, learner, live_server, access_key, settings, task_worker
):
    settings.SANDBOX_URL = "http://127.0.0.1:9"  # nothing listens there
    lambda_client = client_for(live_server, access_key)
    with pytest.raises(ClientError) as raised:
        lambda_client.invoke(FunctionName="cold-start-vs-warm", Payload=b"{}")
    answer = raised.value.response
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert answer["Error"]["Code"] == "ServiceException"
    assert answer["Error"]["Message"] == "The sandbox is unavailable; try again in a moment."
