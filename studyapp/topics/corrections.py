"""Corrections: dated notes attached to a line of the notes or to a key term, kept apart from the
notes themselves so that an author's text stays exactly as written.

A file in ``content/corrections/*.md`` (content/README.md, "Corrections")::

    ---
    course: aws-lambda
    ---

    ## go-and-dotnet-runtimes
    term: lambda-functions/runtime
    date: 2026-12-04
    source: https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html

    The note, in Markdown.

    ## vpc-attachment
    quote: VPC to VPC Connections
    date: 2026-12-04

    ...

Each ``##`` heading is the correction's stable id (a slug, unique within the course). ``term:``
names a key term as ``topic-slug/term-slug``; ``quote:`` quotes text from one line of the notes
(add ``topic:`` when the text is on lines of several topics). A correction that attaches to a
key term, by name or by quoting its line, is also shown on the back of the term's card.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.utils.crypto import get_random_string
from django.utils.text import slugify

from studyapp.core.upserts import archive_missing, row_upsert
from studyapp.topics.models import Correction, Course, KeyTerm, Topic
from studyapp.topics.notes import CourseOutline, KeyTermOutline, TopicOutline

if TYPE_CHECKING:
    from collections.abc import Callable

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
HEADING = re.compile(r"^##\s+(.*?)\s*$")
FIELD = re.compile(r"^([a-z]+):\s*(.*?)\s*$")
FIELDS = {"term", "quote", "topic", "date", "source"}


@dataclass
class CorrectionOutline:
    slug: str
    course: str
    topic: str  # the topic's slug
    term: str  # the key term's slug, or "" when the correction is on a line outside key terms
    quote: str
    notes_line: int  # the line of the notes it is attached to
    dated: date
    source_url: str
    note: str  # Markdown
    line: int  # the heading in the corrections file


@dataclass
class CorrectionsFile:
    source: str
    corrections: list[CorrectionOutline] = field(default_factory=list)


def _front_matter(lines: list[str], problems: list[tuple[int, str]]) -> tuple[dict, int]:
    if not lines or lines[0].strip() != "---":
        problems.append((1, "a corrections file starts with front matter (--- course: ... ---)"))
        return {}, 0
    values: dict[str, str] = {}
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return values, index + 1
        match = FIELD.match(lines[index].strip())
        if match:
            values[match.group(1)] = match.group(2)
        elif lines[index].strip():
            problems.append((index + 1, f"unreadable front matter line {lines[index]!r}"))
    problems.append((1, "the front matter is not closed with ---"))
    return values, len(lines)


def corrections_read(
    text: str, *, courses: dict[str, CourseOutline], problems: list[tuple[int, str]]
) -> list[CorrectionOutline]:
    """Parse one corrections file against the course outlines read in the same import."""
    lines = text.removeprefix("\ufeff").splitlines()
    meta, start = _front_matter(lines, problems)
    course = courses.get(meta.get("course", ""))
    if course is None and not problems:
        problems.append((1, f"unknown course {meta.get('course', '')!r} (no notes file has it)"))
    blocks: list[tuple[int, str, list[tuple[int, str]]]] = []
    for number, line in enumerate(lines[start:], start=start + 1):
        heading = HEADING.match(line)
        if heading:
            blocks.append((number, heading.group(1), []))
        elif blocks:
            blocks[-1][2].append((number, line))
        elif line.strip():
            problems.append((number, "text before the first correction heading (## id)"))
    if course is None:
        return []
    found, seen = [], {}
    for number, slug, body in blocks:
        if not SLUG.match(slug):
            problems.append((number, f"correction id {slug!r} is not a slug (a-z, 0-9, -)"))
        elif slug in seen:
            problems.append(
                (number, f"correction id {slug!r} is already used on line {seen[slug]}")
            )
        else:
            seen[slug] = number
            correction = _correction_read(number, slug, body, course=course, problems=problems)
            if correction is not None:
                found.append(correction)
    return found


def _correction_read(
    number: int,
    slug: str,
    body: list[tuple[int, str]],
    *,
    course: CourseOutline,
    problems: list[tuple[int, str]],
) -> CorrectionOutline | None:
    meta: dict[str, tuple[int, str]] = {}
    index = 0
    while index < len(body) and (match := FIELD.match(body[index][1])):
        if match.group(1) not in FIELDS:
            problems.append((body[index][0], f"unknown correction field {match.group(1)!r}"))
        meta[match.group(1)] = (body[index][0], match.group(2))
        index += 1
    note = "\n".join(line for _, line in body[index:]).strip()
    before = len(problems)
    if not note:
        problems.append((number, "the correction has no text"))
    dated = None
    if "date" not in meta:
        problems.append((number, "the correction needs date: YYYY-MM-DD"))
    else:
        try:
            dated = date.fromisoformat(meta["date"][1])
        except ValueError:
            problems.append((meta["date"][0], f"date {meta['date'][1]!r} is not YYYY-MM-DD"))
    source_url = meta.get("source", (number, ""))[1]
    if source_url and urlsplit(source_url).scheme not in ("http", "https"):
        problems.append((meta["source"][0], f"source {source_url!r} is not an http(s) link"))
    if ("term" in meta) == ("quote" in meta):
        problems.append((number, "a correction names either term: topic/term or quote: text"))
    if len(problems) > before:
        return None
    if "term" in meta:
        target = _term_target(meta["term"], course=course, problems=problems)
    else:
        target = _quote_target(meta["quote"], meta.get("topic"), course=course, problems=problems)
    if target is None:
        return None
    topic, term, notes_line = target
    return CorrectionOutline(
        slug=slug,
        course=course.slug,
        topic=topic.slug,
        term=term.slug if term else "",
        quote=meta.get("quote", (0, ""))[1],
        notes_line=notes_line,
        dated=dated,
        source_url=source_url,
        note=note,
        line=number,
    )


def _term_target(
    where: tuple[int, str], *, course: CourseOutline, problems: list[tuple[int, str]]
) -> tuple[TopicOutline, KeyTermOutline, int] | None:
    line, value = where
    topic_slug, _, term_slug = value.partition("/")
    for topic in course.topics:
        for term in topic.key_terms if topic.slug == topic_slug else []:
            if term.slug == term_slug:
                return topic, term, term.line
    problems.append((line, f"no key term {value!r} in course {course.slug!r} (topic/term slugs)"))
    return None


def _quote_target(
    where: tuple[int, str],
    topic_where: tuple[int, str] | None,
    *,
    course: CourseOutline,
    problems: list[tuple[int, str]],
) -> tuple[TopicOutline, KeyTermOutline | None, int] | None:
    line, quote = where
    places = [
        (number, course.line_places.get(number, ""))
        for number, text in enumerate(course.source_lines, start=1)
        if quote and quote in text
    ]
    topics = {topic.slug: topic for topic in course.topics}
    if topic_where is not None:
        places = [(n, place) for n, place in places if place == f"topic:{topic_where[1]}"]
    places = [(n, place) for n, place in places if place.removeprefix("topic:") in topics]
    if len(places) != 1:
        how = "no line of a topic" if not places else f"{len(places)} lines"
        hint = "" if not places else "; add topic: to say which"
        problems.append((line, f"the quote {quote!r} is on {how} in the notes{hint}"))
        return None
    number, place = places[0]
    topic = topics[place.removeprefix("topic:")]
    term = next(
        (
            candidate
            for candidate in reversed(topic.key_terms)
            if candidate.line <= number and quote in f"{candidate.term} {candidate.definition}"
        ),
        None,
    )
    return topic, term, number


def correction_files_read(
    source: Path,
    *,
    courses: list[CourseOutline],
    display: Callable[[Path], str] = str,
) -> tuple[list[CorrectionsFile], list[tuple[str, int, str]]]:
    """Read every ``corrections/*.md``; attach each correction to its key term's outline too."""
    by_slug = {course.slug: course for course in courses}
    files, problems = [], []
    seen: dict[tuple[str, str], str] = {}
    for path in sorted((source / "corrections").glob("*.md")):
        shown = display(path)
        found: list[tuple[int, str]] = []
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            problems.append((shown, 1, "the file is not UTF-8 text"))
            continue
        corrections = corrections_read(text, courses=by_slug, problems=found)
        problems.extend((shown, line, message) for line, message in found)
        for correction in corrections:
            key = (correction.course, correction.slug)
            if key in seen:
                message = f"correction id {correction.slug!r} is also used in {seen[key]}"
                problems.append((shown, correction.line, message))
            seen[key] = shown
        files.append(CorrectionsFile(source=shown, corrections=corrections))
    for corrections_file in files:
        for correction in corrections_file.corrections:
            if correction.term:
                term = next(
                    term
                    for topic in by_slug[correction.course].topics
                    if topic.slug == correction.topic
                    for term in topic.key_terms
                    if term.slug == correction.term
                )
                term.corrections.append(correction)
    return files, problems


def correction_markdown(*, dated: date, note: str, source_url: str) -> str:
    """How a correction reads under a card's answer: a dated block quote with its source."""
    text = f"**Correction ({dated.day} {dated:%b %Y}):** {note}"
    if source_url:
        text += f" ([source]({source_url}))"
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines())


def correction_add(
    *,
    topic: Topic,
    key_term: KeyTerm | None,
    quote: str,
    dated: date,
    source_url: str,
    note: str,
) -> Correction:
    """Add a correction in the browser to a key term of ``topic`` or to a quoted piece of its
    text (the caller then refreshes the term's card). Raises ValueError when the quote is not in
    the topic's text."""
    quote = quote.strip()
    if key_term is None:
        if not quote or quote not in topic.body_md:
            raise ValueError("Quote a piece of this topic's text exactly, or choose a key term.")
        key_term = next(
            (t for t in topic.key_terms.active() if quote in f"{t.term} {t.definition_md}"), None
        )
    slug = f"{slugify(note)[:40].strip('-') or 'correction'}-{get_random_string(6).lower()}"
    correction = Correction.objects.create(
        course=topic.course,
        slug=slug,
        topic=topic,
        key_term=key_term,
        quote=quote,
        notes_line=0,
        dated=dated,
        source_url=source_url,
        note_md=note.strip(),
        file="",
    )
    Course.objects.filter(pk=topic.course_id).content_changed()  # its topic page shows it
    return correction


def corrections_save(files: list[CorrectionsFile], *, now: datetime) -> Counter:
    """Save the corrections (keyed by course and id); archive those no file has any more."""
    changes: Counter = Counter()
    keep = set()
    for corrections_file in files:
        for outline in corrections_file.corrections:
            topic = Topic.objects.get(course__slug=outline.course, slug=outline.topic)
            term = KeyTerm.objects.get(topic=topic, slug=outline.term) if outline.term else None
            row = row_upsert(
                Correction,
                changes,
                lookup={"course": topic.course, "slug": outline.slug},
                values={
                    "topic": topic,
                    "key_term": term,
                    "quote": outline.quote,
                    "notes_line": outline.notes_line,
                    "dated": outline.dated,
                    "source_url": outline.source_url,
                    "note_md": outline.note,
                    "file": corrections_file.source,
                    "archived_at": None,
                },
            )
            keep.add(row.pk)
    # Corrections added in the browser (file "") are not the content folder's to archive.
    archive_missing(Correction.objects.exclude(file=""), changes, keep_ids=keep, now=now)
    if changes.total():  # a correction moved, came or went: the topic pages show them
        Course.objects.content_changed()
    return changes
