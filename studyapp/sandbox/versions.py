"""Versions and aliases: published snapshots of a function, and names that route to them.

A version freezes the code and configuration at the moment it is published; invoking it runs
that snapshot whatever happens to ``$LATEST`` afterwards. An alias points at one version and
may send a share of its invocations to one other version (a canary:
``RoutingConfig.AdditionalVersionWeights``).
"""

from __future__ import annotations

import copy
import random
import re
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from studyapp.sandbox.models import (
    CONFIGURATION_FIELDS,
    Function,
    FunctionAlias,
    FunctionVersion,
)

LATEST = "$LATEST"
ALIAS_NAME = re.compile(r"^(?!^[0-9]+$)[a-zA-Z0-9-_]{1,128}$")
VERSION_NUMBER = re.compile(r"[0-9]{1,19}")


def is_version_number(qualifier: str) -> bool:
    """Whether a qualifier names a published version (ASCII digits) rather than an alias."""
    return VERSION_NUMBER.fullmatch(qualifier) is not None


SNAPSHOT_FIELDS = CONFIGURATION_FIELDS  # what a version keeps of its function


class VersionError(ValueError):
    """A request about versions or aliases that cannot be met; the message says why."""


class VersionMissing(LookupError):
    """No such version (``str`` is the qualifier)."""


class AliasMissing(LookupError):
    """No such alias (``str`` is its name)."""


class VersionInUse(ValueError):
    """Aliases route to the version (``aliases`` names them)."""

    def __init__(self, aliases: list[str]) -> None:
        super().__init__(", ".join(aliases))
        self.aliases = aliases


class AliasExists(ValueError):
    """The function already has an alias of that name."""


def version_publish(
    *, function: Function, description: str = "", now: datetime | None = None
) -> FunctionVersion:
    """PublishVersion: a new version unless ``$LATEST`` is unchanged since the last one.

    Numbers count up from 1 and, as on Lambda, are never given twice: deleting the newest
    version does not free its number, the function keeps the highest one it ever published. A
    function deleted and created again under the same name is a new function: it starts at 1.
    """
    snapshot = {field: getattr(function, field) for field in SNAPSHOT_FIELDS}
    with transaction.atomic():
        # The function's row is locked (SQLite: the database, the transactions being IMMEDIATE)
        # until the version is saved, so two publishes of one function take turns here.
        highest = (
            Function.objects.select_for_update()
            .values_list("last_version_number", flat=True)
            .get(pk=function.pk)
        )
        latest = function.versions.order_by("-number").first()
        if latest is not None and {f: getattr(latest, f) for f in SNAPSHOT_FIELDS} == snapshot:
            return latest
        number = highest + 1
        Function.objects.filter(pk=function.pk).update(last_version_number=number)
        version = FunctionVersion.objects.create(
            function=function,
            number=number,
            description=description[:256],
            created_at=now or timezone.now(),
            **snapshot,
        )
    function.last_version_number = number
    return version


def versions_for(*, function: Function) -> list[FunctionVersion]:
    return list(function.versions.order_by("number"))


def version_get(*, function: Function, qualifier: str) -> FunctionVersion:
    if not is_version_number(qualifier):
        raise VersionMissing(qualifier)
    version = function.versions.filter(number=int(qualifier)).first()
    if version is None:
        raise VersionMissing(qualifier)
    return version


def version_delete(*, function: Function, qualifier: str) -> None:
    """Delete one published version, unless an alias routes to it."""
    version = version_get(function=function, qualifier=qualifier)
    number = str(version.number)
    using = [
        alias.name
        for alias in function.aliases.order_by("name")
        if alias.function_version == number or number in alias.additional_weights
    ]
    if using:
        raise VersionInUse(using)
    version.delete()


def function_at(*, function: Function, version: FunctionVersion) -> Function:
    """The function as it was when ``version`` was published (an unsaved copy, same pk)."""
    snapshot = copy.copy(function)
    for field in SNAPSHOT_FIELDS:
        setattr(snapshot, field, copy.deepcopy(getattr(version, field)))
    snapshot.updated_at = version.created_at
    return snapshot


def alias_shares(alias: FunctionAlias) -> list[tuple[str, float]]:
    """Where the alias sends its invocations: (version, share of them), its own version first."""
    extra = sum(alias.additional_weights.values())
    return [(alias.function_version, 1.0 - extra), *alias.additional_weights.items()]


def alias_get(*, function: Function, name: str) -> FunctionAlias:
    if not ALIAS_NAME.match(name):  # no alias has such a name (NUL included: not a query)
        raise AliasMissing(name)
    alias = function.aliases.filter(name=name).first()
    if alias is None:
        raise AliasMissing(name)
    return alias


def aliases_for(*, function: Function) -> list[FunctionAlias]:
    return list(function.aliases.order_by("name"))


def _check_target(function: Function, version: str, weights: dict[str, float]) -> None:
    if version != LATEST:
        version_get(function=function, qualifier=version)
    if len(weights) > 1:
        raise VersionError("An alias can send invocations to at most one additional version.")
    for extra, weight in weights.items():
        if extra in (LATEST, version):
            raise VersionError(
                "The additional version must be a published version other than the alias's "
                "own version."
            )
        version_get(function=function, qualifier=extra)
        if not isinstance(weight, int | float) or not 0.0 <= weight <= 1.0:
            raise VersionError("An additional version's weight must be between 0.0 and 1.0.")


def alias_create(
    *,
    function: Function,
    name: str,
    version: str,
    description: str = "",
    weights: dict[str, float] | None = None,
    now: datetime | None = None,
) -> FunctionAlias:
    if not ALIAS_NAME.match(name):
        raise VersionError(
            f"1 validation error detected: Value '{name}' at 'name' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: "
            "(?!^[0-9]+$)([a-zA-Z0-9-_]+)"
        )
    weights = dict(weights or {})
    _check_target(function, version, weights)
    now = now or timezone.now()
    try:
        with transaction.atomic():
            return FunctionAlias.objects.create(
                function=function,
                name=name,
                function_version=version,
                description=description[:256],
                additional_weights=weights,
                created_at=now,
                updated_at=now,
            )
    except IntegrityError:
        raise AliasExists(name) from None


def alias_update(
    *,
    alias: FunctionAlias,
    version: str | None = None,
    description: str | None = None,
    weights: dict[str, float] | None = None,
    now: datetime | None = None,
) -> FunctionAlias:
    """UpdateAlias: only what is given changes (``weights={}`` ends a canary)."""
    new_version = alias.function_version if version is None else version
    new_weights = alias.additional_weights if weights is None else dict(weights)
    _check_target(alias.function, new_version, new_weights)
    alias.function_version = new_version
    alias.additional_weights = new_weights
    if description is not None:
        alias.description = description[:256]
    alias.updated_at = now or timezone.now()
    alias.save()
    return alias


def alias_delete(*, alias: FunctionAlias) -> None:
    alias.delete()


def version_at(*, function: Function, qualifier: str | None) -> tuple[Function, str]:
    """The function as a qualifier names it (an alias: its own version, not its canary) and
    that version's name; ``VersionMissing`` / ``AliasMissing`` when there is no such one."""
    if qualifier in (None, "", LATEST):
        return function, LATEST
    if not is_version_number(qualifier):
        qualifier = alias_get(function=function, name=qualifier).function_version
        if qualifier == LATEST:
            return function, LATEST
    version = version_get(function=function, qualifier=qualifier)
    return function_at(function=function, version=version), str(version.number)


def version_route(*, function: Function, qualifier: str | None, rng=random) -> tuple[Function, str]:
    """The function to run for a qualifier and the version that runs (ExecutedVersion)."""
    if qualifier in (None, LATEST):
        return function, LATEST
    if is_version_number(qualifier):
        version = version_get(function=function, qualifier=qualifier)
        return function_at(function=function, version=version), str(version.number)
    alias = alias_get(function=function, name=qualifier)
    chosen = alias.function_version
    for extra, weight in alias.additional_weights.items():
        if rng.random() < weight:
            chosen = extra
    if chosen == LATEST:
        return function, LATEST
    version = version_get(function=function, qualifier=chosen)
    return function_at(function=function, version=version), chosen
