"""Reserved concurrency (a cap and a guarantee), the account limit, provisioned concurrency."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from studyapp.engine.hosts import routing_key
from studyapp.sandbox import concurrency
from studyapp.sandbox.concurrency import (
    ACCOUNT_LIMIT_REASON,
    RESERVED_LIMIT_REASON,
    ConcurrencyError,
    Throttled,
    account_for,
    concurrency_acquire,
    concurrency_release,
    provisioned_delete,
    provisioned_put,
    reserved_concurrency_put,
)
from studyapp.sandbox.invoking import invocation_call
from studyapp.sandbox.messages import SANDBOX_UNAVAILABLE
from studyapp.sandbox.models import ConcurrencyLease, Function, FunctionInvokeConfig, Invocation
from studyapp.sandbox.runs import engine_account
from tests.plugins.task_worker import invocation_tasks_run
from tests.sandbox.service import down_host_ranked_first, provisioned_environments

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def functions(samples):
    return {f.name: f for f in Function.objects.samples()}


@pytest.fixture(autouse=True)
def roomy_learner_cap(settings):
    """Lambda's own limits, apart from the sandbox's cap on a learner's invocations in flight
    (tested on its own below)."""
    settings.SANDBOX_MAX_RUNNING_PER_LEARNER = 50


def hold(learner, function, count, now=T0):
    leases = [concurrency_acquire(user=learner, function=function, now=now) for _ in range(count)]
    assert all(isinstance(lease, ConcurrencyLease) for lease in leases)
    return leases


def test_reserved_concurrency_caps_the_function(learner, functions):
    cold = functions["cold-start-vs-warm"]
    reserved_concurrency_put(user=learner, function=cold, reserved=2)
    hold(learner, cold, 2)
    assert concurrency_acquire(user=learner, function=cold, now=T0) == Throttled(
        RESERVED_LIMIT_REASON
    )


def test_a_finished_invocation_gives_its_slot_back(learner, functions):
    cold = functions["cold-start-vs-warm"]
    reserved_concurrency_put(user=learner, function=cold, reserved=1)
    (lease,) = hold(learner, cold, 1)
    concurrency_release(lease)
    assert isinstance(concurrency_acquire(user=learner, function=cold, now=T0), ConcurrencyLease)


def test_reserved_concurrency_is_guaranteed_while_the_rest_of_the_account_is_busy(
    learner, functions
):
    cold, cost, memory = (
        functions["cold-start-vs-warm"],
        functions["cost-estimator"],
        functions["memory-vs-cpu"],
    )
    reserved_concurrency_put(user=learner, function=cold, reserved=4)  # account limit 10
    hold(learner, cost, 3)
    hold(learner, memory, 3)  # the unreserved 6 are all in use...
    assert concurrency_acquire(user=learner, function=memory, now=T0) == Throttled(
        ACCOUNT_LIMIT_REASON
    )
    hold(learner, cold, 4)  # ...and the reserved 4 are still there


def test_the_account_limit_is_the_learners_to_change(learner, functions):
    account = account_for(learner)
    account.concurrency_limit = 2
    account.save()
    hold(learner, functions["cost-estimator"], 2)
    assert concurrency_acquire(
        user=learner, function=functions["memory-vs-cpu"], now=T0
    ) == Throttled(ACCOUNT_LIMIT_REASON)


def test_a_crashed_holders_lease_stops_counting_after_its_deadline(learner, functions):
    cold = functions["cold-start-vs-warm"]
    reserved_concurrency_put(user=learner, function=cold, reserved=1)
    hold(learner, cold, 1)
    later = T0 + timedelta(seconds=cold.timeout_s + 31)
    assert isinstance(concurrency_acquire(user=learner, function=cold, now=later), ConcurrencyLease)


def test_another_learners_invocations_do_not_count_against_mine(
    learner, functions, django_user_model
):
    other = django_user_model.objects.create_user(
        username="other", password="correct-horse-42", sandbox_verified=True
    )
    cold = functions["cold-start-vs-warm"]
    reserved_concurrency_put(user=learner, function=cold, reserved=1)
    hold(other, cold, 5)
    hold(learner, cold, 1)


def test_provisioned_concurrency_cannot_exceed_reserved_concurrency(learner, functions):
    cold = functions["cold-start-vs-warm"]
    reserved_concurrency_put(user=learner, function=cold, reserved=1)
    with pytest.raises(ConcurrencyError, match="should not be greater than"):
        provisioned_put(user=learner, function=cold, count=2)


@pytest.mark.django_db(transaction=True)
def test_provisioned_concurrency_is_in_progress_until_the_worker_has_initialised_it(
    learner, functions, sandbox_service, monkeypatch
):
    monkeypatch.setattr(concurrency, "PROVISION_WAIT_S", 0.0)  # no worker runs here by itself
    cold = functions["cold-start-vs-warm"]
    try:
        config = provisioned_put(user=learner, function=cold, count=2)
        assert (config.provisioned_status, config.provisioned_allocated) == ("IN_PROGRESS", 0)
        assert provisioned_environments(sandbox_service, learner, cold) == []
        assert invocation_tasks_run() == 1  # the warm-up, in the worker
        config.refresh_from_db()
        assert (config.provisioned_status, config.provisioned_allocated) == ("READY", 2)
        assert len(provisioned_environments(sandbox_service, learner, cold)) == 2
    finally:
        provisioned_delete(user=learner, function=cold)
        invocation_tasks_run()
    assert provisioned_environments(sandbox_service, learner, cold) == []


@pytest.mark.django_db(transaction=True)
def test_provisioned_concurrency_says_why_it_failed_when_the_sandbox_is_down(
    learner, functions, settings, monkeypatch
):
    monkeypatch.setattr(concurrency, "PROVISION_WAIT_S", 0.0)
    settings.SANDBOX_URL = "http://127.0.0.1:9"  # a call from the web would fail at once
    config = provisioned_put(user=learner, function=functions["cold-start-vs-warm"], count=2)
    assert config.provisioned_status == FunctionInvokeConfig.ProvisionedStatus.IN_PROGRESS
    assert invocation_tasks_run() == 1
    config.refresh_from_db()
    assert config.provisioned_status == FunctionInvokeConfig.ProvisionedStatus.FAILED
    assert config.provisioned_status_reason == SANDBOX_UNAVAILABLE
    assert config.provisioned_allocated == 0


def test_provisioned_concurrency_is_ready_once_the_sandbox_has_initialised_it(
    learner, functions, sandbox_service, task_worker
):
    cold = functions["cold-start-vs-warm"]
    try:
        config = provisioned_put(user=learner, function=cold, count=2)
        assert config.provisioned_status == FunctionInvokeConfig.ProvisionedStatus.READY
        assert config.provisioned_allocated == 2 and config.provisioned_status_reason == ""
    finally:
        provisioned_delete(user=learner, function=cold)


def test_provisioned_environments_serve_invocations_without_an_init_duration(
    learner, functions, sandbox_service, task_worker
):
    cold = functions["cold-start-vs-warm"]
    try:
        config = provisioned_put(user=learner, function=cold, count=1)
        assert config.provisioned_status == FunctionInvokeConfig.ProvisionedStatus.READY
        result = invocation_call(user=learner, function=cold, event={})
        assert result["init_duration_ms"] is None
        assert result["cold_start"] is False
        assert "Init Duration" not in result["logs"]
    finally:
        provisioned_delete(user=learner, function=cold)


def test_a_reserved_concurrency_of_zero_throttles_without_reaching_the_sandbox(learner, functions):
    cold = functions["cold-start-vs-warm"]
    reserved_concurrency_put(user=learner, function=cold, reserved=0)
    result = invocation_call(user=learner, function=cold, event={})  # no worker, no service
    assert result["status"] == "throttled"
    assert result["payload"]["Reason"] == RESERVED_LIMIT_REASON
    [invocation] = Invocation.objects.filter(user=learner)
    assert invocation.status == "throttled" and invocation.config["source"] == "api"


def test_an_api_invocation_fails_over_to_the_next_sandbox_host_when_its_own_is_down(
    learner, functions, sandbox_service, settings, task_worker
):
    cold = functions["cold-start-vs-warm"]
    key = routing_key({"account": engine_account(learner), "name": cold.name})
    down = down_host_ranked_first(key, sandbox_service)
    settings.SANDBOX_URL = f"{down},{sandbox_service}"
    result = invocation_call(user=learner, function=cold, event={})
    assert result["status"] == "success"
