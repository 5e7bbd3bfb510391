"""Card files in content/cards: the format, problems with line numbers, idempotent import."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from studyapp.cards.content_cards import cards_read
from studyapp.cards.faces import card_faces
from studyapp.cards.models import Card, CardSchedule, Note, ReviewLog
from studyapp.cards.review import review_record
from tests.cards.conftest import NOW
from tests.plugins.courses import import_content

CARDS = """---
course: aws-lambda
---

## account-concurrency-quota
topic: concurrency-and-scaling
type: cloze

An account runs {{c1::1,000}} executions at once per {{c2::Region::where}}.

### Extra
Ask for more through Service Quotas.

## reserved-zero
topic: concurrency-and-scaling
type: reversed

### Front
Reserved concurrency **0**?

### Back
Every invocation is throttled.
"""


def test_a_card_file_gives_notes_with_ids_topics_kinds_and_faces():
    reading = cards_read(CARDS)
    assert reading.problems == []
    cloze, pair = reading.notes
    assert (cloze.key, cloze.topic, cloze.kind) == (
        "cards:aws-lambda/account-concurrency-quota",
        "concurrency-and-scaling",
        "cloze",
    )
    assert cloze.front.startswith("An account runs {{c1::1,000}}")
    assert cloze.back == "Ask for more through Service Quotas."
    assert (pair.kind, pair.front, pair.back) == (
        "reversed",
        "Reserved concurrency **0**?",
        "Every invocation is throttled.",
    )


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("## x\ntopic: t\ntype: basic\n", 1, "front matter"),
        ("---\ncourse: c\n---\n\n## Not A Slug\ntopic: t\ntype: basic\n", 5, "not a slug"),
        ("---\ncourse: c\n---\n\n## a\ntopic: t\ntype: cloze\n\nno deletions\n", 5, "deletion"),
        ("---\ncourse: c\n---\n\n## a\ntopic: t\ntype: basic\n\n### Front\nQ\n", 5, "### Back"),
        ("---\ncourse: c\n---\n\n## a\ntopic: t\ntype: odd\n", 5, "type must be"),
        ("---\ncourse: c\n---\n\n## a\ntype: cloze\n\n{{c1::x}}\n", 5, "topic:"),
        (
            "---\ncourse: c\n---\n\n## a\ntopic: t\ntype: cloze\n\n{{c1::x}}\n\n"
            "## a\ntopic: t\ntype: cloze\n\n{{c1::y}}\n",
            11,
            "already used on line 5",
        ),
    ],
)
def test_a_bad_card_file_reports_the_line_and_what_is_wrong(text, line, message):
    problems = cards_read(text).problems
    assert any(found == line and message in text_ for found, text_ in problems), problems


def test_cloze_cards_hide_only_their_own_deletion_and_show_the_hint():
    reading = cards_read(CARDS)
    note = Note(kind=Note.Kind.CLOZE, front_md=reading.notes[0].front, back_md="Extra")
    first = card_faces(Card(note=note, ordinal=1))
    second = card_faces(Card(note=note, ordinal=2))
    assert '<span class="cloze">[...]</span>' in first.front
    assert "Region" in first.front
    assert "1,000" not in first.front
    assert '<span class="cloze">[where]</span>' in second.front
    assert "1,000" in second.front
    assert '<mark class="cloze">1,000</mark>' in first.back
    assert "Extra" in first.back


def test_markup_in_a_cloze_is_sanitised():
    note = Note(
        kind=Note.Kind.CLOZE, front_md="{{c1::<img src=x onerror=alert(1)>}} <script>x</script>"
    )
    faces = card_faces(Card(note=note, ordinal=1))
    assert "onerror" not in faces.back
    assert "<script" not in faces.back


def test_a_reversed_note_asks_the_back_on_its_second_card():
    note = Note(kind=Note.Kind.REVERSED, front_md="Question", back_md="Answer")
    assert "Answer" in card_faces(Card(note=note, ordinal=2)).front
    assert "Question" in card_faces(Card(note=note, ordinal=2)).back


# -- importing ---------------------------------------------------------------------------------


@pytest.fixture
def cards_content_dir(lambda_content_dir: Path) -> Path:
    """The shipped Lambda notes and CARDS as the card file cards/limits.md."""
    (lambda_content_dir / "cards").mkdir()
    (lambda_content_dir / "cards" / "limits.md").write_text(CARDS)
    return lambda_content_dir


@pytest.mark.django_db
def test_importing_card_files_makes_a_card_per_cloze_and_two_for_reversed(cards_content_dir):
    # 43 key terms (2 nested under Event-Driven Architecture); Execution Role, defined twice,
    # is one card
    notes_only = 42
    counts = import_content(cards_content_dir)
    assert counts["cards"] == notes_only + 2 + 2
    cloze = Note.objects.get(key="cards:aws-lambda/account-concurrency-quota")
    assert (cloze.source, cloze.topic.slug) == ("content", "concurrency-and-scaling")
    assert sorted(cloze.cards.values_list("ordinal", flat=True)) == [1, 2]


@pytest.mark.django_db
def test_importing_card_files_twice_changes_nothing(cards_content_dir):
    import_content(cards_content_dir)
    assert import_content(cards_content_dir)["changes"] == {
        "created": 0,
        "updated": 0,
        "archived": 0,
    }


@pytest.mark.django_db
def test_editing_a_card_file_keeps_review_history_and_archives_a_removed_cloze(
    cards_content_dir, learner
):
    import_content(cards_content_dir)
    card = Card.objects.get(note__key="cards:aws-lambda/account-concurrency-quota", ordinal=1)
    review_record(user=learner, card=card, rating=3, duration_ms=1000, now=NOW)
    edited = CARDS.replace("per {{c2::Region::where}}", "per Region")
    (cards_content_dir / "cards" / "limits.md").write_text(edited)
    import_content(cards_content_dir)
    card.refresh_from_db()
    assert card.archived_at is None
    assert CardSchedule.objects.get(card=card).reps == 1
    second = Card.objects.get(note__key=card.note.key, ordinal=2)
    assert second.archived_at is not None


@pytest.mark.django_db
def test_a_card_file_naming_an_unknown_topic_fails_the_import_and_changes_nothing(
    cards_content_dir,
):
    (cards_content_dir / "cards" / "limits.md").write_text(
        CARDS.replace("concurrency-and-scaling", "nope", 1)
    )
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_content", "--source", str(cards_content_dir), stderr=err)
    assert "cards/limits.md:6: unknown topic 'nope'" in err.getvalue()
    assert not Note.objects.exists()


@pytest.mark.django_db
def test_the_shipped_card_files_import_cleanly():
    counts = import_content(settings.CONTENT_DIR)
    shipped = Note.objects.filter(source=Note.Source.CONTENT, archived_at__isnull=True)
    assert shipped.count() >= 10
    assert counts["cards"] > 41 + shipped.count()


@pytest.mark.django_db
def test_editing_a_key_term_definition_and_reimporting_keeps_the_cards_review_history(
    lambda_content_dir, learner
):
    """Issue 3 acceptance: the term card stays the same card, with its reviews."""
    notes = (lambda_content_dir / "notes" / "aws-lambda.md").read_text()
    import_content(lambda_content_dir)
    key = "aws-lambda/concurrency-and-scaling/provisioned-concurrency"
    card = Card.objects.get(note__key=key)
    review_record(user=learner, card=card, rating=3, duration_ms=1000, now=NOW)
    review_record(
        user=learner, card=card, rating=3, duration_ms=900, now=NOW + timedelta(minutes=10)
    )
    definition = card.note.back_md
    (lambda_content_dir / "notes" / "aws-lambda.md").write_text(
        notes.replace(definition.splitlines()[0], "An edited definition of the term.")
    )
    import_content(lambda_content_dir)
    after = Card.objects.get(note__key=key)
    assert after.pk == card.pk
    assert after.note.back_md.startswith("An edited definition of the term.")
    assert ReviewLog.objects.filter(card=after, user=learner).count() == 2
    assert CardSchedule.objects.get(card=after, user=learner).reps == 2
