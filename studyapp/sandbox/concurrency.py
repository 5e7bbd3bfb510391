"""Concurrency as Lambda counts it, and the one way the API runs a function in the sandbox.

Every invocation that comes through the Lambda-compatible API (synchronous, asynchronous, or an
SQS batch) holds a ``ConcurrencyLease`` row while it runs. The rows are counted in the database,
so web workers and task workers on any machine see the same numbers:

- reserved concurrency is a cap AND a guarantee: a function with ``reserved_concurrency = N``
  runs at most N at once, and the other functions of the account share only what is left
  (``unreserved pool = account limit - sum of reservations``); ``0`` throttles every call;
- the account limit (``LambdaAccount.concurrency_limit``) caps everything else;
- provisioned concurrency (environments initialised ahead) needs the sandbox service to start
  environments without an invocation: ``provisioned_apply`` asks it (``POST /provision``) and
  records what it could do, in Lambda's shape (``READY`` or ``FAILED`` with a reason). When
  the function's code or settings change, ``provisioned_refresh`` provisions the new version
  (the sandbox releases the old version's environments); a deleted function's is released.

A lease lives at most the function's timeout plus a margin, so a worker that dies while it holds
one stops counting against the limits soon after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings as django_settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from studyapp.core.errors import Invalid
from studyapp.engine import client
from studyapp.engine.shapes import FunctionSpec, InvokeResult
from studyapp.sandbox.function_settings import FunctionSettings
from studyapp.sandbox.models import (
    ConcurrencyLease,
    Function,
    FunctionInvokeConfig,
    Invocation,
    LambdaAccount,
)
from studyapp.sandbox.runs import config_snapshot, function_spec, sandbox_error_message

LEASE_MARGIN_S = 30
RESERVED_LIMIT_REASON = "ReservedFunctionConcurrentInvocationLimitExceeded"
ACCOUNT_LIMIT_REASON = "ConcurrentInvocationLimitExceeded"


class ConcurrencyError(Invalid, ValueError):
    """A concurrency setting Lambda would refuse (InvalidParameterValueException)."""


@dataclass(frozen=True)
class Throttled:
    """Why an invocation could not start: Lambda's TooManyRequestsException Reason."""

    reason: str
    message: str = "Rate Exceeded."


def account_for(user) -> LambdaAccount:
    account, _ = LambdaAccount.objects.get_or_create(user=user)
    return account


def account_update(*, user, concurrency_limit: int, time_factor: float) -> LambdaAccount:
    if not 1 <= concurrency_limit <= 100:
        raise ConcurrencyError("The account limit must be between 1 and 100.")
    if not 0 < time_factor <= 1:
        raise ConcurrencyError("The time factor must be above 0 and at most 1 (real time).")
    account = account_for(user)
    reserved = reserved_total(user=user)
    if reserved > concurrency_limit - unreserved_minimum(concurrency_limit):
        raise ConcurrencyError(
            f"Your functions reserve {reserved} in total; raise the limit above that first."
        )
    account.concurrency_limit = concurrency_limit
    account.time_factor = time_factor
    account.save()
    return account


def unreserved_minimum(limit: int) -> int:
    """What reservations must leave to the other functions (AWS: 100 of the default 1,000)."""
    return max(1, limit // 10)


def invoke_config_for(*, user, function: Function) -> FunctionInvokeConfig:
    """The learner's settings for the function (unsaved defaults when there are none yet)."""
    config = FunctionInvokeConfig.objects.filter(user=user, function=function).first()
    return config or FunctionInvokeConfig(user=user, function=function)


def reserved_total(*, user, exclude: Function | None = None) -> int:
    rows = FunctionInvokeConfig.objects.filter(user=user, reserved_concurrency__isnull=False)
    if exclude is not None:
        rows = rows.exclude(function=exclude)
    return rows.aggregate(total=Sum("reserved_concurrency"))["total"] or 0


def reserved_concurrency_put(*, user, function: Function, reserved: int) -> FunctionInvokeConfig:
    limit = account_for(user).concurrency_limit
    others = reserved_total(user=user, exclude=function)
    minimum = unreserved_minimum(limit)
    if reserved < 0 or others + reserved > limit - minimum:
        raise ConcurrencyError(
            "Specified ReservedConcurrentExecutions for function decreases account's "
            f"UnreservedConcurrentExecution below its minimum value of [{minimum}]."
        )
    config = invoke_config_for(user=user, function=function)
    if config.provisioned_concurrency > reserved:
        raise ConcurrencyError(
            "Specified ReservedConcurrentExecutions is below the function's provisioned "
            f"concurrency ({config.provisioned_concurrency})."
        )
    config.reserved_concurrency = reserved
    config.save()
    return config


def reserved_concurrency_delete(*, user, function: Function) -> None:
    FunctionInvokeConfig.objects.filter(user=user, function=function).update(
        reserved_concurrency=None
    )


def unreserved_available(*, user) -> int:
    return account_for(user).concurrency_limit - reserved_total(user=user)


# -- leases -----------------------------------------------------------------------------------


def concurrency_acquire(
    *, user, function: Function, now: datetime | None = None
) -> ConcurrencyLease | Throttled:
    """Take a slot for one invocation, or say why Lambda would throttle it."""
    now = now or timezone.now()
    config = invoke_config_for(user=user, function=function)
    with transaction.atomic():
        # One writer per account at a time, so two calls cannot both take the last slot.
        account = LambdaAccount.objects.select_for_update().get(pk=account_for(user).pk)
        live = ConcurrencyLease.objects.filter(user=user, expires_at__gt=now)
        reserved = config.reserved_concurrency
        if reserved is not None:
            if live.filter(function=function).count() >= reserved:
                return Throttled(RESERVED_LIMIT_REASON)
        else:
            reserved_functions = FunctionInvokeConfig.objects.filter(
                user=user, reserved_concurrency__isnull=False
            ).values("function")
            unreserved = account.concurrency_limit - reserved_total(user=user)
            if live.exclude(function__in=reserved_functions).count() >= unreserved:
                return Throttled(ACCOUNT_LIMIT_REASON)
        return ConcurrencyLease.objects.create(
            user=user,
            function=function,
            acquired_at=now,
            expires_at=now + timedelta(seconds=function.timeout_s + LEASE_MARGIN_S),
        )


def concurrency_release(lease: ConcurrencyLease) -> None:
    ConcurrencyLease.objects.filter(pk=lease.pk).delete()


def concurrency_in_use(*, user, function: Function | None = None, now: datetime | None = None):
    live = ConcurrencyLease.objects.filter(user=user, expires_at__gt=now or timezone.now())
    return live.filter(function=function).count() if function else live.count()


# -- running ----------------------------------------------------------------------------------


def engine_spec(*, user, function: Function) -> FunctionSpec:
    """The sandbox service's FunctionConfig for this learner's view of the function."""
    spec = function_spec(function, user, FunctionSettings.of(function))
    spec["reserved_concurrency"] = invoke_config_for(
        user=user, function=function
    ).reserved_concurrency
    return spec


def throttled_result(throttle: Throttled) -> InvokeResult:
    """A throttle in the shape of the engine's result object (no environment was used)."""
    return {
        "request_id": "",
        "status": "throttled",
        "payload": {
            "errorType": "TooManyRequestsException",
            "errorMessage": throttle.message,
            "Reason": throttle.reason,
        },
        "function_error": None,
        "error_type": "TooManyRequestsException",
        "logs": "",
        "cold_start": False,
        "duration_ms": 0.0,
        "billed_duration_ms": 0,
        "init_duration_ms": None,
    }


def function_run(
    *,
    user,
    function: Function,
    event: Any,
    client_context: dict[str, Any] | None = None,
    source: str = "api",
) -> dict[str, Any]:
    """Run one invocation under the learner's concurrency settings; the engine's result object.

    Raises ``client.SandboxServiceError`` when the service is down or refuses the request. The
    invocation is recorded in the learner's history (``Invocation``) like a run from the page.
    """
    spec = engine_spec(user=user, function=function)
    started = timezone.now()
    lease = concurrency_acquire(user=user, function=function, now=started)
    if isinstance(lease, Throttled):
        result = throttled_result(lease)
    else:
        try:
            result = client.invoke(
                spec,
                event,
                client_context=client_context,
                require_full_isolation=not function.is_sample,
                base_url=django_settings.SANDBOX_URL,
                secret=django_settings.SANDBOX_SECRET,
            )
        finally:
            concurrency_release(lease)
    status = result.get("status")
    Invocation.objects.create(
        function=function,
        user=user,
        status=status if status in Invocation.Status.values else Invocation.Status.ERROR,
        request_id=str(result.get("request_id") or "")[:64],
        event=event,
        config={**config_snapshot(function, spec), "source": source},
        result=result,
        created_at=started,
        started_at=started,
        finished_at=timezone.now(),
    )
    return result


# -- provisioned concurrency ------------------------------------------------------------------

NO_PROVISIONING = (
    "The sandbox service cannot initialise execution environments ahead of an invocation "
    "(it has no POST /provision), so no environment is provisioned: every invocation is "
    "served on demand."
)


def provisioned_put(*, user, function: Function, count: int) -> FunctionInvokeConfig:
    """Record the requested provisioned concurrency and ask the sandbox to initialise it."""
    if count < 1:
        raise ConcurrencyError("ProvisionedConcurrentExecutions must be at least 1.")
    config = invoke_config_for(user=user, function=function)
    if config.reserved_concurrency is not None and count > config.reserved_concurrency:
        raise ConcurrencyError(
            f"Requested Provisioned Concurrency ({count}) should not be greater than the "
            f"reservedConcurrentExecution for function ({config.reserved_concurrency})."
        )
    if config.reserved_concurrency is None and count > unreserved_available(user=user) - (
        unreserved_minimum(account_for(user).concurrency_limit)
    ):
        raise ConcurrencyError(
            "Requested Provisioned Concurrency exceeds the account's unreserved concurrency."
        )
    config.provisioned_concurrency = count
    config.provisioned_allocated = 0
    config.provisioned_status = FunctionInvokeConfig.ProvisionedStatus.IN_PROGRESS
    config.provisioned_status_reason = ""
    config.provisioned_modified_at = timezone.now()
    config.save()
    return provisioned_apply(config=config)


def provisioned_delete(*, user, function: Function) -> None:
    config = invoke_config_for(user=user, function=function)
    if config.pk is None:
        return
    config.provisioned_concurrency = 0
    config.provisioned_allocated = 0
    config.provisioned_status = ""
    config.provisioned_status_reason = ""
    config.save()
    provisioned_apply(config=config)


def provisioned_apply(*, config: FunctionInvokeConfig) -> FunctionInvokeConfig:
    """Ask the service to keep ``provisioned_concurrency`` environments initialised."""
    spec = engine_spec(user=config.user, function=config.function)
    try:
        answer = client.provision(
            spec,
            config.provisioned_concurrency,
            require_full_isolation=not config.function.is_sample,
            base_url=django_settings.SANDBOX_URL,
            secret=django_settings.SANDBOX_SECRET,
        )
    except client.SandboxServiceError as error:
        if config.provisioned_concurrency:
            config.provisioned_status = FunctionInvokeConfig.ProvisionedStatus.FAILED
            config.provisioned_status_reason = (
                NO_PROVISIONING
                if getattr(error, "status", None) == 404
                else sandbox_error_message(error)
            )
            config.save()
        return config
    if config.provisioned_concurrency:
        ready = int(answer.get("provisioned", 0))
        config.provisioned_allocated = ready
        config.provisioned_status = (
            FunctionInvokeConfig.ProvisionedStatus.READY
            if ready >= config.provisioned_concurrency
            else FunctionInvokeConfig.ProvisionedStatus.FAILED
        )
        config.provisioned_status_reason = answer.get("error", "")
        config.save()
    return config


def provisioned_refresh(*, function: Function) -> list[FunctionInvokeConfig]:
    """After the function's code or settings changed: provision its new version for every
    learner who keeps provisioned concurrency on it (the sandbox releases the old version's
    environments as it does). A deleted (archived) function's provisioned concurrency is
    deleted with it, as on Lambda. Returns the configurations provisioned again."""
    configs = FunctionInvokeConfig.objects.filter(
        function=function, provisioned_concurrency__gt=0
    ).select_related("user", "function")
    refreshed = []
    for config in configs:
        if config.function.archived_at is not None:
            provisioned_delete(user=config.user, function=config.function)
            continue
        config.provisioned_status = FunctionInvokeConfig.ProvisionedStatus.IN_PROGRESS
        config.provisioned_status_reason = ""
        config.provisioned_modified_at = timezone.now()
        config.save()
        refreshed.append(provisioned_apply(config=config))
    return refreshed
