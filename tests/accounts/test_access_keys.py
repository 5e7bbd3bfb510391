"""Access keys and Signature Version 4, checked against requests signed by botocore itself."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from studyapp.accounts.access_keys import (
    AccessKeyError,
    access_key_authenticate,
    access_key_create,
)
from studyapp.accounts.models import AccessKey
from studyapp.accounts.sigv4 import SignatureError
from studyapp.sandbox.api.auth import signed_request_from

pytestmark = pytest.mark.django_db

URL = "http://testserver/2015-03-31/functions/cold-start-vs-warm/invocations"


def signed_django_request(url: str, *, key_id: str, secret: str, body: bytes = b"{}"):
    """Sign with botocore exactly as boto3 does, then replay the request into Django."""
    aws_request = AWSRequest(method="POST", url=url, data=body, headers={})
    SigV4Auth(Credentials(key_id, secret), "lambda", "us-east-1").add_auth(aws_request)
    parts = urlsplit(url)
    headers = {**dict(aws_request.headers.items()), "Host": parts.netloc}
    return RequestFactory().generic(
        "POST",
        parts.path + (f"?{parts.query}" if parts.query else ""),
        data=aws_request.body,
        content_type="application/json",
        headers=headers,
    )


@pytest.fixture
def key(learner):
    return access_key_create(user=learner, now=timezone.now())


def test_a_request_signed_with_the_key_authenticates_its_owner(key, learner):
    request = signed_django_request(URL, key_id=key.key.access_key_id, secret=key.secret_access_key)
    assert (
        access_key_authenticate(signed_request_from(request, body=request.body), now=timezone.now())
        == learner
    )


def test_an_arn_in_the_path_and_a_query_string_are_signed_like_botocore_does(key, learner):
    url = (
        "http://testserver/2015-03-31/functions/"
        "arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Ademo/invocations?Qualifier=%24LATEST"
    )
    request = signed_django_request(url, key_id=key.key.access_key_id, secret=key.secret_access_key)
    assert (
        access_key_authenticate(signed_request_from(request, body=request.body), now=timezone.now())
        == learner
    )


def test_a_wrong_secret_is_refused(key):
    request = signed_django_request(URL, key_id=key.key.access_key_id, secret="x" * 40)
    with pytest.raises(SignatureError, match="does not match the signature") as raised:
        access_key_authenticate(signed_request_from(request, body=request.body), now=timezone.now())
    assert raised.value.error_type == "InvalidSignatureException"


def test_a_stale_signature_is_refused(key):
    request = signed_django_request(URL, key_id=key.key.access_key_id, secret=key.secret_access_key)
    with pytest.raises(SignatureError, match="Signature expired"):
        access_key_authenticate(
            signed_request_from(request, body=request.body),
            now=timezone.now() + timedelta(minutes=16),
        )


def test_a_tampered_body_is_refused(key):
    request = signed_django_request(
        URL, key_id=key.key.access_key_id, secret=key.secret_access_key, body=b'{"a": 1}'
    )
    request._body = b'{"a": 2}'
    with pytest.raises(SignatureError) as raised:
        access_key_authenticate(signed_request_from(request, body=request.body), now=timezone.now())
    assert raised.value.error_type == "InvalidSignatureException"


def test_a_revoked_or_unknown_key_is_unrecognised(key, learner_client):
    learner_client.post(reverse("accounts:access_key_revoke", args=[key.key.access_key_id]))
    for key_id in (key.key.access_key_id, "AKIAUNKNOWNUNKNOWN00"):
        request = signed_django_request(URL, key_id=key_id, secret=key.secret_access_key)
        with pytest.raises(SignatureError) as raised:
            access_key_authenticate(
                signed_request_from(request, body=request.body), now=timezone.now()
            )
        assert raised.value.error_type == "UnrecognizedClientException"


def test_an_unsigned_request_is_refused():
    request = RequestFactory().post("/2015-03-31/functions/x/invocations", data={})
    with pytest.raises(SignatureError) as raised:
        access_key_authenticate(signed_request_from(request, body=request.body), now=timezone.now())
    assert raised.value.error_type == "MissingAuthenticationTokenException"


def test_the_secret_is_not_stored(key):
    stored = AccessKey.objects.filter(id=key.key.id).values().get()
    assert key.secret_access_key not in json.dumps(stored, default=str)


def test_a_learner_has_at_most_two_active_keys(learner):
    access_key_create(user=learner, now=timezone.now())
    access_key_create(user=learner, now=timezone.now())
    with pytest.raises(AccessKeyError, match="revoke one first"):
        access_key_create(user=learner, now=timezone.now())


def test_the_profile_shows_a_new_secret_once(learner_client):
    created = learner_client.post(reverse("accounts:access_key_new")).content.decode()
    key = AccessKey.objects.get()
    assert key.access_key_id in created
    assert "Secret access key" in created
    again = learner_client.get(reverse("accounts:profile")).content.decode()
    assert key.access_key_id in again
    assert "Secret access key" not in again


def test_a_learner_cannot_revoke_another_learners_key(key, client, django_user_model):
    other = django_user_model.objects.create_user(username="mallory", password="x-42-y-42-z")
    client.force_login(other)
    response = client.post(reverse("accounts:access_key_revoke", args=[key.key.access_key_id]))
    assert "No such active access key." in response.content.decode()
    assert AccessKey.objects.get().revoked_at is None


def test_create_access_key_prints_a_working_pair_as_json(learner):
    out = io.StringIO()
    call_command("create_access_key", "--user", learner.username, "--json", stdout=out)
    pair = json.loads(out.getvalue())
    assert set(pair) == {"access_key_id", "secret_access_key"}
    request = signed_django_request(
        URL, key_id=pair["access_key_id"], secret=pair["secret_access_key"]
    )
    assert (
        access_key_authenticate(signed_request_from(request, body=request.body), now=timezone.now())
        == learner
    )
