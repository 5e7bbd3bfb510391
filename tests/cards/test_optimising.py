"""The optimiser fits a learner's own FSRS parameters with fsrs-rs, in a background task, and
shows how much better they predict that learner's reviews (log loss and RMSE, before/after)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from studyapp.cards.models import ReviewLog, StudySettings
from studyapp.cards.optimising import (
    DEFAULT_PARAMETERS,
    MINIMUM_REVIEWS,
    optimisation_request,
    optimiser_status,
    parameters_evaluate,
    parameters_optimise,
    review_items,
)
from studyapp.progress.demo_data import demo_users_ensure
from tests.cards.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded_learner(db):
    """The demo learner of ``seed_demo`` with a year of reviews (about 3,000 answers)."""
    call_command("seed_demo", "--learners", "1", "--reviews", "3000", stdout=io.StringIO())
    learner, _ = demo_users_ensure()
    assert ReviewLog.objects.filter(user=learner).count() == 3000
    return learner


def test_with_too_few_reviews_the_optimiser_is_unavailable_and_says_why(learner):
    status = optimiser_status(learner)
    assert not status.available
    assert f"at least {MINIMUM_REVIEWS} reviews" in status.reason
    assert status.reviews == 0


def test_a_request_with_too_few_reviews_queues_nothing_and_stores_nothing(learner):
    status = optimisation_request(user=learner, now=NOW)
    assert not status.available
    assert not StudySettings.objects.filter(user=learner).exists()


def test_the_task_with_too_few_reviews_leaves_the_parameters_alone(learner):
    result = parameters_optimise.call(user_id=learner.pk)
    assert result.startswith("skipped")
    assert StudySettings.objects.get(user=learner).parameters is None


def test_the_settings_page_explains_why_optimising_is_unavailable(learner_client):
    page = learner_client.get("/review/settings/")
    assert page.status_code == 200
    assert "Optimise my scheduler" in page.text
    assert f"at least {MINIMUM_REVIEWS} reviews" in page.text


def test_each_answer_a_day_or_more_apart_is_one_training_item(seeded_learner):
    items = review_items(seeded_learner.pk)
    apart = ReviewLog.objects.filter(user=seeded_learner, elapsed_days__gte=1).count()
    assert len(items) == apart
    assert all(item.long_term_review_cnt() >= 1 for item in items)


def test_a_seeded_learner_can_optimise(seeded_learner):
    assert optimiser_status(seeded_learner).available


def test_optimising_a_seeded_learner_fits_parameters_that_predict_their_reviews_better(
    seeded_learner,
):
    assert parameters_optimise.call(user_id=seeded_learner.pk) == "optimised"

    settings = StudySettings.objects.get(user=seeded_learner)
    assert len(settings.parameters) == len(DEFAULT_PARAMETERS)
    assert settings.parameters != pytest.approx(DEFAULT_PARAMETERS, abs=1e-3)
    evaluation = settings.parameters_evaluation
    assert evaluation["after"]["log_loss"] < evaluation["before"]["log_loss"]
    items = review_items(seeded_learner.pk)
    assert evaluation["before"]["log_loss"] == pytest.approx(
        parameters_evaluate(DEFAULT_PARAMETERS, items).log_loss
    )
    assert evaluation["after"]["rmse"] == pytest.approx(
        parameters_evaluate(settings.parameters, items).rmse
    )


def test_the_settings_page_shows_log_loss_and_rmse_before_and_after(seeded_learner, client):
    parameters_optimise.call(user_id=seeded_learner.pk)
    evaluation = StudySettings.objects.get(user=seeded_learner).parameters_evaluation
    client.force_login(seeded_learner)
    page = client.get("/review/settings/")
    assert "Log loss" in page.text and "RMSE" in page.text
    assert f"{evaluation['before']['log_loss']:.4f}" in page.text
    assert f"{evaluation['after']['log_loss']:.4f}" in page.text
    assert "parameters fitted to your reviews" in page.text


@pytest.mark.django_db(transaction=True)
def test_pressing_optimise_runs_the_fit_on_the_task_worker(seeded_learner, client):
    client.force_login(seeded_learner)
    response = client.post("/review/settings/optimise/")
    assert response.status_code == 302
    assert StudySettings.objects.get(user=seeded_learner).parameters is None  # not in the request

    call_command("db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO())

    settings = StudySettings.objects.get(user=seeded_learner)
    assert settings.optimisation_requested_at is not None
    assert settings.parameters is not None
    assert settings.parameters_evaluation["kept"] is True
