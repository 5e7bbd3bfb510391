"""Learners' own functions: copy a sample to edit it, rename, save code and settings, delete.

A copy gets a name of its own (``cold-start-vs-warm-copy``, then ``-copy-2``...) and no learner's
function may take a sample's name, so the Lambda API always reaches a sample by its name.
Samples are read-only to everyone; every function here is checked against its owner by the
selectors (``function_for_user``, ``owned_function_for_user``), which raise NotFound otherwise.
Changing a function's code or settings (a new version) provisions the new version where
provisioned concurrency is set; deleting it releases its provisioned environments.
"""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from studyapp.core.errors import Conflict, Invalid, NotAllowed, NotFound
from studyapp.core.rows import Selected, row_read, table
from studyapp.sandbox.concurrency import provisioned_refresh
from studyapp.sandbox.function_settings import FunctionSettings
from studyapp.sandbox.models import (
    CONFIGURATION_FIELDS,
    NAME_MAX_LENGTH,
    EventTemplate,
    Function,
    FunctionInvokeConfig,
)
from studyapp.topics.models import Course, Topic

MAX_CODE_BYTES = 256 * 1024
DEPLOYED_READ_ONLY = (
    "This function was deployed from a package: its code changes only by deploying a new one "
    "(UpdateFunctionCode). Choose “Edit a copy” to change the code here."
)
COPY_SUFFIX = "-copy"
NAME_PATTERN = re.compile(rf"[A-Za-z0-9_-]{{1,{NAME_MAX_LENGTH}}}")


# A function visible to a learner (an active sample, or one of their own active functions) with
# its topic and course, default event and original, as ``select_related`` reads them, in SQL kept
# once: the sandbox's page and its run read it at every request, and the ORM took longer to
# build the query with its four joins than the database took to run it. Its WHERE is the rule of
# FunctionQuerySet.visible_to, which the other readers use: change both together.
VISIBLE_FUNCTION = (
    Selected(Function, "f"),
    Selected(Topic, "t"),
    Selected(Course, "k"),
    Selected(EventTemplate, "e"),
    Selected(Function, "c"),
)
VISIBLE_FUNCTION_SQL = f"""SELECT {", ".join(part.columns() for part in VISIBLE_FUNCTION)}
    FROM {table(Function)} f
    LEFT JOIN {table(Topic)} t ON t.id = f.topic_id
    LEFT JOIN {table(Course)} k ON k.id = t.course_id
    LEFT JOIN {table(EventTemplate)} e ON e.id = f.default_event_id
    LEFT JOIN {table(Function)} c ON c.id = f.copied_from_id
    WHERE f.archived_at IS NULL AND (f.owner_id IS NULL OR f.owner_id = %(user)s)"""  # noqa: S608
BY_PK = VISIBLE_FUNCTION_SQL + " AND f.id = %(pk)s"
SAMPLE_BY_NAME = VISIBLE_FUNCTION_SQL + " AND f.owner_id IS NULL AND f.name = %(name)s"


def function_for_user(*, user, pk: int | None = None, sample: str | None = None) -> Function:
    """A sample, or one of the user's own functions (another learner's: 404)."""
    if sample is not None:
        row = row_read(SAMPLE_BY_NAME, {"user": user.pk, "name": sample}, VISIBLE_FUNCTION)
    else:
        row = row_read(BY_PK, {"user": user.pk, "pk": pk}, VISIBLE_FUNCTION)
    if row is None:
        raise NotFound("No such function.")
    function, topic, course, default_event, copied_from = row
    if topic is not None:
        topic.course = course
    function.topic = topic
    function.default_event = default_event
    function.copied_from = copied_from
    return function


def owned_function_for_user(*, user, pk: int) -> Function:
    function = function_for_user(user=user, pk=pk)
    if function.owner_id != user.pk:
        raise NotFound("No such function.")
    return function


def copy_name_choose(*, owner, base: str) -> str:
    """A free name for a copy of ``base``: ``base-copy``, else ``base-copy-2``, ``-copy-3``...
    (at most NAME_MAX_LENGTH characters), never one of the owner's names nor a sample's."""
    stem = base[: NAME_MAX_LENGTH - len(COPY_SUFFIX)] + COPY_SUFFIX
    prefix = stem[: NAME_MAX_LENGTH - 4]
    taken = set(
        Function.objects.filter(Q(owner=owner) | Q(owner__isnull=True))
        .filter(name__startswith=prefix)
        .values_list("name", flat=True)
    )
    if stem not in taken:
        return stem
    number = 2
    while True:
        suffix = f"-{number}"
        candidate = stem[: NAME_MAX_LENGTH - len(suffix)] + suffix
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
                    runtime=function.runtime,
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


def function_rename(*, function: Function, user, name: str) -> Function:
    """Give the user's own function a new name: Lambda's characters, free among the user's
    functions (deleted ones keep theirs) and not a sample's, so the sample stays reachable."""
    if function.owner_id != user.pk:
        raise NotFound("No such function.")
    name = name.strip()
    if name == function.name:
        return function
    if not NAME_PATTERN.fullmatch(name):
        raise Invalid(
            f"A function name is 1 to {NAME_MAX_LENGTH} letters, digits, hyphens (-) or "
            "underscores (_)."
        )
    if Function.objects.samples().filter(name=name).exists():
        raise Invalid(
            f"“{name}” is a sample's name; choose another, so the sample stays reachable by it."
        )
    if Function.objects.active().filter(owner=user, name=name).exists():
        raise Invalid(f"You already have a function named “{name}”.")
    if FunctionInvokeConfig.objects.filter(
        function=function, provisioned_concurrency__gt=0
    ).exists():
        raise Conflict(
            f"“{function.name}” has provisioned concurrency: delete that configuration first, "
            "then rename it."
        )
    previous, function.name = function.name, name
    try:
        with transaction.atomic():
            archived_name_free(user=user, name=name)
            function.save(update_fields=["name", "updated_at"])
    except IntegrityError:  # the same name taken at the same moment
        function.name = previous
        raise Invalid(f"You already have a function named “{name}”.") from None
    return function


def archived_name_free(*, user, name: str) -> None:
    """Rename the user's deleted functions called `name`, so the name can be used again."""
    for archived in Function.objects.filter(owner=user, name=name, archived_at__isnull=False):
        archived.name = f"{name[:30]}-deleted-{archived.pk}"
        archived.save(update_fields=["name"])


def function_update(
    *, function: Function, user, settings: FunctionSettings, write_unchanged: bool = True
) -> Function:
    """Save the learner's code and settings (validated by the form) on their own function.

    When they changed and provisioned concurrency is set, the new version is provisioned (and
    the old version's environments released) before this returns. ``write_unchanged`` False
    (the page's Run and Save) writes nothing when nothing changed: the function keeps its
    LastModified, as a function only invoked does on Lambda, and a run costs one write fewer.
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
    if settings.runtime is not None:
        function.runtime = settings.runtime
    if settings.handler is not None:
        function.handler = settings.handler
    if settings.code is not None:
        function.code = {**function.code, function.module_path: settings.code}
    changed = (FunctionSettings.of(function), function.code) != before
    if not changed and not write_unchanged:
        return function
    # Only what the learner changes: a full save of a copy read before a concurrent publish
    # would put back the old last_version_number, and a number could then be given twice.
    function.save(update_fields=[*CONFIGURATION_FIELDS, "updated_at"])
    if changed:
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
