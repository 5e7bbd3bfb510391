"""Read a notes file into a course outline.

The notes style (see content/README.md): ``# Title`` names the course; ``##``-``####`` headings
start sections; a paragraph that is only bold text starts a topic; ``* **Term**: definition``
bullets under a topic are key terms; a topic whose bullets are ``**Scenario**:`` and
``**Solution**:`` is a scenario case; a section with prose only is kept as prose.

This module only reads text and reports problems with their line numbers; it writes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.text import slugify

MAX_NOTES_BYTES = 2 * 1024 * 1024

TITLE = re.compile(r"^#\s+(?P<text>.+?)\s*#*\s*$")
SECTION = re.compile(r"^#{2,6}\s+(?P<text>.+?)\s*#*\s*$")
BOLD_PARAGRAPH = re.compile(r"^(\*\*|__)(?P<text>[^*_].*?)\1\s*$")
TERM_BULLET = re.compile(
    r"^(?P<indent> *)[*+-]\s+(\*\*|__)(?P<term>.+?)\2\s*:\s*(?P<definition>.*)$"
)
BULLET = re.compile(r"^(?P<indent> *)([*+-]|\d+[.)])\s")
CASE_TERMS = {"scenario", "solution"}
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
    definition: str  # Markdown: the text after the colon plus any nested bullets
    line: int


@dataclass
class CaseOutline:
    scenario: str
    solution: str


@dataclass
class TopicOutline:
    title: str
    slug: str
    line: int
    body: str = ""  # the topic's Markdown, without its bold title
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

    @property
    def topics(self) -> list[TopicOutline]:
        return [topic for section in self.sections for topic in section.topics]


@dataclass
class NotesReading:
    path: Path
    course: CourseOutline | None
    problems: list[Problem]


def notes_read(path: Path) -> NotesReading:
    """Read and check one notes file."""
    size = path.stat().st_size
    if size > MAX_NOTES_BYTES:
        message = f"file is {size / 1024 / 1024:.1f} MB; notes files are limited to 2 MB"
        return NotesReading(path, None, [Problem(1, message)])
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        message = f"invalid UTF-8 (byte 0x{raw[error.start]:02x}); save the file as UTF-8"
        return NotesReading(path, None, [Problem(line, message)])
    course, problems = notes_parse(text)
    return NotesReading(path, course, problems)


def notes_parse(text: str) -> tuple[CourseOutline | None, list[Problem]]:
    """Parse notes text into a course outline and the problems found (empty when valid)."""
    lines = text.removeprefix("\ufeff").splitlines()
    title_index = next((i for i, line in enumerate(lines) if TITLE.match(line)), None)
    if title_index is None:
        return None, [Problem(1, "no title: a notes file starts with a '# Title' heading")]
    title = TITLE.match(lines[title_index]).group("text").strip()
    course = CourseOutline(title=title, slug=slugify(title))
    problems: list[Problem] = []
    if not course.slug:
        problems.append(Problem(title_index + 1, f"the title {title!r} gives an empty slug"))
    elif course.slug in RESERVED_COURSE_SLUGS:
        message = (
            f"the title {title!r} gives the slug {course.slug!r}, the name of a page; rename it"
        )
        problems.append(Problem(title_index + 1, message))

    blocks = _blocks(lines, start=title_index + 1)
    section: SectionOutline | None = None
    topic: TopicOutline | None = None
    topic_lines: list[tuple[int, str]] = []

    def close_topic() -> None:
        nonlocal topic, topic_lines
        if topic is not None:
            _fill_topic(topic, topic_lines, problems)
        topic, topic_lines = None, []

    for number, line, after_blank in blocks:
        heading = SECTION.match(line)
        bold = BOLD_PARAGRAPH.match(line) if after_blank else None
        if heading:
            close_topic()
            text = heading.group("text").strip()
            section = SectionOutline(title=text, slug=slugify(text), line=number)
            course.sections.append(section)
        elif bold:
            close_topic()
            if section is None:
                section = SectionOutline(title=course.title, slug=course.slug, line=number)
                course.sections.append(section)
            text = bold.group("text").strip()
            topic = TopicOutline(title=text, slug=slugify(text), line=number)
            section.topics.append(topic)
        elif topic is not None:
            topic_lines.append((number, line))
        elif section is not None:
            section.prose += line + "\n"
        else:
            course.intro += line + "\n"
    close_topic()

    for section in course.sections:
        section.prose = section.prose.strip()
    course.intro = course.intro.strip()
    _check_unique_topics(course, problems)
    return course, problems


def _blocks(lines: list[str], *, start: int) -> list[tuple[int, str, bool]]:
    """Lines from ``start`` on as (1-based number, text, preceded by a blank line or a heading)."""
    result = []
    after_blank = True
    for index in range(start, len(lines)):
        line = lines[index].rstrip()
        result.append((index + 1, line, after_blank))
        after_blank = not line.strip() or bool(SECTION.match(line))
    return result


def _fill_topic(topic: TopicOutline, lines: list[tuple[int, str]], problems: list[Problem]) -> None:
    topic.body = "\n".join(line for _, line in lines).strip()
    terms: list[KeyTermOutline] = []
    current: KeyTermOutline | None = None
    nested: list[str] = []

    def close_term() -> None:
        nonlocal current, nested
        if current is not None:
            current.definition = "\n".join([current.definition, *_dedent(nested)]).strip()
            if not current.definition:
                problems.append(
                    Problem(current.line, f"key term {current.term!r} has no definition")
                )
        current, nested = None, []

    for number, line in lines:
        term = TERM_BULLET.match(line)
        if term and not term.group("indent"):
            close_term()
            current = KeyTermOutline(
                term=term.group("term").strip(),
                slug=slugify(term.group("term")),
                definition=term.group("definition").strip(),
                line=number,
            )
            terms.append(current)
        elif current is not None and (line.startswith((" ", "\t")) or not line.strip()):
            nested.append(line)
        else:
            close_term()
    close_term()

    by_name = {outline.term.lower(): outline for outline in terms}
    if by_name.keys() >= CASE_TERMS:
        topic.case = CaseOutline(
            scenario=by_name["scenario"].definition, solution=by_name["solution"].definition
        )
        return
    seen: dict[str, int] = {}
    for outline in terms:
        if outline.slug in seen:
            problems.append(
                Problem(
                    outline.line,
                    f"key term {outline.term!r} appears twice in topic {topic.title!r} "
                    f"(first at line {seen[outline.slug]})",
                )
            )
            continue
        seen[outline.slug] = outline.line
        topic.key_terms.append(outline)


def _dedent(lines: list[str]) -> list[str]:
    """Remove the nesting of a definition's sub-bullets so they render as a list of their own."""
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    cut = min(indents, default=0)
    return ["", *(line[cut:] for line in lines)] if lines else []


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
