"""The optimiser: unavailable without the fsrs[optimizer] extra, and the task says so."""

from __future__ import annotations

import pytest

from studyapp.cards.models import StudySettings
from studyapp.cards.optimising import (
    optimisation_request,
    optimiser_status,
    optimizer_installed,
    parameters_optimise,
)
from tests.cards.conftest import NOW

pytestmark = pytest.mark.django_db

needs_no_extra = pytest.mark.skipif(
    optimizer_installed(), reason="these tests cover a server without fsrs[optimizer]"
)


@needs_no_extra
def test_without_the_extra_the_optimiser_is_unavailable_and_says_why(learner):
    status = optimiser_status(learner)
    assert not status.available
    assert "fsrs[optimizer]" in status.reason
    assert status.needed == 512


@needs_no_extra
def test_a_request_without_the_extra_queues_nothing_and_stores_nothing(learner):
    status = optimisation_request(user=learner, now=NOW)
    assert not status.available
    assert not StudySettings.objects.filter(user=learner).exists()


@needs_no_extra
def test_the_task_without_the_extra_leaves_the_parameters_alone(learner):
    StudySettings.objects.create(user=learner)
    result = parameters_optimise.call(user_id=learner.pk)
    assert result.startswith("skipped")
    assert StudySettings.objects.get(user=learner).parameters is None


def test_the_settings_page_explains_why_optimising_is_unavailable(learner_client):
    page = learner_client.get("/review/settings/")
    assert page.status_code == 200
    assert "Optimise my scheduler" in page.text
    assert optimiser_status(page.wsgi_request.user).reason.split(" (")[0] in page.text
