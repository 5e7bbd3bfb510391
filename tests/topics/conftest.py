"""Fixtures of the topic tests: the shipped Lambda course, imported the way an operator does."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.core.management import call_command

from studyapp.topics.models import Course, Topic


@pytest.fixture
def lambda_course(db) -> Course:
    call_command("import_content", "--source", str(settings.CONTENT_DIR), stdout=io.StringIO())
    return Course.objects.get(slug="aws-lambda")


@pytest.fixture
def concurrency(lambda_course) -> Topic:
    return lambda_course.topics.get(slug="concurrency-and-scaling")
