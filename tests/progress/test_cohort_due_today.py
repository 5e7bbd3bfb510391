"""One "due today" on the instructor's side too: the cohort table's "Cards due" for each learner
is what that learner's own review session counts today, by their time zone, day-start hour and
daily limits.

Ada studies in New York (days start at 4 am, 09:00 UTC in March): one new card and two reviews a
day, and she has already done one review today. Bo studies in Tokyo (days start at 4 am, 19:00
UTC): five new cards and a hundred reviews a day, and has a card due this evening, Tokyo time,
which is not due yet but is due today. The clock is moved across New York's day start (Tokyo's
day goes on): Ada's new day brings her review limit back; Bo's figure stays.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from freezegun import freeze_time

from studyapp.cards.models import StudySettings
from tests.factories import cohort_make

pytestmark = pytest.mark.django_db

# 03:00 in New York: still Ada's study day of 4 March. 17:00 in Tokyo: Bo's day of 5 March.
BEFORE = datetime(2026, 3, 5, 8, 0, tzinfo=UTC)
# 04:30 in New York: Ada's study day of 5 March. 18:30 in Tokyo: still Bo's day of 5 March.
AFTER = datetime(2026, 3, 5, 9, 30, tzinfo=UTC)


def learner_make(django_user_model, name: str, *, zone: str, new: int, reviews: int):
    user = django_user_model.objects.create_user(
        username=name, password="correct-horse-42", time_zone=zone
    )
    user.start_dismissed_at = BEFORE - timedelta(days=7)
    user.save()
    StudySettings.objects.create(
        user=user, day_starts_at_hour=4, new_per_day=new, reviews_per_day=reviews
    )
    return user


@pytest.fixture
def cohort(world, instructor, django_user_model):
    ada = learner_make(django_user_model, "ada", zone="America/New_York", new=1, reviews=2)
    bo = learner_make(django_user_model, "bo", zone="Asia/Tokyo", new=5, reviews=100)
    cards = world.cards  # six cards; those not scheduled for a learner are new to them
    for card in cards[:3]:
        world.schedule(ada, card, due=BEFORE - timedelta(days=3))  # overdue reviews
    world.schedule(ada, cards[3], due=datetime(2026, 3, 5, 10, tzinfo=UTC))  # her 5 March
    world.review(ada, at=BEFORE - timedelta(hours=1), card=cards[0])  # one review done today
    world.schedule(bo, cards[0], due=BEFORE - timedelta(days=1))  # overdue
    world.schedule(bo, cards[1], due=datetime(2026, 3, 5, 12, tzinfo=UTC))  # 21:00 in Tokyo
    world.schedule(bo, cards[2], due=datetime(2026, 3, 5, 20, tzinfo=UTC))  # Tokyo's 6 March
    return cohort_make(instructor=instructor, learners=[ada, bo], now=BEFORE - timedelta(days=1))


def review_queue_total(user) -> int:
    """The cards the learner's own review page counts (new + learning + review)."""
    client = Client()
    client.force_login(user)
    html = client.get(reverse("cards:index")).content.decode()
    return sum(int(n) for n in re.findall(r'data-count="\w+">(\d+)<', html))


def cohort_figures(client, cohort) -> dict[str, int]:
    html = client.get(reverse("progress:cohort", args=[cohort.id])).content.decode()
    rows = re.findall(r">(\w+)</a></th>.*?<td data-cards-due>(\d+)</td>", html, re.DOTALL)
    return {name: int(due) for name, due in rows}


def cohort_csv_figures(client, cohort) -> dict[str, int]:
    response = client.get(reverse("progress:cohort_csv", args=[cohort.id]))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    return {row["learner"]: int(row["cards due"]) for row in rows}


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # Ada: 1 new (limit 1) + 1 review (limit 2, one done today); Bo: 3 new + 2 reviews.
        (BEFORE, {"ada": 2, "bo": 5}),
        # Ada's new day: 1 new + 2 reviews (limit 2 again, four due); Bo: the same day still.
        (AFTER, {"ada": 3, "bo": 5}),
    ],
    ids=["before-new-yorks-day-start", "after-it"],
)
def test_each_learners_cards_due_is_their_own_review_queues_count(
    instructor_client, cohort, moment, expected
):
    with freeze_time(moment):
        table = cohort_figures(instructor_client, cohort)
        exported = cohort_csv_figures(instructor_client, cohort)
        members = [m.user for m in cohort.memberships.select_related("user")]
        queues = {member.username: review_queue_total(member) for member in members}
    assert queues == expected
    assert table == exported == queues
