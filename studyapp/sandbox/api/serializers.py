"""Lambda's response shapes (FunctionConfiguration and friends) for the sandbox's functions."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime
from typing import Any

from studyapp.engine.account import function_arn, layer_arn, role_arn, runtime_arn
from studyapp.sandbox.models import PYTHON_RUNTIME, Function, FunctionAlias, FunctionInvokeConfig


def lambda_timestamp(moment: datetime) -> str:
    """Lambda's LastModified text, e.g. ``2025-11-27T18:31:00.000+0000``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def code_sha256(function: Function) -> str:
    digest = hashlib.sha256(json.dumps(function.code, sort_keys=True).encode()).digest()
    return base64.b64encode(digest).decode()


def runtime_version_arn(runtime: str = PYTHON_RUNTIME) -> str:
    """A RuntimeVersionArn as Lambda writes it: no account, a 64-hex-digit version id."""
    version = hashlib.sha256(f"{runtime}:sandbox".encode()).hexdigest()
    return runtime_arn(version)


def function_configuration(
    function: Function,
    *,
    invoke_config: FunctionInvokeConfig | None = None,
    qualifier: str | None = None,
    listing: bool = False,
    updating: bool = False,
    creating: bool = False,
    version: str = "$LATEST",
) -> dict[str, Any]:
    """The FunctionConfiguration shape (GetFunctionConfiguration, ListFunctions, updates).

    As on AWS: the ARN carries the qualifier the caller named; ListFunctions items have no
    State or LastUpdateStatus; an update's own answer says InProgress (the next read, once
    the change is in place, says Successful).
    """
    arn = function_arn(function.name, qualifier=qualifier)
    code_size = sum(len(text.encode()) for text in function.code.values())
    configuration: dict[str, Any] = {
        "FunctionName": function.name,
        "FunctionArn": arn,
        "Runtime": function.runtime,
        "Role": role_arn(function.name),
        "Handler": function.handler,
        "CodeSize": code_size,
        "Description": function.summary[:256],
        "Timeout": function.timeout_s,
        "MemorySize": function.memory_mb,
        "LastModified": lambda_timestamp(function.updated_at),
        "CodeSha256": code_sha256(function),
        "Version": version,
        "TracingConfig": {"Mode": "PassThrough"},
        "RevisionId": hashlib.sha256(
            f"{function.pk}:{function.updated_at.isoformat()}".encode()
        ).hexdigest()[:36],
        "PackageType": "Zip",
        "Architectures": ["x86_64"],
        "EphemeralStorage": {"Size": function.ephemeral_storage_mb},
        "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
        "LoggingConfig": {
            "LogFormat": function.log_format,
            "LogGroup": f"/aws/lambda/{function.name}",
        },
    }
    if not listing:
        configuration["State"] = "Active"
        configuration["LastUpdateStatus"] = "Successful"
        configuration["RuntimeVersionConfig"] = {
            "RuntimeVersionArn": runtime_version_arn(function.runtime)
        }
    if creating:
        del configuration["LastUpdateStatus"]
        configuration["State"] = "Pending"
        configuration["StateReason"] = "The function is being created."
        configuration["StateReasonCode"] = "Creating"
    if updating:
        configuration["LastUpdateStatus"] = "InProgress"
        configuration["LastUpdateStatusReason"] = "The function is being created."
        configuration["LastUpdateStatusReasonCode"] = "Creating"
    if function.environment:
        configuration["Environment"] = {"Variables": dict(function.environment)}
    if invoke_config is not None and invoke_config.dead_letter:
        configuration["DeadLetterConfig"] = {"TargetArn": invoke_config.dead_letter}
    if function.layers:
        configuration["Layers"] = [
            {
                "Arn": layer_arn(name, 1),
                "CodeSize": 0,
            }
            for name in function.layers
        ]
    return configuration


def event_invoke_config(function: Function, config: FunctionInvokeConfig) -> dict[str, Any]:
    """The FunctionEventInvokeConfig shape as AWS answers it: LastModified in epoch seconds,
    both destinations always present (``{}`` when unset), and of the two error-handling
    settings only those the learner gave."""
    shape: dict[str, Any] = {
        "LastModified": config.event_config_modified_at.timestamp()
        if config.event_config_modified_at
        else 0,
        "FunctionArn": function_arn(function.name, qualifier=config.qualifier or "$LATEST"),
    }
    if config.max_retry_attempts_given:
        shape["MaximumRetryAttempts"] = config.max_retry_attempts
    if config.max_event_age_given:
        shape["MaximumEventAgeInSeconds"] = config.max_event_age_s
    shape["DestinationConfig"] = {
        "OnSuccess": {"Destination": config.on_success} if config.on_success else {},
        "OnFailure": {"Destination": config.on_failure} if config.on_failure else {},
    }
    return shape


def provisioned_config(config: FunctionInvokeConfig) -> dict[str, Any]:
    shape: dict[str, Any] = {
        "RequestedProvisionedConcurrentExecutions": config.provisioned_concurrency,
        "AvailableProvisionedConcurrentExecutions": config.provisioned_allocated,
        "AllocatedProvisionedConcurrentExecutions": config.provisioned_allocated,
        "Status": config.provisioned_status or "IN_PROGRESS",
        "LastModified": lambda_timestamp(config.provisioned_modified_at)
        if config.provisioned_modified_at
        else "",
    }
    if config.provisioned_status_reason:
        shape["StatusReason"] = config.provisioned_status_reason
    return shape


def alias_configuration(alias: FunctionAlias) -> dict[str, Any]:
    """The AliasConfiguration shape."""
    shape: dict[str, Any] = {
        "AliasArn": function_arn(alias.function.name, qualifier=alias.name),
        "Name": alias.name,
        "FunctionVersion": alias.function_version,
        "Description": alias.description,
        "RevisionId": hashlib.sha256(
            f"alias:{alias.pk}:{alias.updated_at.isoformat()}".encode()
        ).hexdigest()[:36],
    }
    if alias.additional_weights:
        shape["RoutingConfig"] = {"AdditionalVersionWeights": dict(alias.additional_weights)}
    return shape
