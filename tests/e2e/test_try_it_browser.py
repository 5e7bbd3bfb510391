""" "Try it in the sandbox" in a real browser: from an answered question, each new lesson's link
opens its sample set up for the learner, and running it shows the behaviour the lesson names.

One page load and one run each. The task worker's part of an asynchronous event (its attempts
and retries) is done here by the function the worker runs, with the clock moved to each
attempt, as tests/sandbox/async does. The versions lesson's CLI commands are made with boto3
against Lambda's API of the live server, as the lesson has the learner make them.
"""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, datetime

import boto3
import pytest
from botocore.config import Config
from django.utils import timezone
from playwright.sync_api import Page, expect

from studyapp.accounts.access_keys import access_key_create
from studyapp.quizzes.attempts import attempt_answer, attempt_create
from studyapp.quizzes.models import Attempt, Question
from studyapp.sandbox.async_invoke import async_events_run_due
from studyapp.sandbox.models import AsyncEvent, Function, Queue
from studyapp.sandbox.sqs import queue_poll
from tests.e2e.conftest import log_in
from tests.sandbox.service import sandbox_service, sandbox_service_url

__all__ = ["sandbox_service", "sandbox_service_url"]

# A run goes through the task worker (studyapp.sandbox.invoking): it runs in this process.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("task_worker"),
]

RUN_TIMEOUT_MS = 30_000
T0 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def try_it(page: Page, live_server, learner, key: str) -> None:
    """Answer the question in a practice session, then follow its Try it button."""
    question = Question.objects.get(key=key)
    other = Question.objects.exclude(pk=question.pk).order_by("key").first()
    attempt = attempt_create(
        user=learner,
        mode=Attempt.Mode.PRACTICE,
        title="",
        questions=[question, other],
        config={},
        now=T0,
        deadline=None,
    )
    option = question.current_version.options.order_by("position").first()
    attempt_answer(attempt=attempt, position=1, option_ids=[option.pk], now=T0)
    log_in(page, live_server, username="ada", password="correct-horse-42")
    page.goto(f"{live_server.url}{attempt.get_absolute_url()}?q=1")
    page.get_by_role("button", name="Try it in the sandbox").click()


def run_and_wait(page: Page, button: str = "Run") -> None:
    page.get_by_role("button", name=button, exact=True).click()
    expect(page.locator("#result .run-progress")).to_contain_text(
        "Finished", timeout=RUN_TIMEOUT_MS
    )


def deliver_batch(page: Page, learner, function: str) -> None:
    """Click "Deliver a batch now", then do the worker's poll it asks for (the SQS tasks stay
    queued here, as the asynchronous ones do) and show the page again."""
    page.get_by_role("button", name="Deliver a batch now").click()
    expect(page.get_by_text("The poller looks at the queue now")).to_be_visible()
    queue_poll(queue=Queue.objects.get(owner=learner, function__name=function), now=timezone.now())
    page.reload()


def test_reserved_concurrency_zero_throttles_the_queue_s_batch_with_rate_exceeded(
    page: Page, live_server, learner, imported, sandbox_service
):
    try_it(page, live_server, learner, "emergency-stop-reserved-concurrency-zero")
    expect(
        page.get_by_role("heading", name="SQS event source of reserved-concurrency-throttle")
    ).to_be_visible()
    page.get_by_label("Message body").fill('{"orderId": "o-1"}')
    page.get_by_role("button", name="Send").click()
    deliver_batch(page, learner, "reserved-concurrency-throttle")
    batch = page.locator(".timeline li").first
    expect(batch).to_contain_text("throttled")
    expect(batch).to_contain_text("TooManyRequestsException: Rate Exceeded.")
    expect(batch).to_contain_text("Reason ReservedFunctionConcurrentInvocationLimitExceeded")
    expect(page.get_by_role("heading", name="Visible (1)")).to_be_visible()  # kept, not lost


def test_provisioned_concurrency_serves_one_warm_and_spills_the_second_over_cold(
    page: Page, live_server, learner, imported, sandbox_service
):
    try_it(page, live_server, learner, "provisioned-concurrency-spillover")
    expect(page.get_by_label("Invocations at once")).to_have_value("2")
    run_and_wait(page, "Run N at once")
    expect(page.locator("#result .env-created")).to_have_text("1")
    expect(page.locator("#result .env-reused")).to_have_text("1")
    payloads = page.locator("#result pre.payload")
    expect(
        payloads.filter(has_text='"initialization_type": "provisioned-concurrency"')
    ).to_have_count(1)
    expect(payloads.filter(has_text='"initialization_type": "on-demand"')).to_have_count(1)


def test_an_asynchronous_event_is_tried_three_times_then_recorded_for_failure(
    page: Page, live_server, learner, imported, sandbox_service
):
    try_it(page, live_server, learner, "destinations-instead-of-dlq")
    expect(
        page.get_by_role("heading", name="Asynchronous events of async-retries-destinations")
    ).to_be_visible()
    page.get_by_role("button", name="Send with InvocationType=Event").click()
    expect(page.get_by_text("Accepted (202)")).to_be_visible()
    event = AsyncEvent.objects.get(user=learner)
    for _ in range(5):  # what the worker does: each attempt when it is due
        event.refresh_from_db()
        if event.finished:
            break
        async_events_run_due(now=max(event.next_run_at, timezone.now()))
    page.reload()
    row = page.locator("#events tbody tr").first
    expect(row).to_contain_text("Failed")
    expect(row).to_contain_text("RetriesExhausted")
    expect(row.locator("td").nth(2)).to_have_text("3")
    records = page.locator("details.record summary")
    expect(records.filter(has_text="payment-failures")).to_have_count(1)
    expect(records.filter(has_text="payment-dlq")).to_have_count(1)
    failure = page.locator("details.record").filter(has_text="payment-failures")
    failure.locator("summary").click()
    expect(failure).to_contain_text("'condition': 'RetriesExhausted'")
    expect(failure).to_contain_text("'approximateInvokeCount': 3")
    expect(failure).to_contain_text("PaymentDeclinedError")


def test_a_poison_message_is_moved_to_the_dead_letter_queue_after_max_receive_count(
    page: Page, live_server, learner, imported, sandbox_service
):
    try_it(page, live_server, learner, "sqs-visibility-timeout-guidance")
    expect(page.get_by_label("maxReceiveCount (empty: no redrive)")).to_have_value("2")
    page.get_by_label("Message body").fill("not json")
    page.get_by_role("button", name="Send").click()
    for receives in (1, 2):
        deliver_batch(page, learner, "sqs-redrive")
        expect(page.locator(".timeline li")).to_have_count(receives)
        expect(page.locator(".timeline li").first).to_contain_text("failed")
    expect(page.get_by_text("received 2×")).to_be_visible()
    deliver_batch(page, learner, "sqs-redrive")  # a third receive would exceed maxReceiveCount
    expect(page.get_by_role("heading", name="Dead-letter queue (1)")).to_be_visible()
    expect(page.get_by_text("after 2 receives")).to_be_visible()


def test_the_policy_simulation_denies_a_cross_account_call_without_both_allows(
    page: Page, live_server, learner, imported, sandbox_service
):
    try_it(page, live_server, learner, "cross-account-synchronous-invoke")
    expect(page.get_by_label("Event (JSON)")).to_contain_text('"other-account-invokes"')
    run_and_wait(page)
    payload = page.locator("#result pre.payload")
    expect(payload).to_contain_text(
        '"other-account-invokes": {\n      "decision": "Deny",\n      "why": "cross-account: '
        'needs an Allow on BOTH sides (caller and resource policy)"'
    )
    expect(payload).to_contain_text('"why": "an explicit Deny matches: it always wins"')


def test_a_trace_has_an_initialization_span_on_the_cold_start_only(
    page: Page, live_server, learner, imported, sandbox_service
):
    try_it(page, live_server, learner, "xray-find-slow-dependency")
    run_and_wait(page)
    payload = page.locator("#result pre.payload")
    expect(page.locator("#result .start-badge")).to_have_text("Cold start")
    expect(payload).to_contain_text('"name": "Initialization"')
    expect(payload).to_contain_text('"name": "DynamoDB.GetItem"')
    run_and_wait(page)
    expect(page.locator("#result .start-badge")).to_have_text("Warm start")
    expect(payload).not_to_contain_text('"name": "Initialization"')
    expect(payload).to_contain_text('"name": "Invocation"')


def lambda_api(live_server, learner):
    """boto3's Lambda client of the learner (an access key of theirs), as the README sets up
    the AWS CLI: Lambda's API is served by the live server."""
    key = access_key_create(user=learner, now=timezone.now())
    return boto3.client(
        "lambda",
        endpoint_url=live_server.url,
        region_name="us-east-1",
        aws_access_key_id=key.key.access_key_id,
        aws_secret_access_key=key.secret_access_key,
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}, read_timeout=60),
    )


def test_a_weighted_alias_sends_some_invocations_to_the_new_version_each_saying_which_ran(
    page: Page, live_server, learner, imported, sandbox_service
):
    try_it(page, live_server, learner, "weighted-alias-gradual-rollout-without-codedeploy")
    expect(page.get_by_label("Environment variables")).to_have_value("RELEASE=blue")
    page.get_by_role("button", name="Copy to edit").click()  # step 1: a copy of one's own
    expect(page.get_by_text("This is your own copy")).to_be_visible()
    name = Function.objects.get(owner=learner, copied_from__name="versions-and-aliases").name
    api = lambda_api(live_server, learner)
    assert api.publish_version(FunctionName=name)["Version"] == "1"
    api.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    page.get_by_label("Environment variables").fill("RELEASE=green")  # step 2
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    assert api.publish_version(FunctionName=name)["Version"] == "2"
    api.update_alias(  # step 3: 10 % of the alias's invocations to version 2
        FunctionName=name, Name="live", RoutingConfig={"AdditionalVersionWeights": {"2": 0.1}}
    )
    page.reload()
    aliases = page.get_by_role("table", name=re.compile("Aliases"))
    expect(aliases).to_contain_text("version 1: 90 %, version 2: 10 %")

    # Step 4: each invocation of the alias draws its version anew (random.random() < 0.1 picks
    # version 2); seeded, the draws are known: versions 1, 1, 2, 2, 1, 1, 1, 1, 1, 1.
    draws = random.Random(2)
    expected = ["2" if draws.random() < 0.1 else "1" for _ in range(10)]
    assert expected.count("2") == 2
    expect(page.get_by_label("Invoke", exact=True)).to_have_value("live")
    page.get_by_label("Times").fill("10")
    random.seed(2)
    page.get_by_role("button", name="Invoke by qualifier").click()
    rows = page.locator("#alias-runs tbody tr")
    expect(rows).to_have_count(10, timeout=RUN_TIMEOUT_MS)
    releases = {"1": "blue", "2": "green"}
    for row, version in zip(rows.all(), expected, strict=True):
        expect(row.locator(".executed-version")).to_have_text(version)
        expect(row).to_contain_text(f'"release": "{releases[version]}", "version": "{version}"')
        expect(row).to_contain_text("success")
    expect(page.locator("#alias-runs .alias-tally")).to_have_text(
        "live: version 1 answered 8 of 10; version 2 answered 2 of 10."
    )

    # Step 5: all traffic to version 2 is a pointer change; nothing is redeployed.
    api.update_alias(FunctionName=name, Name="live", FunctionVersion="2", RoutingConfig={})
    page.get_by_label("Times").fill("3")
    page.get_by_role("button", name="Invoke by qualifier").click()
    expect(page.locator("#alias-runs .alias-tally")).to_have_text(
        "live: version 2 answered 3 of 3.", timeout=RUN_TIMEOUT_MS
    )
    answer = api.invoke(FunctionName=name, Qualifier="live")  # the CLI's view of the same
    payload = json.loads(answer["Payload"].read())
    assert (answer["ExecutedVersion"], payload["release"]) == ("2", "green")
    assert payload["invoked_function_arn"].endswith(f":function:{name}:live")
