"""Authoring in a real browser: write a question with its preview, publish, build a quiz, assign
it to a cohort; a learner joins with the code and takes it; the instructor reads the statistics."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from studyapp.accounts.models import Cohort
from studyapp.quizzes.models import Question
from tests.e2e.conftest import cohort_joined_in_new_context, log_in, quiz_assign_to_new_cohort

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def write_question(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/teach/questions/new/")
    page.get_by_label("Title").fill("Bucket names")
    page.get_by_label("Question", exact=True).fill("Bucket names are **globally** unique?")
    expect(page.locator("#question-preview strong")).to_have_text("globally")
    answers = [
        ("Across all accounts", "Names are global."),
        ("Per account", "No: global."),
        ("Per region", "No: global."),
        ("Per bucket policy", "Not a thing."),
    ]
    for index, (text, why) in enumerate(answers):
        letter = "ABCD"[index]
        page.get_by_label(f"Option {letter}", exact=True).fill(text)
        page.get_by_label(f"Why option {letter} is right or wrong").fill(why)
    page.locator("#option-0-correct").check()
    expect(page.locator("#question-preview .is-correct")).to_contain_text("Across all accounts")
    page.get_by_label("Amazon S3 › Buckets and Objects").check()
    page.get_by_label("Domain").select_option("D2")
    page.get_by_label("Published").check()
    # The live preview and the checker answer each change: let the last of them finish before
    # saving, as a person reading the preview would (the test server's in-memory SQLite
    # connection is shared by its threads and cannot serve two requests at once).
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="Save question").click()
    expect(page.get_by_text("Question published: version 1 saved.")).to_be_visible()


def build_quiz(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/teach/quizzes/")
    page.get_by_label("New quiz title").fill("Week 1")
    page.get_by_role("button", name="Build a quiz").click()
    page.get_by_label("Text").fill("globally")
    results = page.locator("#picker-results")
    expect(results).to_contain_text("Bucket names")
    results.get_by_role("button", name="Add").first.click()
    expect(page.locator(".builder-items")).to_contain_text("Bucket names")
    page.get_by_label("Published").check()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Quiz settings saved.")).to_be_visible()


def test_instructor_writes_builds_and_assigns_learner_takes_instructor_reads_statistics(
    page: Page, browser: Browser, live_server, instructor, learner, course
):
    log_in(page, live_server, username="grace", password="correct-horse-42")
    write_question(page, live_server)
    assert Question.objects.get().status == "published"
    build_quiz(page, live_server)
    code = quiz_assign_to_new_cohort(
        page, live_server, cohort="Spring class", quiz="Week 1", due="2099-06-01T17:00"
    )
    expect(page.locator("table")).to_contain_text("Quiz: Week 1")
    assert Cohort.objects.get().code == code

    learner_page = cohort_joined_in_new_context(browser, live_server, username="ada", code=code)
    learner_page.goto(f"{live_server.url}/home/")
    assignment = learner_page.locator(".assignment-list li", has_text="Quiz: Week 1")
    expect(assignment).to_contain_text("not started")
    assignment.get_by_role("link").click()
    learner_page.get_by_role("button", name="Start the quiz").click()
    learner_page.get_by_text("Across all accounts").click()
    learner_page.get_by_role("button", name="Check answer").click()
    expect(learner_page.get_by_text("Names are global.")).to_be_visible()
    learner_page.goto(f"{live_server.url}/home/")
    expect(learner_page.locator(".assignment-list li", has_text="Quiz: Week 1")).to_contain_text(
        "done"
    )
    learner_page.context.close()

    page.goto(f"{live_server.url}/teach/quizzes/")
    page.get_by_role("link", name="Statistics").click()
    expect(page.locator('[data-stat="attempts"]')).to_have_text("1")
    expect(page.locator('td[data-stat="facility"]')).to_have_text("100.00%")
    expect(page.locator('td[data-stat="random_guess_score"]')).to_have_text("25.00%")
