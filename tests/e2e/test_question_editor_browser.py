"""The question editor in a real browser, on a wide screen (1280 px) and a phone (390 px): the
error summary of a refused save and its links, the topic finder, the preview beside or below
the form, and the draft kept in the browser across a reload."""

from __future__ import annotations

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from studyapp.quizzes.models import Question
from tests.e2e.conftest import log_in
from tests.e2e.test_accessibility import violations
from tests.plugins.courses import NOTES, import_content

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE, PHONE = 1280, 390
NEW = "/teach/questions/new/"


@pytest.fixture
def course(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "s3.md").write_text(NOTES, encoding="utf-8")
    import_content(tmp_path)


@pytest.fixture(params=[WIDE, PHONE], ids=["1280px", "390px"])
def editor(request, page: Page, live_server, instructor, course) -> Page:
    """The instructor's browser, as wide as the test says, on a new question's editor."""
    page.set_viewport_size({"width": request.param, "height": 900})
    log_in(page, live_server, username="grace", password="correct-horse-42")
    page.goto(f"{live_server.url}{NEW}")
    return page


def fill_valid_question(page: Page) -> None:
    page.get_by_label("Question", exact=True).fill("Bucket names are **globally** unique?")
    answers = ["Across all accounts", "Per account", "Per region"]
    for letter, text in zip("ABC", answers, strict=True):
        page.get_by_label(f"Option {letter}", exact=True).fill(text)
    page.locator("#option-0-correct").check()


def test_a_refused_save_shows_the_summary_and_its_links_focus_their_fields(editor: Page):
    editor.get_by_label("Published").check()
    editor.get_by_role("button", name="Save question").click()

    summary = editor.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("The question was not saved: 4 problems")
    expect(summary.get_by_role("link")).to_have_text(
        [
            "Question: This field is required.",
            "Options: A question needs at least 2 options (it has 0).",
            "Topics: Choose at least one topic before publishing.",
            "Domain: Choose the exam domain before publishing.",
        ]
    )
    summary.get_by_role("link", name="Question: This field is required.").click()
    expect(editor.get_by_label("Question", exact=True)).to_be_focused()
    summary.get_by_role("link", name="Domain: Choose the exam domain before publishing.").click()
    expect(editor.get_by_label("Domain")).to_be_focused()
    expect(editor.get_by_label("Domain")).to_be_in_viewport()
    summary.get_by_role("link", name="Topics: Choose at least one topic before publishing.").click()
    expect(editor.get_by_label("Amazon S3 › Buckets and Objects")).to_be_focused()


def test_typing_in_find_a_topic_narrows_the_list_and_enter_picks_it(editor: Page):
    finder = editor.get_by_label("Find a topic")
    finder.fill("classes")

    expect(editor.locator("#topic-choices li:visible")).to_have_text(
        ["Amazon S3 › Storage Classes"]
    )
    expect(editor.get_by_text("1 of 3 topics shown.")).to_be_visible()
    finder.press("Enter")
    expect(editor.get_by_label("Amazon S3 › Storage Classes")).to_be_checked()
    expect(editor.get_by_text("Chosen: Amazon S3 › Storage Classes.")).to_be_visible()
    expect(finder).to_have_value("")
    expect(editor.locator("#topic-choices li:visible")).to_have_count(3)
    expect(editor).to_have_url(f"{editor.url.split('/teach/')[0]}{NEW}")  # Enter saved nothing


def test_a_chosen_topic_stays_in_the_list_while_another_is_looked_for(editor: Page):
    editor.get_by_label("Amazon S3 › Buckets and Objects").check()
    editor.get_by_label("Find a topic").fill("website")

    expect(editor.locator("#topic-choices li:visible")).to_have_text(
        ["Amazon S3 › Buckets and Objects", "Amazon S3 › Static Website"]
    )


def test_the_preview_is_beside_the_form_on_a_wide_screen_and_below_it_on_a_phone(editor: Page):
    editor.get_by_label("Question", exact=True).fill("Bucket names are **globally** unique?")
    expect(editor.locator("#question-preview strong")).to_have_text("globally")

    editor.evaluate("window.scrollTo(0, 0)")
    form = editor.locator("#question-form").bounding_box()
    preview = editor.locator("#question-preview").bounding_box()
    if editor.viewport_size["width"] == WIDE:
        assert preview["x"] >= form["x"] + form["width"]
        assert abs(preview["y"] - form["y"]) < 1
    else:
        assert preview["y"] >= form["y"] + form["height"]
        assert abs(preview["x"] - form["x"]) < 1
        assert preview["width"] == pytest.approx(form["width"], abs=1)
    assert editor.evaluate("document.documentElement.scrollWidth") <= editor.viewport_size["width"]


def test_a_draft_typed_then_reloaded_is_offered_and_restored(editor: Page):
    editor.get_by_label("Title").fill("Bucket names")
    editor.get_by_label("Question", exact=True).fill("Bucket names are **globally** unique?")
    editor.get_by_label("Option A", exact=True).fill("Across all accounts")
    editor.locator("#option-0-correct").check()
    editor.get_by_label("Amazon S3 › Storage Classes").check()

    editor.reload()

    notice = editor.locator("#draft-notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("This question has a draft that was not saved")
    expect(editor.get_by_label("Title")).to_have_value("")
    notice.get_by_role("button", name="Restore draft").click()
    expect(notice).to_be_hidden()
    expect(editor.get_by_label("Title")).to_have_value("Bucket names")
    expect(editor.get_by_label("Question", exact=True)).to_have_value(
        "Bucket names are **globally** unique?"
    )
    expect(editor.get_by_label("Option A", exact=True)).to_have_value("Across all accounts")
    expect(editor.locator("#option-0-correct")).to_be_checked()
    expect(editor.get_by_label("Amazon S3 › Storage Classes")).to_be_checked()
    expect(editor.locator("#question-preview strong")).to_have_text("globally")
    assert not Question.objects.exists()  # nothing unsaved reached the server


def test_a_restored_draft_brings_back_the_options_it_had(editor: Page):
    editor.get_by_role("button", name="Add an option").click()
    editor.get_by_label("Option E", exact=True).fill("Per bucket")

    editor.goto(editor.url)  # a new visit: the page has its four options again

    editor.get_by_role("button", name="Restore draft").click()
    expect(editor.get_by_label("Option E", exact=True)).to_have_value("Per bucket")
    expect(editor.locator("input[name=option_count]")).to_have_value("5")
    expect(editor.get_by_role("button", name="Move down option D")).to_be_enabled()
    expect(editor.get_by_role("button", name="Move down option E")).to_be_disabled()


def test_discarding_a_draft_forgets_it(editor: Page):
    editor.get_by_label("Title").fill("Bucket names")
    editor.reload()

    editor.get_by_role("button", name="Discard").click()

    expect(editor.locator("#draft-notice")).to_be_hidden()
    expect(editor.get_by_label("Title")).to_have_value("")
    editor.reload()
    expect(editor.locator("#draft-notice")).to_be_hidden()


def test_a_successful_save_clears_the_draft(editor: Page, live_server):
    editor.get_by_label("Title").fill("Bucket names")
    fill_valid_question(editor)
    editor.wait_for_load_state("networkidle")  # the preview's last request answered
    editor.get_by_role("button", name="Save question").click()
    expect(editor.get_by_text("Question draft: version 1 saved.")).to_be_visible()

    assert editor.evaluate("window.localStorage.getItem('question-draft:new')") is None
    editor.goto(f"{live_server.url}{NEW}")
    expect(editor.locator("#draft-notice")).to_be_hidden()


def test_a_refused_save_keeps_the_draft_without_offering_it_on_the_same_page(editor: Page):
    editor.get_by_label("Title").fill("Bucket names")
    editor.get_by_role("button", name="Save question").click()
    expect(editor.locator("#error-summary")).to_be_visible()

    expect(editor.locator("#draft-notice")).to_be_hidden()
    editor.goto(editor.url)
    expect(editor.locator("#draft-notice")).to_be_visible()


def test_the_editor_with_its_draft_notice_and_its_error_summary_has_no_serious_violation(
    editor: Page,
):
    axe = Axe()
    editor.get_by_label("Title").fill("Bucket names")
    editor.reload()
    expect(editor.locator("#draft-notice")).to_be_visible()
    with_notice = violations(editor, axe)
    editor.get_by_role("button", name="Save question").click()
    expect(editor.locator("#error-summary")).to_be_visible()
    with_summary = violations(editor, axe)
    editor.emulate_media(color_scheme="dark")
    with_summary_dark = violations(editor, axe)

    assert (with_notice, with_summary, with_summary_dark) == ([], [], [])


def test_without_script_the_topics_are_plain_checkboxes_and_the_summary_plain_links(
    browser, live_server, instructor, course
):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server, username="grace", password="correct-horse-42")
    page.goto(f"{live_server.url}{NEW}")
    expect(page.get_by_label("Find a topic")).to_be_hidden()
    page.get_by_role("button", name="Save question").click()
    expect(page.locator("#error-summary a").first).to_have_attribute("href", "#id_stem_md")

    fill_valid_question(page)
    page.get_by_label("Amazon S3 › Static Website").check()
    page.get_by_role("button", name="Save question").click()

    expect(page.get_by_text("Question draft: version 1 saved.")).to_be_visible()
    version = Question.objects.get().current_version
    assert [topic.slug for topic in version.topics.all()] == ["static-website"]
    context.close()
