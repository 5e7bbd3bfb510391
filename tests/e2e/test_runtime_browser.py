"""Picking a function's runtime in a real browser: the editor follows, and the run is Node's."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from studyapp.engine.runtimes import node_runtime_name
from studyapp.sandbox.models import Function
from tests.e2e.conftest import log_in
from tests.sandbox.service import full_isolation, sandbox_service, sandbox_service_url

__all__ = ["full_isolation", "sandbox_service", "sandbox_service_url"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RUN_TIMEOUT_MS = 30_000
NODE = node_runtime_name()


def test_picking_node_switches_the_editor_and_the_run_logs_nodes_lines(
    page: Page, live_server, learner, imported, full_isolation, task_worker
):
    log_in(page, live_server, username="ada", password="correct-horse-42")
    page.goto(f"{live_server.url}/sandbox/samples/cold-start-vs-warm/")
    page.get_by_role("button", name="Copy to edit").click()
    editor = page.locator(".editor.is-enhanced")
    expect(editor).to_have_attribute("data-language", "python")
    expect(page.locator(".cm-content .tok-keyword").first).to_have_text("import")
    python_source = page.locator("textarea.code-input").input_value()

    page.get_by_label("Runtime").select_option(NODE)
    expect(editor).to_have_attribute("data-language", "javascript")
    expect(page.locator(".cm-content .tok-keyword").first).to_have_text("export")
    expect(page.get_by_role("textbox", name="Handler", exact=True)).to_have_value("index.handler")
    expect(page.locator("#code-heading .code-file")).to_have_text("index.mjs")
    expect(page.get_by_test_id("code-editor")).to_have_attribute("aria-label", "Code of index.mjs")
    expect(page.locator("textarea.code-input")).to_have_value(
        re.compile(r"^export const handler = async \(event, context\) =>")
    )

    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.locator("#result .run-progress")).to_contain_text(
        "Finished", timeout=RUN_TIMEOUT_MS
    )
    logs = page.locator("#result pre.logs")
    expect(logs).to_contain_text("INIT_START Runtime Version: nodejs:")
    expect(logs).to_have_text(
        re.compile(
            r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t[0-9a-f-]{36}\tINFO\tevent: "
            r'\{"key1":"value1","key2":"value2","key3":"value3"\}'
        )
    )
    expect(page.locator("#result pre.payload")).to_contain_text('"statusCode": 200')
    function = Function.objects.get(owner=learner, name="cold-start-vs-warm-copy")
    assert (function.runtime, function.handler) == (NODE, "index.handler")

    # Back to Python: the code written for it on this page comes back, highlighted as Python.
    page.get_by_label("Runtime").select_option("python3.13")
    expect(editor).to_have_attribute("data-language", "python")
    expect(page.locator("textarea.code-input")).to_have_value(python_source)
    expect(page.get_by_role("textbox", name="Handler", exact=True)).to_have_value("handler.handler")


def test_picking_a_custom_runtime_shows_the_bootstrap_as_plain_text(
    page: Page, live_server, learner, imported, sandbox_service
):
    log_in(page, live_server, username="ada", password="correct-horse-42")
    page.goto(f"{live_server.url}/sandbox/samples/nodejs-api-gateway-proxy/")
    page.get_by_role("button", name="Copy to edit").click()
    editor = page.locator(".editor.is-enhanced")
    expect(editor).to_have_attribute("data-language", "javascript")

    page.get_by_label("Runtime").select_option("provided.al2023")
    expect(editor).to_have_attribute("data-language", "shell")
    expect(page.locator(".cm-content .tok-keyword")).to_have_count(0)
    expect(page.get_by_role("textbox", name="Handler", exact=True)).to_have_value(
        "function.handler"
    )
    expect(page.locator("#code-heading .code-file")).to_have_text("bootstrap")
    expect(page.locator("textarea.code-input")).to_have_value(re.compile(r"^#!/bin/sh\n"))
