"""manage.py seed_demo: bulk demo data, a cohort for the demo instructor, no double seeding."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from studyapp.accounts.models import Cohort, User
from studyapp.cards.models import ReviewLog
from studyapp.quizzes.models import Attempt

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_learners_reviews_attempts_and_a_cohort():
    call_command("seed_demo", learners=4, reviews=400, stdout=None)
    assert User.objects.filter(username__startswith="demo-learner-").count() == 3
    assert ReviewLog.objects.count() == 400
    assert ReviewLog.objects.filter(user__username="learner").count() == 100
    assert Attempt.objects.filter(user__username="learner").count() == 8
    cohort = Cohort.objects.get(name="Demo cohort")
    assert cohort.instructor.username == "instructor"
    assert cohort.memberships.count() == 4


def test_seed_demo_refuses_to_seed_twice():
    call_command("seed_demo", learners=2, reviews=40)
    with pytest.raises(CommandError, match="--reset"):
        call_command("seed_demo", learners=2, reviews=40)
    assert ReviewLog.objects.count() == 40


def test_seed_demo_reset_replaces_the_demo_data():
    call_command("seed_demo", learners=3, reviews=300)
    call_command("seed_demo", learners=2, reviews=80, reset=True)
    assert ReviewLog.objects.count() == 80
    assert User.objects.filter(username__startswith="demo-learner-").count() == 1
    assert Cohort.objects.filter(name="Demo cohort").count() == 1
