"""A learner's own text of a shared note: saved, read by every reader, restored, and kept
through a re-import of the course's notes; never another learner's."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from studyapp.cards.browsing import cards_search
from studyapp.cards.faces import card_faces
from studyapp.cards.forms import NoteForm
from studyapp.cards.models import Card, CardSchedule, Note, NoteOverride
from studyapp.cards.overrides import (
    joined_override,
    learner_card_faces,
    note_override_restore,
    note_override_save,
    note_text,
    override_of,
    overrides_joined,
)
from studyapp.cards.review import card_for_learner, review_next, review_record
from studyapp.content.importing import content_import
from studyapp.core.errors import NotFound
from tests.cards.conftest import NOW, note_add

pytestmark = pytest.mark.django_db


@pytest.fixture
def other(django_user_model):
    return django_user_model.objects.create_user(username="alan", password="correct-horse-42")


def own(user, note: Note, front: str = "My front", back: str = "My back", now=NOW):
    return note_override_save(user=user, note=note, front_md=front, back_md=back, now=now)


def shown(user, card: Card) -> str:
    """The front of ``card`` as ``user`` sees it, read as every page reads it."""
    joined = overrides_joined(Card.objects.filter(pk=card.pk), user=user).get()
    return str(learner_card_faces(joined, override=joined_override(joined)).front)


# -- saving and reading -------------------------------------------------------------------------


def test_a_learners_text_is_theirs_and_the_shared_note_does_not_change(learner, deck):
    note = deck.notes[0]
    own(learner, note, front="What does **term 0.0** mean?", back="Mine.")
    note.refresh_from_db()
    assert (note.front_md, note.back_md) == ("What is **term 0.0**?", "Definition 0.0.")
    text = note_text(note, override=override_of(user=learner, note=note))
    assert (text.front_md, text.back_md, text.own) == (
        "What does **term 0.0** mean?",
        "Mine.",
        True,
    )
    assert not text.original_changed
    assert "<strong>term 0.0</strong> mean?" in shown(learner, deck.cards()[0])


def test_another_learner_sees_the_courses_text(learner, other, deck):
    note = deck.notes[0]
    own(learner, note)
    text = note_text(note, override=override_of(user=other, note=note))
    assert (text.front_md, text.own) == ("What is **term 0.0**?", False)
    assert "What is <strong>term 0.0</strong>?" in shown(other, deck.cards()[0])


def test_two_learners_each_keep_their_own_text_of_one_note(learner, other, deck):
    note = deck.notes[0]
    own(learner, note, front="Ada's front")
    own(other, note, front="Alan's front")
    assert "Ada's front" in shown(learner, deck.cards()[0])
    assert "Alan's front" in shown(other, deck.cards()[0])
    assert NoteOverride.objects.filter(note=note).count() == 2


def test_saving_again_changes_the_one_override_and_keeps_when_it_was_first_written(learner, deck):
    note = deck.notes[0]
    first = own(learner, note, front="First")
    later = NOW + timedelta(hours=1)
    second = own(learner, note, front="Second", now=later)
    assert second.pk == first.pk
    assert (second.front_md, second.created_at, second.updated_at) == ("Second", NOW, later)
    assert NoteOverride.objects.filter(user=learner).count() == 1


def test_saving_the_courses_own_text_removes_the_override(learner, deck):
    note = deck.notes[0]
    own(learner, note)
    assert own(learner, note, front=note.front_md, back=note.back_md) is None
    assert not NoteOverride.objects.exists()


def test_a_note_without_a_studied_card_cannot_be_overridden(learner, deck):
    note = deck.notes[0]
    Card.objects.filter(note=note).update(archived_at=NOW)
    with pytest.raises(NotFound):
        own(learner, note)
    topic = deck.topics[1]
    topic.archived_at = NOW
    topic.save()
    with pytest.raises(NotFound):
        own(learner, deck.notes[2])
    assert not NoteOverride.objects.exists()


# -- restoring -----------------------------------------------------------------------------------


def test_restoring_removes_the_learners_override_only(learner, other, deck):
    note = deck.notes[0]
    own(learner, note)
    own(other, note)
    assert note_override_restore(user=learner, note=note) is True
    assert not NoteOverride.objects.filter(user=learner).exists()
    assert NoteOverride.objects.filter(user=other).exists()
    assert note_override_restore(user=learner, note=note) is False


# -- the course's note changes after the learner's edit ------------------------------------------

NOTES = "# Amazon S3\n\n## Basics\n\n**Buckets**\n\n* **Bucket**: {definition}\n"


def notes_write(folder: Path, definition: str) -> None:
    (folder / "notes").mkdir(exist_ok=True)
    (folder / "notes" / "s3.md").write_text(NOTES.format(definition=definition))


def test_a_reimport_that_changes_the_note_keeps_the_learners_text_and_says_so(learner, tmp_path):
    notes_write(tmp_path, "A container for objects.")
    content_import(tmp_path)
    card = Card.objects.studied().get(note__topic__course__slug="amazon-s3")
    own(learner, card.note, front="What holds S3 objects?", back="A bucket.")
    notes_write(tmp_path, "A container for objects, in one Region.")
    content_import(tmp_path)
    card.note.refresh_from_db()
    assert "in one Region" in card.note.back_md
    text = note_text(card.note, override=override_of(user=learner, note=card.note))
    assert (text.front_md, text.back_md) == ("What holds S3 objects?", "A bucket.")
    assert text.original_changed
    assert "in one Region" in text.original_back_md


def test_an_unchanged_reimport_says_nothing_changed(learner, tmp_path):
    notes_write(tmp_path, "A container for objects.")
    content_import(tmp_path)
    card = Card.objects.studied().get(note__topic__course__slug="amazon-s3")
    own(learner, card.note)
    content_import(tmp_path)
    card.note.refresh_from_db()
    assert not note_text(
        card.note, override=override_of(user=learner, note=card.note)
    ).original_changed


# -- faces of every kind ------------------------------------------------------------------------


def test_a_cloze_copy_hides_the_learners_own_deletions(learner, deck):
    note = note_add(
        deck.topics[0],
        key="cards:quota",
        kind=Note.Kind.CLOZE,
        front="Up to {{c1::1,000}} per {{c2::Region}}.",
        ordinals=(1, 2),
    )
    own(learner, note, front="At most {{c1::1,000}} at once in a {{c2::Region}}.", back="")
    second = note.cards.get(ordinal=2)
    faces = learner_card_faces(second, override=override_of(user=learner, note=note))
    assert "At most 1,000 at once in a" in faces.front
    assert '<span class="cloze">[...]</span>' in faces.front
    assert '<mark class="cloze">Region</mark>' in faces.back


def test_the_reversed_card_of_a_copy_asks_the_learners_back(learner, deck):
    note = note_add(
        deck.topics[0],
        key="cards:cpu",
        kind=Note.Kind.REVERSED,
        front="Memory for one vCPU?",
        back="1,769 MB",
        ordinals=(1, 2),
    )
    own(learner, note, front="Memory for a full vCPU?", back="**1,769** MB")
    faces = learner_card_faces(
        note.cards.get(ordinal=2), override=override_of(user=learner, note=note)
    )
    assert "<strong>1,769</strong> MB" in faces.front
    assert "Memory for a full vCPU?" in faces.back
    assert "1,769 MB" in card_faces(note.cards.get(ordinal=2)).front  # the course's, unchanged


# -- the readers --------------------------------------------------------------------------------


def test_the_next_new_card_comes_with_the_learners_text(learner, other, deck):
    own(learner, deck.notes[0], front="Ada's front")
    mine = review_next(learner, now=NOW).current
    assert (mine.queue, mine.override.front_md) == ("new", "Ada's front")
    assert review_next(other, now=NOW).current.override is None


def test_a_due_card_comes_with_the_learners_text(learner, other, deck):
    card = deck.cards()[0]
    review_record(user=learner, card=card, rating=1, duration_ms=1000, now=NOW)
    review_record(user=other, card=card, rating=1, duration_ms=1000, now=NOW)
    own(learner, card.note, front="Ada's front")
    later = NOW + timedelta(minutes=5)
    mine = review_next(learner, now=later).current
    assert (mine.card, mine.queue, mine.override.front_md) == (card, "learning", "Ada's front")
    theirs = review_next(other, now=later).current
    assert (theirs.card, theirs.override) == (card, None)


def test_a_card_shown_to_a_learner_carries_their_override_only(learner, other, deck):
    card = deck.cards()[0]
    own(learner, card.note, front="Ada's front")
    assert joined_override(card_for_learner(card_id=card.pk, user=learner)).front_md == (
        "Ada's front"
    )
    assert joined_override(card_for_learner(card_id=card.pk, user=other)) is None


def test_the_search_finds_the_learners_own_text_and_not_the_text_it_replaced(learner, other, deck):
    own(learner, deck.notes[0], front="What is a **cold start**?", back="The first invocation.")

    def found(user, **filters):
        return [card.note_id for card in cards_search(user=user, now=NOW, **filters)]

    assert found(learner, query="cold start") == [deck.notes[0].pk]
    assert found(learner, query="invocation") == [deck.notes[0].pk]
    assert found(learner, query="term 0.0") == []
    assert found(other, query="cold start") == []
    assert found(other, query="term 0.0") == [deck.notes[0].pk]
    assert found(learner, state="edited") == [deck.notes[0].pk]
    assert found(other, state="edited") == []


def test_schedules_of_the_note_are_untouched_by_an_edit(learner, deck):
    card = deck.cards()[0]
    review_record(user=learner, card=card, rating=3, duration_ms=1000, now=NOW)
    before = CardSchedule.objects.get(user=learner, card=card).version
    own(learner, card.note)
    assert CardSchedule.objects.get(user=learner, card=card).version == before


# -- the form's checks for a copy ---------------------------------------------------------------


def copy_form(note: Note, front: str, back: str) -> NoteForm:
    return NoteForm({"front_md": front, "back_md": back}, copy_of=note)


def test_a_copy_is_checked_as_the_authors_edit_is(deck):
    note = deck.notes[0]
    blank = copy_form(note, "  ", "")
    assert not blank.is_valid()
    assert blank.errors["front_md"] == ["This field is required."]
    assert blank.errors["back_md"] == ["Write the answer on the back."]
    script = copy_form(note, "<script>alert(1)</script>", "<style>p{}</style>")
    assert not script.is_valid()
    assert "The front would show nothing" in script.errors["front_md"][0]
    assert "The back would show nothing" in script.errors["back_md"][0]
    assert copy_form(note, "Mine?", "Yes.").is_valid()


def test_a_cloze_copy_keeps_the_courses_deletions(deck):
    note = note_add(
        deck.topics[0],
        key="cards:quota",
        kind=Note.Kind.CLOZE,
        front="Up to {{c1::1,000}} per {{c2::Region}}.",
        ordinals=(1, 2),
    )
    fewer = copy_form(note, "Up to {{c1::1,000}} per Region.", "")
    assert not fewer.is_valid()
    assert fewer.errors["front_md"] == [
        "Keep the deletions c1, c2, no more and no fewer: each number is one card of the course, "
        "and your copy changes what the cards say, not how many there are."
    ]
    assert not copy_form(note, "{{c1::a}} {{c2::b}} {{c3::c}}", "").is_valid()
    assert copy_form(note, "{{c2::Regions}} allow {{c1::1,000}}.", "").is_valid()


def test_the_courses_text_with_blanks_around_it_is_the_courses_text(learner, deck):
    note = deck.notes[0]
    own(learner, note)
    assert own(learner, note, front=f"{note.front_md}\n", back=f" {note.back_md}") is None
    assert not NoteOverride.objects.exists()
