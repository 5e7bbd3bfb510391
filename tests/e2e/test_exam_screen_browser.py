"""The exam screen and the results review in a real browser, on a phone-sized screen too."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from studyapp.quizzes.models import Attempt
from tests.e2e.conftest import log_in
from tests.e2e.test_quizzes_browser import keys_ready, start_exam
from tests.plugins.courses import bank_import, question_md, questions_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 667}
LONG_STEM = " ".join(
    f"Paragraph {n} of a long scenario: a company runs its order pipeline on Lambda, with "
    "SQS between the stages, and reports throttling at peak hours in two Regions."
    for n in range(12)
)


@pytest.fixture
def long_bank(content_dir: Path) -> None:
    """Six questions with stems long enough to scroll on any screen."""
    questions = [
        question_md(f"q{n}", domain=domain, correct=(n % 4,), stem=f"{LONG_STEM} Which one?")
        for n, domain in enumerate(["D1", "D2", "D3", "D4", "D1", "D2"])
    ]
    bank_import(content_dir, questions_file(*questions))


def in_view(page: Page, selector: str) -> bool:
    """The element is inside the viewport and on top there (nothing such as a sticky header
    covers its middle)."""
    return page.evaluate(
        """(selector) => {
            const el = document.querySelector(selector);
            const box = el.getBoundingClientRect();
            if (box.top < 0 || box.bottom > window.innerHeight) return false;
            const x = box.left + box.width / 2;
            const hit = document.elementFromPoint(x, box.top + box.height / 2);
            return el.contains(hit);
        }""",
        selector,
    )


def test_on_a_phone_the_timer_stays_in_view_while_the_question_scrolls(
    browser: Browser, live_server, learner, long_bank
):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    log_in(page, live_server, username="ada", password="correct-horse-42")
    start_exam(page, live_server, count=6)
    assert in_view(page, ".exam-timer")
    for fraction in (0.3, 0.6, 1.0):
        page.evaluate(f"window.scrollTo(0, document.body.scrollHeight * {fraction})")
        page.wait_for_function(f"window.scrollY > {int(300 * fraction)}")
        assert in_view(page, ".exam-timer"), f"timer scrolled away at {fraction:.0%}"
        assert in_view(page, ".exam-count")
        assert in_view(page, ".exam-flag")
    expect(page.get_by_role("timer")).to_contain_text(re.compile(r"0:1[34]:\d\d"))
    context.close()


def test_the_timer_warns_at_fifteen_minutes_left(page: Page, live_server, learner, long_bank):
    log_in(page, live_server, username="ada", password="correct-horse-42")
    start_exam(page, live_server, count=6)  # 6 x 144 s = 14 min 24 s
    expect(page.get_by_role("alert")).to_have_text("Less than 15 minutes left.")
    expect(page.locator("[data-countdown]")).to_have_class(re.compile("is-warn"))


def test_the_timer_warns_at_five_minutes_left(page: Page, live_server, learner, long_bank):
    log_in(page, live_server, username="ada", password="correct-horse-42")
    start_exam(page, live_server, count=2)  # 4 min 48 s
    expect(page.get_by_role("alert")).to_contain_text("Less than 5 minutes left")
    expect(page.locator("[data-countdown]")).to_have_class(re.compile("is-low"))


def test_the_r_key_opens_the_review_screen_of_unanswered_and_flagged(
    page: Page, live_server, learner, long_bank
):
    log_in(page, live_server, username="ada", password="correct-horse-42")
    start_exam(page, live_server, count=3)
    keys_ready(page)
    page.keyboard.press("f")
    expect(page.get_by_role("button", name="Flagged for review")).to_be_visible()
    page.keyboard.press("r")
    expect(page.get_by_role("heading", name="Review and submit")).to_be_visible()
    expect(page.locator('[data-summary="unanswered"]')).to_have_text("3")
    expect(page.locator('[data-summary="flagged"]')).to_have_text("1")
    expect(page.get_by_role("timer")).to_be_visible()


def test_a_finished_exams_review_filters_wrong_answers_and_starts_practice_of_them(
    page: Page, live_server, learner, long_bank
):
    log_in(page, live_server, username="ada", password="correct-horse-42")
    start_exam(page, live_server, count=3)
    exam = Attempt.objects.get()
    first = exam.items.select_related("version").get(position=1)
    right = next(o for o in first.shown_options() if o.is_correct)
    page.locator(".quiz-choice").nth("ABCD".index(right.shown_letter)).click()
    expect(page.locator("#save-status")).to_contain_text("Answer saved")
    page.get_by_role("link", name="Review and submit").click()
    page.get_by_role("button", name="Submit exam").click()
    expect(page.locator("[data-missed]")).to_have_text("2")

    page.get_by_role("link", name="Review every question").click()
    expect(page.locator("[data-review-item]")).to_have_count(3)
    page.get_by_role("link", name="Wrong or unanswered").click()
    expect(page.locator("[data-review-item]")).to_have_count(2)
    expect(page.locator("[data-review-count]")).to_have_text("Showing 2 of 3 questions.")
    expect(page.get_by_role("heading", name="Question 1", exact=True)).to_have_count(0)

    page.get_by_role("button", name="Practise what I missed (2)").click()
    expect(page.get_by_role("heading", name="Question 1 of 2")).to_be_visible()
    practice = Attempt.objects.exclude(pk=exam.pk).get()
    missed = [
        item.version.question_id
        for item in exam.items.select_related("version")
        if item.position > 1
    ]
    assert [item.version.question_id for item in practice.items.select_related("version")] == (
        missed
    )


def test_an_exam_by_keyboard_alone_chooses_moves_back_and_forth_and_keeps_the_answers(
    page: Page, live_server, learner, long_bank
):
    log_in(page, live_server, username="ada", password="correct-horse-42")
    start_exam(page, live_server, count=3)
    choices = page.locator(".quiz-choice input")
    keys_ready(page)
    page.keyboard.press("b")  # a letter chooses that option
    expect(choices.nth(1)).to_be_checked()
    expect(page.locator("#save-status")).to_contain_text("Answer saved")
    page.keyboard.press("n")
    expect(page.get_by_role("heading", name="Question 2 of 3")).to_be_visible()
    keys_ready(page)
    page.keyboard.press("3")  # so does its number
    expect(choices.nth(2)).to_be_checked()
    expect(page.locator("#save-status")).to_contain_text("Answer saved")
    page.keyboard.press("p")
    expect(page.get_by_role("heading", name="Question 1 of 3")).to_be_visible()
    expect(choices.nth(1)).to_be_checked()  # the answer was kept by the server
    keys_ready(page)
    page.keyboard.press("Enter")  # Enter goes on to the next question
    expect(page.get_by_role("heading", name="Question 2 of 3")).to_be_visible()
    expect(choices.nth(2)).to_be_checked()
    exam = Attempt.objects.get()
    chosen = {item.position: item.chosen for item in exam.items.all()}
    assert len(chosen[1]) == len(chosen[2]) == 1 and chosen[3] == []
