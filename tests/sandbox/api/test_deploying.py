"""Deploying code through the Lambda API, as `aws lambda create-function --zip-file fileb://`
and boto3 do it: create from a zip, update the code, download it, delete."""

from __future__ import annotations

import io
import json
import stat
import urllib.error
import urllib.request
import zipfile

import pytest

from studyapp.sandbox.models import Function

pytestmark = pytest.mark.django_db(transaction=True)

ARN = "arn:aws:lambda:us-east-1:123456789012:function"
ROLE = "arn:aws:iam::123456789012:role/lambda-basic"
UNZIP_FAILED = "Could not unzip uploaded file. Please check your file, then try to upload again."


def package(answer: str, **extra: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "app.py",
            "from lib.words import greeting\n\n"
            "def handler(event, context):\n"
            f"    return {{'answer': {answer!r}, 'greeting': greeting}}\n",
        )
        archive.writestr("lib/__init__.py", "")
        archive.writestr("lib/words.py", "greeting = 'hello'\n")
        for name, text in extra.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def create(lambda_client, name="orders-api", zip_bytes=None):
    return lambda_client.create_function(
        FunctionName=name,
        Runtime="python3.13",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": zip_bytes or package("v1")},
        Timeout=5,
        MemorySize=256,
    )


def invoke(lambda_client, name="orders-api") -> dict:
    return json.loads(lambda_client.invoke(FunctionName=name, Payload=b"{}")["Payload"].read())


def test_create_function_from_a_zip_deploys_the_package(lambda_client, learner, full_isolation):
    created = create(lambda_client)
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert created["FunctionArn"] == f"{ARN}:orders-api"
    assert (created["State"], created["StateReasonCode"]) == ("Pending", "Creating")
    assert (created["Timeout"], created["MemorySize"]) == (5, 256)
    lambda_client.get_waiter("function_active_v2").wait(
        FunctionName="orders-api", WaiterConfig={"Delay": 1, "MaxAttempts": 5}
    )
    assert invoke(lambda_client) == {"answer": "v1", "greeting": "hello"}
    function = Function.objects.get(owner=learner, name="orders-api")
    assert set(function.code) == {"app.py", "lib/__init__.py", "lib/words.py"}


def test_update_function_code_deploys_the_new_package(lambda_client, full_isolation):
    create(lambda_client)
    updated = lambda_client.update_function_code(FunctionName="orders-api", ZipFile=package("v2"))
    assert updated["LastUpdateStatus"] == "InProgress"
    lambda_client.get_waiter("function_updated_v2").wait(
        FunctionName="orders-api", WaiterConfig={"Delay": 1, "MaxAttempts": 5}
    )
    assert invoke(lambda_client)["answer"] == "v2"


def test_code_location_downloads_the_deployed_zip(lambda_client):
    create(lambda_client, zip_bytes=package("v1", **{"README.md": "# orders\n"}))
    location = lambda_client.get_function(FunctionName="orders-api")["Code"]["Location"]
    with urllib.request.urlopen(location) as response:
        assert response.headers["Content-Type"] == "application/zip"
        downloaded = zipfile.ZipFile(io.BytesIO(response.read()))
    assert sorted(downloaded.namelist()) == [
        "README.md",
        "app.py",
        "lib/__init__.py",
        "lib/words.py",
    ]
    assert downloaded.read("README.md") == b"# orders\n"


def test_a_tampered_code_location_is_refused(lambda_client):
    create(lambda_client)
    location = lambda_client.get_function(FunctionName="orders-api")["Code"]["Location"]
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(location.rstrip("/")[:-4] + "AAAA")
    assert raised.value.code == 403


def test_a_zip_with_a_path_out_of_the_package_is_refused(lambda_client, learner):
    with pytest.raises(lambda_client.exceptions.InvalidParameterValueException) as raised:
        create(lambda_client, zip_bytes=package("v1", **{"../../outside.py": "x = 1\n"}))
    response = raised.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert response["Error"]["Message"] == UNZIP_FAILED
    assert not Function.objects.filter(owner=learner).exists()


def test_a_zip_with_a_link_out_of_the_package_is_refused(lambda_client, learner):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return 1\n")
        link = zipfile.ZipInfo("settings.py")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    with pytest.raises(lambda_client.exceptions.InvalidParameterValueException) as raised:
        create(lambda_client, zip_bytes=buffer.getvalue())
    assert raised.value.response["Error"]["Message"] == UNZIP_FAILED
    assert not Function.objects.filter(owner=learner).exists()


def test_code_that_is_not_a_zip_is_refused(lambda_client):
    with pytest.raises(lambda_client.exceptions.InvalidParameterValueException) as raised:
        create(lambda_client, zip_bytes=b"def handler(event, context): pass\n")
    assert raised.value.response["Error"]["Message"] == UNZIP_FAILED


def test_creating_a_function_that_exists_is_a_conflict(lambda_client):
    create(lambda_client)
    with pytest.raises(lambda_client.exceptions.ResourceConflictException) as raised:
        create(lambda_client)
    response = raised.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert response["Error"]["Message"] == "Function already exist: orders-api"


def test_a_samples_name_is_taken_so_the_api_keeps_reaching_the_sample(lambda_client, learner):
    with pytest.raises(lambda_client.exceptions.ResourceConflictException) as raised:
        create(lambda_client, name="cold-start-vs-warm")
    response = raised.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert response["Error"]["Message"] == "Function already exist: cold-start-vs-warm"
    assert not Function.objects.filter(owner=learner).exists()


def test_update_function_code_of_a_sample_is_refused_in_lambdas_shape(lambda_client):
    with pytest.raises(lambda_client.exceptions.ClientError) as raised:
        lambda_client.update_function_code(FunctionName="cold-start-vs-warm", ZipFile=package("x"))
    response = raised.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert response["Error"]["Code"] == "AccessDeniedException"


def test_update_function_code_of_a_missing_function_is_not_found(lambda_client):
    with pytest.raises(lambda_client.exceptions.ResourceNotFoundException) as raised:
        lambda_client.update_function_code(FunctionName="i-dont-exist", ZipFile=package("x"))
    assert raised.value.response["Error"]["Message"] == f"Function not found: {ARN}:i-dont-exist"


def test_delete_function_removes_it_and_frees_its_name(lambda_client):
    create(lambda_client)
    deleted = lambda_client.delete_function(FunctionName="orders-api")
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(lambda_client.exceptions.ResourceNotFoundException) as raised:
        lambda_client.get_function(FunctionName="orders-api")
    assert raised.value.response["Error"]["Message"] == f"Function not found: {ARN}:orders-api"
    assert create(lambda_client)["FunctionName"] == "orders-api"
