"""Versions and aliases through boto3: publish, list, alias with weighted routing, invoke by
qualifier (the ExecutedVersion header says which version answered)."""

from __future__ import annotations

import io
import json
import zipfile
from math import comb

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

ARN = "arn:aws:lambda:us-east-1:123456789012:function:checkout"


def package(answer: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "app.py", f"def handler(event, context):\n    return {{'version': {answer!r}}}\n"
        )
    return buffer.getvalue()


@pytest.fixture
def checkout(lambda_client):
    lambda_client.create_function(
        FunctionName="checkout",
        Runtime="python3.13",
        Role="arn:aws:iam::123456789012:role/lambda-basic",
        Handler="app.handler",
        Code={"ZipFile": package("one")},
    )
    return "checkout"


def publish(lambda_client, answer: str) -> str:
    lambda_client.update_function_code(FunctionName="checkout", ZipFile=package(answer))
    return lambda_client.publish_version(FunctionName="checkout")["Version"]


def share_bounds(n: int, p: float, *, failure: float = 1e-7) -> tuple[int, int]:
    """The narrowest counts [low, high] around n*p outside which Binomial(n, p) falls with a
    probability below ``failure`` (exact tails): a weighted alias's count outside them means a
    wrong split, not bad luck (at most 1 run in 10 million)."""
    pmf = [comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1)]
    low = high = round(n * p)
    while 1 - sum(pmf[low : high + 1]) >= failure:
        if high == n or (low > 0 and pmf[low - 1] >= pmf[high + 1]):
            low -= 1
        else:
            high += 1
    return low, high


def answer_of(response) -> str:
    return json.loads(response["Payload"].read())["version"]


def test_the_share_bounds_fail_a_wrong_split_and_almost_never_a_right_one():
    low, high = share_bounds(200, 0.1)
    assert (low, high) == (2, 45)
    tail = sum(
        comb(200, k) * 0.1**k * 0.9 ** (200 - k) for k in range(200 + 1) if not low <= k <= high
    )
    assert tail < 1e-7
    assert not low <= 200 * 0.5 <= high  # a 50 % split fails, so does none at all
    assert not low <= 0 <= high


def test_publish_version_snapshots_the_code(lambda_client, checkout, full_isolation):
    published = lambda_client.publish_version(FunctionName=checkout, Description="first")
    assert published["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert (published["Version"], published["FunctionArn"]) == ("1", f"{ARN}:1")
    assert published["Description"] == "first"
    lambda_client.update_function_code(FunctionName=checkout, ZipFile=package("two"))
    by_version = lambda_client.invoke(FunctionName=checkout, Qualifier="1", Payload=b"{}")
    assert by_version["ExecutedVersion"] == "1"
    assert answer_of(by_version) == "one"
    latest = lambda_client.invoke(FunctionName=checkout, Payload=b"{}")
    assert (latest["ExecutedVersion"], answer_of(latest)) == ("$LATEST", "two")


def test_publishing_an_unchanged_function_returns_the_last_version(lambda_client, checkout):
    first = lambda_client.publish_version(FunctionName=checkout)["Version"]
    again = lambda_client.publish_version(FunctionName=checkout)["Version"]
    assert first == again == "1"


def test_list_versions_by_function_starts_with_latest(lambda_client, checkout):
    publish(lambda_client, "one")
    publish(lambda_client, "two")
    listed = lambda_client.list_versions_by_function(FunctionName=checkout)["Versions"]
    assert [v["Version"] for v in listed] == ["$LATEST", "1", "2"]
    assert [v["FunctionArn"] for v in listed] == [f"{ARN}:$LATEST", f"{ARN}:1", f"{ARN}:2"]
    assert listed[1]["CodeSha256"] != listed[2]["CodeSha256"]


def test_invoking_a_version_that_does_not_exist_is_not_found(lambda_client, checkout):
    with pytest.raises(lambda_client.exceptions.ResourceNotFoundException) as raised:
        lambda_client.invoke(FunctionName=checkout, Qualifier="7", Payload=b"{}")
    assert raised.value.response["Error"]["Message"] == f"Function not found: {ARN}:7"


def test_alias_lifecycle_create_get_update_list_delete(lambda_client, checkout):
    one, two = publish(lambda_client, "one"), publish(lambda_client, "two")
    created = lambda_client.create_alias(FunctionName=checkout, Name="live", FunctionVersion=one)
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert (created["AliasArn"], created["FunctionVersion"]) == (f"{ARN}:live", "1")
    assert "RoutingConfig" not in created
    updated = lambda_client.update_alias(
        FunctionName=checkout,
        Name="live",
        RoutingConfig={"AdditionalVersionWeights": {two: 0.25}},
    )
    assert updated["RoutingConfig"] == {"AdditionalVersionWeights": {"2": 0.25}}
    got = lambda_client.get_alias(FunctionName=checkout, Name="live")
    # The alias as UpdateAlias answered it; each answer's metadata (its Date header) is its own.
    assert {**got, "ResponseMetadata": None} == {**updated, "ResponseMetadata": None}
    listed = lambda_client.list_aliases(FunctionName=checkout)["Aliases"]
    assert [a["Name"] for a in listed] == ["live"]
    lambda_client.delete_alias(FunctionName=checkout, Name="live")
    with pytest.raises(lambda_client.exceptions.ResourceNotFoundException) as raised:
        lambda_client.get_alias(FunctionName=checkout, Name="live")
    assert raised.value.response["Error"]["Message"] == f"Cannot find alias arn: {ARN}:live"


def test_an_alias_to_a_missing_version_is_refused(lambda_client, checkout):
    with pytest.raises(lambda_client.exceptions.ResourceNotFoundException) as raised:
        lambda_client.create_alias(FunctionName=checkout, Name="live", FunctionVersion="9")
    assert raised.value.response["Error"]["Message"] == f"Function not found: {ARN}:9"


def test_creating_an_alias_twice_is_a_conflict(lambda_client, checkout):
    one = publish(lambda_client, "one")
    lambda_client.create_alias(FunctionName=checkout, Name="live", FunctionVersion=one)
    with pytest.raises(lambda_client.exceptions.ResourceConflictException) as raised:
        lambda_client.create_alias(FunctionName=checkout, Name="live", FunctionVersion=one)
    assert raised.value.response["Error"]["Message"] == f"Alias already exists: {ARN}:live"


def test_a_canary_alias_splits_invocations_by_weight(lambda_client, checkout, full_isolation):
    one, two = publish(lambda_client, "one"), publish(lambda_client, "two")
    lambda_client.create_alias(
        FunctionName=checkout,
        Name="live",
        FunctionVersion=one,
        RoutingConfig={"AdditionalVersionWeights": {two: 0.1}},
    )
    executed = []
    for _ in range(200):
        response = lambda_client.invoke(FunctionName=checkout, Qualifier="live", Payload=b"{}")
        version = response["ExecutedVersion"]
        assert answer_of(response) == {"1": "one", "2": "two"}[version]
        executed.append(version)
    low, high = share_bounds(200, 0.1)
    assert low > 0 and high < 200 * 0.3  # both versions answer, in about a tenth of the calls
    assert low <= executed.count("2") <= high
    assert executed.count("1") + executed.count("2") == 200


def test_the_developer_loop_end_to_end_with_boto3(lambda_client, full_isolation):
    """The issue's acceptance run: deploy, update, publish two versions, a 10 % canary alias,
    a version by qualifier, the code downloaded from Code.Location, then delete."""
    import urllib.request

    lambda_client.create_function(
        FunctionName="checkout",
        Runtime="python3.13",
        Role="arn:aws:iam::123456789012:role/lambda-basic",
        Handler="app.handler",
        Code={"ZipFile": package("one")},
    )
    lambda_client.get_waiter("function_active_v2").wait(FunctionName="checkout")
    assert lambda_client.publish_version(FunctionName="checkout")["Version"] == "1"
    lambda_client.update_function_code(FunctionName="checkout", ZipFile=package("two"))
    lambda_client.get_waiter("function_updated_v2").wait(FunctionName="checkout")
    assert lambda_client.publish_version(FunctionName="checkout")["Version"] == "2"
    lambda_client.create_alias(
        FunctionName="checkout",
        Name="live",
        FunctionVersion="1",
        RoutingConfig={"AdditionalVersionWeights": {"2": 0.1}},
    )
    executed = [
        lambda_client.invoke(FunctionName="checkout", Qualifier="live", Payload=b"{}")[
            "ExecutedVersion"
        ]
        for _ in range(200)
    ]
    low, high = share_bounds(200, 0.1)
    assert low <= executed.count("2") <= high and executed.count("1") == 200 - executed.count("2")
    by_version = lambda_client.invoke(FunctionName="checkout", Qualifier="1", Payload=b"{}")
    assert (by_version["ExecutedVersion"], answer_of(by_version)) == ("1", "one")
    location = lambda_client.get_function(FunctionName="checkout")["Code"]["Location"]
    with urllib.request.urlopen(location) as response:
        downloaded = zipfile.ZipFile(io.BytesIO(response.read()))
    assert downloaded.read("app.py").decode() == (
        "def handler(event, context):\n    return {'version': 'two'}\n"
    )
    lambda_client.delete_function(FunctionName="checkout")
    with pytest.raises(lambda_client.exceptions.ResourceNotFoundException):
        lambda_client.get_function(FunctionName="checkout")


def test_delete_function_with_a_version_qualifier_deletes_only_that_version(
    lambda_client, checkout
):
    publish(lambda_client, "one")
    publish(lambda_client, "two")
    lambda_client.delete_function(FunctionName=checkout, Qualifier="1")
    listed = lambda_client.list_versions_by_function(FunctionName=checkout)["Versions"]
    assert [v["Version"] for v in listed] == ["$LATEST", "2"]


def test_latest_cannot_be_deleted_on_its_own(lambda_client, checkout):
    with pytest.raises(lambda_client.exceptions.InvalidParameterValueException) as raised:
        lambda_client.delete_function(FunctionName=checkout, Qualifier="$LATEST")
    assert raised.value.response["Error"]["Message"] == (
        "$LATEST version cannot be deleted without deleting the function."
    )
    assert lambda_client.get_function(FunctionName=checkout)["Configuration"]["Version"]


def test_a_version_an_alias_routes_to_cannot_be_deleted(lambda_client, checkout):
    one = publish(lambda_client, "one")
    lambda_client.create_alias(FunctionName=checkout, Name="live", FunctionVersion=one)
    with pytest.raises(lambda_client.exceptions.ResourceConflictException) as raised:
        lambda_client.delete_function(FunctionName=checkout, Qualifier=one)
    assert raised.value.response["Error"]["Message"] == (
        "Unable to delete version because the following aliases reference it: [live]"
    )


def test_a_published_version_cannot_be_updated(lambda_client, checkout):
    one = publish(lambda_client, "one")
    with pytest.raises(lambda_client.exceptions.InvalidParameterValueException):
        lambda_client.update_function_code(FunctionName=f"{ARN}:{one}", ZipFile=package("x"))
    with pytest.raises(lambda_client.exceptions.InvalidParameterValueException):
        lambda_client.update_function_configuration(FunctionName=f"{ARN}:{one}", Timeout=9)
    version = lambda_client.get_function_configuration(FunctionName=checkout, Qualifier=one)
    assert version["Timeout"] == 3
    assert (
        version["CodeSha256"]
        == lambda_client.list_versions_by_function(FunctionName=checkout)["Versions"][1][
            "CodeSha256"
        ]
    )


def test_code_location_of_a_version_downloads_that_versions_code(lambda_client, checkout):
    import urllib.request

    one = publish(lambda_client, "one")
    lambda_client.update_function_code(FunctionName=checkout, ZipFile=package("two"))
    location = lambda_client.get_function(FunctionName=checkout, Qualifier=one)["Code"]["Location"]
    with urllib.request.urlopen(location) as response:
        app = zipfile.ZipFile(io.BytesIO(response.read())).read("app.py").decode()
    assert "'one'" in app
