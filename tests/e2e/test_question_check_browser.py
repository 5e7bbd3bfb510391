"""The question checker in the editor, in a real browser: findings appear and go away as the
author types, through the editor's htmx preview."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCS = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/BucketRestrictions.html"


def test_the_editor_flags_a_negative_stem_and_a_missing_reference_as_the_author_types(
    page: Page, live_server, instructor, course
):
    log_in(page, live_server, username="grace", password="correct-horse-42")
    page.goto(f"{live_server.url}/teach/questions/new/")
    page.get_by_label("Question", exact=True).fill("Which name is not allowed for a bucket?")
    answers = [
        ("my_bucket", "Underscores are not allowed."),
        ("my-bucket", "Hyphens are fine."),
        ("mybucket1", "Digits are fine."),
        ("my.bucket", "Dots are allowed."),
    ]
    for index, (text, why) in enumerate(answers):
        letter = "ABCD"[index]
        page.get_by_label(f"Option {letter}", exact=True).fill(text)
        page.get_by_label(f"Why option {letter} is right or wrong").fill(why)
    page.locator("#option-0-correct").check()

    preview = page.locator("#question-preview")
    expect(preview.locator('[data-rule="negative-stem-unemphasized"]')).to_be_visible()
    expect(preview.locator('[data-rule="no-reference"]')).to_contain_text("Error")

    page.get_by_label("Question", exact=True).fill("Which name is NOT allowed for a bucket?")
    page.get_by_label("Explanation", exact=True).fill(f"See {DOCS}")

    expect(preview).to_contain_text("Question check: no item-writing flaws found.")
    expect(preview.locator(".check-finding")).to_have_count(0)
