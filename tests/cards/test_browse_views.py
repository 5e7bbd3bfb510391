"""The card browser over HTTP: search in the URL, htmx fragments, edits in place, changes."""

from __future__ import annotations

import pytest

from studyapp.cards.authoring import note_author_save
from studyapp.cards.models import CardSchedule, Note, NoteOverride, ReviewLog
from tests.cards.conftest import NOW, deck_build

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
RESULTS = {**HTMX, "HTTP_HX_TARGET": "card-results"}
BROWSE = "/review/cards/"
CHANGE = "/review/cards/change/"
SCRIPT = "<script>alert(1)</script>"


def answer(client, card, rating="3"):
    client.post(f"/review/cards/{card.pk}/answer/", {"rating": rating, "version": "0"}, **HTMX)


@pytest.fixture
def mine(instructor, deck) -> Note:
    """A card the instructor wrote in the browser."""
    return note_author_save(
        author=instructor,
        topic=deck.topics[0],
        kind="basic",
        front_md="How long may a function run?",
        back_md="15 minutes.",
        now=NOW,
    )


def edit_data(note: Note, **changes) -> dict:
    data = {"topic": note.topic_id, "kind": note.kind, "front_md": note.front_md}
    data["back_md"] = note.back_md
    return {**data, **changes}


# -- search ------------------------------------------------------------------------------------


def test_the_browser_lists_new_cards_too(learner_client, deck):
    page = learner_client.get(BROWSE)
    assert page.status_code == 200
    assert "4 cards" in page.text
    assert page.text.count('class="card-row"') == 4


def test_the_search_is_in_the_url_and_kept_in_the_form(learner_client, deck):
    page = learner_client.get(BROWSE, {"q": "definition 1.0", "state": "new", "sort": "lapses"})
    assert "term 1.0" in page.text
    assert "term 0.0" not in page.text
    assert 'value="definition 1.0"' in page.text
    assert '<option value="new" selected>' in page.text
    assert '<option value="lapses" selected>' in page.text


def test_an_htmx_search_answers_with_the_result_list_only(learner_client, deck):
    fragment = learner_client.get(BROWSE, {"q": "term 0.1"}, **RESULTS)
    assert fragment.text.lstrip().startswith('<section id="card-results"')
    assert "<html" not in fragment.text
    assert "1 card<" in fragment.text


def test_an_htmx_search_puts_the_search_in_the_address_without_empty_fields(learner_client, deck):
    data = {"q": "term", "topic": "", "tag": "", "state": "new", "sort": "due"}
    fragment = learner_client.get(BROWSE, data, **RESULTS)
    assert fragment["HX-Push-Url"] == "/review/cards/?q=term&state=new"


def test_an_answered_card_shows_its_due_date_answers_stability_and_difficulty(learner_client, deck):
    answer(learner_client, deck.cards()[0], rating="4")
    page = learner_client.get(BROWSE, {"state": "review"})
    assert "1 answer, 0 lapses" in page.text
    assert "Stability 8.3 d, difficulty 1.0 of 10" in page.text


def test_the_state_filter_of_the_old_page_still_works(learner_client, deck):
    card = deck.cards()[0]
    learner_client.post(f"/review/cards/{card.pk}/suspend/", {"next": "browse"})
    page = learner_client.get(BROWSE, {"show": "suspended"})
    assert "1 card<" in page.text
    assert f"/review/cards/{card.pk}/unsuspend/" in page.text


def test_the_pages_keep_the_search(learner_client, db):
    deck_build(basic_per_topic=30, topics=2)
    page = learner_client.get(BROWSE, {"q": "term", "state": "new"})
    assert page.text.count('class="card-row"') == 50
    assert "?q=term&amp;state=new&amp;page=2" in page.text
    second = learner_client.get(BROWSE, {"q": "term", "state": "new", "page": "2"})
    assert second.text.count('class="card-row"') == 10


def test_an_unknown_topic_is_not_found(learner_client, deck):
    assert learner_client.get(BROWSE, {"topic": "aws-lambda/nope"}).status_code == 404


def test_the_topic_filter_takes_the_topic_key(learner_client, deck):
    page = learner_client.get(BROWSE, {"topic": "aws-lambda/topic-1"})
    assert "2 cards" in page.text
    assert "term 1.0" in page.text


def test_a_card_from_the_notes_says_an_edit_of_it_is_ones_own_copy(instructor_client, deck):
    card = deck.cards()[0]
    page = instructor_client.get(BROWSE)
    assert "A key term of the course notes: an edit is your own copy." in page.text
    assert f"/review/cards/{card.pk}/edit/" in page.text


def test_a_card_one_wrote_has_an_edit_button(instructor_client, mine):
    card = mine.cards.get()
    page = instructor_client.get(BROWSE, {"q": "function"})
    assert f"/review/cards/{card.pk}/edit/?return=q%3Dfunction" in page.text


# -- editing -----------------------------------------------------------------------------------


def test_the_editor_shows_the_text_and_its_preview(instructor_client, mine):
    card = mine.cards.get()
    fragment = instructor_client.get(f"/review/cards/{card.pk}/edit/", **HTMX)
    assert f'<li class="card-row card-row-editing" id="card-{card.pk}">' in fragment.text
    assert "How long may a function run?</textarea>" in fragment.text
    assert f'id="card-preview-{card.pk}"' in fragment.text
    assert "<p>15 minutes.</p>" in fragment.text


def test_the_preview_of_an_editor_answers_into_that_editors_preview(instructor_client, mine):
    card = mine.cards.get()
    data = edit_data(mine, front_md="Up to **900** s", preview_id=f"card-preview-{card.pk}")
    fragment = instructor_client.post("/review/author/preview/", data, **HTMX)
    assert f'id="card-preview-{card.pk}"' in fragment.text
    assert "<strong>900</strong>" in fragment.text


def test_cancelling_an_edit_answers_with_the_row_as_it_was(instructor_client, mine):
    card = mine.cards.get()
    fragment = instructor_client.get(f"/review/cards/{card.pk}/?return=q%3Dfunction", **HTMX)
    assert f'<li class="card-row" id="card-{card.pk}">' in fragment.text
    assert "How long may a function run?" in fragment.text
    assert "/edit/?return=q%3Dfunction" in fragment.text


def test_the_row_of_a_card_that_is_not_studied_is_not_found(learner_client, deck):
    assert learner_client.get("/review/cards/999999/", **HTMX).status_code == 404


def test_saving_in_place_answers_with_the_row_showing_the_new_text(instructor_client, mine):
    card = mine.cards.get()
    data = edit_data(mine, back_md="**15** minutes at most.", **{"return": "q=function"})
    fragment = instructor_client.post(f"/review/cards/{card.pk}/edit/", data, **HTMX)
    assert f'<li class="card-row" id="card-{card.pk}">' in fragment.text
    assert "<strong>15</strong> minutes at most." in fragment.text
    assert "Card saved" in fragment.text
    mine.refresh_from_db()
    assert mine.back_md == "**15** minutes at most."


def test_saving_without_htmx_goes_back_to_the_search(instructor_client, mine):
    card = mine.cards.get()
    data = edit_data(mine, front_md="How long at most?", **{"return": "q=function"})
    response = instructor_client.post(f"/review/cards/{card.pk}/edit/", data)
    assert response.status_code == 302
    assert response.url == "/review/cards/?q=function"
    mine.refresh_from_db()
    assert mine.front_md == "How long at most?"


def test_blank_text_is_refused_and_changes_nothing(instructor_client, mine):
    card = mine.cards.get()
    response = instructor_client.post(
        f"/review/cards/{card.pk}/edit/", edit_data(mine, front_md="  ", back_md="")
    )
    assert response.status_code == 400
    assert "This field is required." in response.text
    assert "Write the answer on the back." in response.text
    mine.refresh_from_db()
    assert (mine.front_md, mine.back_md) == ("How long may a function run?", "15 minutes.")


def test_a_script_alone_is_refused_with_a_message_and_changes_nothing(instructor_client, mine):
    card = mine.cards.get()
    response = instructor_client.post(
        f"/review/cards/{card.pk}/edit/", edit_data(mine, front_md=SCRIPT, back_md=SCRIPT)
    )
    assert response.status_code == 400
    assert "The front would show nothing: scripts, styles and other unsafe HTML" in response.text
    assert "The back would show nothing" in response.text
    assert SCRIPT not in response.text
    mine.refresh_from_db()
    assert (mine.front_md, mine.back_md) == ("How long may a function run?", "15 minutes.")


def test_a_script_alone_is_refused_in_place_over_htmx(instructor_client, mine):
    card = mine.cards.get()
    fragment = instructor_client.post(
        f"/review/cards/{card.pk}/edit/", edit_data(mine, front_md=SCRIPT), **HTMX
    )
    assert "Not saved: see below." in fragment.text
    assert "The front would show nothing" in fragment.text
    assert SCRIPT not in fragment.text
    mine.refresh_from_db()
    assert mine.front_md == "How long may a function run?"


def test_writing_a_card_refuses_a_script_alone_too(instructor_client, deck):
    response = instructor_client.post(
        "/review/author/new/",
        {"topic": deck.topics[0].pk, "kind": "basic", "front_md": SCRIPT, "back_md": "x"},
    )
    assert response.status_code == 400
    assert "The front would show nothing" in response.text
    assert not Note.objects.filter(source=Note.Source.AUTHORED).exists()


def test_another_instructors_card_is_edited_as_ones_own_copy_and_theirs_stays(
    client, mine, django_user_model
):
    from studyapp.accounts.roles import instructor_grant

    other = django_user_model.objects.create_user(username="alan", password="correct-horse-42")
    instructor_grant(user=other)
    client.force_login(other)
    card = mine.cards.get()
    editor = client.get(f"/review/cards/{card.pk}/edit/")
    assert 'name="topic"' not in editor.text  # a copy keeps the note's topic and type
    response = client.post(f"/review/cards/{card.pk}/edit/", edit_data(mine, front_md="Mine"))
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.front_md == "How long may a function run?"
    assert NoteOverride.objects.get(user=other, note=mine).front_md == "Mine"


def test_a_learners_edit_of_a_shipped_card_leaves_the_shared_note_as_it_was(
    learner_client, learner, deck
):
    note = deck.notes[0]
    card = deck.cards()[0]
    response = learner_client.post(
        f"/review/cards/{card.pk}/edit/", edit_data(note, front_md="Changed")
    )
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.front_md == "What is **term 0.0**?"
    assert NoteOverride.objects.get(user=learner, note=note).front_md == "Changed"


# -- changes -----------------------------------------------------------------------------------


def test_suspending_selected_cards_says_how_many_changed(learner_client, learner, deck):
    cards = deck.cards()
    data = {"card": [cards[0].pk, cards[2].pk], "action": "suspend", "return": "q=term"}
    response = learner_client.post(CHANGE, data, follow=True)
    assert response.redirect_chain == [("/review/cards/?q=term", 302)]
    assert "2 cards suspended." in response.text
    assert CardSchedule.objects.filter(user=learner, suspended=True).count() == 2


def test_a_change_over_htmx_answers_with_the_results_and_the_message(learner_client, deck):
    cards = deck.cards()
    learner_client.post(CHANGE, {"card": [cards[0].pk], "action": "suspend"})
    data = {"card": [cards[0].pk, cards[1].pk], "action": "suspend", "return": "state=suspended"}
    fragment = learner_client.post(CHANGE, data, **HTMX)
    assert fragment.text.lstrip().startswith('<section id="card-results"')
    assert "1 card suspended; 1 already so." in fragment.text
    assert "2 cards<" in fragment.text  # the search it came from: suspended cards


def test_a_change_with_another_card_id_is_not_found_and_changes_nothing(learner_client, deck):
    cards = deck.cards()
    data = {"card": [cards[0].pk, 999_999], "action": "suspend"}
    assert learner_client.post(CHANGE, data).status_code == 404
    assert not CardSchedule.objects.exists()


def test_a_change_without_selected_cards_says_so(learner_client, deck):
    response = learner_client.post(CHANGE, {"action": "suspend"}, follow=True)
    assert "Select one or more cards first." in response.text


def test_an_unknown_action_is_refused(learner_client, deck):
    card = deck.cards()[0]
    assert learner_client.post(CHANGE, {"card": card.pk, "action": "delete"}).status_code == 400


def test_resetting_asks_first_with_the_count_and_changes_nothing(learner_client, learner, deck):
    cards = deck.cards()
    answer(learner_client, cards[0])
    answer(learner_client, cards[1])
    page = learner_client.post(CHANGE, {"card": [cards[0].pk, cards[1].pk], "action": "reset"})
    assert page.status_code == 200
    assert "Reset 2 cards to new?" in page.text
    assert 'name="confirm" value="yes"' in page.text
    assert CardSchedule.objects.filter(user=learner).count() == 2


def test_a_confirmed_reset_makes_the_cards_new_and_keeps_the_review_log(
    learner_client, learner, deck
):
    cards = deck.cards()
    answer(learner_client, cards[0])
    answer(learner_client, cards[1])
    data = {"card": [cards[0].pk, cards[1].pk], "action": "reset", "confirm": "yes"}
    response = learner_client.post(CHANGE, data, follow=True)
    assert "2 cards reset to new." in response.text
    assert not CardSchedule.objects.filter(user=learner).exists()
    assert ReviewLog.objects.filter(user=learner).count() == 2


def test_unsuspending_a_row_goes_back_to_the_same_search(learner_client, learner, deck):
    card = deck.cards()[0]
    answer(learner_client, card)
    learner_client.post(CHANGE, {"card": [card.pk], "action": "suspend"})
    response = learner_client.post(
        f"/review/cards/{card.pk}/unsuspend/", {"return": "state=suspended&page=1"}
    )
    assert response.url == "/review/cards/?state=suspended"
    assert not CardSchedule.objects.get(user=learner, card=card).suspended
