from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from studyapp.accounts.cohorts import (
    CODE_ALPHABET,
    CohortError,
    cohort_create,
    cohort_join,
)
from studyapp.accounts.models import Cohort, Membership

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def test_an_instructor_creates_a_cohort_with_an_unambiguous_invite_code(instructor_client):
    response = instructor_client.post(reverse("cohorts:list"), {"name": "Spring class"})
    cohort = Cohort.objects.get(name="Spring class")
    assert response["Location"] == reverse("cohorts:detail", args=[cohort.id])
    assert len(cohort.code) == 8
    assert set(cohort.code) <= set(CODE_ALPHABET)


def test_a_cohort_without_a_name_is_refused_with_a_message(instructor_client):
    response = instructor_client.post(reverse("cohorts:list"), {"name": "  "})
    assert "Give the cohort a name." in response.content.decode()
    assert not Cohort.objects.exists()


def test_a_learner_joins_with_the_code_typed_loosely(learner, instructor):
    cohort = cohort_create(instructor=instructor, name="Spring class")
    loose = f" {cohort.code[:4].lower()}-{cohort.code[4:]} "
    assert cohort_join(user=learner, code=loose, now=NOW) == cohort
    assert Membership.objects.get(cohort=cohort, user=learner).joined_at == NOW


def test_joining_twice_keeps_one_membership(learner, instructor):
    cohort = cohort_create(instructor=instructor, name="Spring class")
    cohort_join(user=learner, code=cohort.code, now=NOW)
    cohort_join(user=learner, code=cohort.code, now=NOW)
    assert Membership.objects.filter(cohort=cohort, user=learner).count() == 1


def test_a_wrong_code_explains_and_joins_nothing(learner_client, learner):
    response = learner_client.post(reverse("accounts:join"), {"code": "NOPE2345"})
    assert "No cohort has the code" in response.content.decode()
    assert not Membership.objects.exists()


def test_the_invite_link_names_the_cohort_and_joining_shows_it_on_the_profile(
    learner_client, instructor
):
    cohort = cohort_create(instructor=instructor, name="Spring class")
    invite = learner_client.get(reverse("accounts:join_code", args=[cohort.code]))
    assert "You are invited to <strong>Spring class</strong>" in invite.content.decode()
    learner_client.post(reverse("accounts:join"), {"code": cohort.code})
    assert "Spring class" in learner_client.get(reverse("accounts:profile")).content.decode()


def test_a_new_code_stops_the_old_one_but_keeps_the_members(instructor_client, instructor, learner):
    cohort = cohort_create(instructor=instructor, name="Spring class")
    cohort_join(user=learner, code=cohort.code, now=NOW)
    old = cohort.code
    instructor_client.post(reverse("cohorts:regenerate_code", args=[cohort.id]))
    cohort.refresh_from_db()
    assert cohort.code != old
    with pytest.raises(CohortError):
        cohort_join(user=learner, code=old, now=NOW)
    assert Membership.objects.filter(cohort=cohort).count() == 1


def test_a_learner_leaves_a_cohort(learner_client, learner, instructor):
    cohort = cohort_create(instructor=instructor, name="Spring class")
    cohort_join(user=learner, code=cohort.code, now=NOW)
    learner_client.post(reverse("accounts:cohort_leave", args=[cohort.id]))
    assert not Membership.objects.exists()


def test_an_instructor_cannot_see_another_instructors_cohort(instructor_client, other_instructor):
    theirs = cohort_create(instructor=other_instructor, name="Their class")
    assert instructor_client.get(reverse("cohorts:detail", args=[theirs.id])).status_code == 404
    response = instructor_client.post(reverse("cohorts:regenerate_code", args=[theirs.id]))
    assert response.status_code == 404
    assert "Their class" not in instructor_client.get(reverse("cohorts:list")).content.decode()


@pytest.mark.parametrize(
    ("method", "name", "args"),
    [
        ("get", "cohorts:list", []),
        ("post", "cohorts:list", []),
        ("get", "cohorts:detail", [1]),
        ("post", "cohorts:regenerate_code", [1]),
    ],
)
def test_a_learner_gets_403_on_every_cohort_management_url(learner_client, method, name, args):
    response = getattr(learner_client, method)(reverse(name, args=args))
    assert response.status_code == 403
    assert not Cohort.objects.exists()


def test_an_instructor_cannot_join_their_own_cohort(instructor):
    cohort = cohort_create(instructor=instructor, name="Spring class")
    with pytest.raises(CohortError, match="You teach this cohort"):
        cohort_join(user=instructor, code=cohort.code, now=NOW)
