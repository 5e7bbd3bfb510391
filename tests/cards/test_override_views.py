"""A learner's own copy of a card over HTTP: edited in place in the card browser with its preview,
restored, shown in the review session, never another learner's; the pages' query budgets."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from studyapp.cards.models import Card, Note, NoteOverride
from studyapp.cards.overrides import note_override_save
from tests.cards.conftest import NOW, deck_build, note_add

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def other(django_user_model):
    return django_user_model.objects.create_user(username="alan", password="correct-horse-42")


def edit(client, card: Card, front: str, back: str, **headers):
    data = {"front_md": front, "back_md": back, "return": "q=term"}
    return client.post(f"/review/cards/{card.pk}/edit/", data, **headers)


def own(user, note: Note, front="My **own** front", back="My own back"):
    return note_override_save(user=user, note=note, front_md=front, back_md=back, now=NOW)


# -- editing in place -----------------------------------------------------------------------------


def test_the_editor_of_a_course_card_shows_the_text_and_its_preview_without_topic_or_type(
    learner_client, deck
):
    card = deck.cards()[0]
    fragment = learner_client.get(f"/review/cards/{card.pk}/edit/", **HTMX)
    assert f'<li class="card-row card-row-editing" id="card-{card.pk}">' in fragment.text
    assert "What is **term 0.0**?</textarea>" in fragment.text
    assert 'name="topic"' not in fragment.text
    assert 'name="kind"' not in fragment.text
    assert "Your own copy of a basic card of the course: only you see it" in fragment.text
    assert f'id="card-preview-{card.pk}"' in fragment.text
    assert "<p>Definition 0.0.</p>" in fragment.text


def test_the_editor_of_ones_copy_starts_from_ones_own_text(learner_client, learner, deck):
    card = deck.cards()[0]
    own(learner, card.note)
    fragment = learner_client.get(f"/review/cards/{card.pk}/edit/", **HTMX)
    assert "My **own** front</textarea>" in fragment.text
    assert "<strong>own</strong>" in fragment.text


def test_the_preview_of_a_copy_uses_the_notes_type(learner_client, deck):
    note = note_add(
        deck.topics[0],
        key="cards:quota",
        kind=Note.Kind.CLOZE,
        front="Up to {{c1::1,000}} per {{c2::Region}}.",
        ordinals=(1, 2),
    )
    card = note.cards.get(ordinal=1)
    data = {"front_md": "At most {{c1::1,000}} in a {{c2::Region}}", "back_md": ""}
    fragment = learner_client.post(f"/review/cards/{card.pk}/preview/", data, **HTMX)
    assert f'id="card-preview-{card.pk}"' in fragment.text
    assert fragment.text.count('class="preview-card"') == 2
    assert '<span class="cloze">[...]</span>' in fragment.text


def test_saving_in_place_answers_with_the_row_showing_the_learners_text(
    learner_client, learner, deck
):
    card = deck.cards()[0]
    fragment = edit(learner_client, card, "What does **term 0.0** mean?", "Mine.", **HTMX)
    assert f'<li class="card-row" id="card-{card.pk}">' in fragment.text
    assert "What does <strong>term 0.0</strong> mean?" in fragment.text
    assert "Your text saved: only you see it; the course&#x27;s card is unchanged." in fragment.text
    assert '<span class="badge badge-good">Your text</span>' in fragment.text
    assert "Restore the original" in fragment.text
    assert "The course's version" in fragment.text  # the original, folded beside it
    assert "The course's version changed" not in fragment.text
    card.note.refresh_from_db()
    assert card.note.front_md == "What is **term 0.0**?"
    saved = NoteOverride.objects.get(user=learner, note=card.note)
    assert (saved.front_md, saved.back_md) == ("What does **term 0.0** mean?", "Mine.")


def test_saving_without_htmx_goes_back_to_the_search(learner_client, deck):
    response = edit(learner_client, deck.cards()[0], "Mine?", "Yes.")
    assert response.status_code == 302
    assert response.url == "/review/cards/?q=term"


def test_blank_text_is_refused_and_saves_nothing(learner_client, deck):
    response = edit(learner_client, deck.cards()[0], "  ", "")
    assert response.status_code == 400
    assert "This field is required." in response.text
    assert "Write the answer on the back." in response.text
    assert not NoteOverride.objects.exists()


def test_a_script_alone_is_refused_in_place_and_saves_nothing(learner_client, learner, deck):
    card = deck.cards()[0]
    own(learner, card.note)
    fragment = edit(learner_client, card, SCRIPT, SCRIPT, **HTMX)
    assert "Not saved: see below." in fragment.text
    assert "The front would show nothing" in fragment.text
    assert "The back would show nothing" in fragment.text
    assert SCRIPT not in fragment.text
    assert NoteOverride.objects.get(user=learner).front_md == "My **own** front"


def test_the_learners_text_is_sanitised_on_display(learner_client, learner, deck):
    own(learner, deck.notes[0], front="Mine <img src=x onerror=alert(1)> **bold**")
    page = learner_client.get("/review/cards/")
    assert "onerror" not in page.text
    assert "<strong>bold</strong>" in page.text


# -- restoring ------------------------------------------------------------------------------------


def test_restoring_answers_with_the_row_showing_the_courses_text(learner_client, learner, deck):
    card = deck.cards()[0]
    own(learner, card.note)
    fragment = learner_client.post(
        f"/review/cards/{card.pk}/restore/", {"return": "q=term"}, **HTMX
    )
    assert "The course&#x27;s text is back." in fragment.text
    assert "What is <strong>term 0.0</strong>?" in fragment.text
    assert "Restore the original" not in fragment.text
    assert not NoteOverride.objects.exists()


def test_restoring_without_htmx_goes_back_to_the_search(learner_client, learner, deck):
    card = deck.cards()[0]
    own(learner, card.note)
    response = learner_client.post(f"/review/cards/{card.pk}/restore/", {"return": "q=term"})
    assert (response.status_code, response.url) == (302, "/review/cards/?q=term")
    assert not NoteOverride.objects.exists()


def test_restoring_leaves_another_learners_copy(learner_client, learner, other, deck):
    card = deck.cards()[0]
    own(learner, card.note)
    own(other, card.note, front="Alan's front")
    learner_client.post(f"/review/cards/{card.pk}/restore/")
    assert list(NoteOverride.objects.values_list("user", "front_md")) == [
        (other.pk, "Alan's front")
    ]


def test_a_changed_course_card_is_pointed_out_with_its_new_text(learner_client, learner, deck):
    card = deck.cards()[0]
    own(learner, card.note)
    Note.objects.filter(pk=card.note_id).update(back_md="A **newer** definition.")
    page = learner_client.get("/review/cards/", {"state": "edited"})
    assert "1 card<" in page.text
    assert "The course's version changed since your edit. Yours is kept" in page.text
    assert "A <strong>newer</strong> definition." in page.text
    assert "My own back" in page.text


# -- ownership ------------------------------------------------------------------------------------


def test_another_learner_sees_the_courses_text_in_the_browser_and_the_review(
    client, learner, other, deck
):
    own(learner, deck.notes[0])
    client.force_login(other)
    page = client.get("/review/cards/")
    assert "My <strong>own</strong> front" not in page.text
    assert "Your text" not in page.text
    review = client.get("/review/")
    assert "What is <strong>term 0.0</strong>?" in review.text
    editor = client.get(f"/review/cards/{deck.cards()[0].pk}/edit/")
    assert "What is **term 0.0**?</textarea>" in editor.text


def test_a_card_that_is_not_studied_can_be_neither_edited_nor_restored(
    learner_client, learner, deck
):
    card = deck.cards()[0]
    own(learner, card.note)
    Card.objects.filter(pk=card.pk).update(archived_at=NOW)
    assert learner_client.get(f"/review/cards/{card.pk}/edit/").status_code == 404
    assert edit(learner_client, card, "Changed", "Changed").status_code == 404
    assert learner_client.post(f"/review/cards/{card.pk}/preview/", {}).status_code == 404
    assert learner_client.post(f"/review/cards/{card.pk}/restore/").status_code == 404
    assert NoteOverride.objects.get(user=learner).front_md == "My **own** front"


def test_a_hidden_courses_card_cannot_be_edited(learner_client, deck):
    hidden = deck_build(slug="hidden")
    hidden.course.archived_at = NOW
    hidden.course.save()
    card = hidden.cards()[0]
    assert edit(learner_client, card, "Mine?", "Yes.").status_code == 404
    assert not NoteOverride.objects.exists()


# -- the review session ---------------------------------------------------------------------------


def test_the_review_session_shows_the_learners_front_and_back(learner_client, learner, deck):
    card = deck.cards()[0]
    own(learner, card.note)
    page = learner_client.get("/review/")
    assert "My <strong>own</strong> front" in page.text
    assert '<span class="badge badge-good">Your text</span>' in page.text
    answer = learner_client.get(f"/review/cards/{card.pk}/reveal/?version=0", **HTMX)
    assert "My own back" in answer.text
    assert "Definition 0.0." not in answer.text
    full = learner_client.get(f"/review/cards/{card.pk}/reveal/?version=0")
    assert "My <strong>own</strong> front" in full.text


def test_the_review_session_says_when_the_courses_version_changed(learner_client, learner, deck):
    card = deck.cards()[0]
    own(learner, card.note)
    Note.objects.filter(pk=card.note_id).update(front_md="What is **term zero**?")
    page = learner_client.get("/review/")
    assert "My <strong>own</strong> front" in page.text
    assert "The course's version of this card changed since your edit" in page.text
    assert 'href="/review/cards/?state=edited"' in page.text


# -- query budgets --------------------------------------------------------------------------------


def queries(client, url: str, **headers) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, **headers).status_code == 200
    return len(captured)


def test_the_review_page_and_the_answer_cost_no_query_for_the_learners_text(
    learner_client, learner, deck
):
    card = deck.cards()[0]
    reveal = f"/review/cards/{card.pk}/reveal/?version=0"
    without = (queries(learner_client, "/review/"), queries(learner_client, reveal, **HTMX))
    own(learner, card.note)
    assert (queries(learner_client, "/review/"), queries(learner_client, reveal, **HTMX)) == without


def test_the_browser_reads_every_learners_text_in_the_same_queries(learner_client, learner, db):
    deck = deck_build(basic_per_topic=10, topics=2)
    own(learner, deck.notes[0])
    one = queries(learner_client, "/review/cards/")
    for note in deck.notes[1:]:
        own(learner, note)
    assert queries(learner_client, "/review/cards/") == one
    assert queries(learner_client, "/review/cards/", **{"data": {"q": "own"}}) <= one
