"""Fixtures of the topic tests: the shipped Lambda course, imported."""

from __future__ import annotations

import pytest

from studyapp.topics.models import Course, Topic


@pytest.fixture
def lambda_course(samples) -> Course:
    """The shipped course, as `manage.py import_content` leaves it (tests/plugins/content.py)."""
    return Course.objects.get(slug="aws-lambda")


@pytest.fixture
def concurrency(lambda_course) -> Topic:
    return lambda_course.topics.get(slug="concurrency-and-scaling")
