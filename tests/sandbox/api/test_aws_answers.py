"""The Lambda API answers as AWS does: status code, error code and message text, as recorded
from real AWS for the same calls (us-east-1, account 123456789012)."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator

import pytest
from botocore.exceptions import ClientError

from studyapp.sandbox.functions import function_copy
from studyapp.sandbox.models import Function

pytestmark = pytest.mark.django_db(transaction=True)

ARN = "arn:aws:lambda:us-east-1:123456789012:function"


def aws_error(call: Callable[..., object], **params: object) -> tuple[int, str, str]:
    """Make an API call that must fail: the (HTTP status, error code, message) it answers."""
    with pytest.raises(ClientError) as raised:
        call(**params)
    response = raised.value.response
    return (
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Code"],
        response["Error"]["Message"],
    )


@pytest.fixture
def own_function(api_samples, learner):
    return function_copy(
        function=Function.objects.samples().get(name="environment-config"), user=learner
    )


@pytest.fixture
def versioned(lambda_client, own_function) -> str:
    """The learner's function with version 1 published and the alias live on it; its name."""
    name = own_function.name
    lambda_client.publish_version(FunctionName=name)
    lambda_client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    return name


@pytest.fixture
def two_versions(lambda_client, own_function) -> str:
    """The learner's function with version 1 and version 2 (its timeout changed to 7 s in
    between) published, and no alias; its name."""
    name = own_function.name
    lambda_client.publish_version(FunctionName=name)
    lambda_client.update_function_configuration(FunctionName=name, Timeout=7)
    lambda_client.publish_version(FunctionName=name)
    return name


@pytest.fixture
def provisioned_released(lambda_client, own_function, learner) -> Iterator[None]:
    """After the test, the provisioned concurrency it set on any version or alias of the
    learner's function is deleted, so the sandbox service releases those environments."""
    yield
    from studyapp.sandbox.concurrency import provisioned_delete
    from studyapp.sandbox.models import FunctionInvokeConfig

    provisioned = FunctionInvokeConfig.objects.filter(
        user=learner, function=own_function, provisioned_concurrency__gt=0
    )
    for qualifier in provisioned.values_list("qualifier", flat=True):
        provisioned_delete(user=learner, function=own_function, qualifier=qualifier)


def test_an_arn_in_another_region_is_not_reachable(lambda_client):
    assert aws_error(
        lambda_client.get_function,
        FunctionName="arn:aws:lambda:eu-central-1:123456789012:function:cold-start-vs-warm",
    ) == (
        404,
        "ResourceNotFoundException",
        "Functions from 'eu-central-1' are not reachable in this region ('us-east-1')",
    )


def test_a_function_in_another_region_is_not_invoked(lambda_client, learner):
    from studyapp.sandbox.models import Invocation

    assert aws_error(
        lambda_client.invoke,
        FunctionName="arn:aws:lambda:eu-central-1:123456789012:function:cold-start-vs-warm",
        Payload=b"{}",
    )[:2] == (404, "ResourceNotFoundException")
    assert not Invocation.objects.filter(user=learner).exists()


def test_an_arn_qualifier_that_differs_from_the_qualifier_parameter_is_refused(lambda_client):
    assert aws_error(
        lambda_client.get_function,
        FunctionName=f"{ARN}:cold-start-vs-warm:$LATEST",
        Qualifier="live",
    ) == (
        400,
        "InvalidParameterValueException",
        "The derived qualifier from the function name does not match the specified qualifier.",
    )


def test_a_missing_function_is_named_without_latest(lambda_client):
    assert aws_error(lambda_client.get_function_configuration, FunctionName="i-dont-exist") == (
        404,
        "ResourceNotFoundException",
        f"Function not found: {ARN}:i-dont-exist",
    )


def test_a_missing_version_is_named_with_its_number(lambda_client):
    assert aws_error(
        lambda_client.get_function, FunctionName="cold-start-vs-warm", Qualifier="1221"
    ) == (
        404,
        "ResourceNotFoundException",
        f"Function not found: {ARN}:cold-start-vs-warm:1221",
    )


def test_reserved_concurrency_on_a_qualified_arn_is_refused(lambda_client):
    assert aws_error(
        lambda_client.put_function_concurrency,
        FunctionName=f"{ARN}:cold-start-vs-warm:$LATEST",
        ReservedConcurrentExecutions=2,
    ) == (
        400,
        "InvalidParameterValueException",
        "This operation is permitted on Lambda functions only. Aliases and versions do not "
        "support this operation. Please specify either a function name or an unqualified "
        "function ARN.",
    )


def test_get_function_has_a_runtime_version_and_a_qualified_arn_when_asked_for_latest(
    lambda_client,
):
    function = lambda_client.get_function(FunctionName="cold-start-vs-warm", Qualifier="$LATEST")
    configuration = function["Configuration"]
    assert configuration["FunctionArn"] == f"{ARN}:cold-start-vs-warm:$LATEST"
    assert configuration["RuntimeVersionConfig"]["RuntimeVersionArn"].startswith(
        "arn:aws:lambda:us-east-1::runtime:"
    )
    unqualified = lambda_client.get_function(FunctionName="cold-start-vs-warm")
    assert unqualified["Configuration"]["FunctionArn"] == f"{ARN}:cold-start-vs-warm"
    assert unqualified["Configuration"]["State"] == "Active"
    assert unqualified["Configuration"]["LastUpdateStatus"] == "Successful"


def test_an_update_reports_in_progress_then_successful(lambda_client, own_function):
    updated = lambda_client.update_function_configuration(FunctionName=own_function.name, Timeout=9)
    assert updated["LastUpdateStatus"] == "InProgress"
    assert updated["LastUpdateStatusReasonCode"] == "Creating"
    assert updated["Timeout"] == 9
    lambda_client.get_waiter("function_updated_v2").wait(
        FunctionName=own_function.name, WaiterConfig={"Delay": 1, "MaxAttempts": 5}
    )
    after = lambda_client.get_function_configuration(FunctionName=own_function.name)
    assert after["LastUpdateStatus"] == "Successful"
    assert after["Timeout"] == 9


def test_the_log_tail_of_a_cold_start_begins_at_start(lambda_client):
    response = lambda_client.invoke(
        FunctionName="cold-start-vs-warm", Payload=b"{}", LogType="Tail"
    )
    logs = base64.b64decode(response["LogResult"]).decode()
    assert logs.startswith("START RequestId: ")
    assert "INIT_START" not in logs


# -- EventInvokeConfig --------------------------------------------------------------------------

SAMPLE = "handled-vs-unhandled-error"
QUEUE = "arn:aws:sqs:us-east-1:123456789012:failed-payments"


def test_put_event_invoke_config_answers_only_the_settings_given(lambda_client):
    put = lambda_client.put_function_event_invoke_config(
        FunctionName=SAMPLE, MaximumRetryAttempts=1
    )
    assert put["FunctionArn"] == f"{ARN}:{SAMPLE}:$LATEST"
    assert put["MaximumRetryAttempts"] == 1
    assert "MaximumEventAgeInSeconds" not in put
    assert put["DestinationConfig"] == {"OnSuccess": {}, "OnFailure": {}}


def test_put_event_invoke_config_without_any_setting_is_refused(lambda_client):
    assert aws_error(lambda_client.put_function_event_invoke_config, FunctionName=SAMPLE) == (
        400,
        "InvalidParameterValueException",
        "You must specify at least one of error handling or destination setting.",
    )


def test_put_event_invoke_config_on_a_missing_function_says_it_does_not_exist(lambda_client):
    assert aws_error(
        lambda_client.put_function_event_invoke_config,
        FunctionName="doesnotexist",
        MaximumRetryAttempts=1,
    ) == (404, "ResourceNotFoundException", "The function doesn't exist.")


def test_get_event_invoke_config_of_a_function_without_one(lambda_client):
    assert aws_error(lambda_client.get_function_event_invoke_config, FunctionName=SAMPLE) == (
        404,
        "ResourceNotFoundException",
        f"The function {ARN}:{SAMPLE}:$LATEST doesn't have an EventInvokeConfig",
    )


def test_get_event_invoke_config_of_a_missing_function(lambda_client):
    assert aws_error(
        lambda_client.get_function_event_invoke_config, FunctionName="doesnotexist"
    ) == (
        404,
        "ResourceNotFoundException",
        f"The function {ARN}:doesnotexist:$LATEST doesn't have an EventInvokeConfig",
    )


def test_update_event_invoke_config_changes_only_what_it_names(lambda_client):
    lambda_client.put_function_event_invoke_config(FunctionName=SAMPLE, MaximumEventAgeInSeconds=60)
    updated = lambda_client.update_function_event_invoke_config(
        FunctionName=SAMPLE, MaximumRetryAttempts=0
    )
    assert updated["MaximumEventAgeInSeconds"] == 60
    assert updated["MaximumRetryAttempts"] == 0
    got = lambda_client.get_function_event_invoke_config(FunctionName=SAMPLE)
    assert (got["MaximumEventAgeInSeconds"], got["MaximumRetryAttempts"]) == (60, 0)


def test_update_event_invoke_config_with_none_to_update(lambda_client):
    assert aws_error(
        lambda_client.update_function_event_invoke_config,
        FunctionName=SAMPLE,
        MaximumRetryAttempts=0,
    ) == (
        404,
        "ResourceNotFoundException",
        f"The function {ARN}:{SAMPLE}:$LATEST doesn't have an EventInvokeConfig",
    )


def test_list_event_invoke_configs_lists_the_functions_configuration(lambda_client):
    assert (
        lambda_client.list_function_event_invoke_configs(FunctionName=SAMPLE)[
            "FunctionEventInvokeConfigs"
        ]
        == []
    )
    lambda_client.put_function_event_invoke_config(
        FunctionName=SAMPLE, DestinationConfig={"OnFailure": {"Destination": QUEUE}}
    )
    configs = lambda_client.list_function_event_invoke_configs(FunctionName=SAMPLE)
    assert [c["DestinationConfig"] for c in configs["FunctionEventInvokeConfigs"]] == [
        {"OnSuccess": {}, "OnFailure": {"Destination": QUEUE}}
    ]


def test_list_event_invoke_configs_of_a_missing_function(lambda_client):
    assert aws_error(
        lambda_client.list_function_event_invoke_configs, FunctionName="doesnotexist"
    ) == (404, "ResourceNotFoundException", "The function doesn't exist.")


def test_delete_event_invoke_config_when_there_is_none(lambda_client):
    assert aws_error(lambda_client.delete_function_event_invoke_config, FunctionName=SAMPLE) == (
        404,
        "ResourceNotFoundException",
        f"The function {ARN}:{SAMPLE}:$LATEST doesn't have an EventInvokeConfig",
    )


def test_delete_event_invoke_config_removes_it(lambda_client):
    lambda_client.put_function_event_invoke_config(FunctionName=SAMPLE, MaximumRetryAttempts=2)
    lambda_client.delete_function_event_invoke_config(FunctionName=SAMPLE)
    with pytest.raises(lambda_client.exceptions.ResourceNotFoundException):
        lambda_client.get_function_event_invoke_config(FunctionName=SAMPLE)


# -- provisioned concurrency ----------------------------------------------------------------------


def test_provisioned_concurrency_on_latest_is_refused(lambda_client, own_function):
    assert aws_error(
        lambda_client.put_provisioned_concurrency_config,
        FunctionName=own_function.name,
        Qualifier="$LATEST",
        ProvisionedConcurrentExecutions=1,
    ) == (
        400,
        "InvalidParameterValueException",
        "Provisioned Concurrency Configs cannot be applied to unpublished function versions.",
    )


def test_provisioned_concurrency_on_a_missing_version_is_not_found(lambda_client, own_function):
    assert aws_error(
        lambda_client.put_provisioned_concurrency_config,
        FunctionName=own_function.name,
        Qualifier="42",
        ProvisionedConcurrentExecutions=1,
    ) == (
        404,
        "ResourceNotFoundException",
        f"Function not found: {ARN}:{own_function.name}:42",
    )


def test_provisioned_concurrency_is_in_progress_before_it_is_ready(
    lambda_client, versioned, provisioned_released, full_isolation
):
    put = lambda_client.put_provisioned_concurrency_config(
        FunctionName=versioned, Qualifier="live", ProvisionedConcurrentExecutions=1
    )
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert put["Status"] == "IN_PROGRESS"
    assert put["RequestedProvisionedConcurrentExecutions"] == 1
    assert put["AllocatedProvisionedConcurrentExecutions"] == 0
    got = lambda_client.get_provisioned_concurrency_config(FunctionName=versioned, Qualifier="live")
    assert (got["Status"], got["AllocatedProvisionedConcurrentExecutions"]) == ("READY", 1)


def test_provisioned_concurrency_on_an_alias_that_does_not_exist_is_not_found(
    lambda_client, own_function
):
    assert aws_error(
        lambda_client.put_provisioned_concurrency_config,
        FunctionName=own_function.name,
        Qualifier="nope",
        ProvisionedConcurrentExecutions=1,
    ) == (
        404,
        "ResourceNotFoundException",
        f"Function not found: {ARN}:{own_function.name}:nope",
    )


def test_provisioned_concurrency_on_an_alias_of_latest_is_refused(lambda_client, own_function):
    lambda_client.create_alias(
        FunctionName=own_function.name, Name="dev", FunctionVersion="$LATEST"
    )
    assert aws_error(
        lambda_client.put_provisioned_concurrency_config,
        FunctionName=own_function.name,
        Qualifier="dev",
        ProvisionedConcurrentExecutions=1,
    ) == (
        400,
        "InvalidParameterValueException",
        "Provisioned Concurrency Configs cannot be applied to unpublished function versions.",
    )


def test_provisioned_concurrency_is_kept_per_version_and_alias(
    lambda_client, two_versions, provisioned_released, full_isolation
):
    name = two_versions
    lambda_client.create_alias(FunctionName=name, Name="live", FunctionVersion="2")
    lambda_client.put_provisioned_concurrency_config(
        FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=1
    )
    lambda_client.put_provisioned_concurrency_config(
        FunctionName=name, Qualifier="live", ProvisionedConcurrentExecutions=2
    )
    one = lambda_client.get_provisioned_concurrency_config(FunctionName=name, Qualifier="1")
    live = lambda_client.get_provisioned_concurrency_config(FunctionName=name, Qualifier="live")
    assert (one["Status"], one["AllocatedProvisionedConcurrentExecutions"]) == ("READY", 1)
    assert (live["Status"], live["AllocatedProvisionedConcurrentExecutions"]) == ("READY", 2)
    assert aws_error(
        lambda_client.get_provisioned_concurrency_config, FunctionName=name, Qualifier="2"
    ) == (
        404,
        "ProvisionedConcurrencyConfigNotFoundException",
        "No Provisioned Concurrency Config found for this function",
    )
    # The alias's provisioned environments serve it warm: its version's, not version 1's.
    warm = lambda_client.invoke(FunctionName=name, Qualifier="live", LogType="Tail")
    assert warm["ExecutedVersion"] == "2"
    assert "Init Duration" not in base64.b64decode(warm["LogResult"]).decode()
    lambda_client.delete_provisioned_concurrency_config(FunctionName=name, Qualifier="1")
    with pytest.raises(lambda_client.exceptions.ProvisionedConcurrencyConfigNotFoundException):
        lambda_client.get_provisioned_concurrency_config(FunctionName=name, Qualifier="1")
    again = lambda_client.get_provisioned_concurrency_config(FunctionName=name, Qualifier="live")
    assert again["RequestedProvisionedConcurrentExecutions"] == 2


def test_provisioned_concurrency_of_all_versions_stays_within_the_reservation(
    lambda_client, versioned, provisioned_released, full_isolation
):
    name = versioned
    lambda_client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=2)
    lambda_client.put_provisioned_concurrency_config(
        FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=1
    )
    assert aws_error(
        lambda_client.put_provisioned_concurrency_config,
        FunctionName=name,
        Qualifier="live",
        ProvisionedConcurrentExecutions=2,
    ) == (
        400,
        "InvalidParameterValueException",
        "Requested Provisioned Concurrency (3) should not be greater than the "
        "reservedConcurrentExecution for function (2).",
    )


# -- EventInvokeConfig by version and alias -------------------------------------------------------


def test_event_invoke_config_is_kept_per_qualifier(lambda_client, versioned):
    name = versioned
    lambda_client.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=2)
    lambda_client.put_function_event_invoke_config(
        FunctionName=name, Qualifier="1", MaximumRetryAttempts=1
    )
    put = lambda_client.put_function_event_invoke_config(
        FunctionName=name, Qualifier="live", MaximumRetryAttempts=0
    )
    assert put["FunctionArn"] == f"{ARN}:{name}:live"
    got = {
        qualifier: lambda_client.get_function_event_invoke_config(
            FunctionName=name, **({"Qualifier": qualifier} if qualifier else {})
        )
        for qualifier in ("", "$LATEST", "1", "live")
    }
    assert {q: (g["FunctionArn"], g["MaximumRetryAttempts"]) for q, g in got.items()} == {
        "": (f"{ARN}:{name}:$LATEST", 2),
        "$LATEST": (f"{ARN}:{name}:$LATEST", 2),
        "1": (f"{ARN}:{name}:1", 1),
        "live": (f"{ARN}:{name}:live", 0),
    }
    listed = lambda_client.list_function_event_invoke_configs(FunctionName=name)
    assert sorted(c["FunctionArn"] for c in listed["FunctionEventInvokeConfigs"]) == [
        f"{ARN}:{name}:$LATEST",
        f"{ARN}:{name}:1",
        f"{ARN}:{name}:live",
    ]
    updated = lambda_client.update_function_event_invoke_config(
        FunctionName=f"{ARN}:{name}:live", MaximumEventAgeInSeconds=120
    )
    assert (updated["MaximumRetryAttempts"], updated["MaximumEventAgeInSeconds"]) == (0, 120)
    lambda_client.delete_function_event_invoke_config(FunctionName=name, Qualifier="1")
    assert aws_error(
        lambda_client.get_function_event_invoke_config, FunctionName=name, Qualifier="1"
    ) == (
        404,
        "ResourceNotFoundException",
        f"The function {ARN}:{name}:1 doesn't have an EventInvokeConfig",
    )
    still = lambda_client.get_function_event_invoke_config(FunctionName=name)
    assert still["MaximumRetryAttempts"] == 2


def test_update_event_invoke_config_of_an_alias_without_one(lambda_client, versioned):
    lambda_client.put_function_event_invoke_config(FunctionName=versioned, MaximumRetryAttempts=1)
    assert aws_error(
        lambda_client.update_function_event_invoke_config,
        FunctionName=versioned,
        Qualifier="live",
        MaximumRetryAttempts=0,
    ) == (
        404,
        "ResourceNotFoundException",
        f"The function {ARN}:{versioned}:live doesn't have an EventInvokeConfig",
    )


def test_event_invoke_config_of_an_alias_that_does_not_exist(lambda_client, versioned):
    assert aws_error(
        lambda_client.get_function_event_invoke_config, FunctionName=versioned, Qualifier="nope"
    ) == (
        404,
        "ResourceNotFoundException",
        f"The function {ARN}:{versioned}:nope doesn't have an EventInvokeConfig",
    )
    assert aws_error(
        lambda_client.put_function_event_invoke_config,
        FunctionName=versioned,
        Qualifier="nope",
        MaximumRetryAttempts=0,
    ) == (404, "ResourceNotFoundException", "The function doesn't exist.")


def test_a_version_and_an_alias_of_it_share_its_provisioned_environments_until_the_alias_moves(
    lambda_client, own_function, two_versions, learner, sandbox_service, full_isolation
):
    from studyapp.sandbox.concurrency import provisioned_delete
    from tests.sandbox.service import provisioned_environments

    name = two_versions
    lambda_client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    try:
        for qualifier in ("1", "live"):
            lambda_client.put_provisioned_concurrency_config(
                FunctionName=name, Qualifier=qualifier, ProvisionedConcurrentExecutions=1
            )
        # Version 1 is asked for once by itself and once through the alias: two environments.
        assert len(provisioned_environments(sandbox_service, learner, own_function)) == 2
        lambda_client.update_alias(FunctionName=name, Name="live", FunctionVersion="2")
        assert len(provisioned_environments(sandbox_service, learner, own_function)) == 2
        moved = lambda_client.invoke(FunctionName=name, Qualifier="live", LogType="Tail")
        assert moved["ExecutedVersion"] == "2"
        assert "Init Duration" not in base64.b64decode(moved["LogResult"]).decode()
        kept = lambda_client.invoke(FunctionName=name, Qualifier="1", LogType="Tail")
        assert "Init Duration" not in base64.b64decode(kept["LogResult"]).decode()
    finally:
        for qualifier in ("1", "live"):
            provisioned_delete(user=learner, function=own_function, qualifier=qualifier)
    assert provisioned_environments(sandbox_service, learner, own_function) == []


def test_deleting_an_alias_deletes_its_settings_and_releases_its_environments(
    lambda_client, own_function, versioned, learner, sandbox_service, full_isolation
):
    from tests.sandbox.service import provisioned_environments

    name = versioned
    lambda_client.put_function_event_invoke_config(
        FunctionName=name, Qualifier="live", MaximumRetryAttempts=0
    )
    lambda_client.put_provisioned_concurrency_config(
        FunctionName=name, Qualifier="live", ProvisionedConcurrentExecutions=1
    )
    assert len(provisioned_environments(sandbox_service, learner, own_function)) == 1
    lambda_client.delete_alias(FunctionName=name, Name="live")
    assert provisioned_environments(sandbox_service, learner, own_function) == []
    lambda_client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    assert aws_error(
        lambda_client.get_function_event_invoke_config, FunctionName=name, Qualifier="live"
    )[1:] == (
        "ResourceNotFoundException",
        f"The function {ARN}:{name}:live doesn't have an EventInvokeConfig",
    )
    with pytest.raises(lambda_client.exceptions.ProvisionedConcurrencyConfigNotFoundException):
        lambda_client.get_provisioned_concurrency_config(FunctionName=name, Qualifier="live")
