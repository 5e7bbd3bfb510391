"""Export cards to an Anki package (.apkg) with genanki.

The note types and the deck have fixed ids, and every note's guid comes from its stable key, so
importing a newer export into Anki updates the notes already there instead of adding copies.
Fields are HTML from the one Markdown renderer; cloze notes keep Anki's ``{{c1::...}}`` syntax
(the renderer leaves it alone). Tags: the course slug and ``course::topic``, plus ``leech`` for
the learner's leeches.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import genanki

from studyapp.cards.models import CardSchedule, Note
from studyapp.cards.review import cards_studied
from studyapp.markdown import render_markdown

if TYPE_CHECKING:
    from studyapp.accounts.models import User

# Fixed ids: never change them, or Anki sees new note types and a new deck.
BASIC_MODEL_ID = 1_607_392_319
REVERSED_MODEL_ID = 1_607_392_320
CLOZE_MODEL_ID = 1_607_392_321
DECK_ID = 2_059_400_110
DECK_NAME = "Lambda study"

CSS = """.card { font-family: system-ui, sans-serif; font-size: 20px; text-align: left;
  color: black; background-color: white; line-height: 1.45; }
.nightMode .card { color: #eee; background-color: #222; }
.cloze { font-weight: bold; color: #b43c0a; }
.nightMode .cloze { color: #f59e6b; }
.topic { font-size: 14px; color: #666; }
code, pre { font-family: ui-monospace, monospace; }
"""

FRONT_BACK_FIELDS = [{"name": "Front"}, {"name": "Back"}, {"name": "Topic"}]
FORWARD = {
    "name": "Card 1",
    "qfmt": '<div class="topic">{{Topic}}</div>{{Front}}',
    "afmt": '{{FrontSide}}<hr id="answer">{{Back}}',
}
BACKWARD = {
    "name": "Card 2",
    "qfmt": '<div class="topic">{{Topic}}</div>{{Back}}',
    "afmt": '{{FrontSide}}<hr id="answer">{{Front}}',
}

BASIC_MODEL = genanki.Model(
    BASIC_MODEL_ID,
    "Lambda study: Basic",
    fields=FRONT_BACK_FIELDS,
    templates=[FORWARD],
    css=CSS,
)
REVERSED_MODEL = genanki.Model(
    REVERSED_MODEL_ID,
    "Lambda study: Basic and reversed",
    fields=FRONT_BACK_FIELDS,
    templates=[FORWARD, BACKWARD],
    css=CSS,
)
CLOZE_MODEL = genanki.Model(
    CLOZE_MODEL_ID,
    "Lambda study: Cloze",
    fields=[{"name": "Text"}, {"name": "Back Extra"}, {"name": "Topic"}],
    templates=[
        {
            "name": "Cloze",
            "qfmt": '<div class="topic">{{Topic}}</div>{{cloze:Text}}',
            "afmt": "{{cloze:Text}}<br>{{Back Extra}}",
        }
    ],
    css=CSS,
    model_type=genanki.Model.CLOZE,
)
MODELS = {
    Note.Kind.BASIC: BASIC_MODEL,
    Note.Kind.REVERSED: REVERSED_MODEL,
    Note.Kind.CLOZE: CLOZE_MODEL,
}


def note_tags(note: Note, *, leech: bool = False) -> list[str]:
    course = note.topic.course.slug
    tags = [course, f"{course}::{note.topic.slug}"]
    if leech:
        tags.append("leech")
    return tags


def anki_note(note: Note, *, leech: bool = False) -> genanki.Note:
    topic = f"{note.topic.course.title} › {note.topic.title}"
    fields = [str(render_markdown(note.front_md)), str(render_markdown(note.back_md)), topic]
    return genanki.Note(
        model=MODELS[note.kind],
        fields=fields,
        tags=note_tags(note, leech=leech),
        guid=genanki.guid_for(note.key),
    )


def notes_for_export() -> list[Note]:
    """Every note with at least one studied card, in course order."""
    note_ids = cards_studied().values("note_id")
    return list(
        Note.objects.filter(pk__in=note_ids)
        .select_related("topic__course")
        .order_by("topic__course__position", "topic__position", "pk")
    )


def anki_package_write(*, user: User, path: Path, now: datetime) -> int:
    """Write the learner's cards as an .apkg at ``path``; returns the number of notes.

    ``now`` becomes the notes' modification time: Anki updates an existing note (same guid) when
    the imported one is newer.
    """
    leech_notes = set(
        CardSchedule.objects.filter(user=user, leech=True).values_list("note_id", flat=True)
    )
    deck = genanki.Deck(DECK_ID, DECK_NAME, description="AWS Lambda, from the Lambda study app.")
    notes = notes_for_export()
    for note in notes:
        deck.add_note(anki_note(note, leech=note.pk in leech_notes))
    genanki.Package(deck).write_to_file(str(path), timestamp=now.timestamp())
    return len(notes)
