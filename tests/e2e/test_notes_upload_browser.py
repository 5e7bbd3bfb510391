"""An instructor uploads someone's SQS notes, checks the preview, confirms; a learner studies."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from studyapp.cards.models import ReviewLog
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SQS_NOTES = Path(__file__).parent.parent / "topics" / "dialects" / "amazon-sqs.md"


def test_uploaded_notes_are_previewed_confirmed_and_studied(
    page: Page, live_server, instructor, learner
):
    log_in(page, live_server, username="grace", password="correct-horse-42")
    page.goto(f"{live_server.url}/teach/")
    page.get_by_role("link", name="Upload notes").click()
    page.get_by_label("Notes files").set_input_files(str(SQS_NOTES))
    page.get_by_role("button", name="Preview").click()

    preview = page.locator(".notes-preview")
    expect(preview).to_contain_text("amazon-sqs.md: Amazon SQS")
    expect(preview).to_contain_text("3 sections, 3 topics, 7 cards.")
    expect(preview.locator(".preview-cards li", has_text="Standard queue")).to_be_visible()
    expect(preview.locator(".preview-cards li", has_text="Partial batch response")).to_be_visible()
    expect(preview.locator(".import-warnings")).to_contain_text(
        "Line 9: the bullet starts with the bold 'Message group ID'"
    )
    page.get_by_role("button", name="Import 1 file").click()

    expect(page.get_by_role("heading", name="Amazon SQS", level=1)).to_be_visible()
    expect(page.locator("body")).to_contain_text("Imported Amazon SQS: 3 topics, 7 cards")
    page.locator(".user-menu summary").click()
    page.get_by_role("button", name="Log out").click()

    log_in(page, live_server, username="ada", password="correct-horse-42")
    page.goto(f"{live_server.url}/review/?topic=amazon-sqs/queue-types")
    expect(page.locator("#review-session")).to_contain_text("Standard queue")
    page.keyboard.press("Space")
    expect(page.locator("#review-back")).to_contain_text("Nearly unlimited throughput")
    page.keyboard.press("3")
    expect(page.locator("#review-session")).to_contain_text("FIFO queue")
    log = ReviewLog.objects.get(user=learner)
    assert log.card.note.key == "amazon-sqs/queue-types/standard-queue"
