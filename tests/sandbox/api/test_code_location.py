"""GetFunction's Code.Location: a link that is its own permission, as S3's presigned URLs are.
It downloads the code for ten minutes, then is refused as S3 refuses an expired presigned URL;
a link changed after it was signed is refused too. The clock is moved, never waited for."""

from __future__ import annotations

import io
import urllib.error
import urllib.request
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from django.core import signing
from freezegun import freeze_time

from studyapp.sandbox import deploying

ROLE = "arn:aws:iam::123456789012:role/lambda-basic"
ISSUED = datetime(2030, 3, 1, 12, 0, 0, tzinfo=UTC)
FILES = {
    "app.py": (
        b"from lib.words import greeting\n\ndef handler(event, context):\n    return greeting\n"
    ),
    "lib/__init__.py": b"",
    "lib/words.py": "greeting = 'h\u00e9llo'\n".encode(),
}
SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your key and signing method."
)


def package() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in FILES.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def files_of(zip_bytes: bytes) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(zip_bytes))
    return {name: archive.read(name) for name in archive.namelist()}


def download(url: str) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body, as a developer's `curl` of the link gets them."""
    try:
        with urllib.request.urlopen(url) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as refused:
        return refused.code, dict(refused.headers), refused.read()


def s3_error(code: str, message: str, request_id: str, **details: str) -> bytes:
    fields = {"Code": code, "Message": message, **details, "RequestId": request_id}
    inner = "".join(f"<{name}>{value}</{name}>" for name, value in fields.items())
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<Error>{inner}</Error>'.encode()


@pytest.fixture
def orders(lambda_client) -> str:
    lambda_client.create_function(
        FunctionName="orders",
        Runtime="python3.13",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": package()},
    )
    return "orders"


@pytest.fixture
def location(lambda_client, orders) -> str:
    """Code.Location as GetFunction gave it at ISSUED."""
    with freeze_time(ISSUED):
        return lambda_client.get_function(FunctionName=orders)["Code"]["Location"]


# -- the link itself: a pure function of the link and the time ----------------------------------


def sign(now: datetime = ISSUED) -> str:
    return deploying.code_link_sign(function_id=7, version="3", code_sha256="c2hh", now=now)


def test_a_code_link_names_the_code_it_was_signed_for_and_expires_ten_minutes_later():
    link = deploying.code_link_read(token=sign(), now=ISSUED)
    assert link == deploying.CodeLink(
        function_id=7, version="3", code_sha256="c2hh", expires_at=ISSUED + timedelta(minutes=10)
    )


def test_a_code_link_signed_within_a_second_expires_at_the_same_whole_second():
    late_in_the_second = ISSUED + timedelta(microseconds=999_999)
    link = deploying.code_link_read(token=sign(late_in_the_second), now=ISSUED)
    assert link.expires_at == ISSUED + timedelta(minutes=10)


def test_a_code_link_still_works_at_the_second_it_expires():
    link = deploying.code_link_read(token=sign(), now=ISSUED + timedelta(seconds=600))
    assert link.function_id == 7


def test_a_code_link_is_refused_one_second_after_it_expires():
    with pytest.raises(deploying.CodeLinkExpired) as refused:
        deploying.code_link_read(token=sign(), now=ISSUED + timedelta(seconds=601))
    assert refused.value.expires_at == ISSUED + timedelta(seconds=600)


def test_a_code_link_with_a_changed_signature_is_refused():
    token = sign()
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(deploying.CodeLinkInvalid):
        deploying.code_link_read(token=tampered, now=ISSUED)


def test_a_code_link_given_a_later_links_claims_is_refused():
    """Its expiry cannot be pushed back by pasting in the claims of a link signed later."""
    later_claims = sign(ISSUED + timedelta(days=1)).split(":", 1)[0]
    franken = later_claims + ":" + sign().split(":", 1)[1]
    with pytest.raises(deploying.CodeLinkInvalid):
        deploying.code_link_read(token=franken, now=ISSUED + timedelta(hours=1))


def test_a_token_signed_for_something_else_is_not_a_code_link():
    other = signing.dumps({"f": 7, "v": "3", "sha": "c2hh", "exp": 9_999_999_999})
    with pytest.raises(deploying.CodeLinkInvalid):
        deploying.code_link_read(token=other, now=ISSUED)


# -- the link as boto3 gets it from GetFunction and a developer downloads it ---------------------

live = pytest.mark.django_db(transaction=True)


@live
def test_code_location_downloads_the_uploaded_files(lambda_client, orders):
    url = lambda_client.get_function(FunctionName=orders)["Code"]["Location"]
    status, headers, body = download(url)
    assert status == 200
    assert headers["Content-Type"] == "application/zip"
    assert headers["Content-Disposition"] == 'attachment; filename="orders.zip"'
    assert files_of(body) == FILES


@live
def test_code_location_still_downloads_at_the_last_second_of_its_ten_minutes(location):
    with freeze_time(ISSUED + timedelta(seconds=600)):
        status, _, body = download(location)
    assert status == 200
    assert files_of(body) == FILES


@live
def test_an_expired_code_location_is_refused_as_s3_refuses_an_expired_presigned_url(location):
    with freeze_time(ISSUED + timedelta(seconds=601)):
        status, headers, body = download(location)
    assert status == 403
    assert headers["Content-Type"] == "application/xml"
    assert body == s3_error(
        "AccessDenied",
        "Request has expired",
        headers["x-amz-request-id"],
        **{
            "X-Amz-Expires": "600",
            "Expires": "2030-03-01T12:10:00Z",
            "ServerTime": "2030-03-01T12:10:01Z",
        },
    )


@live
def test_a_code_location_with_a_tampered_signature_is_refused(location):
    tampered = location.rstrip("/")
    tampered = tampered[:-4] + ("AAAA" if not tampered.endswith("AAAA") else "BBBB")
    with freeze_time(ISSUED + timedelta(minutes=1)):
        status, headers, body = download(tampered)
    assert status == 403
    assert headers["Content-Type"] == "application/xml"
    assert body == s3_error(
        "SignatureDoesNotMatch", SIGNATURE_MISMATCH, headers["x-amz-request-id"]
    )


@live
def test_a_code_location_of_a_deleted_version_is_no_such_key(lambda_client, orders):
    version = lambda_client.publish_version(FunctionName=orders)["Version"]
    url = lambda_client.get_function(FunctionName=orders, Qualifier=version)["Code"]["Location"]
    lambda_client.delete_function(FunctionName=orders, Qualifier=version)
    status, headers, body = download(url)
    assert status == 404
    assert headers["Content-Type"] == "application/xml"
    assert body == s3_error(
        "NoSuchKey", "The specified key does not exist.", headers["x-amz-request-id"]
    )
