"""A question version's texts are rendered once, kept with the version, and shown as kept only
while they are the HTML of those very texts by the current renderer."""

from __future__ import annotations

import random

import pytest
from django.utils import timezone

from studyapp.markdown import RENDERER, render_text
from studyapp.quizzes import attempts
from studyapp.quizzes.models import Question, QuestionVersion
from studyapp.quizzes.rendering import version_text_html, version_texts
from tests.plugins.courses import bank_import, question_md, questions_file

pytestmark = pytest.mark.django_db

STEM = "Which **storage class** fits `logs` read once a year?"


@pytest.fixture
def version(content_dir) -> QuestionVersion:
    bank_import(content_dir, questions_file(question_md("cold", stem=STEM)))
    return Question.objects.get(key="cold").current_version


def test_an_imported_version_keeps_the_html_of_every_text_as_the_renderer_makes_it(version):
    assert version.html["renderer"] == RENDERER
    texts = version_texts(version, version.options.all())
    assert len(texts) == 2 + 2 * 4  # stem, general explanation, each option and its explanation
    for area, text, inline in texts:
        kept = version_text_html(version, area, text, inline=inline)
        assert kept == render_text(text, version.text_format, inline=inline)
    assert "<strong>storage class</strong>" in version_text_html(
        version, "questiontext", STEM, inline=False
    )


def test_kept_html_is_not_taken_for_another_text_nor_for_the_same_text_inline(version):
    assert version_text_html(version, "questiontext", STEM + " Changed.", inline=False) is None
    assert version_text_html(version, "questiontext", STEM, inline=True) is None


def practice_page(learner, learner_client, version):
    attempt = attempts.practice_start(
        user=learner, now=timezone.now(), count=1, rng=random.Random(1)
    )
    assert attempt.items.get().version_id == version.pk
    return learner_client.get(attempt.get_absolute_url())


def test_html_kept_by_another_renderer_is_not_shown_and_is_kept_anew_on_first_showing(
    version, learner, learner_client
):
    texts = version.html["texts"]
    stale = {area: [digest, inline, "STALE"] for area, (digest, inline, _) in texts.items()}
    QuestionVersion.objects.filter(pk=version.pk).update(
        html={"renderer": "an-earlier-one", "texts": stale}
    )
    page = practice_page(learner, learner_client, version)
    assert "STALE" not in page.text
    assert "<strong>storage class</strong>" in page.text
    version.refresh_from_db()
    assert version.html["renderer"] == RENDERER
    assert "STALE" not in str(version.html)


def test_a_page_shows_the_kept_html(version, learner, learner_client):
    """The page takes the kept HTML rather than rendering (shown here by a mark of its own)."""
    kept = version.html
    kept["texts"]["questiontext"][2] = "<p>KEPT-STEM</p>"
    QuestionVersion.objects.filter(pk=version.pk).update(html=kept)
    assert "KEPT-STEM" in practice_page(learner, learner_client, version).text
