"""ListFunctions pages as Lambda's do: boto3's paginator and the AWS CLI walk every function
once through NextMarker, and a MaxItems or Marker the API does not accept is refused with
Lambda's validation message, not answered with a page."""

from __future__ import annotations

import json

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from studyapp.sandbox.functions import function_copy
from studyapp.sandbox.models import Function

from .conftest import NO_RETRIES, aws_cli, client_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def listing(live_server, api_samples, access_key, learner):
    """boto3 with its own checks of the parameters off, so that what it would refuse reaches the
    API (as it does from any other client); the learner owns two copies of samples."""
    for name in ("cold-start-vs-warm", "environment-config"):
        function_copy(function=Function.objects.samples().get(name=name), user=learner)
    return client_for(
        live_server, access_key, config=NO_RETRIES.merge(Config(parameter_validation=False))
    )


def every_name(client) -> list[str]:
    """The names of every function in one response (there are fewer than 50)."""
    response = client.list_functions()
    assert "NextMarker" not in response
    return [function["FunctionName"] for function in response["Functions"]]


def refusal(client, **params) -> tuple[int, str, str]:
    with pytest.raises(ClientError) as raised:
        client.list_functions(**params)
    response = raised.value.response
    return (
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Code"],
        response["Error"]["Message"],
    )


def test_the_paginator_walks_every_function_once_a_page_at_a_time(listing):
    names = every_name(listing)
    pages = list(listing.get_paginator("list_functions").paginate(PaginationConfig={"PageSize": 1}))
    assert [len(page["Functions"]) for page in pages] == [1] * len(names)
    assert [page["Functions"][0]["FunctionName"] for page in pages] == names
    assert all("NextMarker" in page for page in pages[:-1])
    assert "NextMarker" not in pages[-1]


def test_the_learners_copies_come_first_and_shadow_the_samples_of_their_name(listing, learner):
    names = every_name(listing)
    own = sorted(Function.objects.owned_by(learner).values_list("name", flat=True))
    assert names[: len(own)] == own
    assert len(names) == len(set(names))


def test_the_aws_cli_pages_through_every_function(listing, live_server, access_key, tmp_path):
    done = aws_cli(
        "lambda",
        "list-functions",
        "--page-size",
        "2",
        endpoint_url=live_server.url,
        key=access_key,
        home=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    listed = [function["FunctionName"] for function in json.loads(done.stdout)["Functions"]]
    assert listed == every_name(listing)


def test_max_items_above_fifty_still_answers_at_most_fifty(listing):
    response = listing.list_functions(MaxItems=10000)
    assert [f["FunctionName"] for f in response["Functions"]] == every_name(listing)


@pytest.mark.parametrize(
    ("max_items", "constraint"),
    [
        (0, "greater than or equal to 1"),
        (-5, "greater than or equal to 1"),
        (10001, "less than or equal to 10000"),
    ],
)
def test_max_items_outside_lambdas_range_is_refused(listing, max_items, constraint):
    assert refusal(listing, MaxItems=max_items) == (
        400,
        "InvalidParameterValueException",
        f"1 validation error detected: Value '{max_items}' at 'maxItems' failed to satisfy "
        f"constraint: Member must have value {constraint}",
    )


@pytest.mark.parametrize("marker", ["-1", "abc", "1e3", " 2", "99999999999999999999"])
def test_a_marker_the_api_never_returned_is_refused(listing, marker):
    assert refusal(listing, Marker=marker) == (
        400,
        "InvalidParameterValueException",
        f"Invalid Marker '{marker}': pass the NextMarker of the page before",
    )


def test_a_marker_past_the_end_after_deletions_gives_an_empty_last_page(listing, learner):
    first = listing.list_functions(MaxItems=3)
    Function.objects.owned_by(learner).delete()
    later = listing.list_functions(Marker=str(len(every_name(listing)) + 5))
    assert first["NextMarker"] == "3"
    assert later["Functions"] == []
    assert "NextMarker" not in later


def test_max_items_that_is_not_a_number_is_refused(listing):
    assert refusal(listing, MaxItems="ten") == (
        400,
        "InvalidParameterValueException",
        "1 validation error detected: Value 'ten' at 'maxItems' failed to satisfy constraint: "
        "Member must be an integer",
    )
