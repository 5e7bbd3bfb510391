"""Acceptance: Anki's own library imports the export, every card, and re-imports update notes."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from studyapp.cards.anki import DECK_NAME, anki_package_write
from studyapp.cards.models import Card, Note
from tests.cards.conftest import NOW, note_add

anki_collection = pytest.importorskip("anki.collection", reason="the anki package is a test extra")
import_export = pytest.importorskip("anki.import_export_pb2")

pytestmark = pytest.mark.django_db


def anki_import(collection_path: Path, package: Path):
    """Import ``package`` into the Anki collection at ``collection_path`` as Anki's UI would."""
    collection = anki_collection.Collection(str(collection_path))
    request = import_export.ImportAnkiPackageRequest(
        package_path=str(package),
        options=import_export.ImportAnkiPackageOptions(
            merge_notetypes=True, with_scheduling=False, with_deck_configs=False
        ),
    )
    collection.import_anki_package(request)
    return collection


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
    note.back_md = "An edited definition."
    note.save()
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
