"""The AWS CLI itself drives the API (`aws lambda invoke --endpoint-url ...`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

AWS = Path(sys.executable).parent / "aws"


def aws(live_server, access_key, tmp_path, *args: str) -> subprocess.CompletedProcess:
    (tmp_path / "config").write_text("")
    (tmp_path / "credentials").write_text("")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "AWS_ACCESS_KEY_ID": access_key.key.access_key_id,
        "AWS_SECRET_ACCESS_KEY": access_key.secret_access_key,
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
        "AWS_MAX_ATTEMPTS": "1",
    }
    return subprocess.run(
        [str(AWS), "lambda", *args, "--endpoint-url", live_server.url, "--region", "us-east-1"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_aws_lambda_invoke_writes_the_response_to_the_outfile(
    live_server, sandbox_service, api_samples, access_key, tmp_path, task_worker
):
    done = aws(
        live_server,
        access_key,
        tmp_path,
        "invoke",
        "--function-name",
        "cold-start-vs-warm",
        "--payload",
        "{}",  # AWS CLI v1 sends a blob argument as is (v2 would need --cli-binary-format)
        "out.json",
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["StatusCode"] == 200
    assert summary["ExecutedVersion"] == "$LATEST"
    assert json.loads((tmp_path / "out.json").read_text())["invocation_count"] >= 1


def test_aws_lambda_invoke_of_an_unknown_function_fails_with_the_error(
    live_server, sandbox_service, api_samples, access_key, tmp_path
):
    done = aws(
        live_server,
        access_key,
        tmp_path,
        "invoke",
        "--function-name",
        "nope",
        "out.json",
    )
    assert done.returncode != 0
    assert "ResourceNotFoundException" in done.stderr


def test_aws_lambda_create_function_deploys_a_zip_given_as_fileb(
    live_server, sandbox_service, api_samples, access_key, tmp_path, full_isolation, task_worker
):
    import zipfile

    with zipfile.ZipFile(tmp_path / "function.zip", "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return {'deployed': True}\n")
    created = aws(
        live_server,
        access_key,
        tmp_path,
        "create-function",
        "--function-name",
        "deployed-from-cli",
        "--runtime",
        "python3.13",
        "--role",
        "arn:aws:iam::123456789012:role/lambda-basic",
        "--handler",
        "app.handler",
        "--zip-file",
        "fileb://function.zip",
    )
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["State"] == "Pending"
    invoked = aws(
        live_server,
        access_key,
        tmp_path,
        "invoke",
        "--function-name",
        "deployed-from-cli",
        "out.json",
    )
    assert invoked.returncode == 0, invoked.stderr
    assert json.loads((tmp_path / "out.json").read_text()) == {"deployed": True}
