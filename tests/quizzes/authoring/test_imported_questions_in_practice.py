"""Imported Moodle questions in practice: graded by their weights, shown in their text format."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from studyapp.quizzes import attempts
from studyapp.quizzes.models import Attempt, AttemptQuestion
from tests.quizzes.authoring.conftest import import_questions

pytestmark = pytest.mark.django_db

GIFT = """\
::Partial::Which is best?{=A ~%50%B ~C}

::Two right::Which word greets?{=hello =hi ~bye}

::Spectrum::Which colour lies between orange and green?{~%100%yellow ~%-50%red ~%-50%blue}

::Html::[html]<p>Pick <b>one</b> of <i>these</i></p>{=[html]<code>this</code> ~that}

::Plain::[plain]Is 2*3*4 <b>bold</b>?{=no ~yes}
"""


@pytest.fixture
def practice(course, learner, tmp_path: Path) -> Attempt:
    path = tmp_path / "moodle.gift"
    path.write_text(GIFT, encoding="utf-8")
    code, report, stderr = import_questions(
        path, "gift", "--bank", "amazon-s3", "--publish", "--pool"
    )
    assert (code, report["created"]) == (0, 5), stderr
    return attempts.practice_start(
        user=learner, now=timezone.now(), count=200, rng=random.Random(1)
    )


def item_titled(attempt: Attempt, title: str) -> AttemptQuestion:
    return next(item for item in attempt.items.all() if item.version.title == title)


def answer(attempt: Attempt, title: str, *texts: str) -> bool:
    item = item_titled(attempt, title)
    ids = [o.id for o in item.version.options.all() if o.text_md in texts]
    return attempts.attempt_answer(
        attempt=attempt, position=item.position, option_ids=ids, now=timezone.now()
    ).correct


def test_a_partial_credit_option_is_not_the_right_answer(practice):
    assert answer(practice, "Partial", "B") is False


def test_the_full_mark_option_of_a_partial_credit_question_is_right(practice):
    assert answer(practice, "Partial", "A") is True


def test_either_of_two_full_mark_answers_is_right(practice):
    assert answer(practice, "Two right", "hi") is True


def test_the_only_positive_option_of_a_negatively_weighted_question_is_right(practice):
    assert answer(practice, "Spectrum", "yellow") is True


def test_an_html_question_is_shown_as_html_and_a_plain_one_escaped(practice, learner_client):
    page = learner_client.get(reverse("quizzes:attempt", args=[practice.pk])).content.decode()
    for item in practice.items.all():
        if item.version.title in ("Html", "Plain"):
            url = reverse("quizzes:attempt", args=[practice.pk]) + f"?q={item.position}"
            page += learner_client.get(url).content.decode()

    assert "<p>Pick <b>one</b> of <i>these</i></p>" in page
    assert "<code>this</code>" in page
    assert "Is 2*3*4 &lt;b&gt;bold&lt;/b&gt;?" in page
