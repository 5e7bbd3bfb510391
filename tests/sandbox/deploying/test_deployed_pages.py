"""A function deployed from a package (no topic, no default event, several files) has a page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from studyapp.sandbox.deploying import function_create, function_delete
from studyapp.sandbox.models import Function
from tests.factories import new_function_make

pytestmark = pytest.mark.django_db

NEW = new_function_make(name="orders-api", description="Deployed from a zip")
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


def test_a_deployed_functions_code_is_read_only_beside_edit_a_copy(learner_client, learner):
    function = function_create(user=learner, new=NEW, code=CODE)
    page = learner_client.get(function.get_absolute_url()).content.decode()
    assert "Deployed from a package · code read-only" in page
    assert "Edit a copy" in page
    assert 'class="code-view"' in page and "data-editor" not in page
    assert "<code>lib/words.py</code>" in page


def test_saving_code_on_a_deployed_function_is_refused_and_changes_nothing(learner_client, learner):
    function = function_create(user=learner, new=NEW, code=CODE)
    response = learner_client.post(
        reverse("sandbox:save", args=[function.pk]),
        {
            "code": "def handler(event, context):\n    return 2\n",
            "memory_mb": 128,
            "timeout_s": 3,
            "ephemeral_storage_mb": 512,
            "log_format": "Text",
            "environment": "",
            "event": "{}",
            "count": 1,
        },
    )
    assert response.status_code == 403
    function.refresh_from_db()
    assert function.code == CODE


def test_edit_a_copy_gives_an_editable_function_with_the_deployed_code(learner_client, learner):
    function = function_create(user=learner, new=NEW, code=CODE)
    response = learner_client.post(reverse("sandbox:copy", args=[function.pk]))
    copy = Function.objects.active().get(owner=learner, copied_from=function)
    assert response.url == copy.get_absolute_url()
    assert copy.code == CODE and not copy.deployed
    page = learner_client.get(copy.get_absolute_url()).content.decode()
    assert "data-editor" in page and "Deployed from a package" not in page


def test_the_page_lists_versions_and_an_aliases_weights(learner_client, learner):
    from studyapp.sandbox.deploying import function_code_replace
    from studyapp.sandbox.versions import alias_create, version_publish

    function = function_create(user=learner, new=NEW, code=CODE)
    version_publish(function=function, description="first")
    function_code_replace(
        function=function,
        user=learner,
        code={**CODE, "app.py": "def handler(e, c):\n    return 2\n"},
    )
    version_publish(function=function)
    alias_create(function=function, name="live", version="1", weights={"2": 0.1})
    page = learner_client.get(function.get_absolute_url()).content.decode()
    assert "Versions and aliases" in page
    assert "<td>first</td>" in page
    assert "version 1: 90 %, version 2: 10 %" in page
    assert '<option value="live" selected>alias live</option>' in page


def test_another_learner_cannot_invoke_someone_elses_function_by_qualifier(
    client, learner, django_user_model
):
    function_create(user=learner, new=NEW, code=CODE)
    other = django_user_model.objects.create_user(username="eve", password="correct-horse-42")
    client.force_login(other)
    response = client.post(
        reverse("lambda_pages:qualified_invoke", args=["orders-api"]), {"qualifier": "$LATEST"}
    )
    assert response.status_code == 404
