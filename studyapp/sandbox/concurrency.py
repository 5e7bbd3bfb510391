"""Concurrency as Lambda counts it: the leases every invocation holds (see invoking.py).

Every invocation, whoever asks for it (the page's Run, the Lambda-compatible API synchronous or
asynchronous, an SQS batch), holds a ``ConcurrencyLease`` row while it runs. The rows are
counted in the database, so web workers and task workers on any machine see the same numbers:

- reserved concurrency is a cap AND a guarantee: a function with ``reserved_concurrency = N``
  runs at most N at once, and the other functions of the account share only what is left
  (``unreserved pool = account limit - sum of reservations``); ``0`` throttles every call;
- the account limit (``LambdaAccount.concurrency_limit``) caps everything else;
- an account that is not verified for the sandbox (``accounts.sandbox_access``) has no
  capacity: every invocation it asks for is throttled, with a message that says how to get
  access (the pages and the API refuse its runs before they get here);
- the sandbox's own fairness rule: a learner holds at most ``SANDBOX_MAX_RUNNING_PER_LEARNER``
  leases at once, whatever asked for them (throttled as the account limit is, with a message
  that says so);
- provisioned concurrency (environments initialised ahead) needs the sandbox service to start
  environments without an invocation. The request is recorded ``IN_PROGRESS``; the task worker
  asks the service (``provisioned_keep``: ``POST /provision``) and records what it could do, in
  Lambda's shape (``READY`` or ``FAILED`` with a reason), as every call to the service is made
  by the worker, never by the web process. When the function's code or settings change,
  ``provisioned_refresh`` provisions the new version (the sandbox releases the old version's
  environments); a deleted function's, version's or alias's is released.

A lease lives at most the function's timeout plus a margin, so a worker that dies while it holds
one stops counting against the limits soon after.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings as django_settings
from django.db import OperationalError, transaction
from django.db.models import Count, Sum
from django.tasks import Task, TaskResult, task
from django.utils import timezone

from studyapp.accounts.sandbox_access import NO_SANDBOX_ACCESS, sandbox_access_allowed
from studyapp.core.errors import Invalid
from studyapp.core.tasks import domain_errors_logged
from studyapp.engine import client
from studyapp.engine.shapes import FunctionSpec, InvokeResult
from studyapp.sandbox import versions
from studyapp.sandbox.function_settings import FunctionSettings
from studyapp.sandbox.messages import logger, sandbox_error_message
from studyapp.sandbox.models import (
    ConcurrencyLease,
    Function,
    FunctionInvokeConfig,
    LambdaAccount,
)
from studyapp.sandbox.runs import RunRefused, function_spec

LEASE_MARGIN_S = 30
RESERVED_LIMIT_REASON = "ReservedFunctionConcurrentInvocationLimitExceeded"
ACCOUNT_LIMIT_REASON = "ConcurrentInvocationLimitExceeded"


class ConcurrencyError(Invalid, ValueError):
    """A concurrency setting Lambda would refuse (InvalidParameterValueException)."""


@dataclass(frozen=True)
class Throttled:
    """Why an invocation could not start: Lambda's TooManyRequestsException Reason, and the
    learner's words for it (``explanation``)."""

    reason: str
    explanation: str = field(default="", compare=False)
    message: str = "Rate Exceeded."


def account_for(user) -> LambdaAccount:
    account, _ = LambdaAccount.objects.get_or_create(user=user)
    return account


def _account_locked(user) -> LambdaAccount:
    """The user's account, its row locked until the transaction ends (made first if missing)."""
    try:
        return LambdaAccount.objects.select_for_update().get(user=user)
    except LambdaAccount.DoesNotExist:
        return LambdaAccount.objects.select_for_update().get(pk=account_for(user).pk)


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


def invoke_config_for(*, user, function: Function, qualifier: str = "") -> FunctionInvokeConfig:
    """The learner's settings for the function, or for one of its versions or aliases
    (``qualifier``; ``$LATEST`` is the function's own); unsaved defaults when there are none."""
    qualifier = "" if qualifier == versions.LATEST else qualifier
    config = FunctionInvokeConfig.objects.filter(
        user=user, function=function, qualifier=qualifier
    ).first()
    return config or FunctionInvokeConfig(user=user, function=function, qualifier=qualifier)


def provisioned_total(*, user, function: Function, exclude: str | None = None) -> int:
    """The provisioned concurrency the learner keeps on the function, its versions and aliases
    (all but the qualifier ``exclude``)."""
    rows = FunctionInvokeConfig.objects.filter(user=user, function=function)
    if exclude is not None:
        rows = rows.exclude(qualifier=exclude)
    return rows.aggregate(total=Sum("provisioned_concurrency"))["total"] or 0


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
    provisioned = provisioned_total(user=user, function=function)
    if provisioned > reserved:
        raise ConcurrencyError(
            "Specified ReservedConcurrentExecutions is below the function's provisioned "
            f"concurrency ({provisioned})."
        )
    config.reserved_concurrency = reserved
    config.save()
    return config


def reserved_concurrency_delete(*, user, function: Function) -> None:
    FunctionInvokeConfig.objects.filter(user=user, function=function, qualifier="").update(
        reserved_concurrency=None
    )


def unreserved_available(*, user) -> int:
    return account_for(user).concurrency_limit - reserved_total(user=user)


# -- leases -----------------------------------------------------------------------------------


def concurrency_acquire(
    *, user, function: Function, now: datetime | None = None, hold_s: float | None = None
) -> ConcurrencyLease | Throttled:
    """Take a slot for one invocation (or one lane of a batch), or say why it is throttled.

    ``hold_s``: how long the lease counts if its holder never releases it (default: the
    function's timeout plus a margin); the runner renews it as each invocation starts.
    """
    now = now or timezone.now()
    if not sandbox_access_allowed(user):  # an account not verified has no capacity at all
        return Throttled(ACCOUNT_LIMIT_REASON, NO_SANDBOX_ACCESS)
    config = invoke_config_for(user=user, function=function)
    learner_cap = django_settings.SANDBOX_MAX_RUNNING_PER_LEARNER
    # No savepoint of its own inside a caller's transaction (a page run's): a throttle returns
    # rather than raises, and an error rolls back the caller's transaction anyway.
    with transaction.atomic(savepoint=False):
        # One writer per account at a time, so two calls cannot both take the last slot.
        account = _account_locked(user)
        live = ConcurrencyLease.objects.filter(user=user, expires_at__gt=now)
        reserved = config.reserved_concurrency
        if reserved is not None and live.filter(function=function).count() >= reserved:
            return Throttled(RESERVED_LIMIT_REASON, reserved_explanation(reserved))
        running = live.count()
        if running >= learner_cap:
            return Throttled(ACCOUNT_LIMIT_REASON, learner_cap_explanation(learner_cap))
        if reserved is None:
            reservations = FunctionInvokeConfig.objects.filter(
                user=user, reserved_concurrency__isnull=False
            )
            reserving = reservations.aggregate(
                functions=Count("pk"), total=Sum("reserved_concurrency")
            )
            unreserved = account.concurrency_limit - (reserving["total"] or 0)
            if reserving["functions"]:  # the reserved functions' leases do not count here
                running = live.exclude(function__in=reservations.values("function")).count()
            if running >= unreserved:
                return Throttled(ACCOUNT_LIMIT_REASON, account_explanation(unreserved))
        if hold_s is None:
            hold_s = function.timeout_s + LEASE_MARGIN_S
        return ConcurrencyLease.objects.create(
            user=user,
            function=function,
            acquired_at=now,
            expires_at=now + timedelta(seconds=hold_s),
        )


def reserved_explanation(reserved: int) -> str:
    if reserved == 0:
        return (
            "Throttled: this function's reserved concurrency is 0, so Lambda refuses every "
            "invocation of it (TooManyRequestsException, Reason "
            f"{RESERVED_LIMIT_REASON}). Remove or raise the reservation to run it."
        )
    return (
        f"Throttled: the function's reserved concurrency ({reserved}) is all in use "
        f"(TooManyRequestsException, Reason {RESERVED_LIMIT_REASON}). "
        "Run it again when one of its invocations has finished."
    )


def learner_cap_explanation(cap: int) -> str:
    return (
        f"Throttled: {cap} of your invocations are already running (page runs, API calls, "
        "asynchronous events and SQS batches together), the most the sandbox runs of yours "
        "at once so that everyone gets a turn. Run again when one has finished."
    )


def account_explanation(unreserved: int) -> str:
    return (
        f"Throttled: your account's unreserved concurrency ({unreserved}) is all in use "
        f"(TooManyRequestsException, Reason {ACCOUNT_LIMIT_REASON}). "
        "Run again when one of your invocations has finished."
    )


def concurrency_renew(*, lease_id: int, function: Function, now: datetime | None = None) -> None:
    """Count the lease for one more invocation from ``now`` (its runner is alive)."""
    expires_at = (now or timezone.now()) + timedelta(seconds=function.timeout_s + LEASE_MARGIN_S)
    ConcurrencyLease.objects.filter(pk=lease_id).update(expires_at=expires_at)


def concurrency_release(lease: ConcurrencyLease | int) -> None:
    pk = lease if isinstance(lease, int) else lease.pk
    ConcurrencyLease.objects.filter(pk=pk).delete()


def concurrency_in_use(*, user, function: Function | None = None, now: datetime | None = None):
    live = ConcurrencyLease.objects.filter(user=user, expires_at__gt=now or timezone.now())
    return live.filter(function=function).count() if function else live.count()


# -- the spec and the shape of a throttle --------------------------------------------------------


def engine_spec(
    *, user, function: Function, run_settings: FunctionSettings | None = None
) -> FunctionSpec:
    """The sandbox service's FunctionConfig for this learner's view of the function (with the
    settings of a run from the page, when given)."""
    spec = function_spec(function, user, run_settings or FunctionSettings.of(function))
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


# -- provisioned concurrency ------------------------------------------------------------------
#
# The learner's request is recorded here, in the web process (IN_PROGRESS); the sandbox service
# is asked by the task worker (``provisioned_keep``, ``provisioned_release``), which records
# READY or FAILED with the reason. The caller then waits for the worker, as a synchronous Invoke
# waits for its invocation, so that the next read says how it went; a worker slower than
# ``PROVISION_WAIT_S`` leaves the status IN_PROGRESS until it has finished, as on AWS.

NO_PROVISIONING = (
    "The sandbox service cannot initialise execution environments ahead of an invocation "
    "(it has no POST /provision), so no environment is provisioned: every invocation is "
    "served on demand."
)
PROVISION_WAIT_S = 90.0  # the service's own limit on one provisioning (60 s) and a free worker
PROVISION_POLL_S = 0.05
PROVISION_ROUNDS = 5  # how often the worker asks again while the learner changes the request


def provisioned_put(
    *, user, function: Function, count: int, qualifier: str = ""
) -> FunctionInvokeConfig:
    """Record the requested provisioned concurrency (of the function, or of a version or alias
    of it), IN_PROGRESS, and have the task worker initialise it: the configuration as the
    worker left it (READY or FAILED), or still IN_PROGRESS if it has not finished in time."""
    if count < 1:
        raise ConcurrencyError("ProvisionedConcurrentExecutions must be at least 1.")
    config = invoke_config_for(user=user, function=function, qualifier=qualifier)
    reserved = invoke_config_for(user=user, function=function).reserved_concurrency
    total = count + provisioned_total(user=user, function=function, exclude=config.qualifier)
    if reserved is not None and total > reserved:
        raise ConcurrencyError(
            f"Requested Provisioned Concurrency ({total}) should not be greater than the "
            f"reservedConcurrentExecution for function ({reserved})."
        )
    if reserved is None and total > unreserved_available(user=user) - (
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
    _provisioning_wait(_provisioning_enqueue(provisioned_keep, config_id=config.pk))
    config.refresh_from_db()
    return config


def provisioned_delete(*, user, function: Function, qualifier: str = "") -> None:
    """Remove the provisioned concurrency; the task worker releases its environments (waited
    for, as ``provisioned_put`` waits)."""
    _provisioning_wait(_provisioned_clear(user=user, function=function, qualifier=qualifier))


def _provisioned_clear(*, user, function: Function, qualifier: str) -> list[TaskResult]:
    config = invoke_config_for(user=user, function=function, qualifier=qualifier)
    if config.pk is None:
        return []
    config.provisioned_concurrency = 0
    config.provisioned_allocated = 0
    config.provisioned_status = ""
    config.provisioned_status_reason = ""
    config.save()
    return _provisioning_enqueue(provisioned_keep, config_id=config.pk)


def provisioned_for_version(*, user, function: Function, version: str) -> int:
    """What the learner keeps provisioned of one version: the sum over the qualifiers that
    name it (the version itself and the aliases pointing at it share its environments).
    ``user``: the learner or their id."""
    total = 0
    rows = FunctionInvokeConfig.objects.filter(
        user=user, function=function, provisioned_concurrency__gt=0
    )
    for row in rows:
        try:
            _at, named = versions.version_at(function=function, qualifier=row.qualifier)
        except LookupError:
            continue
        if named == version:
            total += row.provisioned_concurrency
    return total


def qualifier_settings_delete(
    *, user, function: Function, qualifier: str, at: Function, version: str
) -> None:
    """A version or alias is deleted: its provisioned concurrency and event invoke settings go
    with it, as on AWS (a new alias of the same name starts with none). ``at`` and ``version``:
    what the qualifier named, read before it went, whose environments the task worker then
    releases (but for what other qualifiers of that version keep)."""
    rows = FunctionInvokeConfig.objects.filter(user=user, function=function, qualifier=qualifier)
    provisioned = rows.filter(provisioned_concurrency__gt=0).exists()
    rows.delete()
    if provisioned:
        _provisioning_wait(_release_enqueue(user=user, function=function, at=at, version=version))


def provisioned_alias_moved(*, user, function: Function, alias: str, before: str) -> None:
    """After an alias with provisioned concurrency moved from version ``before`` to another:
    its environments move with it (the old version keeps only what other qualifiers ask)."""
    config = FunctionInvokeConfig.objects.filter(
        user=user, function=function, qualifier=alias, provisioned_concurrency__gt=0
    ).first()
    if config is None:
        return
    queued: list[TaskResult] = []
    try:
        at, version = versions.version_at(function=function, qualifier=before)
    except LookupError:
        pass  # the old version is gone: nothing of it to release
    else:
        queued += _release_enqueue(user=user, function=function, at=at, version=version)
    config.provisioned_status = FunctionInvokeConfig.ProvisionedStatus.IN_PROGRESS
    config.save()
    queued += _provisioning_enqueue(provisioned_keep, config_id=config.pk)
    _provisioning_wait(queued)


def provisioned_refresh(*, function: Function, wait: bool = True) -> list[FunctionInvokeConfig]:
    """After the function's code or settings changed: provision its new version for every
    learner who keeps provisioned concurrency on it (the sandbox releases the old version's
    environments as it does). A deleted (archived) function's provisioned concurrency is
    deleted with it, as on Lambda. Returns the configurations provisioned again (as the worker
    left them when ``wait``, else IN_PROGRESS)."""
    configs = FunctionInvokeConfig.objects.filter(
        function=function, provisioned_concurrency__gt=0
    ).select_related("user", "function")
    refreshed = []
    queued: list[TaskResult] = []
    for config in configs:
        if config.function.archived_at is not None:
            queued += _provisioned_clear(
                user=config.user, function=config.function, qualifier=config.qualifier
            )
            continue
        config.provisioned_status = FunctionInvokeConfig.ProvisionedStatus.IN_PROGRESS
        config.provisioned_status_reason = ""
        config.provisioned_modified_at = timezone.now()
        config.save()
        queued += _provisioning_enqueue(provisioned_keep, config_id=config.pk)
        refreshed.append(config)
    if wait:
        _provisioning_wait(queued)
        for config in refreshed:
            config.refresh_from_db()
    return refreshed


def _release_enqueue(*, user, function: Function, at: Function, version: str) -> list[TaskResult]:
    return _provisioning_enqueue(
        provisioned_release,
        user_id=user.pk,
        function_id=function.pk,
        version=version,
        spec=_version_spec(user=user, at=at, version=version),
    )


def _provisioning_enqueue(work: Task, **kwargs: Any) -> list[TaskResult]:
    """Queue the worker's part once the records it reads are committed: its result, to wait
    for; none while the caller's transaction is open (the task is queued when it commits)."""
    queued: list[TaskResult] = []
    transaction.on_commit(lambda: queued.append(work.enqueue(**kwargs)))
    return queued


def _provisioning_wait(queued: list[TaskResult], *, wait_s: float | None = None) -> None:
    """Wait until the task worker has finished these provisioning tasks, at most ``wait_s``
    (default ``PROVISION_WAIT_S``); whatever it has not finished by then it records later."""
    give_up = time.monotonic() + (PROVISION_WAIT_S if wait_s is None else wait_s)
    pending = list(queued)
    while pending and time.monotonic() < give_up:
        time.sleep(PROVISION_POLL_S)  # the worker writes the task's result; nothing tells us
        pending = [result for result in pending if not _finished(result)]


def _finished(result: TaskResult) -> bool:
    try:
        result.refresh()
    except OperationalError as error:  # SQLite: the worker is writing it right now
        if "locked" not in str(error):
            raise
        return False
    return result.is_finished


# -- the worker's part: asking the sandbox service ---------------------------------------------


def _version_spec(*, user, at: Function, version: str) -> FunctionSpec:
    """The spec of one version of the function (``at``: the function as it was published)."""
    return {**engine_spec(user=user, function=at), "version": version}


def _provision_send(
    spec: FunctionSpec, count: int, *, function: Function
) -> dict | client.SandboxServiceError:
    """Ask the service to keep ``count`` environments of the version initialised (0 releases
    them): its answer, or its error."""
    try:
        return client.provision(
            spec,
            count,
            require_full_isolation=not function.is_sample,
            base_url=django_settings.SANDBOX_URL,
            secret=django_settings.SANDBOX_SECRET,
        )
    except client.SandboxServiceError as error:
        return error


@dataclass(frozen=True)
class _Request:
    """What a configuration asks of the service now: its version, that version's spec and the
    environments every qualifier naming it keeps (``count``); ``requested``: its own share."""

    config: FunctionInvokeConfig
    version: str
    spec: FunctionSpec
    count: int
    requested: int

    def same(self, other: _Request | None) -> bool:
        return other is not None and (
            self.version,
            self.spec,
            self.count,
            self.requested,
        ) == (other.version, other.spec, other.count, other.requested)


def _request_of(config_id: int) -> _Request | None:
    """The configuration's request as the database says now; None when the configuration is
    gone, or the version or alias it names is (its provisioned concurrency is then cleared)."""
    config = (
        FunctionInvokeConfig.objects.select_related("user", "function").filter(pk=config_id).first()
    )
    if config is None:
        return None
    try:
        at, version = versions.version_at(function=config.function, qualifier=config.qualifier)
    except LookupError:  # the version or alias is gone, and its provisioned concurrency too
        FunctionInvokeConfig.objects.filter(pk=config_id).update(
            provisioned_concurrency=0,
            provisioned_allocated=0,
            provisioned_status="",
            provisioned_status_reason="",
        )
        return None
    return _Request(
        config=config,
        version=version,
        spec=_version_spec(user=config.user, at=at, version=version),
        count=provisioned_for_version(user=config.user, function=config.function, version=version),
        requested=config.provisioned_concurrency,
    )


def provisioned_keep_run(*, config_id: int) -> FunctionInvokeConfig | None:
    """(The task worker.) Have the service keep the version the configuration names as its
    qualifiers ask, and record how it went: READY, or FAILED with the reason.

    Each change queues a run of its own, but two runs may overlap and the older one's request
    reach the service last: a run asks again until the request it sent is still the one the
    database holds once the service has answered (at most ``PROVISION_ROUNDS`` times).
    """
    sent: _Request | None = None
    outcome: dict | client.SandboxServiceError = {}
    try:
        request = _request_of(config_id)
        for _ in range(PROVISION_ROUNDS):
            if request is None or request.same(sent):
                break
            outcome = _provision_send(request.spec, request.count, function=request.config.function)
            sent, request = request, _request_of(config_id)
    except RunRefused as refusal:  # a configuration the service would refuse
        FunctionInvokeConfig.objects.filter(pk=config_id, provisioned_concurrency__gt=0).update(
            provisioned_status=FunctionInvokeConfig.ProvisionedStatus.FAILED,
            provisioned_status_reason=refusal.message,
        )
        return None
    if request is None or sent is None:
        return None
    if sent.requested:  # (a release has nothing to report)
        _provisioned_record(sent, outcome)
    request.config.refresh_from_db()
    return request.config


def _provisioned_record(sent: _Request, outcome: dict | client.SandboxServiceError) -> None:
    """Record the service's answer to ``sent``, unless the learner has asked for another count
    meanwhile (whose own run records it)."""
    if isinstance(outcome, client.SandboxServiceError):
        status = FunctionInvokeConfig.ProvisionedStatus.FAILED
        allocated = 0
        reason = (
            NO_PROVISIONING
            if getattr(outcome, "status", None) == 404
            else sandbox_error_message(outcome)
        )
    else:
        ready = int(outcome.get("provisioned", 0))
        allocated = min(ready, sent.requested)
        status = (
            FunctionInvokeConfig.ProvisionedStatus.READY
            if ready >= sent.requested
            else FunctionInvokeConfig.ProvisionedStatus.FAILED
        )
        reason = outcome.get("error", "")
    FunctionInvokeConfig.objects.filter(
        pk=sent.config.pk, provisioned_concurrency=sent.requested
    ).update(
        provisioned_status=status,
        provisioned_allocated=allocated,
        provisioned_status_reason=reason,
    )


def provisioned_release_run(*, user_id: int, function_id: int, version: str, spec: dict) -> int:
    """(The task worker.) A version or alias went, or an alias moved off a version: keep of
    that version only what the learner's other qualifiers ask (``spec``: the version's, read
    before it went). Returns the environments kept."""
    function = Function.objects.filter(pk=function_id).first()
    if function is None:
        return 0
    count = provisioned_for_version(user=user_id, function=function, version=version)
    for _ in range(PROVISION_ROUNDS):
        outcome = _provision_send(spec, count, function=function)
        if isinstance(outcome, client.SandboxServiceError):
            # a service that is down holds no environments to release
            logger.warning("provisioned concurrency of %s not released: %s", function, outcome)
        again = provisioned_for_version(user=user_id, function=function, version=version)
        if again == count:
            break
        count = again
    return count


@task()
@domain_errors_logged
def provisioned_keep(config_id: int) -> None:
    """Initialise (or release) what a provisioned concurrency configuration asks."""
    provisioned_keep_run(config_id=config_id)


@task()
@domain_errors_logged
def provisioned_release(user_id: int, function_id: int, version: str, spec: dict) -> None:
    """Release a deleted version's or alias's provisioned environments."""
    provisioned_release_run(user_id=user_id, function_id=function_id, version=version, spec=spec)
