"""Learners' own functions: copy a sample to edit it, save code and settings, delete.

Samples are read-only to everyone; every function here is checked against its owner by the
selectors (``function_for_user``, ``owned_function_for_user``), which raise NotFound otherwise.
Changing a function's code or settings (a new version) provisions the new version where
provisioned concurrency is set; deleting it releases its provisioned environments.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from studyapp.core.errors import NotAllowed, NotFound
from studyapp.sandbox.concurrency import provisioned_refresh
from studyapp.sandbox.function_settings import FunctionSettings
from studyapp.sandbox.models import NAME_MAX_LENGTH, Function

MAX_CODE_BYTES = 256 * 1024
DEPLOYED_READ_ONLY = (
    "This function was deployed from a package: its code changes only by deploying a new one "
    "(UpdateFunctionCode). Choose “Edit a copy” to change the code here."
)


def function_for_user(*, user, pk: int | None = None, sample: str | None = None) -> Function:
    """A sample, or one of the user's own functions (another learner's: 404)."""
    functions = Function.objects.visible_to(user).select_related(
        "topic__course", "default_event", "copied_from"
    )
    lookup = {"name": sample, "owner__isnull": True} if sample is not None else {"pk": pk}
    function = functions.filter(**lookup).first()
    if function is None:
        raise NotFound("No such function.")
    return function


def owned_function_for_user(*, user, pk: int) -> Function:
    function = function_for_user(user=user, pk=pk)
    if function.owner_id != user.pk:
        raise NotFound("No such function.")
    return function


def copy_name_choose(*, owner, base: str) -> str:
    """``base`` if free for this owner, else ``base-2``, ``base-3``... (at most 48 characters)."""
    taken = set(
        Function.objects.filter(owner=owner)
        .filter(Q(name=base[:NAME_MAX_LENGTH]) | Q(name__startswith=base[: NAME_MAX_LENGTH - 4]))
        .values_list("name", flat=True)
    )
    if base[:NAME_MAX_LENGTH] not in taken:
        return base[:NAME_MAX_LENGTH]
    number = 2
    while True:
        suffix = f"-{number}"
        candidate = base[: NAME_MAX_LENGTH - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
        number += 1


def function_copy(*, function: Function, user) -> Function:
    """The user's own editable copy of a sample (or of one of their functions)."""
    for _attempt in range(3):
        name = copy_name_choose(owner=user, base=function.name)
        try:
            with transaction.atomic():
                return Function.objects.create(
                    owner=user,
                    name=name,
                    title=function.title if function.is_sample else f"{function.title} (copy)",
                    summary=function.summary,
                    lesson_md=function.lesson_md,
                    handler=function.handler,
                    memory_mb=function.memory_mb,
                    timeout_s=function.timeout_s,
                    ephemeral_storage_mb=function.ephemeral_storage_mb,
                    environment=dict(function.environment),
                    log_format=function.log_format,
                    layers=list(function.layers),
                    code=dict(function.code),
                    topic=function.topic,
                    default_event=function.default_event,
                    copied_from=function,
                )
        except IntegrityError:  # the same learner copied twice at the same moment
            continue
    raise RuntimeError("could not choose a name for the copy")


def function_update(*, function: Function, user, settings: FunctionSettings) -> Function:
    """Save the learner's code and settings (validated by the form) on their own function.

    When they changed and provisioned concurrency is set, the new version is provisioned (and
    the old version's environments released) before this returns.
    """
    if function.owner_id != user.pk:
        raise NotFound("No such function.")
    if function.deployed and settings.code not in (None, function.main_source):
        raise NotAllowed(DEPLOYED_READ_ONLY)
    before = (FunctionSettings.of(function), dict(function.code))
    function.memory_mb = settings.memory_mb
    function.timeout_s = settings.timeout_s
    function.ephemeral_storage_mb = settings.ephemeral_storage_mb
    function.environment = dict(settings.environment)
    function.log_format = settings.log_format
    if settings.code is not None:
        function.code = {**function.code, function.module_path: settings.code}
    function.save()
    if (FunctionSettings.of(function), function.code) != before:
        _provisioning_refresh(function)
    return function


def function_archive(*, function: Function, user) -> None:
    if function.owner_id != user.pk:
        raise NotFound("No such function.")
    function.archived_at = timezone.now()
    function.save(update_fields=["archived_at", "updated_at"])
    _provisioning_refresh(function)


def _provisioning_refresh(function: Function) -> None:
    provisioned_refresh(function=function)
