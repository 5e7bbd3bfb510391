"""Log-in and sign-up hardening: guessing a password or mass-creating accounts is slowed down.

The clock is moved by ageing the recorded attempts (what django-axes counts), never by sleeping.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.db.models import F
from django.urls import reverse

from studyapp.accounts.cohorts import cohort_create
from studyapp.accounts.forms import USERNAME_UNAVAILABLE
from studyapp.accounts.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "the-right-passphrase-42"


@pytest.fixture
def account() -> User:
    return User.objects.create_user("ada", password=PASSWORD)


def log_in(client, username: str, password: str, address: str = "203.0.113.7"):
    return client.post(
        reverse("accounts:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def fail(client, times: int, username: str = "ada", address: str = "203.0.113.7") -> list[int]:
    """Try a wrong password `times` times; the status of each answer."""
    return [log_in(client, username, "wrong-guess", address).status_code for _ in range(times)]


def move_clock_past_the_cooloff(settings) -> None:
    AccessAttempt.objects.update(
        attempt_time=F("attempt_time")
        - timedelta(minutes=settings.LOGIN_COOLOFF_MINUTES, seconds=1)
    )


def test_the_right_password_logs_in(client, account):
    response = log_in(client, "ada", PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_the_failure_that_reaches_the_limit_pauses_the_account(client, account, settings):
    limit = settings.LOGIN_FAILURE_LIMIT
    assert fail(client, limit) == [200] * (limit - 1) + [429]


def test_after_repeated_wrong_passwords_even_the_right_one_is_refused(client, account, settings):
    fail(client, settings.LOGIN_FAILURE_LIMIT)
    response = log_in(client, "ada", PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many wrong passwords were tried for this account" in page
    assert f"paused for {settings.LOGIN_COOLOFF_MINUTES} minutes" in page
    assert "_auth_user_id" not in client.session


def test_once_the_cooloff_has_passed_the_right_password_works_again(client, account, settings):
    fail(client, settings.LOGIN_FAILURE_LIMIT)
    assert log_in(client, "ada", PASSWORD).status_code == 429
    move_clock_past_the_cooloff(settings)
    response = log_in(client, "ada", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(account.pk)


def test_fewer_failures_than_the_limit_do_not_lock(client, account, settings):
    assert set(fail(client, settings.LOGIN_FAILURE_LIMIT - 1)) == {200}
    assert log_in(client, "ada", PASSWORD).status_code == 302


def test_a_locked_account_does_not_lock_another_account(client, account, settings):
    User.objects.create_user("bo", password=PASSWORD)
    fail(client, settings.LOGIN_FAILURE_LIMIT, username="ada")
    assert log_in(client, "bo", PASSWORD).status_code == 302


def test_one_address_failing_across_many_accounts_is_paused(client, account, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 6
    for number in range(6):  # six different accounts, one wrong guess each
        assert fail(client, 1, username=f"guess-{number}", address="198.51.100.9") == [200]
    response = log_in(client, "ada", PASSWORD, address="198.51.100.9")
    assert response.status_code == 429
    assert "Too many log-ins from this network failed" in response.content.decode()
    assert log_in(client, "ada", PASSWORD, address="192.0.2.1").status_code == 302


# -- sign-up ------------------------------------------------------------------------------------


def sign_up(client, username: str, address: str = "203.0.113.7", **extra):
    return client.post(
        reverse("accounts:signup"),
        {"username": username, "password1": PASSWORD, "password2": PASSWORD, **extra},
        REMOTE_ADDR=address,
    )


def test_a_taken_username_and_an_invalid_one_get_the_same_message(client, account):
    taken = sign_up(client, "ada").content.decode()
    invalid = sign_up(client, "no spaces!").content.decode()
    assert USERNAME_UNAVAILABLE in taken and USERNAME_UNAVAILABLE in invalid
    assert "already exists" not in taken


def test_a_taken_username_in_another_case_gets_the_same_message(client, account):
    page = sign_up(client, "ADA").content.decode()
    assert USERNAME_UNAVAILABLE in page and "already exists" not in page
    assert User.objects.filter(username__iexact="ada").count() == 1


def test_sign_ups_from_one_address_are_limited_per_hour(client, settings):
    settings.SIGNUP_RATE_PER_HOUR = 2
    for number in range(2):
        assert sign_up(client, f"learner-{number}").status_code == 302
        client.logout()
    response = sign_up(client, "one-too-many")
    assert response.status_code == 429
    assert "Too many accounts were created from here" in response.content.decode()
    assert not User.objects.filter(username="one-too-many").exists()
    assert sign_up(client, "from-elsewhere", address="192.0.2.44").status_code == 302


def test_closed_sign_up_creates_nobody(client, settings):
    settings.SIGNUP = "closed"
    assert client.get(reverse("accounts:signup")).status_code == 403
    assert sign_up(client, "newcomer").status_code == 403
    assert not User.objects.filter(username="newcomer").exists()


def test_invite_only_sign_up_needs_a_cohort_code_and_joins_that_cohort(
    client, settings, instructor
):
    settings.SIGNUP = "invite"
    cohort = cohort_create(instructor=instructor, name="Lambda evening class")
    refused = sign_up(client, "no-code", code="NOPE-0000")
    assert refused.status_code == 200
    assert "No cohort has this code" in refused.content.decode()
    assert not User.objects.filter(username="no-code").exists()
    assert sign_up(client, "invited", code=cohort.code.lower()).status_code == 302
    assert cohort.memberships.filter(user__username="invited").exists()
