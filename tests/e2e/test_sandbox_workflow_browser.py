"""A learner's whole loop with their own function, on a desktop and on a phone: copy a sample,
edit it in the code editor, rename it, run it, and see the result without scrolling."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from studyapp.sandbox.models import Function
from tests.e2e.conftest import log_in
from tests.sandbox.service import full_isolation, sandbox_service, sandbox_service_url

__all__ = ["full_isolation", "sandbox_service", "sandbox_service_url"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RUN_TIMEOUT_MS = 30_000
EDITED = "def handler(event, context):\n    return {'edited': True, 'event': event}"
SCREENS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 375, "height": 812}}


IN_VIEWPORT = """(selector) => {
    const box = document.querySelector(selector).getBoundingClientRect();
    return box.top >= 0 && box.top < window.innerHeight
        && box.left >= 0 && box.right <= window.innerWidth + 1;
}"""


def in_viewport(page: Page, selector: str) -> bool:
    """Whether the element's top edge comes inside the window (and it is on screen across)
    once the page has settled after the swap: False if it is still out of view after 5 s."""
    try:
        page.wait_for_function(IN_VIEWPORT, arg=selector, timeout=5_000)
    except PlaywrightTimeoutError:
        return False
    return True


def overflowing(page: Page, container: str, children: str) -> list[str]:
    """Children whose right edge passes their container's (outside any scrolling wrapper)."""
    return page.evaluate(
        """([container, children]) => {
            const edge = document.querySelector(container).getBoundingClientRect().right;
            return [...document.querySelectorAll(children)]
                .filter((el) => el.getBoundingClientRect().right > edge + 1)
                .map((el) => el.textContent.trim());
        }""",
        [container, children],
    )


@pytest.mark.parametrize("screen", sorted(SCREENS))
def test_copy_edit_rename_run_and_see_the_result_without_scrolling(
    page: Page, live_server, learner, imported, full_isolation, screen, task_worker
):
    page.set_viewport_size(SCREENS[screen])
    log_in(page, live_server, username="ada", password="correct-horse-42")
    page.goto(f"{live_server.url}/sandbox/samples/cold-start-vs-warm/")
    bullets = page.evaluate(
        "[...document.querySelectorAll('.function-links li')]"
        ".map((li) => getComputedStyle(li).listStyleType)"
    )
    assert bullets and set(bullets) == {"none"}  # no bullet drawn over the links
    page.get_by_role("button", name="Copy to edit").click()

    name = page.get_by_label("Function name")
    expect(name).to_have_value("cold-start-vs-warm-copy")
    expect(page.locator(".editor.is-enhanced .cm-editor")).to_be_visible()
    editor = page.get_by_test_id("code-editor")
    editor.click()
    editor.press("Control+a")
    editor.press("Delete")
    editor.press_sequentially("def handler(event, context):")
    editor.press("Enter")  # the editor indents the body after the colon
    editor.press_sequentially("return {'edited': True, 'event': event}")
    expect(page.locator("textarea.code-input")).to_have_value(EDITED)
    name.fill("my-warm-start")
    page.get_by_label("Event (JSON)").fill('"just a string"')

    page.get_by_role("button", name="Run", exact=True).click()
    result = page.locator("#result")
    expect(result.locator(".run-progress")).to_contain_text("Finished", timeout=RUN_TIMEOUT_MS)
    expect(result.locator("pre.payload")).to_contain_text('"edited": true')
    expect(result.locator("pre.payload")).to_contain_text('"event": "just a string"')
    expect(page.get_by_role("heading", name="Result")).to_be_focused()
    assert in_viewport(page, "#result"), "the result is out of view after Run"
    assert in_viewport(page, "#result .run-progress")

    function = Function.objects.get(owner=learner)
    assert function.name == "my-warm-start"
    assert function.main_source == EDITED
    assert Function.objects.samples().filter(name="cold-start-vs-warm").exists()

    # Several at once: the figures of the batch stay inside their panel.
    page.get_by_label("Invocations at once").fill("2")
    page.get_by_role("button", name="Run N at once").click()
    expect(result.locator(".run-progress")).to_contain_text(
        "Finished: 2 invocations", timeout=RUN_TIMEOUT_MS
    )
    assert in_viewport(page, "#result")
    assert overflowing(page, "#result", "#result .environments dt, #result .environments dd") == []
    assert page.evaluate("document.documentElement.scrollWidth") <= SCREENS[screen]["width"]

    page.reload()
    expect(page.get_by_label("Function name")).to_have_value("my-warm-start")
