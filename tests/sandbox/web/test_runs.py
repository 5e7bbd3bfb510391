"""Running functions through the real sandbox service: results, cold and warm starts, limits,
the isolation policy, and runs whose task worker went away."""

from __future__ import annotations

import socket
import subprocess
import sys
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from studyapp.engine.hosts import routing_key
from studyapp.sandbox import invoking, runs
from studyapp.sandbox.function_settings import FunctionSettings
from studyapp.sandbox.functions import function_copy
from studyapp.sandbox.messages import SANDBOX_UNAVAILABLE
from studyapp.sandbox.models import Function, Invocation
from tests.plugins.task_worker import invocation_tasks_run
from tests.sandbox.service import down_host_ranked_first

pytestmark = pytest.mark.django_db(transaction=True)

SLOW_HANDLER = "import time\n\ndef handler(event, context):\n    time.sleep(3)\n    return 'done'\n"


def sample(name: str) -> Function:
    return Function.objects.samples().get(name=name)


def run(function, user, *, count=1, event=None, **changes):
    """Start a run, let the task worker run it, and read its invocations."""
    settings = FunctionSettings.of(function)
    settings = FunctionSettings(**{**settings.__dict__, **changes})
    started = invoking.run_start(
        function=function,
        user=user,
        run_settings=settings,
        event={} if event is None else event,
        count=count,
    )
    assert [i.status for i in started.invocations] == ["queued"] * count
    assert invocation_tasks_run() == 1  # one task runs the lanes of the batch
    return runs.batch_invocations(user=user, batch=started.batch)


def test_a_sample_runs_with_the_report_figures_and_its_cost(samples, learner, sandbox_service):
    [invocation] = run(sample("cold-start-vs-warm"), learner, memory_mb=256)
    result = invocation.result
    assert invocation.status == "success" and invocation.request_id == result["request_id"]
    assert "REPORT RequestId: " in result["logs"] and "Memory Size: 256 MB" in result["logs"]
    assert result["memory_size_mb"] == 256 and result["billed_duration_ms"] >= 1
    assert result["cost"]["x86_64_usd"] > result["cost"]["arm64_usd"] > 0
    assert invocation.config["memory_mb"] == 256 and invocation.finished_at is not None


def test_the_first_run_is_cold_and_the_second_warm(samples, learner, sandbox_service):
    function = sample("cold-start-vs-warm")
    [first] = run(function, learner)
    [second] = run(function, learner)
    assert (first.cold_start, second.cold_start) == (True, False)
    assert first.result["init_duration_ms"] is not None
    assert second.result["init_duration_ms"] is None
    assert second.result["payload"]["invocation_count"] == 2


def test_two_learners_never_share_a_warm_environment(
    samples, learner, django_user_model, sandbox_service
):
    other = django_user_model.objects.create_user(
        username="bo", password="correct-horse-42", sandbox_verified=True
    )
    function = sample("cold-start-vs-warm")
    [mine] = run(function, learner)
    [theirs] = run(function, other)
    assert theirs.message == ""
    assert mine.cold_start and theirs.cold_start
    assert mine.result["environment_id"] != theirs.result["environment_id"]


def test_two_learners_running_one_sample_both_see_its_plain_name(
    samples, learner, django_user_model, sandbox_service
):
    other = django_user_model.objects.create_user(
        username="bo", password="correct-horse-42", sandbox_verified=True
    )
    function = sample("environment-config")
    [mine] = run(function, learner)
    [theirs] = run(function, other)
    assert mine.cold_start and theirs.cold_start
    assert mine.result["environment_id"] != theirs.result["environment_id"]
    for invocation in (mine, theirs):
        seen = invocation.result["payload"]["lambda_environment"]
        assert seen["AWS_LAMBDA_FUNCTION_NAME"] == "environment-config"
        assert seen["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/environment-config"


def test_an_edited_handler_that_raises_gets_lambdas_error_shape(samples, learner, full_isolation):
    copy = function_copy(function=sample("cold-start-vs-warm"), user=learner)
    code = "def handler(event, context):\n    raise Exception('Handler fails')\n"
    [invocation] = run(copy, learner, code=code)
    payload = invocation.result["payload"]
    assert invocation.status == "error" and invocation.result["function_error"] == "Unhandled"
    assert payload["errorType"] == "Exception" and payload["errorMessage"] == "Handler fails"
    assert payload["requestId"] == invocation.request_id
    assert 'File "/var/task/handler.py", line 2, in handler' in payload["stackTrace"][0]


def test_a_run_past_its_timeout_is_a_timeout_result(samples, learner, sandbox_service):
    function = sample("timeout-guard")
    [invocation] = run(function, learner, timeout_s=1, environment={"GUARD": "off"})
    assert invocation.status == "timeout"
    assert invocation.result["payload"]["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in invocation.result["payload"]["errorMessage"]


def test_run_n_at_once_starts_one_environment_per_concurrent_invocation(
    samples, learner, sandbox_service
):
    invocations = run(sample("cold-start-vs-warm"), learner, count=3)
    summary = runs.batch_environments(invocations)
    assert [i.status for i in invocations] == ["success"] * 3
    assert (summary.environments, summary.cold_starts, summary.warm_starts) == (3, 3, 0)


def test_a_batch_larger_than_the_limit_reuses_the_environments_it_may_start(
    samples, learner, sandbox_service, settings
):
    settings.SANDBOX_MAX_RUNNING_PER_LEARNER = 2
    invocations = run(sample("cold-start-vs-warm"), learner, count=5)
    summary = runs.batch_environments(invocations)
    assert (summary.environments, summary.cold_starts, summary.warm_starts) == (2, 2, 3)


def test_a_learner_cannot_run_more_than_the_limit_at_once(
    samples, learner, full_isolation, settings
):
    settings.SANDBOX_MAX_RUNNING_PER_LEARNER = 1
    copy = function_copy(function=sample("cold-start-vs-warm"), user=learner)
    run_settings = FunctionSettings(**{**FunctionSettings.of(copy).__dict__, "code": SLOW_HANDLER})
    run_settings = FunctionSettings(**{**run_settings.__dict__, "timeout_s": 10})
    invoking.run_start(function=copy, user=learner, run_settings=run_settings, event={})
    with pytest.raises(invoking.RunThrottled, match="1 of your invocations are already running"):
        invoking.run_start(function=copy, user=learner, run_settings=run_settings, event={})
    invocation_tasks_run()
    statuses = Invocation.objects.filter(user=learner).order_by("id").values_list("status")
    assert [status for (status,) in statuses] == ["success", "throttled"]


def test_a_batch_over_the_maximum_is_refused(samples, learner, settings):
    settings.SANDBOX_MAX_BATCH = 4
    function = sample("cold-start-vs-warm")
    with pytest.raises(runs.RunRefused, match="between 1 and 4"):
        invoking.run_start(
            function=function,
            user=learner,
            run_settings=FunctionSettings.of(function),
            event={},
            count=5,
        )


def test_learner_code_needs_full_isolation_but_samples_do_not(samples, learner):
    copy = function_copy(function=sample("cold-start-vs-warm"), user=learner)
    assert runs.isolation_required(copy) is True
    assert runs.isolation_required(sample("cold-start-vs-warm")) is False
    refusal = runs.isolation_refusal("bubblewrap is not installed")
    assert "bubblewrap is not installed" in refusal and "samples still run" in refusal


def test_a_run_when_the_service_is_down_tells_the_learner_in_plain_words_and_logs_details(
    samples, learner, settings, caplog
):
    settings.SANDBOX_URL = "http://127.0.0.1:9"
    [invocation] = run(sample("cold-start-vs-warm"), learner)
    assert invocation.status == "error" and invocation.result is None
    assert invocation.message == SANDBOX_UNAVAILABLE
    assert invocation.message == "The sandbox is unavailable; try again in a moment."
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "http://127.0.0.1:9" in logged and "lambda serve" in logged  # for the operator


def test_a_run_fails_over_to_the_next_sandbox_host_when_its_own_is_down(
    samples, learner, sandbox_service, settings
):
    function = sample("cold-start-vs-warm")
    key = routing_key({"account": runs.engine_account(learner), "name": function.name})
    down = down_host_ranked_first(key, sandbox_service)
    settings.SANDBOX_URL = f"{down},{sandbox_service}"
    [invocation] = run(function, learner)
    assert invocation.status == "success" and invocation.message == ""


def make_in_flight(function, user, *, runner, started_at=None, created_at=None):
    return Invocation.objects.create(
        function=function,
        user=user,
        batch=uuid.uuid4(),
        status=Invocation.Status.RUNNING if started_at else Invocation.Status.QUEUED,
        config={"timeout_s": 3},
        runner=runner,
        created_at=created_at or timezone.now(),
        started_at=started_at,
    )


def test_a_run_whose_worker_is_gone_is_marked_interrupted_at_the_next_read(samples, learner):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a process of this host that no longer exists
    orphan = make_in_flight(
        sample("cold-start-vs-warm"),
        learner,
        runner=f"{socket.gethostname()}:{gone.pid}",
        started_at=timezone.now(),
    )
    [invocation] = runs.batch_invocations(user=learner, batch=orphan.batch)
    assert invocation.status == "error" and invocation.message == runs.INTERRUPTED_MESSAGE


def test_another_process_run_is_left_alone_until_past_its_deadline(samples, learner):
    started = timezone.now()
    elsewhere = make_in_flight(
        sample("cold-start-vs-warm"), learner, runner="other-host:1:abc", started_at=started
    )
    soon = started + timedelta(seconds=30)
    assert runs.batch_invocations(user=learner, batch=elsewhere.batch, now=soon)[0].status == (
        "running"
    )
    late = started + timedelta(seconds=3 + runs.STALE_MARGIN_S + 1)
    [invocation] = runs.batch_invocations(user=learner, batch=elsewhere.batch, now=late)
    assert invocation.status == "error" and invocation.message == runs.INTERRUPTED_MESSAGE


ECHO = "def handler(event, context):\n    return {'event': event}\n"


@pytest.mark.parametrize("event", ["x", 3, None, [1]])
def test_any_json_value_is_an_event_of_a_page_run(samples, learner, full_isolation, event):
    copy = function_copy(function=sample("cold-start-vs-warm"), user=learner)
    run_settings = FunctionSettings(**{**FunctionSettings.of(copy).__dict__, "code": ECHO})
    started = invoking.run_start(
        function=copy, user=learner, run_settings=run_settings, event=event
    )
    assert invocation_tasks_run() == 1

    [invocation] = runs.batch_invocations(user=learner, batch=started.batch)

    assert invocation.status == "success", invocation.message
    assert invocation.result["payload"] == {"event": event}


def test_the_cap_message_says_how_many_run_and_never_contradicts_itself(samples, learner, settings):
    settings.SANDBOX_MAX_RUNNING_PER_LEARNER = 1
    copy = function_copy(function=sample("cold-start-vs-warm"), user=learner)
    run_settings = FunctionSettings(**{**FunctionSettings.of(copy).__dict__, "code": SLOW_HANDLER})
    invoking.run_start(function=copy, user=learner, run_settings=run_settings, event={})

    with pytest.raises(invoking.RunThrottled) as refused:
        invoking.run_start(function=copy, user=learner, run_settings=run_settings, event={})

    assert str(refused.value) == (
        "Throttled: 1 of your invocations are already running (page runs, API calls, "
        "asynchronous events and SQS batches together), the most the sandbox runs of yours "
        "at once so that everyone gets a turn. Run again when one has finished."
    )
