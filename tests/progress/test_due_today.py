"""One "due today": the home page's figures are the review queue's and the due questions'.

A learner in New York (study days start at 4 am local time) has a new card, a learning card,
a review card due later today, an overdue one, a suspended one and one due tomorrow, and
questions overdue, due later today, due tomorrow and due next week. The clock is moved across
the study day's end; the home page, the review session, the quiz page and the practice of due
questions agree before and after it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from freezegun import freeze_time

from studyapp.cards.models import FsrsState
from studyapp.quizzes.models import Attempt

pytestmark = pytest.mark.django_db

# 03:00 in New York (EST): still the study day of 4 March, which ends at 09:00 UTC.
BEFORE = datetime(2026, 3, 5, 8, 0, tzinfo=UTC)
# 04:30 in New York: the study day of 5 March.
AFTER = datetime(2026, 3, 5, 9, 30, tzinfo=UTC)


@pytest.fixture
def history(world, learner):
    learner.time_zone = "America/New_York"
    learner.start_dismissed_at = BEFORE - timedelta(days=7)  # Home is the dashboard
    learner.save()
    cards = world.cards  # cards[0] stays new
    world.schedule(learner, cards[1], due=BEFORE + timedelta(minutes=10), state=FsrsState.LEARNING)
    world.schedule(learner, cards[2], due=BEFORE + timedelta(minutes=30))  # later today
    world.schedule(learner, cards[3], due=BEFORE - timedelta(days=3))  # overdue
    world.schedule(learner, cards[4], due=BEFORE - timedelta(days=1), suspended=True)
    world.schedule(learner, cards[5], due=datetime(2026, 3, 5, 12, tzinfo=UTC))  # tomorrow
    world.question_due(learner, world.question(), due=BEFORE - timedelta(days=2))
    world.question_due(learner, world.question(), due=BEFORE + timedelta(minutes=20))
    world.question_due(learner, world.question(), due=datetime(2026, 3, 5, 10, tzinfo=UTC))
    world.question_due(learner, world.question(), due=BEFORE + timedelta(days=7))
    return world


def figures(html: str, attribute: str) -> dict[str, int]:
    return {
        name: int(value)
        for name, value in re.findall(rf'<[^>]*{attribute}="(\w+)"[^>]*>(\d+)<', html)
    }


def home_figures(client) -> dict[str, int]:
    html = client.get(reverse("home")).content.decode()
    due = figures(html, "data-due")
    forecast = html[html.index('id="chart-forecast"') :]
    today = re.search(r'<th scope="row">[^<]*</th><td>(\d+)</td><td>(\d+)</td>', forecast)
    due["forecast cards"], due["forecast questions"] = int(today[1]), int(today[2])
    return due


def queue_figures(client) -> dict[str, int]:
    counts = figures(client.get(reverse("cards:index")).content.decode(), "data-count")
    quizzes = client.get(reverse("quizzes:index")).content.decode()
    questions = re.search(r"<strong>(\d+)</strong> questions? due for review", quizzes)
    return {**counts, "questions": int(questions[1]) if questions else 0}


def due_practice_length(client, learner) -> int:
    client.post(reverse("quizzes:practice_start"), {"source": "due", "count": 25})
    return Attempt.objects.filter(user=learner).latest("id").items.count()


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (BEFORE, {"new": 1, "learning": 1, "review": 2, "questions": 2}),
        (AFTER, {"new": 1, "learning": 1, "review": 3, "questions": 3}),
    ],
    ids=["before-the-study-day-ends", "after-it-ends"],
)
def test_every_due_today_figure_on_home_is_the_review_queues(
    learner_client, learner, history, moment, expected
):
    with freeze_time(moment):
        home = home_figures(learner_client)
        queue = queue_figures(learner_client)
        practice = due_practice_length(learner_client, learner)
    assert queue == expected
    assert {name: home[name] for name in expected} == queue
    assert (
        home["cards"]
        == home["forecast cards"]
        == sum(queue[name] for name in ("new", "learning", "review"))
    )
    assert home["questions"] == home["forecast questions"] == practice == queue["questions"]
