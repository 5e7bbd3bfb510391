"""The dashboard pages: what they show, who may open them, the CSV and the data download."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from studyapp.accounts.models import Membership
from studyapp.cards.review import review_next
from studyapp.progress.dashboards import cohort_dashboard
from studyapp.progress.export import ExportedUser, LearnerExport
from studyapp.sandbox.models import Function

pytestmark = pytest.mark.django_db


@pytest.fixture
def studied(world, learner):
    """The learner has reviewed a card and finished a practice quiz: Home is their dashboard."""
    yesterday = timezone.now() - timedelta(days=1)
    world.review(learner, at=yesterday)
    world.attempt(learner, answers=[(world.question(), True)], at=yesterday)
    return world


def test_home_is_the_learners_dashboard_with_charts_and_their_numbers(learner_client, studied):
    response = learner_client.get(reverse("home"))
    html = response.content.decode()
    assert response.status_code == 200
    for slug in ("forecast", "heatmap", "retention", "scores", "readiness"):
        assert f'id="chart-{slug}"' in html
    assert html.count('<svg class="chart"') == 5
    assert html.count("Show the numbers") == 5
    assert "Study next" in html and "Assignments" in html and "Course map" in html
    assert "style=" not in html


def test_the_home_page_states_how_each_figure_is_worked_out(learner_client, studied):
    html = learner_client.get(reverse("home")).content.decode()
    assert "True retention: the share of answers to cards in review" in html
    assert "Readiness: for each exam domain" in html
    assert "Streak: consecutive study days" in html


def test_the_progress_page_shows_the_numbers_and_the_data_download(learner_client, world):
    html = learner_client.get(reverse("progress:index")).content.decode()
    assert reverse("progress:export") in html
    assert "Lambda Layers" in html and "D1 Design Solutions" in html


def test_the_data_download_is_an_attachment_with_only_the_learners_own_data(
    client, learner, django_user_model, world
):
    other = django_user_model.objects.create_user(username="bob", password="x-correct-horse")
    now = timezone.now()
    world.review(learner, at=now - timedelta(days=1))
    world.review(other, at=now - timedelta(days=1))
    world.review(other, at=now - timedelta(days=2))
    world.attempt(other, answers=[(world.question(), True)], at=now)
    Function.objects.create(owner=learner, name="mine", title="Mine", code={"handler.py": "x"})
    Function.objects.create(owner=other, name="theirs", title="Theirs", code={"handler.py": "y"})
    client.force_login(learner)
    response = client.get(reverse("progress:export"))
    assert response["Content-Disposition"].startswith('attachment; filename="lambda-study-ada-')
    data = json.loads(response.content)
    assert data["user"]["username"] == "ada"
    assert len(data["card_reviews"]) == 1
    assert data["attempts"] == [] and data["attempt_answers"] == []
    assert [f["name"] for f in data["functions"]] == ["mine"]
    assert "password" not in response.content.decode()
    assert set(data) == set(LearnerExport.__annotations__)  # the document its type names
    assert set(data["user"]) == set(ExportedUser.__annotations__)


def test_the_teach_page_links_each_cohort_dashboard(instructor_client, cohort):
    html = instructor_client.get(reverse("teach")).content.decode()
    assert reverse("progress:cohort", args=[cohort.id]) in html
    assert "1 learner" in html


def test_the_cohort_dashboard_shows_a_row_per_learner_and_the_mastery_heatmap(
    instructor_client, cohort, learner, world
):
    now = timezone.now()
    world.review(learner, at=now - timedelta(hours=3))
    world.schedule(learner, world.cards[0], due=now - timedelta(days=3))
    world.attempt(learner, answers=[(world.question(), True)], at=now - timedelta(hours=1))
    response = instructor_client.get(reverse("progress:cohort", args=[cohort.id]))
    html = response.content.decode()
    assert response.status_code == 200
    detail = reverse("progress:cohort_learner", args=[cohort.id, learner.id])
    assert f'<th scope="row"><a href="{detail}">ada</a></th>' in html
    assert 'id="chart-mastery"' in html and "Show the numbers" in html
    assert "Weakest topics" in html and "Lambda Layers" in html


def test_the_cohort_table_counts_due_cards_backlog_reading_and_scores(cohort, learner, world):
    now = timezone.now()
    world.schedule(learner, world.cards[0], due=now - timedelta(days=3))  # backlog
    world.schedule(learner, world.cards[1], due=now - timedelta(hours=2))  # due, not backlog
    world.schedule(learner, world.cards[2], due=now + timedelta(days=2))
    q = world.question()
    world.attempt(learner, answers=[(q, True), (q, False)], at=now - timedelta(days=2), mode="exam")
    world.attempt(learner, answers=[(q, True)], at=now - timedelta(days=1), mode="exam")
    world.attempt(learner, answers=[(q, False)], at=now - timedelta(hours=1))
    row = cohort_dashboard(cohort, now=now).rows[0]
    # Cards due: the learner's review queue today, the two reviews and the three new cards.
    assert row.cards_due == review_next(learner, now=now).counts.total == 5
    assert row.backlog == 1
    assert (row.quiz_last, row.exam_last, row.exam_best) == (100, 1000, 1000)
    assert row.last_active == now - timedelta(hours=1)
    assert row.topics_total == 2


def test_the_cohort_csv_has_the_learner_table(instructor_client, cohort):
    response = instructor_client.get(reverse("progress:cohort_csv", args=[cohort.id]))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "learner" and rows[1][0] == "ada"


def test_a_csv_cell_never_starts_a_spreadsheet_formula(
    instructor_client, cohort, django_user_model
):
    sly = django_user_model.objects.create_user(username="=cmd", password="x-correct-horse")
    Membership.objects.create(cohort=cohort, user=sly, joined_at=timezone.now())
    body = instructor_client.get(reverse("progress:cohort_csv", args=[cohort.id])).content
    assert "'=cmd" in body.decode()


@pytest.mark.parametrize("name", ["progress:cohort", "progress:cohort_csv"])
def test_a_learner_cannot_open_a_cohort_dashboard(learner_client, cohort, name):
    assert learner_client.get(reverse(name, args=[cohort.id])).status_code == 403


@pytest.mark.parametrize("name", ["progress:cohort", "progress:cohort_csv"])
def test_an_instructor_cannot_open_another_instructors_cohort(
    client, cohort, other_instructor, name
):
    client.force_login(other_instructor)
    assert client.get(reverse(name, args=[cohort.id])).status_code == 404


def test_the_dashboards_need_a_login(client, cohort):
    for url in (
        reverse("home"),
        reverse("progress:export"),
        reverse("progress:cohort", args=[cohort.id]),
    ):
        assert client.get(url).status_code == 302
