"""Error pages in the site's layout that say what to do next; client errors logged in one line."""

from __future__ import annotations

import logging
import sys

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

from studyapp.logs import OneLineClientErrors

pytestmark = pytest.mark.django_db


def test_a_missing_page_is_a_404_in_the_site_layout_with_ways_on(learner_client):
    response = learner_client.get("/no/such/page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "<h1>Nothing here</h1>" in page
    assert 'class="site-header"' in page and 'aria-label="Main"' in page
    assert f'href="{reverse("home")}"' in page


def test_a_learner_on_an_instructors_page_gets_a_403_that_says_why(learner_client, learner):
    response = learner_client.get(reverse("teach"))
    page = response.content.decode()
    assert response.status_code == 403
    assert "This page is not open to you" in page
    assert f"Your account, {learner.username}, may not open this page" in page
    assert 'class="site-header"' in page


def test_a_server_error_page_renders_without_a_request_context():
    response = server_error(RequestFactory().get("/"))
    page = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in page and 'href="/"' in page


def console_handler() -> logging.Handler:
    """The handler the site's LOGGING setting configured (pytest adds its own beside it)."""
    [handler] = [
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(f, OneLineClientErrors) for f in handler.filters)
    ]
    return handler


def console_lines(caplog, status: int) -> list[str]:
    """What the site's console handler writes for the django.request record of `status`."""
    [record] = [r for r in caplog.records if getattr(r, "status_code", None) == status]
    handler = console_handler()
    assert handler.filter(record)
    return handler.format(record).splitlines()


def test_a_403_is_logged_as_one_line_without_a_traceback(learner_client, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        learner_client.get(reverse("teach"))
    [line] = console_lines(caplog, 403)
    assert "Forbidden" in line and "/teach/" in line


def test_a_404_is_logged_as_one_line(learner_client, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        learner_client.get("/no/such/page/")
    [line] = console_lines(caplog, 404)
    assert "Not Found: /no/such/page/" in line


def test_a_500_keeps_its_traceback_in_the_log():
    handler = console_handler()
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = logging.makeLogRecord(
            {
                "msg": "Internal Server Error: /",
                "status_code": 500,
                "exc_info": sys.exc_info(),
            }
        )
    assert handler.filter(record)
    assert "Traceback" in handler.format(record)
