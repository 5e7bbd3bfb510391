"""A function deployed through the Lambda API, on its page in a real browser: the code read-only
beside "Edit a copy", its versions and aliases with their weights, and a canary alias invoked
several times, each result naming the version that answered."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from studyapp.sandbox.deploying import function_code_replace, function_create
from studyapp.sandbox.versions import alias_create, version_publish
from tests.e2e.conftest import log_in
from tests.factories import new_function_make
from tests.sandbox.service import full_isolation, sandbox_service, sandbox_service_url

__all__ = ["full_isolation", "sandbox_service", "sandbox_service_url"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RUN_TIMEOUT_MS = 60_000
NEW = new_function_make(name="checkout", description="Deployed from a zip")


def code(answer: str) -> dict[str, str]:
    return {"app.py": f"def handler(event, context):\n    return {{'answer': {answer!r}}}\n"}


@pytest.fixture
def canary(learner, sandbox_service, full_isolation):
    function = function_create(user=learner, new=NEW, code=code("one"))
    version_publish(function=function, description="first")
    function_code_replace(function=function, user=learner, code=code("two"))
    version_publish(function=function, description="second")
    alias_create(function=function, name="live", version="1", weights={"2": 0.5})
    return function


def test_a_learner_reads_a_deployed_function_and_watches_its_canary_alias_split(
    page: Page, live_server, canary, task_worker
):
    log_in(page, live_server, username="ada", password="correct-horse-42")
    page.goto(f"{live_server.url}{canary.get_absolute_url()}")
    expect(page.get_by_text("Deployed from a package · code read-only")).to_be_visible()
    expect(page.get_by_role("region", name="Code of app.py")).to_contain_text("'two'")
    expect(page.get_by_role("button", name="Edit a copy")).to_be_visible()
    expect(page.get_by_test_id("code-editor")).to_have_count(0)

    versions = page.get_by_role("table", name=re.compile("Published versions"))
    expect(versions.get_by_role("row")).to_have_count(3)
    expect(versions).to_contain_text("first")
    aliases = page.get_by_role("table", name=re.compile("Aliases"))
    expect(aliases).to_contain_text("live")
    expect(aliases).to_contain_text("version 1: 50 %, version 2: 50 %")

    expect(page.get_by_label("Invoke", exact=True)).to_have_value("live")
    page.get_by_label("Times").fill("6")
    page.get_by_role("button", name="Invoke by qualifier").click()
    rows = page.locator("#alias-runs tbody tr")
    expect(rows).to_have_count(6, timeout=RUN_TIMEOUT_MS)
    answers = {"1": '{"answer": "one"}', "2": '{"answer": "two"}'}
    seen = []
    for index in range(6):
        row = rows.nth(index)
        version = row.locator(".executed-version").inner_text()
        assert version in answers
        expect(row).to_contain_text(answers[version])
        expect(row).to_contain_text("success")
        seen.append(version)
    tally = page.locator("#alias-runs .alias-tally")
    for version in sorted(set(seen)):
        expect(tally).to_contain_text(f"version {version} answered {seen.count(version)} of 6")

    page.get_by_label("Invoke", exact=True).select_option("1")
    page.get_by_label("Times").fill("2")
    page.get_by_role("button", name="Invoke by qualifier").click()
    expect(tally).to_have_text("1: version 1 answered 2 of 2.", timeout=RUN_TIMEOUT_MS)

    page.get_by_role("button", name="Edit a copy").click()
    expect(page.get_by_text("This is your own copy")).to_be_visible()
    expect(page.locator(".editor.is-enhanced .cm-editor")).to_be_visible()
