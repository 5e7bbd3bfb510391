"""The sandbox pages for an account not verified yet: every sample can be read, runs are refused
with how to get access, and nothing is run or recorded."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from studyapp.accounts.sandbox_access import NO_SANDBOX_ACCESS
from studyapp.sandbox.concurrency import Throttled, concurrency_acquire
from studyapp.sandbox.models import ConcurrencyLease, Function, Invocation

pytestmark = pytest.mark.django_db

HEADING = "Running code needs a verified account"


@pytest.fixture
def newcomer(django_user_model):
    return django_user_model.objects.create_user(username="newcomer", password="x-correct-horse")


@pytest.fixture
def newcomer_client(client, newcomer):
    client.force_login(newcomer)
    return client


def cold_start(samples) -> Function:
    return Function.objects.samples().get(name="cold-start-vs-warm")


def test_the_sandbox_page_says_how_to_get_access(newcomer_client, samples):
    html = newcomer_client.get(reverse("sandbox:index")).content.decode()
    assert HEADING in html
    assert f'<a href="{reverse("accounts:join")}">join your instructor' in html


def test_a_samples_page_says_it_too_and_still_shows_the_sample(newcomer_client, samples):
    function = cold_start(samples)
    response = newcomer_client.get(function.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert HEADING in html and function.title in html


def test_a_run_is_refused_with_how_to_get_access_and_nothing_runs(newcomer_client, samples):
    function = cold_start(samples)
    response = newcomer_client.post(
        reverse("sandbox:run", args=[function.pk]),
        {
            "memory_mb": function.memory_mb,
            "timeout_s": function.timeout_s,
            "ephemeral_storage_mb": function.ephemeral_storage_mb,
            "log_format": function.log_format,
            "environment": "",
            "event": "{}",
            "mode": "single",
            "count": 1,
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert NO_SANDBOX_ACCESS.replace("'", "&#x27;") in response.content.decode()
    assert not Invocation.objects.exists() and not ConcurrencyLease.objects.exists()


def test_a_verified_learner_sees_no_such_note(learner_client, samples):
    assert HEADING not in learner_client.get(reverse("sandbox:index")).content.decode()


def test_an_account_not_verified_has_no_concurrency_at_all(newcomer, samples):
    throttle = concurrency_acquire(user=newcomer, function=cold_start(samples), now=timezone.now())
    assert isinstance(throttle, Throttled)
    assert throttle.explanation == NO_SANDBOX_ACCESS
    assert not ConcurrencyLease.objects.exists()
