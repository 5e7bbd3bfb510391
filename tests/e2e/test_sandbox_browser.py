"""The sandbox in a real browser, against a real sandbox service."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import log_in
from tests.sandbox.service import full_isolation, sandbox_service, sandbox_service_url

__all__ = ["full_isolation", "sandbox_service", "sandbox_service_url"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RUN_TIMEOUT_MS = 30_000
RAISES = "def handler(event, context):\n    raise Exception('Handler fails')\n"


def code_editor(page: Page):
    """The CodeMirror editor's editable area, once editor.js has put it in place of the textarea."""
    expect(page.locator(".editor.is-enhanced .cm-editor")).to_be_visible()
    return page.get_by_test_id("code-editor")


def run_and_wait(page: Page) -> None:
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.locator("#result .run-progress")).to_contain_text(
        "Finished", timeout=RUN_TIMEOUT_MS
    )


def test_a_learner_runs_a_sample_then_edits_it_to_raise_and_sees_cold_then_warm(
    page: Page, live_server, learner, imported, full_isolation, task_worker
):
    log_in(page, live_server, username="ada", password="correct-horse-42")
    page.goto(f"{live_server.url}/sandbox/")
    page.get_by_role("link", name="Cold start versus warm start").click()
    expect(page.get_by_role("heading", name="Cold start versus warm start")).to_be_visible()

    page.get_by_label("Memory (MB)").fill("256")
    page.get_by_label("Timeout (s)").fill("5")
    run_and_wait(page)
    logs = page.locator("#result pre.logs")
    expect(logs).to_contain_text("REPORT RequestId:")
    expect(logs).to_contain_text("Memory Size: 256 MB")
    expect(page.locator("#result .start-badge")).to_have_text("Cold start")
    expect(page.locator("#result .report-table")).to_contain_text("Init Duration")
    expect(page.locator("#result .cost-table")).to_contain_text("A million like it, arm64")

    run_and_wait(page)
    expect(page.locator("#result .start-badge")).to_have_text("Warm start")
    expect(page.locator("#history tbody tr")).to_have_count(2)

    page.get_by_role("button", name="Copy to edit").click()
    code_editor(page).fill(RAISES)
    expect(page.locator("textarea.code-input")).to_have_value(RAISES)
    run_and_wait(page)
    expect(page.locator("#result .status-badge")).to_have_text("Error")
    payload = page.locator("#result pre.payload")
    expect(payload).to_contain_text('"errorType": "Exception"')
    expect(payload).to_contain_text('"errorMessage": "Handler fails"')
    expect(payload).to_contain_text('"stackTrace"')
    expect(page.locator("#result .start-badge")).to_have_text("Cold start")
    run_and_wait(page)
    expect(page.locator("#result .start-badge")).to_have_text("Warm start")


def test_a_bad_setting_and_a_bad_event_are_shown_beside_their_fields(
    page: Page, live_server, learner, imported, sandbox_service
):
    log_in(page, live_server, username="ada", password="correct-horse-42")
    page.goto(f"{live_server.url}/sandbox/samples/timeout-guard/")
    page.get_by_label("Memory (MB)").fill("64")
    page.get_by_label("Event (JSON)").fill('{"start": }')
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.locator("#id_memory_mb_error")).to_have_text(
        "Memory must be a whole number from 128 to 10,240 MB."
    )
    expect(page.locator("#id_event_error")).to_contain_text("line 1, column 11")


def test_the_event_picker_loads_a_template(page: Page, live_server, learner, imported):
    log_in(page, live_server, username="ada", password="correct-horse-42")
    page.goto(f"{live_server.url}/sandbox/samples/timeout-guard/")
    page.get_by_label("Template").select_option(label="SQS")
    expect(page.get_by_label("Event (JSON)")).to_have_value(re.compile("eventSourceARN"))


def test_the_editor_indents_with_tab_and_after_a_colon(page: Page, live_server, learner, imported):
    log_in(page, live_server, username="ada", password="correct-horse-42")
    page.goto(f"{live_server.url}/sandbox/samples/cold-start-vs-warm/")
    page.get_by_role("button", name="Copy to edit").click()
    editor = code_editor(page)
    expect(editor).to_have_attribute("aria-label", "Code of handler.py")
    source = page.locator("textarea.code-input")  # hidden; what the form posts
    editor.click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.press("Delete")
    editor.press_sequentially("def handler(event, context):")
    editor.press("Enter")
    editor.press_sequentially("x = 1")
    editor.press("Enter")
    editor.press("Tab")
    editor.press_sequentially("y")
    expect(source).to_have_value("def handler(event, context):\n    x = 1\n        y")
    editor.press("Shift+Tab")
    expect(source).to_have_value("def handler(event, context):\n    x = 1\n    y")
    expect(page.locator(".editor .cm-lineNumbers .cm-gutterElement:visible")).to_have_text(
        ["1", "2", "3"]
    )
    expect(page.locator(".editor .tok-keyword").first).to_have_text("def")
    editor.press("Escape")
    editor.press("Tab")
    expect(editor).not_to_be_focused()


def test_the_editor_matches_brackets_undoes_and_searches(
    page: Page, live_server, learner, imported
):
    log_in(page, live_server, username="ada", password="correct-horse-42")
    page.goto(f"{live_server.url}/sandbox/samples/cold-start-vs-warm/")
    page.get_by_role("button", name="Copy to edit").click()
    editor = code_editor(page)
    source = page.locator("textarea.code-input")
    original = source.input_value()
    editor.click()
    page.keyboard.press("ControlOrMeta+End")
    page.keyboard.press("Enter")
    page.keyboard.type("print(")
    expect(source).to_have_value(re.compile(r"print\(\)$"))  # the bracket closed itself
    page.keyboard.press("ControlOrMeta+z")
    page.keyboard.press("ControlOrMeta+z")
    expect(source).to_have_value(original)
    page.keyboard.press("ControlOrMeta+f")
    expect(page.locator(".editor .cm-search input[name=search]")).to_be_focused()
