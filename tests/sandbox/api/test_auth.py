"""Every API request is signed with SigV4; a key reaches only its owner's functions and samples."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from django.utils import timezone

from studyapp.accounts.access_keys import access_key_create, access_key_revoke
from studyapp.sandbox.models import Function
from tests.sandbox.api.conftest import NO_RETRIES, client_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_wrong_secret_is_refused_with_403_and_lambdas_error_type(
    live_server, api_samples, access_key
):
    client = boto3.client(
        "lambda",
        endpoint_url=live_server.url,
        region_name="us-east-1",
        aws_access_key_id=access_key.key.access_key_id,
        aws_secret_access_key="not-the-secret-" * 3,
        config=NO_RETRIES,
    )
    with pytest.raises(ClientError) as raised:
        client.invoke(FunctionName="cold-start-vs-warm", Payload=b"{}")
    response = raised.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-errortype"] == (
        "InvalidSignatureException"
    )
    assert response["Error"]["Code"] == "InvalidSignatureException"
    assert "signature we calculated does not match" in response["Error"]["Message"]


def test_an_unknown_access_key_is_an_unrecognized_client(live_server, api_samples):
    client = boto3.client(
        "lambda",
        endpoint_url=live_server.url,
        region_name="us-east-1",
        aws_access_key_id="AKIAEXAMPLEEXAMPLE00",
        aws_secret_access_key="x" * 40,
        config=NO_RETRIES,
    )
    with pytest.raises(ClientError) as raised:
        client.list_functions()
    assert raised.value.response["Error"]["Code"] == "UnrecognizedClientException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_a_revoked_key_no_longer_works(live_server, api_samples, access_key, learner):
    client = client_for(live_server, access_key)
    access_key_revoke(user=learner, access_key_id=access_key.key.access_key_id, now=timezone.now())
    with pytest.raises(ClientError) as raised:
        client.list_functions()
    assert raised.value.response["Error"]["Code"] == "UnrecognizedClientException"


def test_an_unsigned_request_is_refused(live_server, api_samples):
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        f"{live_server.url}/2015-03-31/functions/cold-start-vs-warm/invocations",
        data=b"{}",
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request)
    assert raised.value.code == 403
    assert raised.value.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def test_another_learners_function_is_not_found(
    live_server, api_samples, access_key, django_user_model
):
    other = django_user_model.objects.create_user(username="other", password="correct-horse-42")
    sample = Function.objects.samples().get(name="cold-start-vs-warm")
    Function.objects.create(
        owner=other,
        name="others-secret",
        title="Someone else's",
        handler=sample.handler,
        code=sample.code,
    )
    client = client_for(live_server, access_key)
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.invoke(FunctionName="others-secret", Payload=b"{}")
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_function_configuration(FunctionName="others-secret")
    names = {f["FunctionName"] for f in client.list_functions()["Functions"]}
    assert "others-secret" not in names
    # ...while its owner reaches it with their own key
    owner_client = client_for(live_server, access_key_create(user=other, now=timezone.now()))
    configuration = owner_client.get_function_configuration(FunctionName="others-secret")
    assert configuration["FunctionName"] == "others-secret"
