"""Sandbox runs are for verified accounts: a cohort member, an account an administrator
verified, an instructor; everyone else is told how to get access."""

from __future__ import annotations

import pytest
from django.utils import timezone

from studyapp.accounts.cohorts import cohort_create, cohort_join
from studyapp.accounts.demo import demo_users_ensure
from studyapp.accounts.sandbox_access import sandbox_access_allowed

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer(django_user_model):
    return django_user_model.objects.create_user(username="newcomer", password="x-correct-horse")


def test_a_new_account_has_no_sandbox_access(newcomer):
    assert sandbox_access_allowed(newcomer) is False


def test_joining_an_instructors_cohort_with_its_code_gives_access(newcomer, instructor):
    cohort = cohort_create(instructor=instructor, name="Spring class")
    cohort_join(user=newcomer, code=cohort.code, now=timezone.now())
    assert sandbox_access_allowed(newcomer) is True


def test_an_archived_cohort_no_longer_gives_access(newcomer, instructor):
    cohort = cohort_create(instructor=instructor, name="Spring class")
    cohort_join(user=newcomer, code=cohort.code, now=timezone.now())
    cohort.archived_at = timezone.now()
    cohort.save()
    assert sandbox_access_allowed(newcomer) is False


def test_an_administrators_verification_gives_access(newcomer):
    newcomer.sandbox_verified = True
    newcomer.save()
    assert sandbox_access_allowed(newcomer) is True


def test_an_instructor_has_access(instructor):
    assert sandbox_access_allowed(instructor) is True


def test_the_demo_learner_is_verified_so_make_run_shows_a_working_sandbox():
    learner = next(user for user in demo_users_ensure() if user.username == "learner")
    learner.refresh_from_db()
    assert learner.sandbox_verified is True
    assert sandbox_access_allowed(learner) is True


def test_the_admin_can_verify_an_account(admin_client, newcomer):
    page = admin_client.get(f"/admin/accounts/user/{newcomer.pk}/change/").content.decode()
    assert 'name="sandbox_verified"' in page
