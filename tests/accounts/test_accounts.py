from __future__ import annotations

import pytest
from django.urls import reverse

from studyapp.accounts.models import User

pytestmark = pytest.mark.django_db

PROTECTED_PAGES = [
    "home",
    "topics:index",
    "cards:index",
    "quizzes:index",
    "sandbox:index",
    "progress:index",
    "accounts:profile",
    "accounts:password_change",
]


def test_sign_up_creates_a_learner_and_logs_them_in(client):
    response = client.post(
        reverse("accounts:signup"),
        {
            "username": "lin",
            "password1": "a-long-passphrase-17",
            "password2": "a-long-passphrase-17",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    user = User.objects.get(username="lin")
    assert not user.is_instructor
    assert client.get(reverse("home")).status_code == 200


def test_sign_up_with_mismatched_passwords_explains_and_creates_nobody(client):
    response = client.post(
        reverse("accounts:signup"),
        {"username": "lin", "password1": "a-long-passphrase-17", "password2": "different-42"},
    )
    assert response.status_code == 200
    assert "The two password fields didn\u2019t match." in response.content.decode()
    assert not User.objects.filter(username="lin").exists()


@pytest.mark.parametrize("name", PROTECTED_PAGES)
def test_every_page_but_the_public_ones_requires_a_login(client, name):
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={url}"


@pytest.mark.parametrize("name", ["landing", "accounts:login", "accounts:signup"])
def test_landing_login_and_signup_are_public(client, name):
    assert client.get(reverse(name)).status_code == 200


def test_a_logged_in_visitor_to_the_landing_page_goes_home(learner_client):
    response = learner_client.get(reverse("landing"))
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_a_learner_is_refused_the_instructor_pages(learner_client):
    assert learner_client.get(reverse("teach")).status_code == 403


def test_an_instructor_sees_teach_in_the_navigation(instructor_client):
    page = instructor_client.get(reverse("home")).content.decode()
    assert f'href="{reverse("teach")}"' in page
    assert instructor_client.get(reverse("teach")).status_code == 200


def test_a_learner_does_not_see_teach_in_the_navigation(learner_client):
    assert f'href="{reverse("teach")}"' not in learner_client.get(reverse("home")).content.decode()


def test_changing_the_password_keeps_the_learner_logged_in(learner_client, learner):
    response = learner_client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "correct-horse-42",
            "new_password1": "another-passphrase-99",
            "new_password2": "another-passphrase-99",
        },
    )
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.check_password("another-passphrase-99")
    assert learner_client.get(reverse("home")).status_code == 200


def test_the_demo_users_have_their_documented_roles_and_passwords(db):
    from studyapp.accounts.demo import DEMO_LOGINS, demo_users_ensure

    demo_users_ensure()
    demo_users_ensure()  # idempotent
    for demo in DEMO_LOGINS:
        user = User.objects.get(username=demo.username)
        assert user.check_password(demo.password)
        assert user.is_instructor == (demo.role == "instructor")
