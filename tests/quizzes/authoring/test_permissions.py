"""Only instructors reach authoring, cohorts' assignments and statistics; owners only."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from studyapp.accounts.cohorts import cohort_create
from studyapp.quizzes import quizbuilder
from studyapp.quizzes.assignments import assignment_create
from studyapp.quizzes.models import Question
from studyapp.quizzes.teach_urls import urlpatterns

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
IDS = {"question_id": 1, "quiz_id": 1, "item_id": 1, "rule_id": 1, "cohort_id": 1}
IDS["assignment_id"] = 1


def teach_urls() -> list[str]:
    urls = []
    for pattern in urlpatterns:
        names = pattern.pattern.regex.groupindex
        urls.append(reverse(f"teach:{pattern.name}", kwargs={k: IDS[k] for k in names}))
    return urls


def test_every_authoring_page_lives_under_teach():
    urls = teach_urls()

    assert len(urls) == len(urlpatterns) >= 18
    assert all(url.startswith("/teach/") for url in urls)


@pytest.mark.parametrize("url", teach_urls())
def test_a_learner_gets_403_on_every_instructor_url(learner_client, url):
    """Whichever of GET and POST the page takes, a learner is refused with 403."""
    statuses = {
        method: getattr(learner_client, method)(url).status_code for method in ("get", "post")
    }

    assert set(statuses.values()) <= {403, 405}
    assert 403 in statuses.values()


@pytest.mark.parametrize("url", teach_urls())
def test_an_anonymous_visitor_is_sent_to_log_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert "/accounts/login/" in response.url


@pytest.fixture
def others_quiz(other_instructor):
    return quizbuilder.quiz_create(owner=other_instructor, title="Not yours", now=NOW)


@pytest.fixture
def others_cohort(other_instructor):
    return cohort_create(instructor=other_instructor, name="Not yours")


@pytest.mark.parametrize(
    "name",
    ["quiz", "quiz_statistics", "quiz_statistics_csv"],
)
def test_another_instructors_quiz_pages_are_404(instructor_client, others_quiz, name):
    response = instructor_client.get(reverse(f"teach:{name}", args=[others_quiz.pk]))

    assert response.status_code == 404


def test_another_instructors_quiz_cannot_be_changed(instructor_client, others_quiz, bank):
    url = reverse("teach:quiz_item_add", args=[others_quiz.pk])

    response = instructor_client.post(url, {"question": bank["q0"].pk})

    assert response.status_code == 404
    assert not others_quiz.items.exists()


def test_another_instructors_cohort_assignments_are_404(instructor_client, others_cohort):
    url = reverse("teach:cohort_assignments", args=[others_cohort.pk])

    assert instructor_client.get(url).status_code == 404
    assert instructor_client.post(url, {"kind": "topic"}).status_code == 404


def test_another_instructors_assignment_cannot_be_removed(
    instructor_client, other_instructor, others_cohort, others_quiz
):
    assignment = assignment_create(
        cohort=others_cohort, kind="quiz", quiz=others_quiz, by=other_instructor, now=NOW
    )
    url = reverse("teach:assignment_delete", args=[others_cohort.pk, assignment.pk])

    assert instructor_client.post(url).status_code == 404
    assert others_cohort.assignments.count() == 1


def test_another_instructors_quiz_cannot_be_assigned(instructor_client, instructor, others_quiz):
    mine = cohort_create(instructor=instructor, name="Mine")
    others_quiz.status = "published"
    others_quiz.save()

    response = instructor_client.post(
        reverse("teach:cohort_assignments", args=[mine.pk]),
        {"kind": "quiz", "quiz": others_quiz.pk},
    )

    assert response.status_code == 400
    assert not mine.assignments.exists()


def test_a_learner_cannot_open_the_editor_of_a_question(learner_client, bank):
    question = Question.objects.first()

    response = learner_client.get(reverse("teach:question_edit", args=[question.pk]))

    assert response.status_code == 403
