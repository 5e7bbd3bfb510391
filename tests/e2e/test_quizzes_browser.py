"""Quizzes in a real browser: a timed exam from start to review, resuming it, and practice."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from studyapp.quizzes import grading
from studyapp.quizzes.models import Attempt
from tests.e2e.conftest import log_in
from tests.plugins.courses import bank_import, question_md, questions_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def quiz_bank(content_dir: Path) -> None:
    questions = [
        question_md(f"q{n}", domain=domain, correct=(0, 2) if n == 1 else (n % 4,))
        for n, domain in enumerate(["D1", "D2", "D3", "D4", "D1", "D2"])
    ]
    bank_import(content_dir, questions_file(*questions))


def start_exam(page: Page, live_server, *, count: int) -> None:
    page.goto(f"{live_server.url}/quizzes/")
    page.get_by_label("A chosen number of questions").check()
    page.get_by_label("Number of questions (for a chosen number)").fill(str(count))
    page.get_by_role("button", name="Start exam").click()
    expect(page.get_by_role("heading", name=f"Question 1 of {count}")).to_be_visible()


def keys_ready(page: Page) -> None:
    """The shortcuts live in a deferred script: wait for the page's load event before typing."""
    page.wait_for_load_state("load")


def choose_option(page: Page, index: int) -> None:
    page.locator(".quiz-choice").nth(index).click()
    expect(page.locator("#save-status")).to_contain_text("Answer saved")


def test_a_timed_exam_with_a_flag_the_review_screen_submit_result_and_review(
    page: Page, live_server, learner, quiz_bank
):
    log_in(page, live_server, username="ada", password="correct-horse-42")
    start_exam(page, live_server, count=3)
    expect(page.get_by_role("timer")).to_contain_text(re.compile(r"0:0[67]:\d\d"))

    choose_option(page, 0)
    keys_ready(page)
    page.keyboard.press("f")
    expect(page.get_by_role("button", name="Flagged for review")).to_have_attribute(
        "aria-pressed", "true"
    )
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", name="Question 2 of 3")).to_be_visible()
    keys_ready(page)
    page.keyboard.press("2")
    expect(page.locator("#save-status")).to_contain_text("Answer saved")
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", name="Question 3 of 3")).to_be_visible()
    page.get_by_role("button", name="Review answers").click()

    expect(page.get_by_role("heading", name="Review and submit")).to_be_visible()
    expect(page.locator('[data-summary="answered"]')).to_have_text("2 of 3")
    expect(page.locator('[data-summary="unanswered"]')).to_have_text("1")
    expect(page.locator('[data-summary="flagged"]')).to_have_text("1")
    flagged = page.get_by_role("region", name="Flagged for review")
    expect(flagged.get_by_role("link", name="Question 1")).to_be_visible()
    page.get_by_role("button", name="Submit exam").click()

    attempt = Attempt.objects.get()
    assert attempt.is_submitted
    expected = grading.scaled_score(correct=attempt.correct_count, total=3)
    expect(page.locator("[data-scaled-score]")).to_have_text(str(expected))
    verdict = "Pass" if expected >= 750 else "Fail"
    expect(page.locator(".quiz-verdict-badge")).to_have_text(verdict)
    expect(page.locator("[data-scaling-method]")).to_contain_text("100 + 900")
    expect(page.locator("table.quiz-domains meter")).to_have_count(
        len({i.version.domain for i in attempt.items.select_related("version")})
    )

    page.get_by_role("link", name="Review every question").click()
    for position in (1, 2, 3):
        expect(page.get_by_role("heading", name=f"Question {position}", exact=True)).to_be_visible()
    expect(page.get_by_text("Not answered")).to_be_visible()
    expect(page.get_by_text("Your answer", exact=True)).to_have_count(2)
    expect(page.locator(".quiz-explanation")).to_have_count(3)


def test_an_exam_resumes_in_a_new_browser_with_its_answers_and_flags(
    browser: Browser, live_server, learner, quiz_bank
):
    first = browser.new_context()
    page = first.new_page()
    log_in(page, live_server, username="ada", password="correct-horse-42")
    start_exam(page, live_server, count=3)
    choose_option(page, 1)
    page.get_by_role("button", name="Next").click()
    choose_option(page, 2)
    page.get_by_role("button", name="Flag for review").click()
    expect(page.get_by_role("button", name="Flagged for review")).to_be_visible()
    first.close()  # the tab, the browser, everything gone: nothing was kept client-side

    second = browser.new_context()
    page = second.new_page()
    log_in(page, live_server, username="ada", password="correct-horse-42")
    page.goto(f"{live_server.url}/quizzes/")
    page.get_by_role("link", name=re.compile("Resume timed exam")).click()
    expect(page.locator("#answered-count")).to_have_text("2")
    page.get_by_role("link", name=re.compile(r"^1\s*, answered")).click()
    expect(page.locator(".quiz-choice input").nth(1)).to_be_checked()
    page.get_by_role("link", name=re.compile(r"^2\s*, answered, flagged")).click()
    expect(page.locator(".quiz-choice input").nth(2)).to_be_checked()
    expect(page.get_by_role("button", name="Flagged for review")).to_be_visible()
    second.close()


# The right options of each question of ``quiz_bank`` (q1 asks for two: A and C).
RIGHT_OPTIONS = {f"q{n}": "AC" if n == 1 else "ABCD"[n % 4] for n in range(6)}


def verdict_of_choosing(option_text: str) -> str:
    """What choosing this one option earns in practice: Moodle's partial credit for one of
    two right options of q1."""
    key, letter = re.search(r"Option (q\d) ([ABCD])\.", option_text).groups()
    if letter not in RIGHT_OPTIONS[key]:
        return "Incorrect"
    return "Partly correct" if len(RIGHT_OPTIONS[key]) > 1 else "Correct"


def test_practice_shows_the_explanations_right_after_an_answer(
    page: Page, live_server, learner, quiz_bank
):
    log_in(page, live_server, username="ada", password="correct-horse-42")
    page.goto(f"{live_server.url}/quizzes/")
    page.get_by_label("Number of questions", exact=True).fill("2")
    page.get_by_role("button", name="Start practice").click()
    expect(page.get_by_role("heading", name="Question 1 of 2")).to_be_visible()
    expect(page.locator(".quiz-why")).to_have_count(0)
    keys_ready(page)
    first_option = page.locator(".quiz-choice").first.inner_text()  # "a" chooses it
    page.keyboard.press("a")
    page.keyboard.press("Enter")
    expect(page.locator(".quiz-verdict")).to_contain_text(verdict_of_choosing(first_option))
    expect(page.locator(".quiz-why")).to_have_count(4)
    expect(
        page.get_by_role("link", name="Storage Classes").or_(
            page.get_by_role("link", name="Buckets and Objects")
        )
    ).to_be_visible()
    page.keyboard.press("n")
    expect(page.get_by_role("heading", name="Question 2 of 2")).to_be_visible()
