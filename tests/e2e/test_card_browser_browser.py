"""The card browser in a real browser, on a phone (390 px) and a desktop (1280 px) screen:
search by text and by state, edit a card in place with its live preview (a learner's own copy
of a course card, then reviewed and restored), and no page that scrolls sideways; axe-core
checks the page, the editor and the reset confirmation."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import Page, expect

from studyapp.cards.authoring import note_author_save
from studyapp.cards.models import Card, CardSchedule, Note, ReviewLog
from studyapp.cards.review import review_record
from tests.cards.conftest import deck_build
from tests.e2e.conftest import log_in
from tests.e2e.test_accessibility import violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [390, 1280]


@pytest.fixture
def written(instructor) -> Note:
    """The course's cards, and one the instructor wrote in the browser."""
    deck = deck_build(basic_per_topic=2, topics=2)
    return note_author_save(
        author=instructor,
        topic=deck.topics[1],
        kind=Note.Kind.BASIC,
        front_md="How long may a function run?",
        back_md="15 minutes.",
        now=timezone.now(),
    )


def open_browser(page: Page, live_server, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server, username="grace", password="correct-horse-42")
    page.goto(f"{live_server.url}/review/cards/")
    expect(page.locator("#card-results-title")).to_have_text("5 cards")


def htmx_settled(page: Page) -> None:
    """Wait until htmx has swapped, settled and wired up what it brought (its classes gone)."""
    page.wait_for_function(
        "() => !document.querySelector("
        "'.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )


def assert_no_sideways_scroll(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow} px wider than the screen"


@pytest.mark.parametrize("width", WIDTHS)
def test_searching_by_text_and_by_state_updates_the_list_and_the_address(
    page: Page, live_server, written, width
):
    open_browser(page, live_server, width)
    assert_no_sideways_scroll(page)
    results = page.locator("#card-results")

    page.get_by_label("Text").fill("definition 1.0")
    expect(page.locator("#card-results-title")).to_have_text("1 card")
    expect(results).to_contain_text("term 1.0")
    expect(page).to_have_url(f"{live_server.url}/review/cards/?q=definition+1.0")

    page.get_by_label("Text").fill("")
    expect(page.locator("#card-results-title")).to_have_text("5 cards")
    row = page.locator(".card-row", has_text="term 0.1")
    row.get_by_role("button", name="Suspend").click()
    expect(results).to_contain_text("Card suspended.")

    page.get_by_label("State").select_option(label="Suspended")
    expect(page.locator("#card-results-title")).to_have_text("1 card")
    expect(results.locator(".card-row")).to_contain_text("term 0.1")
    expect(results.locator(".badge")).to_have_text(["New", "Suspended"])
    assert "state=suspended" in page.url
    assert_no_sideways_scroll(page)

    page.reload()  # the address holds the search
    expect(page.locator("#card-results-title")).to_have_text("1 card")
    expect(page.get_by_label("State")).to_have_value("suspended")


@pytest.mark.parametrize("width", WIDTHS)
def test_editing_a_card_in_place_shows_the_preview_and_then_the_saved_text(
    page: Page, live_server, written, width
):
    open_browser(page, live_server, width)
    card = written.cards.get()
    row = page.locator(f"#card-{card.pk}")
    expect(page.locator(".card-row", has_text="term 0.0")).to_contain_text(
        "A key term of the course notes: an edit is your own copy."
    )
    row.get_by_role("link", name="Edit").click()

    back = row.get_by_label("Back (or extra text for cloze)")
    expect(back).to_have_value("15 minutes.")
    htmx_settled(page)  # the editor's preview trigger is wired only once the swap has settled
    back.fill("**15** minutes at most.")
    expect(row.locator(f"#card-preview-{card.pk} strong")).to_have_text("15")
    assert_no_sideways_scroll(page)
    page.wait_for_load_state("networkidle")  # the preview's request, before saving
    row.get_by_role("button", name="Save card").click()

    expect(row).to_contain_text("Card saved")
    expect(row.locator(".card-row-back strong")).to_have_text("15")
    expect(row.get_by_role("link", name="Edit")).to_be_visible()
    written.refresh_from_db()
    assert written.back_md == "**15** minutes at most."
    assert page.url == f"{live_server.url}/review/cards/"  # the row changed, not the page


@pytest.mark.parametrize("width", WIDTHS)
def test_a_script_alone_is_refused_in_place_and_nothing_changes(
    page: Page, live_server, written, width
):
    open_browser(page, live_server, width)
    card = written.cards.get()
    row = page.locator(f"#card-{card.pk}")
    row.get_by_role("link", name="Edit").click()
    expect(row.get_by_label("Front (or cloze text)")).to_be_visible()
    htmx_settled(page)
    row.get_by_label("Front (or cloze text)").fill("<script>alert(1)</script>")
    page.wait_for_load_state("networkidle")
    row.get_by_role("button", name="Save card").click()
    expect(row).to_contain_text("The front would show nothing")
    written.refresh_from_db()
    assert written.front_md == "How long may a function run?"


@pytest.mark.parametrize("width", WIDTHS)
def test_resetting_the_selected_cards_asks_first_then_says_how_many(
    page: Page, live_server, written, instructor, width
):
    answered = Card.objects.get(note__front_md__contains="term 0.0")
    review_record(user=instructor, card=answered, rating=3, duration_ms=900, now=timezone.now())
    open_browser(page, live_server, width)
    page.get_by_label("Text").fill("term")
    expect(page.locator("#card-results-title")).to_have_text("4 cards")
    page.get_by_label("Select all on this page").check()
    page.locator(".card-row", has_text="term 0.1").get_by_role("checkbox").uncheck()
    page.locator(".card-row", has_text="term 1.0").get_by_role("checkbox").uncheck()
    page.get_by_label("With the selected cards").select_option(label="Suspend")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#card-results")).to_contain_text("2 cards suspended.")
    expect(page.locator("#card-results-title")).to_have_text("4 cards")  # the same search
    page.locator(".card-row", has_text="term 0.0").get_by_role("checkbox").check()
    page.get_by_label("With the selected cards").select_option(label="Reset to new")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("heading", name="Reset 1 card to new?")).to_be_visible()
    page.get_by_role("button", name="Reset 1 card").click()
    expect(page.locator("#card-results")).to_contain_text("1 card reset to new.")
    assert list(
        CardSchedule.objects.filter(suspended=True).values_list("card__note__front_md", flat=True)
    ) == ["What is **term 1.1**?"]
    assert not CardSchedule.objects.filter(card=answered).exists()
    assert ReviewLog.objects.filter(card=answered).count() == 1


@pytest.mark.parametrize("width", WIDTHS)
def test_the_card_browser_has_no_serious_accessibility_violation(
    page: Page, live_server, written, width
):
    axe = Axe()
    problems: list[str] = []
    open_browser(page, live_server, width)
    card = written.cards.get()
    page.locator(".card-row", has_text="term 0.0").get_by_role("button", name="Suspend").click()
    expect(page.locator("#card-results")).to_contain_text("Card suspended.")
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        problems += [f"{scheme} results: {v}" for v in violations(page, axe)]
    page.locator(f"#card-{card.pk}").get_by_role("link", name="Edit").click()
    expect(page.locator(f"#card-preview-{card.pk}")).to_be_visible()
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        problems += [f"{scheme} editor: {v}" for v in violations(page, axe)]
    page.goto(f"{live_server.url}/review/cards/{card.pk}/edit/")
    problems += [f"edit page: {v}" for v in violations(page, axe)]
    page.goto(f"{live_server.url}/review/cards/")
    page.locator(".card-row", has_text="term 0.0").get_by_role("checkbox").check()
    page.get_by_label("With the selected cards").select_option(label="Reset to new")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("heading", name="Reset 1 card to new?")).to_be_visible()
    problems += [f"reset: {v}" for v in violations(page, axe)]
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_learner_edits_a_course_card_in_place_then_reviews_their_text_and_restores_it(
    page: Page, live_server, learner, width
):
    deck_build(basic_per_topic=1, topics=2)
    card = Card.objects.get(note__key="aws-lambda/topic-0/term-0")
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server, username="ada", password="correct-horse-42")
    page.goto(f"{live_server.url}/review/cards/")
    row = page.locator(f"#card-{card.pk}")
    expect(row).to_contain_text("A key term of the course notes: an edit is your own copy.")
    row.get_by_role("link", name="Edit").click()

    front = row.get_by_label("Front (or cloze text)")
    expect(front).to_have_value("What is **term 0.0**?")
    expect(row).to_contain_text("Your own copy of a basic card of the course")
    htmx_settled(page)  # the editor's preview trigger is wired only once the swap has settled
    front.fill("What does **cold start** mean?")
    expect(row.locator(f"#card-preview-{card.pk} strong")).to_have_text("cold start")
    row.get_by_label("Back (or extra text for cloze)").fill(
        "The first invocation of an environment."
    )
    assert_no_sideways_scroll(page)
    page.wait_for_load_state("networkidle")  # the preview's request, before saving
    row.get_by_role("button", name="Save card").click()

    expect(row).to_contain_text("Your text saved: only you see it")
    expect(row.locator(".card-row-front strong")).to_have_text("cold start")
    expect(row.locator(".badge", has_text="Your text")).to_be_visible()
    assert_no_sideways_scroll(page)
    card.note.refresh_from_db()
    assert card.note.front_md == "What is **term 0.0**?"  # the course's card is unchanged

    page.goto(f"{live_server.url}/review/")
    session = page.locator("#review-session")
    expect(session.locator(".review-front")).to_have_text("What does cold start mean?")
    page.keyboard.press("Space")
    expect(page.locator("#review-back")).to_contain_text("The first invocation of an environment.")

    Note.objects.filter(pk=card.note_id).update(back_md="Definition 0.0, revised.")  # re-imported
    page.goto(f"{live_server.url}/review/cards/?state=edited")
    expect(page.locator("#card-results-title")).to_have_text("1 card")
    expect(row).to_contain_text("The course's version changed since your edit. Yours is kept")
    expect(row.locator(".card-row-front strong")).to_have_text("cold start")
    row.get_by_text("The course's version", exact=True).click()
    expect(row.locator(".card-row-original")).to_contain_text("Definition 0.0, revised.")
    assert_no_sideways_scroll(page)
    problems = []
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        problems += [f"{scheme}: {v}" for v in violations(page, Axe())]
    assert problems == [], "\n".join(problems)
    row.get_by_role("button", name="Restore the original").click()
    expect(row).to_contain_text("The course's text is back.")
    expect(row.locator(".card-row-front")).to_contain_text("What is term 0.0?")
    expect(row.locator(".card-row-back")).to_contain_text("Definition 0.0, revised.")
    expect(row.locator(".badge", has_text="Your text")).to_have_count(0)
