"""Acceptance: Anki's own library imports the export, every card, and re-imports update notes."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import genanki
import pytest
from django.core.management import CommandError, call_command

from studyapp.cards.anki import DECK_NAME, anki_package_write
from studyapp.cards.models import Card, CardSchedule, Note, ReviewLog
from studyapp.cards.overrides import note_override_save
from studyapp.cards.review import review_record
from tests.cards.conftest import NOW, note_add

anki_collection = pytest.importorskip("anki.collection", reason="the anki package is a test extra")
import_export = pytest.importorskip("anki.import_export_pb2")

pytestmark = pytest.mark.django_db


def anki_import(collection_path: Path, package: Path, *, with_scheduling: bool = False):
    """Import ``package`` into the Anki collection at ``collection_path`` as Anki's UI would
    (by default as its import dialog starts: without "Import any learning progress")."""
    collection, _ = anki_import_logged(collection_path, package, with_scheduling=with_scheduling)
    return collection


def anki_import_logged(collection_path: Path, package: Path, *, with_scheduling: bool = False):
    """Import as :func:`anki_import` does; also return Anki's import log (new, updated, ...)."""
    collection = anki_collection.Collection(str(collection_path))
    request = import_export.ImportAnkiPackageRequest(
        package_path=str(package),
        options=import_export.ImportAnkiPackageOptions(
            merge_notetypes=True, with_scheduling=with_scheduling, with_deck_configs=False
        ),
    )
    return collection, collection.import_anki_package(request).log


@pytest.fixture
def full_deck(deck):
    note_add(
        deck.topics[0],
        key="cards:aws-lambda/quota",
        kind=Note.Kind.CLOZE,
        front="An account runs {{c1::1,000}} executions per {{c2::Region}}.",
        back="Ask Service Quotas for more.",
        ordinals=(1, 2),
    )
    note_add(
        deck.topics[1],
        key="cards:aws-lambda/cpu",
        kind=Note.Kind.REVERSED,
        front="Memory for one vCPU?",
        back="**1,769 MB**",
        ordinals=(1, 2),
    )
    return deck


def test_anki_imports_every_card_with_fields_and_tags(full_deck, learner, tmp_path):
    package = tmp_path / "cards.apkg"
    assert anki_package_write(user=learner, path=package, now=NOW) == 6
    collection = anki_import(tmp_path / "collection.anki2", package)
    try:
        assert collection.note_count() == 6
        assert collection.card_count() == Card.objects.count() == 8
        assert collection.decks.by_name(DECK_NAME) is not None
        [cloze_id] = collection.find_notes('"note:Lambda study: Cloze"')
        cloze = collection.get_note(cloze_id)
        assert (
            cloze["Text"] == "<p>An account runs {{c1::1,000}} executions per {{c2::Region}}.</p>"
        )
        assert "aws-lambda::topic-0" in cloze.tags
        assert "aws-lambda" in cloze.tags
        [reversed_id] = collection.find_notes('"note:Lambda study: Basic and reversed"')
        assert collection.get_note(reversed_id)["Back"] == "<p><strong>1,769 MB</strong></p>"
        assert len(collection.get_note(reversed_id).cards()) == 2
    finally:
        collection.close()


def test_a_new_export_after_an_edit_updates_the_note_in_anki(full_deck, learner, tmp_path):
    anki_package_write(user=learner, path=tmp_path / "first.apkg", now=NOW)
    note = Note.objects.get(key="aws-lambda/topic-0/term-0")
    # Edited a minute later (Anki keeps a note's time in whole seconds: an edit within the same
    # second as the first export would look unchanged); the clock is moved, not waited for.
    Note.objects.filter(pk=note.pk).update(
        back_md="An edited definition.", updated_at=note.updated_at + timedelta(minutes=1)
    )
    anki_package_write(user=learner, path=tmp_path / "second.apkg", now=NOW + timedelta(days=1))
    collection = anki_import(tmp_path / "collection.anki2", tmp_path / "first.apkg")
    collection.close()
    collection = anki_import(tmp_path / "collection.anki2", tmp_path / "second.apkg")
    try:
        assert collection.note_count() == 6
        [edited] = collection.find_notes('"Back:*edited definition*"')
        assert collection.get_note(edited)["Back"] == "<p>An edited definition.</p>"
    finally:
        collection.close()


def test_export_anki_writes_the_package_from_the_command_line(full_deck, learner, tmp_path):
    out = io.StringIO()
    call_command("export_anki", "--user", "ada", "--out", str(tmp_path / "ada.apkg"), stdout=out)
    assert "Wrote 6 notes" in out.getvalue()
    collection = anki_import(tmp_path / "c.anki2", tmp_path / "ada.apkg")
    try:
        assert collection.card_count() == 8
    finally:
        collection.close()


def test_export_anki_refuses_an_unknown_user(tmp_path):
    with pytest.raises(CommandError, match="no user 'nobody'"):
        call_command("export_anki", "--user", "nobody", "--out", str(tmp_path / "x.apkg"))


def test_a_correction_is_on_the_back_of_its_card_in_anki(learner, tmp_path, settings):
    call_command("import_content", "--source", str(settings.CONTENT_DIR), stdout=io.StringIO())
    package = tmp_path / "lambda.apkg"
    anki_package_write(user=learner, path=package, now=NOW)
    collection = anki_import(tmp_path / "collection.anki2", package)
    try:
        [back] = [
            collection.get_note(note_id)["Back"]
            for note_id in collection.find_notes('"Front:*Reserved Concurrency*"')
            if "What is <strong>Reserved Concurrency</strong>?"
            in collection.get_note(note_id)["Front"]
        ]
    finally:
        collection.close()
    assert back.startswith("<p>Limits the maximum number of concurrent executions")
    assert "<strong>Correction (4 Dec 2026):</strong> Reserved concurrency is both a cap" in back
    assert 'href="https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html"' in (
        back
    )


def reviews_make(deck, learner) -> dict[int, list[int]]:
    """A learner's history: card 1 answered Good four times over a month, card 2 lapsing once,
    card 3 answered once today (still learning); returns the ratings by our card id."""
    cards = deck.cards()
    answers = {
        cards[0].pk: [(0, 3), (1, 3), (4, 3), (14, 3)],
        cards[1].pk: [(0, 3), (1, 3), (5, 1), (5.01, 3), (7, 3)],
        cards[2].pk: [(14, 2)],
    }
    by_card = {card.pk: card for card in cards}
    for card_id, steps in answers.items():
        for days, rating in steps:
            review_record(
                user=learner,
                card=by_card[card_id],
                rating=rating,
                duration_ms=4_000,
                now=NOW + timedelta(days=days),
            )
    return {card_id: [rating for _, rating in steps] for card_id, steps in answers.items()}


def anki_card_of(collection, card: Card):
    [note_id] = collection.find_notes(f'"Front:*term {card.note.front_md.split("term ")[1][:3]}*"')
    return collection.get_note(note_id).cards()[card.ordinal - 1]


def test_anki_imports_the_scheduling_of_every_reviewed_card(full_deck, learner, tmp_path):
    reviews_make(full_deck, learner)
    package = tmp_path / "ada.apkg"
    anki_package_write(user=learner, path=package, now=NOW)
    collection = anki_import(tmp_path / "c.anki2", package, with_scheduling=True)
    try:
        for schedule in CardSchedule.objects.filter(user=learner).select_related("card__note"):
            anki_card = anki_card_of(collection, schedule.card)
            assert anki_card.reps == schedule.reps
            assert anki_card.lapses == schedule.lapses
            assert anki_card.memory_state.stability == pytest.approx(
                schedule.fsrs_card["stability"], rel=1e-3
            )
            assert anki_card.memory_state.difficulty == pytest.approx(
                schedule.fsrs_card["difficulty"], rel=1e-3
            )
            if schedule.state == CardSchedule.State.REVIEW:
                assert (anki_card.type, anki_card.queue) == (2, 2)
                due_day = datetime.fromtimestamp(
                    collection.crt + anki_card.due * 86400, tz=UTC
                ).date()
                assert abs((due_day - schedule.due.date()).days) <= 1
            else:
                assert anki_card.type in (1, 3)
                assert anki_card.due == int(schedule.due.timestamp())
        new_cards = collection.find_cards("is:new")
        assert len(new_cards) == Card.objects.count() - CardSchedule.objects.count()
    finally:
        collection.close()


def test_anki_imports_the_review_log_of_every_reviewed_card(full_deck, learner, tmp_path):
    ratings = reviews_make(full_deck, learner)
    package = tmp_path / "ada.apkg"
    anki_package_write(user=learner, path=package, now=NOW)
    collection = anki_import(tmp_path / "c.anki2", package, with_scheduling=True)
    try:
        for card in full_deck.cards():
            anki_card = anki_card_of(collection, card)
            eases = collection.db.list(
                "SELECT ease FROM revlog WHERE cid = ? ORDER BY id", anki_card.id
            )
            assert eases == ratings.get(card.pk, [])
        times = collection.db.list("SELECT id FROM revlog ORDER BY id")
        assert times[0] == int(NOW.timestamp() * 1000)
        assert len(times) == ReviewLog.objects.count()
    finally:
        collection.close()


def test_a_second_import_of_an_unchanged_export_changes_nothing(full_deck, learner, tmp_path):
    reviews_make(full_deck, learner)
    package = tmp_path / "ada.apkg"
    anki_package_write(user=learner, path=package, now=NOW)
    collection, first = anki_import_logged(tmp_path / "c.anki2", package)
    collection.close()
    collection, second = anki_import_logged(tmp_path / "c.anki2", package)
    collection.close()
    assert len(first.new) == 6
    assert len(second.new) == len(second.updated) == 0
    assert len(second.duplicate) == 6


def test_a_later_export_of_unchanged_cards_changes_nothing_in_anki(full_deck, learner, tmp_path):
    anki_package_write(user=learner, path=tmp_path / "first.apkg", now=NOW)
    anki_package_write(user=learner, path=tmp_path / "later.apkg", now=NOW + timedelta(days=3))
    collection, _ = anki_import_logged(tmp_path / "c.anki2", tmp_path / "first.apkg")
    collection.close()
    collection, later = anki_import_logged(tmp_path / "c.anki2", tmp_path / "later.apkg")
    collection.close()
    assert len(later.new) == len(later.updated) == 0


def test_the_leech_tag_survives_ankis_default_import(full_deck, learner, tmp_path):
    card = full_deck.cards()[0]
    review_record(user=learner, card=card, rating=3, duration_ms=1000, now=NOW)
    CardSchedule.objects.filter(user=learner, card=card).update(leech=True)
    package = tmp_path / "ada.apkg"
    anki_package_write(user=learner, path=package, now=NOW)
    collection = anki_import(tmp_path / "c.anki2", package)
    try:
        found = collection.find_notes("tag:lambda-study::leech")
        assert [collection.get_note(note_id).guid for note_id in found] == [
            genanki.guid_for(card.note.key)
        ]
    finally:
        collection.close()


def test_every_review_log_row_reaches_anki_with_its_ease_interval_and_time(
    full_deck, learner, tmp_path
):
    reviews_make(full_deck, learner)
    slow = full_deck.cards()[3]
    review_record(user=learner, card=slow, rating=4, duration_ms=95_000, now=NOW)
    package = tmp_path / "ada.apkg"
    anki_package_write(user=learner, path=package, now=NOW)
    collection = anki_import(tmp_path / "c.anki2", package, with_scheduling=True)
    try:
        card_ids = {card.pk: anki_card_of(collection, card).id for card in full_deck.cards()}
        rows = collection.db.all(
            "SELECT id, cid, ease, ivl, lastIvl, time, type FROM revlog ORDER BY id"
        )
    finally:
        collection.close()
    logs = list(ReviewLog.objects.filter(user=learner).order_by("reviewed_at", "pk"))
    assert len(rows) == len(logs) == 11  # ten from reviews_make, one slow answer
    last_interval: dict[int, int] = {}
    for row, log in zip(rows, logs, strict=True):
        revlog_id, cid, ease, interval, previous, time_ms, kind = row
        assert abs(revlog_id - int(log.reviewed_at.timestamp() * 1000)) < 10
        assert cid == card_ids[log.card_id]
        assert ease == log.rating
        seconds = (log.due_after - log.reviewed_at).total_seconds()
        if log.state_after == CardSchedule.State.REVIEW:
            assert interval == round(seconds / 86400) >= 1  # days, as Anki keeps reviews
        else:
            assert interval == -int(seconds) < 0  # negative seconds: a learning step
        assert previous == last_interval.get(cid, 0)
        last_interval[cid] = interval
        # Anki records at most 60 s of answering time per review, as its own reviewer does
        assert time_ms == min(log.duration_ms, 60_000)
        expected_kind = {None: 0, 1: 0, 2: 1, 3: 2}[log.state_before]  # learn, review, relearn
        assert kind == expected_kind
    assert sorted({row[6] for row in rows}) == [0, 1, 2]  # the lapse made a relearning row
    assert [row[5] for row in rows].count(60_000) == 1


def test_a_second_import_with_scheduling_of_an_unchanged_export_changes_nothing(
    full_deck, learner, tmp_path
):
    reviews_make(full_deck, learner)
    package = tmp_path / "ada.apkg"
    anki_package_write(user=learner, path=package, now=NOW)

    def state(collection):
        cards = [collection.get_card(cid) for cid in collection.find_cards("")]
        return sorted(
            (
                c.id,
                c.type,
                c.queue,
                c.due,
                c.ivl,
                c.reps,
                c.lapses,
                (c.memory_state.stability, c.memory_state.difficulty) if c.memory_state else None,
            )
            for c in cards
        ), collection.db.list("SELECT id FROM revlog ORDER BY id")

    collection, first = anki_import_logged(tmp_path / "c.anki2", package, with_scheduling=True)
    before = state(collection)
    collection.close()
    collection, second = anki_import_logged(tmp_path / "c.anki2", package, with_scheduling=True)
    after = state(collection)
    collection.close()
    assert len(first.new) == 6
    assert len(second.new) == len(second.updated) == 0
    assert len(second.duplicate) == 6
    assert after == before
    assert len(after[1]) == ReviewLog.objects.count()


def test_a_learners_export_carries_their_own_text_and_anothers_the_courses(
    full_deck, learner, tmp_path, django_user_model
):
    other = django_user_model.objects.create_user(username="alan", password="correct-horse-42")
    note = Note.objects.get(key="cards:aws-lambda/cpu")
    note_override_save(
        user=learner, note=note, front_md="Memory for a vCPU?", back_md="**1769** MB", now=NOW
    )
    anki_package_write(user=learner, path=tmp_path / "ada.apkg", now=NOW)
    anki_package_write(user=other, path=tmp_path / "alan.apkg", now=NOW)
    mine = anki_import(tmp_path / "ada.anki2", tmp_path / "ada.apkg")
    theirs = anki_import(tmp_path / "alan.anki2", tmp_path / "alan.apkg")
    try:
        [ada_id] = mine.find_notes('"note:Lambda study: Basic and reversed"')
        ada = mine.get_note(ada_id)
        assert (ada["Front"], ada["Back"]) == (
            "<p>Memory for a vCPU?</p>",
            "<p><strong>1769</strong> MB</p>",
        )
        [alan_id] = theirs.find_notes('"note:Lambda study: Basic and reversed"')
        alan = theirs.get_note(alan_id)
        assert (alan["Front"], alan["Back"]) == (
            "<p>Memory for one vCPU?</p>",
            "<p><strong>1,769 MB</strong></p>",
        )
    finally:
        mine.close()
        theirs.close()


def test_a_new_export_after_a_learners_edit_updates_the_note_in_anki(full_deck, learner, tmp_path):
    anki_package_write(user=learner, path=tmp_path / "first.apkg", now=NOW)
    note = Note.objects.get(key="aws-lambda/topic-0/term-0")
    # A minute after the note last changed: Anki keeps a note's time in whole seconds.
    note_override_save(
        user=learner,
        note=note,
        front_md=note.front_md,
        back_md="My own definition.",
        now=note.updated_at + timedelta(minutes=1),
    )
    anki_package_write(user=learner, path=tmp_path / "second.apkg", now=NOW + timedelta(days=1))
    collection = anki_import(tmp_path / "collection.anki2", tmp_path / "first.apkg")
    collection.close()
    collection = anki_import(tmp_path / "collection.anki2", tmp_path / "second.apkg")
    try:
        assert collection.note_count() == 6
        [edited] = collection.find_notes('"Back:*own definition*"')
        assert collection.get_note(edited)["Back"] == "<p>My own definition.</p>"
    finally:
        collection.close()
