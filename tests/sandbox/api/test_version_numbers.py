"""Version numbers as Lambda gives them: counting up per function from 1, never given twice,
not even after the version that had the number is deleted."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from studyapp.sandbox import deploying, versions
from studyapp.sandbox.function_settings import FunctionSettings
from studyapp.sandbox.functions import function_update
from studyapp.sandbox.models import Function

pytestmark = pytest.mark.django_db(transaction=True)

ARN = "arn:aws:lambda:us-east-1:123456789012:function:checkout"
ROLE = "arn:aws:iam::123456789012:role/lambda-basic"


def package(answer: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "app.py", f"def handler(event, context):\n    return {{'version': {answer!r}}}\n"
        )
    return buffer.getvalue()


def create(lambda_client) -> None:
    lambda_client.create_function(
        FunctionName="checkout",
        Runtime="python3.13",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": package("one")},
    )


def publish(lambda_client, answer: str) -> str:
    lambda_client.update_function_code(FunctionName="checkout", ZipFile=package(answer))
    return lambda_client.publish_version(FunctionName="checkout")["Version"]


def listed(lambda_client) -> list[str]:
    found = lambda_client.list_versions_by_function(FunctionName="checkout")["Versions"]
    return [version["Version"] for version in found]


def test_the_number_of_a_deleted_newest_version_is_not_given_again(lambda_client):
    create(lambda_client)
    assert [publish(lambda_client, "one"), publish(lambda_client, "two")] == ["1", "2"]
    lambda_client.delete_function(FunctionName="checkout", Qualifier="2")

    published = lambda_client.publish_version(FunctionName="checkout")

    assert (published["Version"], published["FunctionArn"]) == ("3", f"{ARN}:3")
    assert listed(lambda_client) == ["$LATEST", "1", "3"]


@pytest.mark.parametrize("qualifier", ["\u00b9", "\u2460"])
def test_a_qualifier_of_digits_from_outside_ascii_is_no_version_to_delete(lambda_client, qualifier):
    """str.isdigit passes a superscript one or a circled one, which int() then refuses."""
    create(lambda_client)
    publish(lambda_client, "one")
    with pytest.raises(lambda_client.exceptions.ResourceNotFoundException) as raised:
        lambda_client.delete_function(FunctionName="checkout", Qualifier=qualifier)
    assert raised.value.response["Error"]["Message"] == f"Function not found: {ARN}:{qualifier}"
    assert listed(lambda_client) == ["$LATEST", "1"]


def test_numbers_go_on_after_every_version_is_deleted(lambda_client):
    create(lambda_client)
    publish(lambda_client, "one")
    publish(lambda_client, "two")
    lambda_client.delete_function(FunctionName="checkout", Qualifier="2")
    lambda_client.delete_function(FunctionName="checkout", Qualifier="1")
    assert listed(lambda_client) == ["$LATEST"]

    assert publish(lambda_client, "three") == "3"


def test_a_function_created_again_under_the_same_name_starts_again_at_version_1(lambda_client):
    create(lambda_client)
    publish(lambda_client, "one")
    publish(lambda_client, "two")
    lambda_client.delete_function(FunctionName="checkout")
    create(lambda_client)

    assert publish(lambda_client, "again") == "1"
    assert listed(lambda_client) == ["$LATEST", "1"]


def test_saving_settings_read_before_a_publish_does_not_give_a_number_again(learner):
    function = deploying.function_create(
        user=learner,
        new=deploying.NewFunction(
            name="checkout",
            handler="app.handler",
            description="",
            memory_mb=128,
            timeout_s=3,
            ephemeral_storage_mb=512,
            environment={},
            log_format="Text",
        ),
        code={"app.py": "def handler(event, context):\n    return 1\n"},
    )
    read_before = Function.objects.get(pk=function.pk)
    assert versions.version_publish(function=function).number == 1

    more_memory = replace(FunctionSettings.of(read_before), memory_mb=256)
    function_update(function=read_before, user=learner, settings=more_memory)
    versions.version_delete(function=function, qualifier="1")
    function.refresh_from_db()

    assert versions.version_publish(function=function).number == 2


BEFORE = [("sandbox", "0008_function_deployed")]
AFTER = [("sandbox", "0009_function_last_version_number")]


@pytest.mark.usefixtures("latest_migrations_afterwards")
def test_the_migration_counts_on_from_the_highest_version_each_function_has(learner):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    OldFunction = old.get_model("sandbox", "Function")
    published = OldFunction.objects.create(owner_id=learner.pk, name="published", title="p")
    unpublished = OldFunction.objects.create(owner_id=learner.pk, name="unpublished", title="u")
    for number in (1, 3):  # version 2 was deleted
        old.get_model("sandbox", "FunctionVersion").objects.create(
            function=published,
            number=number,
            handler="app.handler",
            memory_mb=128,
            timeout_s=3,
            ephemeral_storage_mb=512,
            log_format="Text",
            created_at=timezone.now(),
        )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps

    counted = new.get_model("sandbox", "Function").objects.order_by("name")
    assert list(counted.values_list("pk", "last_version_number")) == [
        (published.pk, 3),
        (unpublished.pk, 0),
    ]
