"""The Lambda API answers an account not verified for the sandbox as Lambda answers a caller
without permission: AccessDeniedException, 403, and nothing runs."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from django.utils import timezone

from studyapp.accounts.access_keys import access_key_create
from studyapp.sandbox.models import Invocation
from tests.sandbox.api.conftest import client_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def newcomer_client(live_server, api_samples, django_user_model):
    newcomer = django_user_model.objects.create_user(
        username="newcomer", password="x-correct-horse"
    )
    return client_for(live_server, access_key_create(user=newcomer, now=timezone.now()))


@pytest.mark.parametrize("invocation_type", ["RequestResponse", "Event", "DryRun"])
def test_invoke_by_an_account_not_verified_is_access_denied(newcomer_client, invocation_type):
    with pytest.raises(ClientError) as raised:
        newcomer_client.invoke(
            FunctionName="cold-start-vs-warm", InvocationType=invocation_type, Payload=b"{}"
        )
    response = raised.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert response["Error"]["Code"] == "AccessDeniedException"
    assert response["Error"]["Message"].startswith(
        "User: arn:aws:iam::123456789012:user/newcomer is not authorized to perform: "
        "lambda:InvokeFunction on resource: "
        "arn:aws:lambda:us-east-1:123456789012:function:cold-start-vs-warm because no "
        "identity-based policy allows the lambda:InvokeFunction action."
    )
    assert "join your instructor's cohort with its invite code" in response["Error"]["Message"]
    assert not Invocation.objects.exists()


def test_reading_functions_is_still_allowed(newcomer_client):
    names = [f["FunctionName"] for f in newcomer_client.list_functions()["Functions"]]
    assert "cold-start-vs-warm" in names
