"""Fixtures of the Lambda API tests: a live server, a real sandbox service, an access key, boto3."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from django.utils import timezone

from studyapp.accounts.access_keys import access_key_create

NO_RETRIES = Config(retries={"total_max_attempts": 1, "mode": "standard"}, read_timeout=60)
AWS = Path(sys.executable).parent / "aws"


@pytest.fixture
def access_key(learner):
    return access_key_create(user=learner, now=timezone.now())


def client_for(live_server, key, *, config: Config = NO_RETRIES) -> object:
    return boto3.client(
        "lambda",
        endpoint_url=live_server.url,
        region_name="us-east-1",
        aws_access_key_id=key.key.access_key_id,
        aws_secret_access_key=key.secret_access_key,
        config=config,
    )


@pytest.fixture
def lambda_client(live_server, sandbox_service, api_samples, access_key, task_worker):
    """boto3's Lambda client, signed with the learner's key, pointed at the live server (a task
    worker runs the invocations, as `manage.py task_worker` does beside the web server)."""
    return client_for(live_server, access_key)


def aws_cli(
    *args: str, endpoint_url: str, key, home: Path, region: str = "us-east-1"
) -> subprocess.CompletedProcess:
    """Run the AWS CLI (``aws <service> <operation> ...``) against ``endpoint_url``, signed with
    the access key ``key``; ``home`` is its home and working folder, with empty config and
    credentials files of its own, so nothing of the machine's AWS set-up reaches it."""
    (home / "config").write_text("")
    (home / "credentials").write_text("")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "AWS_ACCESS_KEY_ID": key.key.access_key_id,
        "AWS_SECRET_ACCESS_KEY": key.secret_access_key,
        "AWS_CONFIG_FILE": str(home / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
        "AWS_MAX_ATTEMPTS": "1",
    }
    return subprocess.run(
        [str(AWS), *args, "--endpoint-url", endpoint_url, "--region", region],
        env=env,
        cwd=home,
        capture_output=True,
        text=True,
        timeout=120,
    )
