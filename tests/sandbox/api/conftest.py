"""Fixtures of the Lambda API tests: a live server, a real sandbox service, an access key, boto3."""

from __future__ import annotations

import boto3
import pytest
from botocore.config import Config
from django.utils import timezone

from studyapp.accounts.access_keys import access_key_create

NO_RETRIES = Config(retries={"total_max_attempts": 1, "mode": "standard"}, read_timeout=60)


@pytest.fixture
def access_key(learner):
    return access_key_create(user=learner, now=timezone.now())


def client_for(live_server, key) -> object:
    return boto3.client(
        "lambda",
        endpoint_url=live_server.url,
        region_name="us-east-1",
        aws_access_key_id=key.key.access_key_id,
        aws_secret_access_key=key.secret_access_key,
        config=NO_RETRIES,
    )


@pytest.fixture
def lambda_client(live_server, sandbox_service, api_samples, access_key, task_worker):
    """boto3's Lambda client, signed with the learner's key, pointed at the live server (a task
    worker runs the invocations, as `manage.py db_worker` does beside the web server)."""
    return client_for(live_server, access_key)
