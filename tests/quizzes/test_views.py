"""The quiz pages over HTTP: integrity of answers, the server's deadline, owners only, htmx."""

from __future__ import annotations

import random
import re
from datetime import timedelta

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from studyapp.quizzes import attempts
from studyapp.quizzes.models import Attempt, AttemptQuestion, Option

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
CORRECT_MARKERS = (
    "is-correct",
    "is_correct",
    "data-correct",
    "Correct answer",
    "RIGHT-EXPLANATION",
    "WRONG-EXPLANATION",
    "GENERAL-EXPLANATION",
)


def leaks(html: str) -> list[str]:
    return [marker for marker in CORRECT_MARKERS if marker in html]


def correct_ids(item: AttemptQuestion) -> list[int]:
    return [o.id for o in item.version.options.all() if o.is_correct]


def wrong_id(item: AttemptQuestion) -> int:
    return next(o.id for o in item.version.options.all() if not o.is_correct)


def letter_of(item: AttemptQuestion, option_id: int) -> str:
    """The letter an option is shown (and posted) under in the item's attempt."""
    return next(o.shown_letter for o in item.shown_options() if o.id == option_id)


def correct_letters(item: AttemptQuestion) -> list[str]:
    return [letter_of(item, option_id) for option_id in correct_ids(item)]


def wrong_letter(item: AttemptQuestion) -> str:
    return letter_of(item, wrong_id(item))


def urls(attempt: Attempt) -> dict[str, str]:
    return {
        "attempt": reverse("quizzes:attempt", args=[attempt.pk]),
        "answer": reverse("quizzes:answer", args=[attempt.pk, 1]),
        "flag": reverse("quizzes:flag", args=[attempt.pk, 1]),
        "check": reverse("quizzes:check", args=[attempt.pk]),
        "submit": reverse("quizzes:submit", args=[attempt.pk]),
        "result": reverse("quizzes:result", args=[attempt.pk]),
        "review": reverse("quizzes:review", args=[attempt.pk]),
    }


@pytest.fixture
def exam(bank, learner) -> Attempt:
    return attempts.exam_start(user=learner, now=timezone.now(), count=10, rng=random.Random(5))


@pytest.fixture
def practice(bank, learner) -> Attempt:
    return attempts.practice_start(user=learner, now=timezone.now(), count=10)


def test_the_quizzes_page_offers_practice_exam_due_questions_and_history(bank, learner_client):
    html = learner_client.get(reverse("quizzes:index")).content.decode()
    assert "Start practice" in html
    assert "Full exam: 75 questions, 180 minutes" in html
    assert "Questions due" in html
    assert "No attempts yet." in html


def test_a_topic_link_preselects_that_topic_for_practice(bank, learner_client):
    html = learner_client.get(
        reverse("quizzes:index"), {"topic": "amazon-s3/storage-classes"}
    ).content.decode()
    assert re.search(r'<input[^>]*value="\d+"[^>]*checked', html) or "checked" in html
    assert "Topics: Storage Classes" in html


def test_starting_practice_opens_its_first_question(bank, learner_client):
    response = learner_client.post(reverse("quizzes:practice_start"), {"source": "all", "count": 3})
    attempt = Attempt.objects.get()
    assert response.url == attempt.get_absolute_url()
    assert attempt.items.count() == 3


def test_starting_a_full_exam_says_when_the_bank_is_smaller(bank, learner_client):
    response = learner_client.post(reverse("quizzes:exam_start"), {"shape": "full"}, follow=True)
    html = response.content.decode()
    assert "The question bank has 10 questions for this exam, not the 75 asked for" in html
    assert Attempt.objects.get().question_count == 10


def test_an_unanswered_practice_question_carries_no_marker_of_the_correct_option(
    practice, learner_client
):
    html = learner_client.get(urls(practice)["attempt"]).content.decode()
    assert "Check answer" in html
    assert leaks(html) == []


def test_an_exam_question_carries_no_marker_of_the_correct_option(exam, learner_client):
    for position in range(1, 11):
        html = learner_client.get(urls(exam)["attempt"], {"q": position}).content.decode()
        assert leaks(html) == [], position


def test_saving_an_exam_answer_reveals_nothing(exam, learner_client):
    item = exam.items.get(position=1)
    response = learner_client.post(urls(exam)["answer"], {"option": correct_letters(item)}, **HTMX)
    html = response.content.decode()
    assert "Answer saved" in html
    assert leaks(html) == []


def test_the_review_screen_before_submission_reveals_nothing(exam, learner_client):
    item = exam.items.get(position=1)
    learner_client.post(urls(exam)["answer"], {"option": correct_letters(item)}, **HTMX)
    html = learner_client.get(urls(exam)["check"]).content.decode()
    assert leaks(html) == []
    assert re.search(r'data-summary="answered">1 of 10', html)


def test_the_review_mode_of_an_open_exam_is_not_shown(exam, learner_client):
    response = learner_client.get(urls(exam)["review"])
    assert response.status_code == 302
    assert response.url == urls(exam)["attempt"]


def test_answering_a_practice_question_returns_the_explanations(practice, learner_client):
    item = practice.items.get(position=1)
    response = learner_client.post(
        urls(practice)["answer"], {"option": [wrong_letter(item)]}, **HTMX
    )
    html = response.content.decode()
    assert "Incorrect" in html
    assert "Correct answer" in html
    assert html.count("EXPLANATION") == len(item.version.options.all()) + 1  # each + general
    topic = item.version.topics.first()
    assert f'href="{topic.get_absolute_url()}"' in html


def test_a_practice_answer_without_htmx_redirects_to_the_feedback(practice, learner_client):
    item = practice.items.get(position=1)
    response = learner_client.post(urls(practice)["answer"], {"option": correct_letters(item)})
    assert response.status_code == 302
    html = learner_client.get(response.url).content.decode()
    assert "Correct" in html
    assert "RIGHT-EXPLANATION" in html


def test_the_server_refuses_an_answer_after_the_deadline(exam, learner_client):
    Attempt.objects.filter(pk=exam.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    item = exam.items.get(position=1)
    response = learner_client.post(urls(exam)["answer"], {"option": correct_letters(item)}, **HTMX)
    assert response.status_code == 409
    assert response["HX-Redirect"] == urls(exam)["result"]
    item.refresh_from_db()
    assert item.chosen == []
    exam.refresh_from_db()
    assert exam.ending == Attempt.Ending.DEADLINE


def test_a_late_answer_without_htmx_is_refused_too(exam, learner_client):
    Attempt.objects.filter(pk=exam.pk).update(deadline=timezone.now() - timedelta(minutes=5))
    item = exam.items.get(position=1)
    response = learner_client.post(urls(exam)["answer"], {"option": correct_letters(item)})
    assert response.status_code == 409
    assert "Time is up" in response.content.decode()
    item.refresh_from_db()
    assert item.chosen == []


def test_opening_an_exam_after_its_deadline_shows_the_result(exam, learner_client):
    Attempt.objects.filter(pk=exam.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    response = learner_client.get(urls(exam)["attempt"], follow=True)
    assert response.redirect_chain[-1][0] == urls(exam)["result"]
    assert "The time ran out" in response.content.decode()


def test_an_exam_answer_saved_without_htmx_moves_to_the_chosen_question(exam, learner_client):
    item = exam.items.get(position=1)
    response = learner_client.post(
        urls(exam)["answer"], {"option": correct_letters(item), "go": "2"}
    )
    assert response.url == f"{urls(exam)['attempt']}?q=2"
    item.refresh_from_db()
    assert item.chosen == sorted(correct_ids(item))


def test_the_exam_page_is_rebuilt_with_the_saved_answer_checked(exam, learner_client):
    item = exam.items.get(position=1)
    chosen = correct_letters(item)[0]
    learner_client.post(urls(exam)["answer"], {"option": [chosen]}, **HTMX)
    html = learner_client.get(urls(exam)["attempt"], {"q": 1}).content.decode()
    assert re.search(rf'value="{chosen}"[^>]*checked', html)


def test_flagging_a_question_shows_in_the_navigator_and_review_screen(exam, learner_client):
    response = learner_client.post(urls(exam)["flag"], {"flagged": "1"}, **HTMX)
    assert 'aria-pressed="true"' in response.content.decode()
    assert AttemptQuestion.objects.get(attempt=exam, position=1).flagged
    html = learner_client.get(urls(exam)["check"]).content.decode()
    assert 'data-summary="flagged">1<' in html


def test_submitting_shows_the_scaled_result_with_the_method_and_domains(exam, learner_client):
    for item in exam.items.all():
        learner_client.post(
            reverse("quizzes:answer", args=[exam.pk, item.position]),
            {"option": correct_letters(item)},
            **HTMX,
        )
    response = learner_client.post(urls(exam)["submit"], follow=True)
    html = response.content.decode()
    assert "data-scaled-score>1000<" in html
    assert "Pass" in html
    assert "100 + 900" in html
    assert html.split('id="topics-title"')[0].count("<meter") == 4  # one per domain
    assert "Meets competencies" in html


def test_the_review_mode_after_submission_shows_every_answer_and_explanation(exam, learner_client):
    first = exam.items.get(position=1)
    learner_client.post(urls(exam)["answer"], {"option": [wrong_letter(first)]}, **HTMX)
    learner_client.post(urls(exam)["submit"])
    html = learner_client.get(urls(exam)["review"]).content.decode()
    assert html.count("Question ") >= 10
    assert "Your answer" in html
    assert "Not answered" in html
    assert html.count("GENERAL-EXPLANATION") == 10
    options = Option.objects.filter(version__in=exam.items.values("version")).count()
    assert len(re.findall(r"(?:RIGHT|WRONG)-EXPLANATION", html)) == options


@pytest.mark.parametrize("name", ["attempt", "check", "result", "review"])
def test_another_learner_gets_404_for_each_page_of_an_attempt(
    exam, client, django_user_model, name
):
    other = django_user_model.objects.create_user(username="bob", password="correct-horse-42")
    client.force_login(other)
    assert client.get(urls(exam)[name]).status_code == 404


@pytest.mark.parametrize("name", ["answer", "flag", "submit"])
def test_another_learner_cannot_change_an_attempt(exam, client, django_user_model, name):
    other = django_user_model.objects.create_user(username="bob", password="correct-horse-42")
    client.force_login(other)
    item = exam.items.get(position=1)
    response = client.post(urls(exam)[name], {"option": correct_letters(item), "flagged": "1"})
    assert response.status_code == 404
    exam.refresh_from_db()
    item.refresh_from_db()
    assert (exam.submitted_at, item.chosen, item.flagged) == (None, [], False)


def test_the_attempts_history_lists_results(exam, learner_client):
    learner_client.post(urls(exam)["submit"])
    html = learner_client.get(reverse("quizzes:index")).content.decode()
    assert "Timed exam: 10 questions" in html
    assert '100 <span class="badge badge-bad">Fail</span>' in html


def test_the_due_questions_panel_can_be_included_on_other_pages(bank, learner):
    practice = attempts.practice_start(user=learner, now=timezone.now(), count=2)
    past = timezone.now() - timedelta(days=1)
    for item in practice.items.all():
        attempts.attempt_answer(
            attempt=practice, position=item.position, option_ids=[wrong_id(item)], now=past
        )
    request = RequestFactory().get("/review/")
    request.user = learner
    html = Template("{% load quiz_tags %}{% due_questions_panel %}").render(
        Context({"request": request})
    )
    assert "<strong>2</strong> questions due for review" in html
    assert "Practise due questions" in html
