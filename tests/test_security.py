from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_pages_carry_a_content_security_policy_with_a_nonce_on_their_scripts(client):
    response = client.get(reverse("landing"))
    policy = response["Content-Security-Policy"]
    nonce = re.search(r"script-src 'self' 'nonce-([^']+)'", policy).group(1)
    assert "object-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert f'nonce="{nonce}"></script>' in response.content.decode()


def test_each_response_gets_a_fresh_nonce(client):
    first = client.get(reverse("landing"))["Content-Security-Policy"]
    second = client.get(reverse("landing"))["Content-Security-Policy"]
    assert first != second


def test_pages_may_not_be_framed(client):
    assert client.get(reverse("landing"))["X-Frame-Options"] == "DENY"


def test_htmx_requests_carry_the_csrf_token_from_the_body(learner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    page = client.get(reverse("home")).content.decode()
    token = re.search(r"hx-headers='\{\"X-CSRFToken\": \"([^\"]+)\"\}'", page).group(1)

    refused = client.post(reverse("accounts:logout"), headers={"HX-Request": "true"})
    assert refused.status_code == 403

    accepted = client.post(
        reverse("accounts:logout"), headers={"HX-Request": "true", "X-CSRFToken": token}
    )
    assert accepted.status_code == 200


def test_the_health_check_reports_the_database(client):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True}


def test_the_signed_in_check_answers_the_user_name_as_plain_text_reading_only_session_and_user(
    learner_client, learner, django_assert_num_queries
):
    with django_assert_num_queries(2):  # the session, the user
        response = learner_client.get(reverse("health_me"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == learner.get_username()


def test_the_signed_in_check_sends_a_visitor_to_the_log_in_page(client):
    response = client.get(reverse("health_me"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
