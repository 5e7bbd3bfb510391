"""The session's user is read with their role in one query: the header's role and the instructor
pages' permission check read nothing more, and the role answers exactly as Django's model
backend would, from the user's next request on after a change."""

from __future__ import annotations

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from studyapp.accounts.backends import RoleBackend
from studyapp.accounts.models import INSTRUCTORS_GROUP, TEACH_PERMISSION, User
from studyapp.accounts.roles import instructor_grant

pytestmark = pytest.mark.django_db

BACKEND = "studyapp.accounts.backends.RoleBackend"
PASSWORD = "correct-horse-42"  # the learner's and the instructor's (tests/conftest.py)


def teach_link(client) -> bool:
    """Whether the header of a full page offers the instructor's pages."""
    return f'href="{reverse("teach")}"' in client.get(reverse("accounts:profile")).text


def test_the_session_user_is_read_with_the_role_in_one_query(instructor, django_assert_num_queries):
    with django_assert_num_queries(1):
        user = RoleBackend().get_user(instructor.pk)
    with django_assert_num_queries(0):
        assert user.is_instructor
        assert user.has_perm(TEACH_PERMISSION)


def test_a_learner_read_by_the_backend_is_no_instructor_without_a_query_more(
    learner, django_assert_num_queries
):
    with django_assert_num_queries(1):
        user = RoleBackend().get_user(learner.pk)
    with django_assert_num_queries(0):
        assert not user.is_instructor
        assert not user.has_perm(TEACH_PERMISSION)


def test_the_backend_reads_the_user_as_the_orm_does(learner, client):
    client.post(reverse("accounts:login"), {"username": "ada", "password": PASSWORD})
    by_orm = User.objects.get(pk=learner.pk)
    by_backend = RoleBackend().get_user(str(learner.pk))  # as the session keeps it
    fields = User._meta.concrete_fields
    assert [f.value_from_object(by_backend) for f in fields] == [
        f.value_from_object(by_orm) for f in fields
    ]
    assert by_backend.last_login is not None


def test_an_unknown_user_is_none(db):
    assert RoleBackend().get_user(987654) is None


def test_the_instructors_group_makes_an_instructor(instructor_client):
    assert teach_link(instructor_client)
    assert instructor_client.get(reverse("teach")).status_code == 200


def test_the_permission_granted_to_the_user_alone_makes_an_instructor(learner_client, learner):
    learner.user_permissions.add(Permission.objects.get(codename="teach"))
    assert teach_link(learner_client)
    assert learner_client.get(reverse("teach")).status_code == 200


def test_a_group_without_the_permission_makes_no_instructor(learner_client, learner):
    learner.groups.add(Group.objects.create(name="Readers"))
    assert not teach_link(learner_client)
    assert learner_client.get(reverse("teach")).status_code == 403


def test_a_role_granted_counts_from_the_next_request(learner_client, learner):
    assert not teach_link(learner_client)
    instructor_grant(user=learner)
    assert teach_link(learner_client)
    assert learner_client.get(reverse("teach")).status_code == 200


def test_a_role_revoked_counts_from_the_next_request(instructor_client, instructor):
    assert teach_link(instructor_client)
    instructor.groups.remove(Group.objects.get(name=INSTRUCTORS_GROUP))
    assert not teach_link(instructor_client)
    assert instructor_client.get(reverse("teach")).status_code == 403


def test_a_permission_revoked_from_the_group_counts_from_the_next_request(instructor_client):
    assert teach_link(instructor_client)
    Group.objects.get(name=INSTRUCTORS_GROUP).permissions.clear()
    assert not teach_link(instructor_client)


def test_an_inactive_instructor_is_signed_out(instructor_client, instructor):
    instructor.is_active = False
    instructor.save()
    assert RoleBackend().get_user(instructor.pk) is None
    response = instructor_client.get(reverse("teach"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_an_instructor_read_by_the_backend_and_then_made_inactive_is_not_one(instructor):
    user = RoleBackend().get_user(instructor.pk)
    user.is_active = False
    assert not user.is_instructor
    assert not user.has_perm(TEACH_PERMISSION)


def test_a_superuser_is_an_instructor_without_any_group(
    django_user_model, django_assert_num_queries
):
    admin = django_user_model.objects.create_superuser(username="root", password=PASSWORD)
    user = RoleBackend().get_user(admin.pk)
    with django_assert_num_queries(0):
        assert user.is_instructor
    user.is_active = False
    assert not user.is_instructor


def test_other_permissions_are_read_as_django_reads_them(learner):
    learner.user_permissions.add(Permission.objects.get(codename="view_cohort"))
    user = RoleBackend().get_user(learner.pk)
    assert user.has_perm("accounts.view_cohort")
    assert not user.has_perm("accounts.change_cohort")
    assert user.get_all_permissions() == {"accounts.view_cohort"}


def test_the_role_is_no_object_permission(instructor):
    user = RoleBackend().get_user(instructor.pk)
    assert not user.has_perm(TEACH_PERMISSION, obj=user)  # as Django's model backend answers


def test_logging_in_through_the_page_keeps_the_session_with_this_backend(client, instructor):
    response = client.post(reverse("accounts:login"), {"username": "grace", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session[BACKEND_SESSION_KEY] == BACKEND
    assert teach_link(client)


def test_signing_up_keeps_the_session_with_this_backend(client):
    client.post(
        reverse("accounts:signup"),
        {
            "username": "lin",
            "password1": "a-long-passphrase-17",
            "password2": "a-long-passphrase-17",
        },
    )
    assert client.session[BACKEND_SESSION_KEY] == BACKEND
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_a_password_changed_elsewhere_signs_the_session_out(learner_client, learner):
    assert learner_client.get(reverse("accounts:profile")).status_code == 200
    learner.set_password("another-passphrase-99")
    learner.save()
    response = learner_client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
