"""The shipped bank on the review screen: each explanation's AWS documentation link is a link."""

from __future__ import annotations

import random
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from studyapp.quizzes import attempts
from tests.plugins.courses import import_content

pytestmark = pytest.mark.django_db

MARKDOWN_DOCS_LINK = re.compile(r"\]\((https://docs\.aws\.amazon\.com/[^)\s]+)\)")


def test_the_review_screen_links_every_reviewed_question_to_aws_documentation(
    learner, learner_client
):
    import_content(settings.CONTENT_DIR)
    exam = attempts.exam_start(user=learner, now=timezone.now(), count=12, rng=random.Random(7))
    learner_client.post(reverse("quizzes:submit", args=[exam.pk]))
    html = learner_client.get(reverse("quizzes:review", args=[exam.pk])).content.decode()
    items = list(exam.items.select_related("version"))
    assert len(items) == 12
    for item in items:
        links = MARKDOWN_DOCS_LINK.findall(item.version.general_explanation_md)
        assert links, item.version.general_explanation_md[-200:]
        for url in links:
            assert f'<a href="{url}"' in html, url
