"""Issue 14's acceptance in a real browser: an instructor imports a GIFT file (an HTML question,
a true/false, a short answer and a numerical question) into a new bank, previews, confirms,
builds a quiz of it and assigns it to a cohort; a learner of the cohort takes it, typing the
short and numerical answers, sees the HTML as HTML and the marks; a learner outside the cohort
never meets those questions in practice or in an exam.

The new bank is made by the import itself: the form's "Or a new bank" names it, the preview says
it will be a new bank of the instructor's, and confirming creates it."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from studyapp.quizzes.models import Attempt, Question
from studyapp.topics.models import Course
from tests.e2e.conftest import cohort_joined_in_new_context, log_in, quiz_assign_to_new_cohort
from tests.plugins.courses import (
    BANK_DOMAINS,
    bank_import,
    question_md,
    questions_file,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BANK = "week3-questions"

GIFT = """\
// Week 3 of the Lambda course, exported from Moodle
$CATEGORY: $course$/top/Week 3

// [tag:week3]
::Handler runtime::[html]<p>Which runtime runs a handler written in <b>Python</b>?</p>{
\t=python3.13#Yes: a Python runtime.
\t~nodejs22.x#No: that one runs JavaScript.
\t~java21#No: that one runs Java.
}

// [tag:week3]
::No state::Lambda keeps no state between invocations that a function may rely on.{TRUE}

// [tag:week3]
::Queue source::Which AWS service delivers a queue's messages to a Lambda function?{
\t=SQS
\t=Amazon SQS
\t=%50%*queue*#Close: name the service.
}

// [tag:week3]
::Longest timeout::What is Lambda's longest timeout, in seconds?{#900:0}
"""

TITLES = ["Handler runtime", "No state", "Queue source", "Longest timeout"]


@pytest.fixture
def pool(content_dir: Path) -> None:
    """The shipped course: the S3 notes and ten questions in the course's pool."""
    questions = [question_md(f"q{n}", domain=d) for n, d in enumerate(BANK_DOMAINS)]
    bank_import(content_dir, questions_file(*questions))


def import_gift(page: Page, live_server, path: Path) -> None:
    page.goto(f"{live_server.url}{reverse('teach:question_import')}")
    page.get_by_label("File").set_input_files(str(path))
    page.get_by_label("Format").select_option("gift")
    page.get_by_label("Or a new bank").fill(BANK)
    page.get_by_label("Publish").check()
    page.get_by_role("button", name="Check the file").click()
    report = page.locator(".import-report")
    expect(report.get_by_role("heading", level=2)).to_have_text(
        f"Ready to import 4 questions into {BANK} (a new bank of yours)"
    )
    kinds = ["single", "truefalse", "shortanswer", "numerical"]
    for title, kind in zip(TITLES, kinds, strict=True):
        expect(report.locator("tr", has_text=title)).to_contain_text(kind)
    assert not Course.objects.filter(slug=BANK).exists()  # a preview only: no bank yet
    page.get_by_role("button", name="Import 4 questions").click()
    expect(page.locator("body")).to_contain_text("Imported 4 questions from week3.gift")


def build_quiz(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/teach/quizzes/")
    page.get_by_label("New quiz title").fill("Week 3")
    page.get_by_role("button", name="Build a quiz").click()
    for added in range(1, 5):
        page.get_by_label("Tag").fill("week3")
        page.get_by_label("Tag").press("Enter")
        results = page.locator("#picker-results")
        expect(results.get_by_role("button", name="Add")).to_have_count(5 - added)
        results.get_by_role("button", name="Add").first.click()
        expect(page.locator(".builder-items li")).to_have_count(added)
    page.get_by_label("Published").check()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Quiz settings saved.")).to_be_visible()


def answer_the_shown_question(page: Page) -> str:
    """Answer whichever question the page shows; return its title's first word."""
    stem = page.locator(".quiz-stem")
    text = stem.inner_text()
    question = page.locator("#practice-question")
    expect(question.locator('input[name="option"]')).to_have_count(
        0 if ("queue" in text or "timeout" in text) else (3 if "runtime" in text else 2)
    )
    if "runtime" in text:
        # The HTML question's markup is rendered, not shown as tags.
        expect(stem.locator("b")).to_have_text("Python")
        expect(stem).not_to_contain_text("<b>")
        question.locator("label.quiz-choice", has_text="python3.13").click()
        seen = "html"
    elif "no state" in text:
        question.locator("label.quiz-choice", has_text="True").click()
        seen = "truefalse"
    elif "queue" in text:
        # Typed, not chosen: nothing on the page gives the accepted answers away.
        expect(question).not_to_contain_text("SQS")
        question.get_by_label("Your answer").fill("a queue service")
        seen = "shortanswer"
    else:
        question.get_by_label("Your answer (a number)").fill("900")
        seen = "numerical"
    question.get_by_role("button", name="Check answer").click()
    expect(page.locator(".quiz-verdict")).to_be_visible()
    return seen


def test_instructor_imports_gift_into_a_new_bank_and_only_the_cohort_meets_the_questions(
    page: Page,
    browser: Browser,
    live_server,
    instructor,
    learner,
    django_user_model,
    pool,
    tmp_path: Path,
):
    gift_file = tmp_path / "week3.gift"
    gift_file.write_text(GIFT, encoding="utf-8")
    outsider = django_user_model.objects.create_user(username="otto", password="correct-horse-42")

    log_in(page, live_server, username="grace", password="correct-horse-42")
    import_gift(page, live_server, gift_file)
    imported = set(Question.objects.filter(course__slug=BANK).values_list("pk", flat=True))
    assert len(imported) == 4
    assert Course.objects.get(slug=BANK).uploaded_by == instructor  # the new bank is hers
    assert not Question.objects.filter(pk__in=imported, in_pool=True).exists()
    build_quiz(page, live_server)
    code = quiz_assign_to_new_cohort(page, live_server, cohort="Lambda class", quiz="Week 3")

    # A learner of the cohort takes the quiz.
    learner_page = cohort_joined_in_new_context(browser, live_server, username="ada", code=code)
    learner_page.goto(f"{live_server.url}/home/")
    learner_page.locator(".assignment-list li", has_text="Quiz: Week 3").get_by_role("link").click()
    learner_page.get_by_role("button", name="Start the quiz").click()
    seen = []
    verdicts = {}
    for number in range(4):
        kind = answer_the_shown_question(learner_page)
        seen.append(kind)
        verdicts[kind] = learner_page.locator(".quiz-verdict").inner_text()
        if kind == "shortanswer":
            revealed = learner_page.locator("#practice-question")
            expect(revealed).to_contain_text("Accepted answers")
            expect(revealed).to_contain_text("Close: name the service.")
        link = "Next question" if number < 3 else "See the session result"
        learner_page.get_by_role("link", name=link).click()
    assert sorted(seen) == ["html", "numerical", "shortanswer", "truefalse"]
    assert verdicts["shortanswer"].startswith("Partly correct")
    assert "Mark 0.50 of 1" in verdicts["shortanswer"]
    assert all(verdicts[k].startswith("Correct") for k in ("html", "truefalse", "numerical"))
    expect(learner_page.locator("[data-marks]")).to_have_text("3.50")
    expect(learner_page.locator(".quiz-marks")).to_contain_text("of 4")
    learner_page.context.close()

    # A learner outside the cohort practises everything and takes an exam: never those four.
    other = browser.new_context()
    outsider_page = other.new_page()
    log_in(outsider_page, live_server, username="otto", password="correct-horse-42")
    outsider_page.goto(f"{live_server.url}/quizzes/")
    outsider_page.get_by_label("Number of questions", exact=True).fill("200")
    outsider_page.get_by_role("button", name="Start practice").click()
    expect(outsider_page.locator(".quiz-stem")).to_be_visible()
    outsider_page.goto(f"{live_server.url}/quizzes/")
    outsider_page.get_by_label("A chosen number of questions").check()
    outsider_page.get_by_label("Number of questions (for a chosen number)").fill("200")
    outsider_page.get_by_role("button", name="Start exam").click()
    expect(outsider_page.locator(".quiz-stem")).to_be_visible()
    expect(outsider_page.locator(".quiz-question")).not_to_contain_text("Lambda")
    other.close()

    taken = Attempt.objects.filter(user=outsider)
    assert sorted(taken.values_list("mode", flat=True)) == ["exam", "practice"]
    asked = set(taken.values_list("items__version__question", flat=True))
    assert len(asked) == 10  # the pool's ten questions, every one of them
    assert asked.isdisjoint(imported)
