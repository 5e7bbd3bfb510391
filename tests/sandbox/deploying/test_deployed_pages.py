"""A function deployed from a package (no topic, no default event, several files) has a page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from studyapp.sandbox.deploying import NewFunction, function_create, function_delete
from studyapp.sandbox.models import Function

pytestmark = pytest.mark.django_db

NEW = NewFunction(
    name="orders-api",
    handler="app.handler",
    description="Deployed from a zip",
    memory_mb=128,
    timeout_s=3,
    ephemeral_storage_mb=512,
    environment={},
    log_format="Text",
)
CODE = {"app.py": "def handler(event, context):\n    return 1\n", "lib/words.py": "X = 1\n"}


def test_a_deployed_function_has_a_page_for_its_owner(learner_client, learner):
    function = function_create(user=learner, new=NEW, code=CODE)
    response = learner_client.get(function.get_absolute_url())
    assert response.status_code == 200
    assert "orders-api" in response.content.decode()
    assert "orders-api" in learner_client.get(reverse("sandbox:index")).content.decode()


def test_a_deleted_function_keeps_its_history_and_frees_its_name(learner):
    first = function_create(user=learner, new=NEW, code=CODE)
    function_delete(function=first, user=learner)
    second = function_create(user=learner, new=NEW, code=CODE)
    first.refresh_from_db()
    assert first.archived_at is not None and first.name != "orders-api"
    assert Function.objects.active().get(owner=learner, name="orders-api") == second
