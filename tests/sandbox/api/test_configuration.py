"""Configuration through the API: function settings, concurrency, event invoke settings."""

from __future__ import annotations

import json

import pytest

from studyapp.sandbox.concurrency import invoke_config_for, provisioned_delete, provisioned_put
from studyapp.sandbox.functions import function_copy
from studyapp.sandbox.models import Function, FunctionInvokeConfig
from tests.sandbox.service import provisioned_environments

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def own_function(api_samples, learner):
    return function_copy(
        function=Function.objects.samples().get(name="environment-config"), user=learner
    )


def test_update_function_configuration_changes_memory_timeout_and_environment(
    lambda_client, own_function, full_isolation
):
    updated = lambda_client.update_function_configuration(
        FunctionName=own_function.name,
        MemorySize=512,
        Timeout=10,
        Environment={"Variables": {"TABLE_NAME": "orders-test", "LOG_LEVEL": "DEBUG"}},
    )
    assert updated["MemorySize"] == 512
    assert updated["Timeout"] == 10
    assert updated["Environment"]["Variables"] == {
        "TABLE_NAME": "orders-test",
        "LOG_LEVEL": "DEBUG",
    }
    own_function.refresh_from_db()
    assert own_function.memory_mb == 512
    assert own_function.environment["TABLE_NAME"] == "orders-test"
    response = lambda_client.invoke(FunctionName=own_function.name, Payload=b"{}")
    assert "orders-test" in response["Payload"].read().decode()


def test_updating_the_configuration_moves_provisioned_concurrency_to_the_new_version(
    lambda_client, own_function, learner, sandbox_service, full_isolation
):
    """Provisioned concurrency kept on the function itself (the concurrency page's, on
    $LATEST) follows its code and settings."""
    try:
        provisioned_put(user=learner, function=own_function, count=2)
        assert [
            env["memory_size_mb"]
            for env in provisioned_environments(sandbox_service, learner, own_function)
        ] == [256, 256]
        lambda_client.update_function_configuration(FunctionName=own_function.name, MemorySize=512)
        environments = provisioned_environments(sandbox_service, learner, own_function)
        assert [env["memory_size_mb"] for env in environments] == [512, 512]
        assert all(env["initialization_type"] == "provisioned-concurrency" for env in environments)
        config = invoke_config_for(user=learner, function=own_function)
        assert (config.provisioned_status, config.provisioned_allocated) == ("READY", 2)
    finally:
        provisioned_delete(user=learner, function=own_function)


def test_a_published_versions_provisioned_concurrency_stays_when_latest_changes(
    lambda_client, own_function, learner, sandbox_service, full_isolation
):
    """A published version is immutable: updating $LATEST leaves its environments as they are."""
    lambda_client.publish_version(FunctionName=own_function.name)
    try:
        lambda_client.put_provisioned_concurrency_config(
            FunctionName=own_function.name, Qualifier="1", ProvisionedConcurrentExecutions=2
        )
        before = provisioned_environments(sandbox_service, learner, own_function)
        assert [env["memory_size_mb"] for env in before] == [256, 256]
        lambda_client.update_function_configuration(FunctionName=own_function.name, MemorySize=512)
        after = provisioned_environments(sandbox_service, learner, own_function)
        assert sorted(env["environment_id"] for env in after) == sorted(
            env["environment_id"] for env in before
        )
        config = lambda_client.get_provisioned_concurrency_config(
            FunctionName=own_function.name, Qualifier="1"
        )
        assert (config["Status"], config["AllocatedProvisionedConcurrentExecutions"]) == (
            "READY",
            2,
        )
    finally:
        provisioned_delete(user=learner, function=own_function, qualifier="1")


def test_deleting_provisioned_concurrency_after_an_update_leaves_no_environment_provisioned(
    lambda_client, own_function, learner, sandbox_service, full_isolation
):
    provisioned_put(user=learner, function=own_function, count=1)
    lambda_client.update_function_configuration(FunctionName=own_function.name, Timeout=7)
    provisioned_delete(user=learner, function=own_function)
    assert provisioned_environments(sandbox_service, learner, own_function) == []
    assert not FunctionInvokeConfig.objects.get(user=learner).provisioned_concurrency


def test_deleting_a_versions_provisioned_concurrency_through_the_api_releases_it(
    lambda_client, own_function, learner, sandbox_service, full_isolation
):
    lambda_client.publish_version(FunctionName=own_function.name)
    lambda_client.put_provisioned_concurrency_config(
        FunctionName=own_function.name, Qualifier="1", ProvisionedConcurrentExecutions=1
    )
    lambda_client.update_function_configuration(FunctionName=own_function.name, Timeout=7)
    lambda_client.delete_provisioned_concurrency_config(
        FunctionName=own_function.name, Qualifier="1"
    )
    assert provisioned_environments(sandbox_service, learner, own_function) == []


def test_update_function_configuration_refuses_a_reserved_environment_variable(
    lambda_client, own_function
):
    with pytest.raises(lambda_client.exceptions.InvalidParameterValueException) as raised:
        lambda_client.update_function_configuration(
            FunctionName=own_function.name, Environment={"Variables": {"AWS_REGION": "x"}}
        )
    assert "reserved" in str(raised.value)


def test_a_samples_settings_are_read_only(lambda_client):
    with pytest.raises(lambda_client.exceptions.ClientError) as raised:
        lambda_client.update_function_configuration(
            FunctionName="cold-start-vs-warm", MemorySize=1024
        )
    assert raised.value.response["Error"]["Code"] == "AccessDeniedException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_reserved_concurrency_of_zero_throttles_every_synchronous_call(lambda_client):
    lambda_client.put_function_concurrency(
        FunctionName="cold-start-vs-warm", ReservedConcurrentExecutions=0
    )
    with pytest.raises(lambda_client.exceptions.TooManyRequestsException) as raised:
        lambda_client.invoke(FunctionName="cold-start-vs-warm", Payload=b"{}")
    error = raised.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert error["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    assert error["Error"]["Message"] == "Rate Exceeded."


def test_deleting_reserved_concurrency_lets_calls_through_again(lambda_client):
    lambda_client.put_function_concurrency(
        FunctionName="cold-start-vs-warm", ReservedConcurrentExecutions=0
    )
    lambda_client.delete_function_concurrency(FunctionName="cold-start-vs-warm")
    response = lambda_client.invoke(FunctionName="cold-start-vs-warm", Payload=b"{}")
    assert response["StatusCode"] == 200
    concurrency = lambda_client.get_function_concurrency(FunctionName="cold-start-vs-warm")
    assert "ReservedConcurrentExecutions" not in concurrency


def test_reserving_more_than_the_account_can_spare_is_refused(lambda_client):
    account = lambda_client.get_account_settings()["AccountLimit"]
    assert account["ConcurrentExecutions"] == 10
    lambda_client.put_function_concurrency(
        FunctionName="cold-start-vs-warm", ReservedConcurrentExecutions=5
    )
    assert (
        lambda_client.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"] == 5
    )
    with pytest.raises(lambda_client.exceptions.InvalidParameterValueException) as raised:
        lambda_client.put_function_concurrency(
            FunctionName="memory-vs-cpu", ReservedConcurrentExecutions=5
        )
    assert "UnreservedConcurrentExecution below its minimum value of [1]" in str(raised.value)


def test_event_invoke_config_round_trips_in_lambdas_shape(lambda_client):
    queue_arn = "arn:aws:sqs:us-east-1:123456789012:failed-payments"
    put = lambda_client.put_function_event_invoke_config(
        FunctionName="handled-vs-unhandled-error",
        MaximumRetryAttempts=1,
        MaximumEventAgeInSeconds=120,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}},
    )
    got = lambda_client.get_function_event_invoke_config(FunctionName="handled-vs-unhandled-error")
    for shape in (put, got):
        assert shape["MaximumRetryAttempts"] == 1
        assert shape["MaximumEventAgeInSeconds"] == 120
        assert shape["DestinationConfig"] == {
            "OnSuccess": {},
            "OnFailure": {"Destination": queue_arn},
        }
        assert shape["FunctionArn"].endswith(":function:handled-vs-unhandled-error:$LATEST")


def test_event_invoke_config_refuses_more_than_two_retries(lambda_client):
    with pytest.raises(lambda_client.exceptions.ClientError):
        lambda_client.put_function_event_invoke_config(
            FunctionName="handled-vs-unhandled-error", MaximumRetryAttempts=3
        )


def test_a_dead_letter_queue_can_be_set_on_a_sample_for_oneself(lambda_client):
    dlq = "arn:aws:sqs:us-east-1:123456789012:payments-dlq"
    updated = lambda_client.update_function_configuration(
        FunctionName="handled-vs-unhandled-error", DeadLetterConfig={"TargetArn": dlq}
    )
    assert updated["DeadLetterConfig"] == {"TargetArn": dlq}


def test_an_unsupported_destination_is_refused(lambda_client):
    with pytest.raises(lambda_client.exceptions.InvalidParameterValueException) as raised:
        lambda_client.put_function_event_invoke_config(
            FunctionName="handled-vs-unhandled-error",
            DestinationConfig={
                "OnFailure": {"Destination": "arn:aws:sns:us-east-1:123456789012:topic"}
            },
        )
    assert "simulated SQS queues" in str(raised.value)


def test_an_event_invocation_is_accepted_with_202_and_queued(lambda_client, learner):
    from studyapp.sandbox.models import AsyncEvent

    response = lambda_client.invoke(
        FunctionName="handled-vs-unhandled-error",
        InvocationType="Event",
        Payload=json.dumps({"mode": "unhandled"}),
    )
    assert response["StatusCode"] == 202
    event = AsyncEvent.objects.get(user=learner)
    assert event.request_id == response["ResponseMetadata"]["RequestId"]
    assert event.payload == {"mode": "unhandled"}
    assert event.status == AsyncEvent.Status.QUEUED
