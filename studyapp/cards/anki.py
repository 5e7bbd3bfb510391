"""Export cards to an Anki package (.apkg): notes by genanki, the learner's scheduling by us.

The note types and the deck have fixed ids, and every note's guid comes from its stable key, so
importing a newer export into Anki updates the notes already there instead of adding copies.
Fields are HTML from the one Markdown renderer, of the learner's own text where they edited a
card (:mod:`studyapp.cards.overrides`); cloze notes keep Anki's ``{{c1::...}}`` syntax
(the renderer leaves it alone). Tags: the course slug and ``course::topic``, plus ``leech`` and
``lambda-study::leech`` for the learner's leeches (Anki drops its own ``leech`` tag when a package
is imported without scheduling, its default; the second tag keeps the fact).

Scheduling, as Anki's "include scheduling information" writes it: genanki writes the notes and
cards into an SQLite collection (Anki's legacy schema 11, which every Anki imports), then each
card the learner has studied gets its queue, due date, interval, reps, lapses and FSRS memory
state (``cards.data``: stability, difficulty, desired retention), and every answer becomes a
``revlog`` row. genanki has no API for either, and writing the package with Anki's own library
would make that large package a runtime dependency of the server; a few SQL statements on the
collection genanki wrote keep it a test-only dependency that proves the result.

A note's modification time is when its content (or its leech tag) last changed, not the export
time, and the note types carry a fixed one: Anki updates a note only when the imported one is
newer, so importing an unchanged export again changes nothing.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import genanki

from studyapp.cards.models import CardSchedule, Note, ReviewLog
from studyapp.cards.overrides import joined_override, note_text, overrides_joined
from studyapp.cards.review import cards_studied
from studyapp.cards.scheduling import study_settings_for
from studyapp.markdown import render_markdown

if TYPE_CHECKING:
    from studyapp.accounts.models import User

# Fixed ids: never change them, or Anki sees new note types and a new deck.
BASIC_MODEL_ID = 1_607_392_319
REVERSED_MODEL_ID = 1_607_392_320
CLOZE_MODEL_ID = 1_607_392_321
DECK_ID = 2_059_400_110
DECK_NAME = "Lambda study"
LEECH_TAGS = ["leech", "lambda-study::leech"]
# When the note types below last changed (their modification time in Anki): change it with them.
MODELS_CHANGED_AT = 1_764_806_400  # 2025-12-04
# genanki's collection starts on this day (``col.crt``); review due dates count days from it.
COLLECTION_CREATED = 1_411_124_400

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
        tags.extend(LEECH_TAGS)
    return tags


def anki_note(note: Note, *, leech: bool = False) -> genanki.Note:
    """The note as the learner sees it: their own text where they have one (joined by
    :func:`notes_for_export`)."""
    text = note_text(note, override=joined_override(note))
    topic = f"{note.topic.course.title} › {note.topic.title}"
    fields = [str(render_markdown(text.front_md)), str(render_markdown(text.back_md)), topic]
    return genanki.Note(
        model=MODELS[note.kind],
        fields=fields,
        tags=note_tags(note, leech=leech),
        guid=genanki.guid_for(note.key),
    )


def notes_for_export(user: User) -> list[Note]:
    """Every note with at least one studied card, in course order, each with ``user``'s own
    text of it if they have one."""
    note_ids = cards_studied().values("note_id")
    notes = (
        Note.objects.filter(pk__in=note_ids)
        .select_related("topic__course")
        .order_by("topic__course__position", "topic__position", "pk")
    )
    return list(overrides_joined(notes, user=user, note_path=""))


def anki_package_write(*, user: User, path: Path, now: datetime) -> int:
    """Write the learner's cards, with their scheduling and review log, as an .apkg at ``path``.

    Returns the number of notes. ``now`` only seeds genanki's row ids.
    """
    leech_at: dict[int, datetime] = {}
    for note_id, last_review in CardSchedule.objects.filter(user=user, leech=True).values_list(
        "note_id", "last_review"
    ):
        moment = last_review or now
        leech_at[note_id] = max(leech_at.get(note_id, moment), moment)
    deck = genanki.Deck(DECK_ID, DECK_NAME, description="AWS Lambda, from the Lambda study app.")
    notes = notes_for_export(user)
    for note in notes:
        deck.add_note(anki_note(note, leech=note.pk in leech_at))
    with tempfile.TemporaryDirectory() as folder:
        collection = Path(folder) / "collection.anki2"
        connection = sqlite3.connect(collection)
        try:
            ids = itertools.count(int(now.timestamp() * 1000))
            genanki.Package(deck).write_to_db(connection.cursor(), now.timestamp(), ids)
            modification_times_write(connection, notes=notes, leech_at=leech_at)
            scheduler_version_write(connection)
            scheduling_write(connection, user=user, notes=notes)
            connection.commit()
        finally:
            connection.close()
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as package:
            package.write(collection, "collection.anki2")
            package.writestr("media", "{}")
    return len(notes)


def modification_times_write(
    connection: sqlite3.Connection, *, notes: list[Note], leech_at: dict[int, datetime]
) -> None:
    """Each note's ``mod`` is when it last changed (its text, the learner's own text of it, or
    its leech tag); the note types' is MODELS_CHANGED_AT."""
    rows = []
    for note in notes:
        override = joined_override(note)
        changed = max(
            note.updated_at,
            leech_at.get(note.pk, note.updated_at),
            override.updated_at if override is not None else note.updated_at,
        )
        rows.append((int(changed.timestamp()), genanki.guid_for(note.key)))
    connection.executemany("UPDATE notes SET mod = ? WHERE guid = ?", rows)
    connection.execute("UPDATE cards SET mod = ?", (MODELS_CHANGED_AT,))
    (models_json,) = connection.execute("SELECT models FROM col").fetchone()
    models = json.loads(models_json)
    for model in models.values():
        model["mod"] = MODELS_CHANGED_AT
    connection.execute("UPDATE col SET models = ?", (json.dumps(models),))


def scheduler_version_write(connection: sqlite3.Connection) -> None:
    """Mark the collection as written for Anki's v2/v3 scheduler (four answer buttons in every
    state). genanki leaves it unset, and Anki then reads the review log as the old v1
    scheduler's, where a learning card had three buttons, and moves Good up to Easy."""
    (conf_json,) = connection.execute("SELECT conf FROM col").fetchone()
    conf = json.loads(conf_json)
    conf["schedVer"] = 2
    connection.execute("UPDATE col SET conf = ?", (json.dumps(conf),))


# CardSchedule.state (fsrs.State) -> Anki's card type and queue.
ANKI_TYPE_QUEUE = {1: (1, 1), 2: (2, 2), 3: (3, 1)}
# The state before an answer -> Anki's revlog type (0 learning, 1 review, 2 relearning).
ANKI_REVLOG_TYPE = {None: 0, 1: 0, 2: 1, 3: 2}


def _anki_card_ids(connection: sqlite3.Connection, notes: list[Note]) -> dict[tuple[int, int], int]:
    """(our note id, our card ordinal) -> the card's id in the package."""
    by_guid = {genanki.guid_for(note.key): note.pk for note in notes}
    rows = connection.execute(
        "SELECT n.guid, c.ord, c.id FROM cards c JOIN notes n ON c.nid = n.id"
    ).fetchall()
    return {(by_guid[guid], ordinal + 1): card_id for guid, ordinal, card_id in rows}


def _day_number(moment: datetime) -> int:
    return int((moment.timestamp() - COLLECTION_CREATED) // 86400)


def scheduling_write(connection: sqlite3.Connection, *, user: User, notes: list[Note]) -> None:
    """The learner's state of every studied card and every answer (Anki's ``revlog``)."""
    card_ids = _anki_card_ids(connection, notes)
    retention = study_settings_for(user).desired_retention
    schedules = CardSchedule.objects.filter(user=user, note__in=notes).select_related("card")
    for schedule in schedules:
        card_id = card_ids.get((schedule.note_id, schedule.card.ordinal))
        if card_id is None or schedule.state not in ANKI_TYPE_QUEUE:
            continue
        kind, queue = ANKI_TYPE_QUEUE[schedule.state]
        due_at = schedule.due.astimezone(UTC)
        last = schedule.last_review or due_at
        interval = max(1, round((due_at - last).total_seconds() / 86400))
        due = _day_number(due_at) if kind == 2 else int(due_at.timestamp())
        memory = {
            "s": round(float(schedule.fsrs_card.get("stability") or 0), 4),
            "d": round(float(schedule.fsrs_card.get("difficulty") or 0), 4),
            "dr": retention,
        }
        if schedule.last_review:
            memory["lrt"] = int(schedule.last_review.timestamp())
        connection.execute(
            "UPDATE cards SET type = ?, queue = ?, due = ?, ivl = ?, factor = ?, reps = ?,"
            " lapses = ?, left = ?, data = ? WHERE id = ?",
            (
                kind,
                -1 if schedule.suspended else queue,
                due,
                interval if kind != 1 else 0,
                2500,
                schedule.reps,
                schedule.lapses,
                1 if kind in (1, 3) else 0,
                json.dumps(memory) if memory["s"] else "",
                card_id,
            ),
        )
    revlog_write(connection, user=user, card_ids=card_ids)


def revlog_write(
    connection: sqlite3.Connection, *, user: User, card_ids: dict[tuple[int, int], int]
) -> None:
    logs = (
        ReviewLog.objects.filter(user=user)
        .select_related("card")
        .order_by("reviewed_at", "pk")
        .only(
            "card__note_id", "card__ordinal", "rating", "reviewed_at", "duration_ms",
            "state_before", "state_after", "due_after",
        )
    )  # fmt: skip
    used: set[int] = set()
    previous_interval: dict[int, int] = {}
    rows = []
    for log in logs:
        card_id = card_ids.get((log.card.note_id, log.card.ordinal))
        if card_id is None:
            continue
        revlog_id = int(log.reviewed_at.timestamp() * 1000)
        while revlog_id in used:  # Anki's revlog ids are unique milliseconds
            revlog_id += 1
        used.add(revlog_id)
        seconds = (log.due_after - log.reviewed_at).total_seconds()
        interval = round(seconds / 86400) if log.state_after == 2 else -int(seconds)
        rows.append(
            (
                revlog_id,
                card_id,
                -1,
                log.rating,
                interval,
                previous_interval.get(card_id, 0),
                2500 if log.state_after == 2 else 0,
                min(log.duration_ms or 0, 60_000),
                ANKI_REVLOG_TYPE.get(log.state_before, 1),
            )
        )
        previous_interval[card_id] = interval
    connection.executemany("INSERT INTO revlog VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
