"""Card files in ``content/cards/*.md``: read and check them, then save them idempotently.

The format (content/README.md, "Cards")::

    ---
    course: aws-lambda
    ---

    ## account-concurrency-quota
    topic: concurrency-and-scaling
    type: cloze

    A new account can run {{c1::1,000}} executions at once in each Region.

    ### Extra
    Optional text shown under the answer.

    ## payload-limits
    topic: memory-and-timeout
    type: reversed

    ### Front
    ...
    ### Back
    ...

Each ``##`` heading is a card note's stable id (a slug, unique within the course); its key is
``cards:<course>/<id>``. Editing a note updates it in place; removing it archives it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from studyapp.cards.authoring import note_cards_sync
from studyapp.cards.faces import cloze_numbers
from studyapp.cards.models import Note
from studyapp.topics.models import Topic

KEY_PREFIX = "cards:"
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
HEADING = re.compile(r"^##\s+(.*?)\s*$")
SUBHEADING = re.compile(r"^###\s+(.*?)\s*$")
META = re.compile(r"^([a-z]+):\s*(.*?)\s*$")
KINDS = {"basic": Note.Kind.BASIC, "reversed": Note.Kind.REVERSED, "cloze": Note.Kind.CLOZE}


@dataclass
class CardNoteOutline:
    key: str
    course: str
    topic: str
    kind: str
    front: str
    back: str
    line: int  # the heading
    topic_line: int


@dataclass
class CardsReading:
    notes: list[CardNoteOutline] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)


def front_matter(lines: list[str], reading: CardsReading) -> tuple[dict[str, str], int]:
    """The ``---`` block at the top; returns its keys and the index of the first line after it."""
    if not lines or lines[0].strip() != "---":
        reading.problems.append((1, "a card file starts with front matter (--- course: ... ---)"))
        return {}, 0
    values: dict[str, str] = {}
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return values, index + 1
        match = META.match(lines[index].strip())
        if match:
            values[match.group(1)] = match.group(2)
        elif lines[index].strip():
            reading.problems.append((index + 1, f"unreadable front matter line {lines[index]!r}"))
    reading.problems.append((1, "the front matter is not closed with ---"))
    return values, len(lines)


def cards_read(text: str) -> CardsReading:
    """Parse one card file; problems carry 1-based line numbers."""
    reading = CardsReading()
    lines = text.splitlines()
    meta, start = front_matter(lines, reading)
    course = meta.get("course", "")
    if not course and not reading.problems:
        reading.problems.append((1, "the front matter needs course: <course slug>"))
    blocks: list[tuple[int, str, list[tuple[int, str]]]] = []
    for number, line in enumerate(lines[start:], start=start + 1):
        heading = HEADING.match(line)
        if heading and not line.startswith("###"):
            blocks.append((number, heading.group(1), []))
        elif blocks:
            blocks[-1][2].append((number, line))
        elif line.strip():
            reading.problems.append((number, "text before the first card heading (## card-id)"))
    seen: dict[str, int] = {}
    for line, slug, body in blocks:
        if not SLUG.match(slug):
            reading.problems.append((line, f"card id {slug!r} is not a slug (a-z, 0-9, -)"))
            continue
        if slug in seen:
            reading.problems.append(
                (line, f"card id {slug!r} is already used on line {seen[slug]}")
            )
            continue
        seen[slug] = line
        note = card_note_read(line, slug, body, course=course, problems=reading.problems)
        if note is not None:
            reading.notes.append(note)
    return reading


def card_note_read(
    line: int, slug: str, body: list[tuple[int, str]], *, course: str, problems: list
) -> CardNoteOutline | None:
    meta: dict[str, str] = {}
    meta_lines: dict[str, int] = {}
    index = 0
    while index < len(body) and (META.match(body[index][1]) or not body[index][1].strip()):
        match = META.match(body[index][1])
        if match:
            if match.group(1) not in ("topic", "type"):
                problems.append((body[index][0], f"unknown card field {match.group(1)!r}"))
            meta[match.group(1)] = match.group(2)
            meta_lines[match.group(1)] = body[index][0]
        elif meta:
            break  # the blank line after the fields
        index += 1
    sections: dict[str, list[str]] = {"": []}
    current = ""
    for number, text in body[index:]:
        sub = SUBHEADING.match(text)
        if sub:
            current = sub.group(1).lower()
            if current not in ("front", "back", "extra"):
                problems.append((number, f"unknown card section {sub.group(1)!r}"))
            if current in sections:
                problems.append((number, f"the section {sub.group(1)!r} appears twice"))
            sections[current] = []
        else:
            sections.setdefault(current, []).append(text)
    part = {name: "\n".join(lines).strip() for name, lines in sections.items()}
    kind = meta.get("type", "")
    before = len(problems)
    if not meta.get("topic"):
        problems.append((line, "the card needs topic: <topic slug>"))
    if kind not in KINDS:
        problems.append((line, f"type must be basic, reversed or cloze, not {kind!r}"))
    elif kind == "cloze":
        if not cloze_numbers(part[""]):
            problems.append((line, "a cloze card needs at least one {{c1::...}} deletion"))
        front, back = part[""], part.get("extra", "")
    else:
        for needed in ("front", "back"):
            if not part.get(needed):
                problems.append((line, f"a {kind} card needs a ### {needed.title()} section"))
        if part[""]:
            problems.append((line, "text before ### Front belongs in a section"))
        front, back = part.get("front", ""), part.get("back", "")
    if len(problems) > before:
        return None
    return CardNoteOutline(
        key=f"{KEY_PREFIX}{course}/{slug}",
        course=course,
        topic=meta["topic"],
        kind=KINDS[kind],
        front=front,
        back=back,
        line=line,
        topic_line=meta_lines["topic"],
    )


@dataclass
class CardsFile:
    source: str
    notes: list[CardNoteOutline]


@dataclass
class CardFilesReading:
    files: list[CardsFile] = field(default_factory=list)
    problems: list[tuple[str, int, str]] = field(default_factory=list)  # path, line, message


def course_topics_from_outlines(outlines: Iterable) -> dict[str, set[str]]:
    """Course slug -> its topic slugs, from the notes outlines read in the same import."""
    return {outline.slug: {topic.slug for topic in outline.topics} for outline in outlines}


def card_files_read(
    source: Path, *, topics: dict[str, set[str]], display: Callable[[Path], str] = str
) -> CardFilesReading:
    """Read and check every ``cards/*.md``; ``topics`` maps course slugs to their topic slugs."""
    result = CardFilesReading()
    for path in sorted((source / "cards").glob("*.md")):
        shown = display(path)
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            result.problems.append((shown, 1, "the file is not UTF-8 text"))
            continue
        reading = cards_read(text)
        result.problems.extend((shown, line, message) for line, message in reading.problems)
        for note in reading.notes:
            if note.course not in topics:
                message = f"unknown course {note.course!r} (no notes file defines it)"
                result.problems.append((shown, 1, message))
                break
            if note.topic not in topics[note.course]:
                message = f"unknown topic {note.topic!r} in course {note.course!r}"
                result.problems.append((shown, note.topic_line, message))
        result.files.append(CardsFile(source=shown, notes=reading.notes))
    return result


def card_files_save(files: list[CardsFile], *, now: datetime) -> Counter:
    """Save card notes from files (matching on keys) and archive those no file has any more."""
    changes: Counter = Counter()
    topic_ids = {
        (course, slug): pk
        for course, slug, pk in Topic.objects.active().values_list("course__slug", "slug", "pk")
    }
    keys = set()
    for cards_file in files:
        for outline in cards_file.notes:
            keys.add(outline.key)
            values = {
                "topic_id": topic_ids[(outline.course, outline.topic)],
                "kind": outline.kind,
                "source": Note.Source.CONTENT,
                "front_md": outline.front,
                "back_md": outline.back,
                "archived_at": None,
            }
            note = Note.objects.filter(key=outline.key).first()
            if note is None:
                note = Note.objects.create(key=outline.key, **values)
                changes["created"] += 1
            else:
                differing = {k: v for k, v in values.items() if getattr(note, k) != v}
                if differing:
                    for name, value in differing.items():
                        setattr(note, name, value)
                    note.save(update_fields=[*differing, "updated_at"])
                    changes["updated"] += 1
            note_cards_sync(note, now=now, changes=changes)
    archived = (
        Note.objects.active()
        .filter(source=Note.Source.CONTENT, key__startswith=KEY_PREFIX)
        .exclude(key__in=keys)
        .update(archived_at=now)
    )
    changes["archived"] += archived
    return changes
