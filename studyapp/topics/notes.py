"""Read a notes file into a course outline, in the dialects people write notes in.

The notes style (see content/README.md, "Notes"):

- ``# Title`` names the course; without one, the file name does (with a warning). When a file
  has several ``#`` headings, they are its sections and the file name gives the title.
- The shallowest heading level below the title starts sections; the next level used below it
  (``###`` under ``##``, ``##`` under ``#``) starts topics; deeper headings stay in the text.
- A paragraph that is only bold text (``**Lambda Layers**``, ``**Key concepts**:``,
  ``**Key concepts:**``) starts a topic.
- A bullet (``*``, ``-``, ``+`` or ``1.``) at the list's own indentation of the form
  ``**Term**: definition``, ``**Term:** definition`` or ``**Term** - definition`` (also with an
  en or em dash) is a key term. Lines that continue it (indented, or lazily unindented as
  Markdown allows) join its definition; nested bullets and paragraphs stay with it. A nested
  bullet of the same form is a key term of its own too (its card asks in the context of the
  term above it), while it stays in that term's definition.
- Key terms directly under a section (or under the title) make that section's own topic, named
  after the section ("Overview" under the title).
- A topic whose terms are ``**Scenario**:`` and ``**Solution**:`` is a scenario case.
- A section with prose only is kept as prose.

Nothing is dropped: every line ends in the course intro, a section's prose or a topic's text
(``CourseOutline.line_places`` says where). What looked like a term or a topic but was not taken
is a warning with its line; only what makes the file unusable is a problem.

This module only reads text; it writes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.text import slugify

MAX_NOTES_BYTES = 2 * 1024 * 1024

HEADING = re.compile(r"^ {0,3}(?P<marks>#{1,6})(?:[ \t]+(?P<text>.*?))?[ \t]*(?:[ \t]#+)?[ \t]*$")
FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})")
BOLD_PARAGRAPH = re.compile(r"^(\*\*|__)(?P<text>[^*_\s].*?)\1\s*(?P<colon>:?)\s*$")
BOLD_START = re.compile(r"^(\*\*|__)(?P<inner>[^*_\s].*?)\1(?P<after>.*)$")
SEPARATOR = re.compile(r"^\s*(?::|--|[-–—](?=\s|$))\s*(?P<rest>.*)$")
BULLET = re.compile(r"^(?P<indent>[ \t]*)(?P<marker>[*+-]|\d{1,9}[.)])(?:[ \t]+(?P<rest>.*))?$")
SETEXT = re.compile(r"^ {0,3}(=+|-+)\s*$")
CASE_TERMS = {"scenario", "solution"}
OVERVIEW = "Overview"
# Course pages live at /topics/<course>/, beside these pages (see topics/urls.py).
RESERVED_COURSE_SLUGS = frozenset({"glossary", "search"})


@dataclass
class Problem:
    line: int
    message: str


@dataclass
class KeyTermOutline:
    term: str
    slug: str
    definition: str  # Markdown: the text after the separator plus what is nested under it
    line: int
    parent: str = ""  # the key term this one is nested under ("" at the list's own level)
    corrections: list = field(default_factory=list)  # CorrectionOutline, from corrections files


@dataclass
class CaseOutline:
    scenario: str
    solution: str


@dataclass
class TopicOutline:
    title: str
    slug: str
    line: int
    body: str = ""  # the topic's Markdown, without its title
    key_terms: list[KeyTermOutline] = field(default_factory=list)
    case: CaseOutline | None = None


@dataclass
class SectionOutline:
    title: str
    slug: str
    line: int
    prose: str = ""  # Markdown that stands in the section outside any topic
    topics: list[TopicOutline] = field(default_factory=list)


@dataclass
class CourseOutline:
    title: str
    slug: str
    intro: str = ""
    sections: list[SectionOutline] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    # line number -> where it went: "title", "intro", "section:<slug>", "topic:<slug>"
    line_places: dict[int, str] = field(default_factory=dict)
    source_lines: list[str] = field(default_factory=list, repr=False)

    @property
    def topics(self) -> list[TopicOutline]:
        return [topic for section in self.sections for topic in section.topics]

    @property
    def key_terms(self) -> list[KeyTermOutline]:
        return [term for topic in self.topics for term in topic.key_terms]


@dataclass
class NotesReading:
    path: Path
    course: CourseOutline | None
    problems: list[Problem]

    @property
    def warnings(self) -> list[Problem]:
        return self.course.warnings if self.course is not None else []


def notes_read(path: Path) -> NotesReading:
    """Read and check one notes file."""
    size = path.stat().st_size
    if size > MAX_NOTES_BYTES:
        message = f"file is {size / 1024 / 1024:.1f} MB; notes files are limited to 2 MB"
        return NotesReading(path, None, [Problem(1, message)])
    course, problems = notes_decode_parse(path.read_bytes(), name=path.name)
    return NotesReading(path, course, problems)


def notes_decode_parse(raw: bytes, *, name: str) -> tuple[CourseOutline | None, list[Problem]]:
    """Decode a notes file's bytes as UTF-8 and parse it (``name`` is its file name)."""
    if len(raw) > MAX_NOTES_BYTES:
        return None, [Problem(1, "the file is larger than 2 MB, the limit for a notes file")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        message = f"invalid UTF-8 (byte 0x{raw[error.start]:02x}); save the file as UTF-8"
        return None, [Problem(line, message)]
    return notes_parse(text, name=name)


def title_from_name(name: str) -> str:
    """``amazon-sqs_notes.md`` -> ``Amazon sqs notes``: the file name as a readable title."""
    words = re.sub(r"[-_\s]+", " ", Path(name).stem).strip()
    return words[:1].upper() + words[1:]


@dataclass
class _Heading:
    index: int
    level: int
    text: str


def _headings(lines: list[str]) -> list[_Heading]:
    """ATX headings outside fenced code, with their 0-based line index."""
    found = []
    fence = ""
    for index, line in enumerate(lines):
        opened = FENCE.match(line)
        if fence:
            if opened and opened.group("fence").startswith(fence):
                fence = ""
            continue
        if opened:
            fence = opened.group("fence")[:3]
            continue
        heading = HEADING.match(line)
        if heading and (heading.group("text") or "").strip():
            level, text = len(heading.group("marks")), heading.group("text").strip()
            found.append(_Heading(index, level, text))
    return found


def notes_parse(
    text: str, *, name: str | None = None
) -> tuple[CourseOutline | None, list[Problem]]:
    """Parse notes text into a course outline and the problems found (empty when valid).

    ``name`` is the file's name: it gives the title when the text has no ``# Title``.
    Warnings (what looked like a term or topic but was not taken) are on ``course.warnings``.
    """
    lines = [line.rstrip() for line in text.removeprefix("\ufeff").splitlines()]
    headings = _headings(lines)
    firsts = [heading for heading in headings if heading.level == 1]
    warnings: list[Problem] = []
    if len(firsts) == 1:
        title_heading: _Heading | None = firsts[0]
        title = title_heading.text
    else:
        title_heading = None
        if not name:
            return None, [Problem(1, "no title: a notes file starts with a '# Title' heading")]
        title = title_from_name(name)
        why = "several '# ' headings, taken as sections" if firsts else "no '# Title' heading"
        warnings.append(Problem(1, f"{why}: the course is titled {title!r} after the file name"))
    course = CourseOutline(title=title, slug=slugify(title), warnings=warnings, source_lines=lines)
    problems: list[Problem] = []
    title_line = title_heading.index + 1 if title_heading else 1
    if not course.slug:
        problems.append(Problem(title_line, f"the title {title!r} gives an empty slug"))
    elif course.slug in RESERVED_COURSE_SLUGS:
        message = (
            f"the title {title!r} gives the slug {course.slug!r}, the name of a page; rename it"
        )
        problems.append(Problem(title_line, message))

    levels = sorted({h.level for h in headings if h is not title_heading})
    section_level = levels[0] if levels else None
    topic_level = levels[1] if len(levels) > 1 else None
    heading_at = {h.index: h for h in headings if h is not title_heading}

    builder = _Builder(course, warnings)
    fence = ""
    after_blank = True
    previous_text = ""
    for index, line in enumerate(lines):
        number = index + 1
        if title_heading is not None and index == title_heading.index:
            course.line_places[number] = "title"
            builder.in_title = True
            after_blank = True
            continue
        opened = FENCE.match(line)
        if fence or opened:
            if fence and opened and opened.group("fence").startswith(fence):
                fence = ""
            elif not fence:
                fence = opened.group("fence")[:3]
            builder.text(number, line)
            after_blank = False
            previous_text = line
            continue
        heading = heading_at.get(index)
        if heading is not None and heading.level == section_level:
            builder.section(number, heading.text)
        elif heading is not None and heading.level == topic_level:
            builder.topic(number, heading.text)
        elif (bold := BOLD_PARAGRAPH.match(line)) and after_blank:
            builder.topic(number, bold.group("text").strip().removesuffix(":").strip())
        elif bold:
            warnings.append(
                Problem(
                    number,
                    f"the bold line {bold.group('text').strip()!r} follows "
                    f"{_describe(previous_text)} without a blank line, so it continues that "
                    "text and is not taken as a topic; put a blank line before it",
                )
            )
            builder.text(number, line)
        elif SETEXT.match(line) and previous_text.strip() and not after_blank:
            if not BULLET.match(previous_text):
                warnings.append(
                    Problem(
                        number - 1,
                        f"{previous_text.strip()[:40]!r} is underlined as a heading, which is "
                        "not read as a section or topic; write it as '## Heading'",
                    )
                )
            builder.text(number, line)
        elif builder.topic_open or not _is_term_bullet(line):
            builder.text(number, line)
        else:
            builder.own_topic(number)
            builder.text(number, line)
        after_blank = not line.strip() or heading is not None
        previous_text = line
    builder.close()

    for section in course.sections:
        section.prose = section.prose.strip()
    course.intro = course.intro.strip()
    _check_unique_topics(course, problems)
    if not problems and title_heading is None and not course.sections:
        message = (
            "no structure: the file has no headings, bold topic lines or key-term bullets, "
            "so it is not read as notes"
        )
        problems.append(Problem(1, message))
    course.warnings.sort(key=lambda warning: warning.line)
    return course, problems


def outline_report(course: CourseOutline) -> dict:
    """What a notes file becomes: its course, sections, topics and the cards each topic gives."""
    return {
        "course": course.title,
        "slug": course.slug,
        "sections": [
            {
                "title": section.title,
                "line": section.line,
                "topics": [
                    {
                        "title": topic.title,
                        "line": topic.line,
                        "case": topic.case is not None,
                        "cards": [term.term for term in topic.key_terms],
                    }
                    for topic in section.topics
                ],
            }
            for section in course.sections
        ],
        "topic_count": len(course.topics),
        "card_count": len(course.key_terms),
    }


def _describe(line: str) -> str:
    return "a list item" if BULLET.match(line) else "a line of text"


def _is_term_bullet(line: str) -> bool:
    bullet = BULLET.match(line)
    if not bullet or _indent(bullet.group("indent")) > 3:
        return False
    return _term_split(bullet.group("rest") or "") is not None


def _indent(whitespace: str) -> int:
    return len(whitespace.expandtabs(4))


def _term_split(rest: str) -> tuple[str, str] | None:
    """``**T**: d`` / ``**T:** d`` / ``**T** - d`` (en or em dash too) -> (term, definition)."""
    bold = BOLD_START.match(rest)
    if not bold:
        return None
    inner, after = bold.group("inner").strip(), bold.group("after")
    if inner.endswith(":") and not SEPARATOR.match(after):
        return inner.removesuffix(":").strip(), after.strip()
    separated = SEPARATOR.match(after)
    if separated:
        return inner, separated.group("rest").strip()
    return None


class _Builder:
    """Collects lines into the intro, sections and topics as the parser meets them."""

    def __init__(self, course: CourseOutline, warnings: list[Problem]):
        self.course = course
        self.warnings = warnings
        self.section_outline: SectionOutline | None = None
        self.topic_outline: TopicOutline | None = None
        self.topic_lines: list[tuple[int, str]] = []
        self.in_title = False

    @property
    def topic_open(self) -> bool:
        return self.topic_outline is not None

    def close(self) -> None:
        if self.topic_outline is not None:
            _fill_topic(self.topic_outline, self.topic_lines, self.warnings)
        self.topic_outline, self.topic_lines = None, []

    def section(self, number: int, title: str) -> None:
        self.close()
        self.section_outline = SectionOutline(title=title, slug=slugify(title), line=number)
        self.course.sections.append(self.section_outline)
        self.course.line_places[number] = f"section:{self.section_outline.slug}"

    def topic(self, number: int, title: str) -> None:
        self.close()
        if self.section_outline is None:
            self.section_outline = SectionOutline(
                title=self.course.title, slug=self.course.slug, line=number
            )
            self.course.sections.append(self.section_outline)
        self.topic_outline = TopicOutline(title=title, slug=slugify(title), line=number)
        self.section_outline.topics.append(self.topic_outline)
        self.course.line_places[number] = f"topic:{self.topic_outline.slug}"

    def own_topic(self, number: int) -> None:
        """Key terms directly under a section (or the title) make the section's own topic."""
        if self.section_outline is None:
            self.topic(number, OVERVIEW)
        else:
            self.topic_outline = TopicOutline(
                title=self.section_outline.title, slug=self.section_outline.slug, line=number
            )
            self.section_outline.topics.append(self.topic_outline)
        self.course.line_places.pop(number, None)

    def text(self, number: int, line: str) -> None:
        if self.topic_outline is not None:
            self.topic_lines.append((number, line))
            self.course.line_places[number] = f"topic:{self.topic_outline.slug}"
        elif self.section_outline is not None:
            self.section_outline.prose += line + "\n"
            self.course.line_places[number] = f"section:{self.section_outline.slug}"
        else:
            self.course.intro += line + "\n"
            self.course.line_places[number] = "intro"


@dataclass
class _OpenTerm:
    outline: KeyTermOutline
    first: list[str]  # the first paragraph's lines, joined into the definition
    rest: list[str]  # nested bullets and later paragraphs, dedented into the definition
    numbers: list[int] = field(default_factory=list)  # the source line of each of ``rest``
    blank: bool = False  # a blank line came since the item began

    def nest(self, number: int, line: str) -> None:
        self.rest.append(line)
        self.numbers.append(number)


def _nested_terms(term: _OpenTerm, warnings: list[Problem]) -> list[KeyTermOutline]:
    """The key terms of the bullets nested under ``term`` (read as a list of their own), each
    marked with the term it is nested under."""
    indents = [
        _indent(line[: len(line) - len(line.lstrip())]) for line in term.rest if line.strip()
    ]
    if not indents:
        return []
    cut = min(indents)
    lines = [(n, line.expandtabs(4)[cut:]) for n, line in zip(term.numbers, term.rest, strict=True)]
    inner = TopicOutline(title=term.outline.term, slug=term.outline.slug, line=term.outline.line)
    _fill_topic(inner, lines, warnings)
    for child in inner.key_terms:
        child.parent = child.parent or term.outline.term
    return inner.key_terms


def _at_column(previous: str, line: str) -> str:
    """A lazy continuation line, indented to continue the nested line before it."""
    bullet = BULLET.match(previous)
    if bullet:
        column = _indent(bullet.group("indent")) + len(bullet.group("marker")) + 1
    else:
        column = _indent(previous[: len(previous) - len(previous.lstrip())])
    return " " * column + line.strip()


def _fill_topic(topic: TopicOutline, lines: list[tuple[int, str]], warnings: list[Problem]) -> None:
    topic.body = "\n".join(line for _, line in lines).strip()
    terms: list[KeyTermOutline] = []
    current: _OpenTerm | None = None
    base: int | None = None  # the indentation of the list's own items
    fence = ""

    def close_term() -> None:
        nonlocal current
        if current is not None:
            nested = _dedent(current.rest)
            current.outline.definition = "\n".join([" ".join(current.first), *nested]).strip()
            if current.outline.definition:
                terms.append(current.outline)
                terms.extend(_nested_terms(current, warnings))
            else:
                warnings.append(
                    Problem(
                        current.outline.line,
                        f"key term {current.outline.term!r} has no definition, so it gives no card",
                    )
                )
        current = None

    for number, line in lines:
        if fence:
            if line.strip().startswith(fence):
                fence = ""
            if current is not None:
                current.nest(number, line)
            continue
        if not line.strip():
            if current is not None:
                current.nest(number, line)
                current.blank = True
            continue
        bullet = BULLET.match(line)
        opened = FENCE.match(line.strip())
        indent = _indent(line[: len(line) - len(line.lstrip())])
        if bullet and (indent <= base if base is not None else indent <= 3):
            close_term()
            base = indent
            rest = bullet.group("rest") or ""
            split = _term_split(rest)
            if split is not None:
                term, definition = split
                outline = KeyTermOutline(term=term, slug=slugify(term), definition="", line=number)
                current = _OpenTerm(outline, [definition] if definition else [], [])
            elif bold := BOLD_START.match(rest):
                warnings.append(
                    Problem(
                        number,
                        f"the bullet starts with the bold {bold.group('inner').strip()!r} but "
                        "no ':' or dash follows it, so it is not taken as a key term; write "
                        "'**Term**: definition'",
                    )
                )
            continue
        interrupts = bullet or opened or HEADING.match(line)
        if current is not None and not current.blank and not interrupts:
            if not current.rest:
                current.first.append(line.strip())  # continues the definition's paragraph
            else:
                current.nest(number, _at_column(current.rest[-1], line))
            continue
        if current is not None and indent > (base or 0):
            if opened:
                fence = opened.group("fence")[:3]
            current.nest(number, line)
            continue
        if base is not None and indent > base:
            # Text nested under a list item that is not a key term stays text; a key-term
            # bullet there is a near-miss (a grouped list: "- Queues" then "  - **T**: d").
            if bullet and _term_split(bullet.group("rest") or "") is not None:
                term = _term_split(bullet.group("rest") or "")[0]
                warnings.append(
                    Problem(
                        number,
                        f"the key term {term!r} is nested under a list item that is not a key "
                        "term, so it gives no card; make the item above it a key term or a "
                        "topic",
                    )
                )
            continue
        close_term()
        base = None
        if opened:
            fence = opened.group("fence")[:3]
        elif indent <= 3 and _term_split(line.strip()) is not None:
            warnings.append(
                Problem(
                    number,
                    f"{line.strip()[:40]!r} looks like a key term but is not a bullet, so it "
                    "is kept as text; start the line with '* '",
                )
            )
    close_term()

    by_name = {outline.term.lower(): outline for outline in terms}
    if by_name.keys() >= CASE_TERMS:
        topic.case = CaseOutline(
            scenario=by_name["scenario"].definition, solution=by_name["solution"].definition
        )
        return
    seen: dict[str, int] = {}
    for outline in terms:
        if not outline.slug:
            warnings.append(
                Problem(outline.line, f"the key term {outline.term!r} gives an empty slug")
            )
            continue
        if outline.slug in seen:
            warnings.append(
                Problem(
                    outline.line,
                    f"key term {outline.term!r} appears twice in topic {topic.title!r} "
                    f"(first at line {seen[outline.slug]}); only the first gives a card",
                )
            )
            continue
        seen[outline.slug] = outline.line
        topic.key_terms.append(outline)


def _dedent(lines: list[str]) -> list[str]:
    """Remove the nesting of a definition's sub-bullets so they render as a list of their own."""
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    indents = [_indent(line[: len(line) - len(line.lstrip())]) for line in lines if line.strip()]
    cut = min(indents, default=0)
    return ["", *(line.expandtabs(4)[cut:] for line in lines)] if lines else []


def _check_unique_topics(course: CourseOutline, problems: list[Problem]) -> None:
    seen: dict[str, TopicOutline] = {}
    for topic in course.topics:
        if not topic.slug:
            problems.append(
                Problem(topic.line, f"the topic title {topic.title!r} gives an empty slug")
            )
        elif topic.slug in seen:
            first = seen[topic.slug]
            problems.append(
                Problem(
                    topic.line,
                    f"two topics have the slug {topic.slug!r} in course {course.title!r} "
                    f"(the other is at line {first.line}); rename one",
                )
            )
        else:
            seen[topic.slug] = topic
