"""The role check of a user the session's backend did not read (a test's, a command's) reads the
permissions in one query and answers as Django's model backend does, for every kind of user
(the session's user comes with the role read: test_role_backend.py)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from studyapp.accounts.models import TEACH_PERMISSION, User

pytestmark = pytest.mark.django_db


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)  # no permissions read yet


def test_an_instructor_is_one_in_one_query_and_the_permission_check_after_it_reads_nothing(
    instructor, django_assert_num_queries
):
    user = fresh(instructor)
    with django_assert_num_queries(1):
        assert user.is_instructor
        assert user.has_perm(TEACH_PERMISSION)


def test_a_learner_is_not_an_instructor(learner, django_assert_num_queries):
    user = fresh(learner)
    with django_assert_num_queries(1):
        assert not user.is_instructor
        assert not user.has_perm(TEACH_PERMISSION)


def test_the_permission_granted_to_the_user_alone_makes_an_instructor(learner):
    learner.user_permissions.add(Permission.objects.get(codename="teach"))
    assert fresh(learner).is_instructor


def test_an_inactive_instructor_is_not_one(instructor):
    instructor.is_active = False
    instructor.save()
    assert not fresh(instructor).is_instructor


def test_a_superuser_is_one_without_any_group(django_user_model, django_assert_num_queries):
    admin = django_user_model.objects.create_superuser(username="root", password="x-2026-long")
    user = fresh(admin)
    with django_assert_num_queries(0):
        assert user.is_instructor


def test_the_role_read_agrees_with_the_model_backend(instructor, learner):
    for user in (instructor, learner):
        by_backend = fresh(user)
        expected = by_backend.get_all_permissions()  # Django's own two reads
        ours = fresh(user)
        ours.permissions_load()
        assert ours.get_all_permissions() == expected
