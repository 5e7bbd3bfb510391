"""The project's own Markdown question format (``content/README.md``, section "Questions").

::

    ---
    course: aws-lambda
    ---

    ## reserved-concurrency-protects-database
    topics: concurrency-and-scaling
    domain: D2
    difficulty: medium
    tags: throttling, rds
    case: serverless-web-application

    The stem in Markdown, any number of paragraphs.

    ### Options

    - [x] A correct option.
      Why: why it is right (may continue on indented lines).
    - [ ] A wrong option.
      Why: why it is wrong.

    ### Explanation

    The general explanation.

Reading rules: the ``## id`` heading gives the key (a slug, unique in the file); metadata lines
follow it up to the first blank line (``difficulty`` defaults to ``medium``; the content importer,
not the format, requires ``topics``, ``domain`` and a non-empty ``Why:`` for every option); the
stem runs to ``### Options``; every option has a ``Why:`` line; one ``[x]`` makes a single-answer
question (correct option 1.0), two or more a multiple-response question (each correct option 1/k
of the mark, wrong ones 0). Lines inside fenced code blocks are never read as headings, options
or ``Why:`` lines.
``shuffle: no`` keeps the options in the written order for every learner (Moodle's
``shuffleanswers``); without it they are shuffled per attempt, except options that refer to the
others ("All of the above"), which keep their place, and options the author pinned: an indented
``Pinned: yes`` line between the option's text and its ``Why:`` line keeps that option at its
written position while the others move.

What Moodle's formats bring is carried by optional metadata lines, written only when they say
something: ``title:``, ``format:`` (html, plain or moodle; Markdown by default), ``category:``,
``kind:`` (when the checks do not tell it: a true/false question, or a multiple-response question
with one positive weight) and ``weights:`` (percentages, in option order, when they are not the
weights the checkboxes give, see :func:`derived_fractions`: each correct option 1/k and, with two
or more correct options, each distractor -1/k).

Writing produces the same layout, so ``parse(write(questions))`` gives the questions back:
key, metadata, stem, options, weights, explanations and general explanation, plus the front
matter's course. :func:`losses` names what it cannot hold (typed-answer questions). A question
without a key gets its title's slug, else ``question-<n>``, made unique in the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from studyapp.quizzes.formats.model import (
    CHOICE_KINDS,
    DIFFICULTIES,
    DOMAINS,
    TEXT_FORMATS,
    OptionData,
    ParseResult,
    Problem,
    QuestionData,
    derived_fractions,
    format_percent,
    is_slug,
    normalize_fraction,
    parse_percent,
    slugify,
    split_lines,
    validate_question,
)

DEFAULT_DIFFICULTY = "medium"
METADATA_KEYS = (
    "topics",
    "domain",
    "difficulty",
    "tags",
    "case",
    "title",
    "format",
    "category",
    "kind",
    "weights",
    "shuffle",
    "try",
)
SHUFFLE_VALUES = {"yes": True, "no": False}
_QUESTION_RE = re.compile(r"^##(?:\s+(.*?))?\s*$")
_SECTION_RE = re.compile(r"^###(?:\s+(.*?))?\s*$")
_OPTION_RE = re.compile(r"^- \[( |x|X)\](?:\s+(.*))?$")
_METADATA_RE = re.compile(r"^([A-Za-z_]+):(.*)$")
_FENCE_RE = re.compile(r"^\s*(```|~~~)")
_WHY = "Why:"
_PINNED = "Pinned:"


@dataclass
class _Line:
    number: int
    text: str
    fenced: bool  # inside (or opening/closing) a fenced code block


@dataclass
class _Option:
    line: int
    correct: bool
    text: list[str] = field(default_factory=list)
    why: list[str] | None = None
    pinned: bool = False


class _Errors(list[Problem]):
    def add(self, line: int, message: str) -> None:
        self.append(Problem(line, message))


# --- reading ---------------------------------------------------------------------------------


def parse(text: str, *, source: str = "") -> ParseResult:
    """Read a question file; see the module docstring for the rules."""
    errors = _Errors()
    lines = _classify(split_lines(text))
    course, body = _front_matter(lines, errors)
    result = ParseResult(questions=[], skipped=[], errors=errors, course=course, source=source)
    chunks = _question_chunks(body, errors)
    first_use: dict[str, int] = {}
    for heading, chunk in chunks:
        question = _read_question(heading, chunk, errors)
        if question.key in first_use:
            errors.add(
                heading.number,
                f"duplicate question id {question.key!r} (first used on line "
                f"{first_use[question.key]})",
            )
        first_use.setdefault(question.key, heading.number)
        result.questions.append(question)
    return result


def _classify(raw_lines: list[str]) -> list[_Line]:
    lines: list[_Line] = []
    fence = ""
    for number, text in enumerate(raw_lines, start=1):
        match = _FENCE_RE.match(text)
        if fence:
            lines.append(_Line(number, text, fenced=True))
            if match and match.group(1) == fence:
                fence = ""
        elif match:
            fence = match.group(1)
            lines.append(_Line(number, text, fenced=True))
        else:
            lines.append(_Line(number, text, fenced=False))
    return lines


def _front_matter(lines: list[_Line], errors: _Errors) -> tuple[str, list[_Line]]:
    if not lines or lines[0].text.strip() != "---":
        return "", lines
    closing = next((i for i, line in enumerate(lines) if i and line.text.strip() == "---"), 0)
    if not closing:
        errors.add(1, "the front matter is not closed with '---'")
        return "", []
    course = ""
    for line in lines[1:closing]:
        key, _, value = line.text.partition(":")
        if key.strip() == "course":
            course = value.strip()
        elif line.text.strip() and not _METADATA_RE.match(line.text.strip()):
            errors.add(line.number, "front matter lines are 'key: value'")
    return course, lines[closing + 1 :]


def _is_question_heading(line: _Line) -> bool:
    return not line.fenced and bool(_QUESTION_RE.match(line.text))


def _question_chunks(lines: list[_Line], errors: _Errors) -> list[tuple[_Line, list[_Line]]]:
    chunks: list[tuple[_Line, list[_Line]]] = []
    for line in lines:
        if _is_question_heading(line):
            chunks.append((line, []))
        elif chunks:
            chunks[-1][1].append(line)
        elif line.text.strip():
            errors.add(line.number, "text before the first question heading ('## id')")
            break
    return chunks


def _read_question(heading: _Line, lines: list[_Line], errors: _Errors) -> QuestionData:
    match = _QUESTION_RE.match(heading.text)
    key = (match.group(1) if match else "") or ""
    if not key:
        errors.add(heading.number, "the question heading needs an id: '## some-question-id'")
    elif not is_slug(key):
        errors.add(heading.number, f"the question id {key!r} is not a slug (like 'my-question')")
    question = QuestionData(stem="", options=[], kind="", key=key, line=heading.number)
    body = _read_metadata(question, lines, errors)
    weights = question.options  # a "weights:" line, kept here until the options are read
    stem, options, explanation = _split_sections(heading, body, errors)
    question.stem = _join(stem)
    question.general_feedback = _join(explanation)
    if options is None:
        errors.add(heading.number, "the question has no '### Options' section")
    else:
        _read_options(question, options, errors)
    _apply_weights(question, weights, heading.number, errors)
    errors.extend(Problem(heading.number, m) for m in validate_question(question))
    return question


def _apply_weights(
    question: QuestionData, weights: list[OptionData], line: int, errors: _Errors
) -> None:
    if not weights:
        return
    if len(weights) != len(question.options):
        count = len(question.options)
        errors.add(line, f"weights: gives {len(weights)} weights for {count} options")
        return
    for option, weight in zip(question.options, weights, strict=True):
        if (weight.fraction > 0) != (option.fraction > 0):
            errors.add(line, "weights: a checked option needs a positive weight, others none")
            return
        option.fraction = weight.fraction


def _read_metadata(question: QuestionData, lines: list[_Line], errors: _Errors) -> list[_Line]:
    """Fill metadata from the lines after the heading; return the lines that follow it."""
    index = 0
    if lines and not lines[0].text.strip():
        # A blank line straight after the heading: no metadata; the stem follows.
        question.difficulty = DEFAULT_DIFFICULTY
        return lines
    seen: dict[str, int] = {}
    while index < len(lines) and lines[index].text.strip() and not lines[index].fenced:
        line = lines[index]
        match = _METADATA_RE.match(line.text.strip())
        if match is None:
            errors.add(line.number, "expected a metadata line 'key: value' or a blank line")
        elif match.group(1) in seen:
            errors.add(line.number, f"{match.group(1)}: is given twice")
        else:
            seen[match.group(1)] = line.number
            _set_metadata(question, match.group(1), match.group(2).strip(), line.number, errors)
        index += 1
    if "difficulty" not in seen:
        question.difficulty = DEFAULT_DIFFICULTY
    return lines[index:]


def _set_metadata(question: QuestionData, key: str, value: str, line: int, errors: _Errors) -> None:
    if key == "topics":
        question.topics = _comma_list(value)
        if not question.topics:
            errors.add(line, "topics: needs at least one topic slug")
        for topic in question.topics:
            if not is_slug(topic):
                errors.add(line, f"topic {topic!r} is not a slug")
    elif key == "domain":
        if value in DOMAINS:
            question.domain = value
        else:
            errors.add(line, f"domain must be one of {', '.join(DOMAINS)} (got {value!r})")
    elif key == "difficulty":
        if value in DIFFICULTIES:
            question.difficulty = value
        else:
            allowed = ", ".join(DIFFICULTIES)
            errors.add(line, f"difficulty must be one of {allowed} (got {value!r})")
    elif key == "tags":
        question.tags = _comma_list(value)
    elif key == "case":
        question.case = value
        if not is_slug(value):
            errors.add(line, f"case {value!r} is not a slug")
    elif key == "shuffle":
        if value.lower() in SHUFFLE_VALUES:
            question.shuffle = SHUFFLE_VALUES[value.lower()]
        else:
            errors.add(line, f"shuffle must be yes or no (got {value!r})")
    elif key == "try":
        question.try_it = value
        if not value:
            errors.add(line, "try: needs a sample slug, then settings such as memory=1769")
    elif key == "title":
        question.title = value
    elif key == "category":
        question.category = value
    elif key == "format":
        if value in TEXT_FORMATS:
            question.text_format = value
        else:
            errors.add(line, f"format must be one of {', '.join(TEXT_FORMATS)} (got {value!r})")
    elif key == "kind":
        if value in CHOICE_KINDS:
            question.kind = value
        else:
            errors.add(line, f"kind must be one of {', '.join(CHOICE_KINDS)} (got {value!r})")
    elif key == "weights":
        fractions = [parse_percent(part) for part in _comma_list(value)]
        if None in fractions or not fractions:
            errors.add(line, "weights: are percentages separated by commas, like 100, -50")
        else:
            question.options = [OptionData("", fraction) for fraction in fractions]
    else:
        errors.add(line, f"unknown metadata {key!r} (known: {', '.join(METADATA_KEYS)})")


def _comma_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _split_sections(
    heading: _Line, lines: list[_Line], errors: _Errors
) -> tuple[list[_Line], list[_Line] | None, list[_Line]]:
    """Split a question's body into stem, options (None if absent) and explanation lines."""
    sections: dict[str, list[_Line]] = {"stem": []}
    current = "stem"
    for line in lines:
        match = None if line.fenced else _SECTION_RE.match(line.text)
        if match is None:
            sections[current].append(line)
            continue
        name = (match.group(1) or "").strip()
        section = {"Options": "options", "Explanation": "explanation"}.get(name)
        if section is None:
            errors.add(
                line.number,
                f"unknown section {line.text.strip()!r} (expected Options, Explanation)",
            )
        elif section in sections:
            errors.add(line.number, f"'### {name}' is given twice")
        elif section == "explanation" and "options" not in sections:
            errors.add(line.number, "'### Explanation' must come after '### Options'")
        else:
            current = section
            sections[section] = []
    return sections["stem"], sections.get("options"), sections.get("explanation", [])


def _join(lines: list[_Line]) -> str:
    return _strip_block([line.text for line in lines])


def _read_options(question: QuestionData, lines: list[_Line], errors: _Errors) -> None:
    options = _collect_options(lines, errors)
    if not options:
        errors.add(question.line, "the '### Options' section holds no options ('- [x] ...')")
    for option in options:
        if option.why is None:
            errors.add(option.line, "the option has no 'Why:' line")
    correct = sum(option.correct for option in options)
    question.kind = question.kind or ("multiple" if correct >= 2 else "single")
    fractions = derived_fractions([option.correct for option in options])
    question.options = [
        OptionData(
            text=_strip_block(option.text),
            fraction=fraction,
            feedback=_strip_block(option.why or []),
            pinned=option.pinned,
        )
        for option, fraction in zip(options, fractions, strict=True)
    ]


def _collect_options(lines: list[_Line], errors: _Errors) -> list[_Option]:
    options: list[_Option] = []
    for line in lines:
        match = None if line.fenced else _OPTION_RE.match(line.text)
        if match:
            options.append(_Option(line.number, match.group(1) != " ", [match.group(2) or ""]))
        elif not line.text.strip():
            if options:
                _option_part(options[-1]).append("")
        elif options and line.text[:1] in (" ", "\t"):
            text = _dedent(line.text)
            if not line.fenced and text.startswith(_PINNED):
                _read_pin(options[-1], text, line.number, errors)
            else:
                _add_option_line(options[-1], text, line.fenced)
        elif line.text.startswith(_WHY):
            errors.add(line.number, "indent the 'Why:' line under its option (two spaces)")
        else:
            errors.add(line.number, "expected an option ('- [x] ...' or '- [ ] ...')")
    return options


def _read_pin(option: _Option, text: str, number: int, errors: _Errors) -> None:
    value = text.removeprefix(_PINNED).strip()
    if option.why is not None:
        errors.add(number, "write 'Pinned: yes' before the option's 'Why:' line")
    elif value.lower() not in SHUFFLE_VALUES:
        errors.add(number, f"Pinned: must be yes or no (got {value!r})")
    else:
        option.pinned = SHUFFLE_VALUES[value.lower()]


def _option_part(option: _Option) -> list[str]:
    return option.text if option.why is None else option.why


def _add_option_line(option: _Option, text: str, fenced: bool) -> None:
    if option.why is None and not fenced and text.startswith(_WHY):
        option.why = [text.removeprefix(_WHY).strip()]
    else:
        _option_part(option).append(text)


def _dedent(text: str) -> str:
    text = text.replace("\t", "  ", 1) if text.startswith("\t") else text
    return text[2:] if text.startswith("  ") else text[1:]


def _strip_block(lines: list[str]) -> str:
    """Join lines, dropping blank lines at both ends and trailing spaces."""
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return "\n".join(lines[start:end]).rstrip()


# --- writing ---------------------------------------------------------------------------------


def write(questions: list[QuestionData], *, course: str = "") -> str:
    """Write questions in the project's Markdown format; front matter when a course is given."""
    parts = [f"---\ncourse: {course}\n---\n"] if course else []
    keys = _unique_keys(questions)
    parts.extend(
        _question_text(question, key) for question, key in zip(questions, keys, strict=True)
    )
    return "\n".join(parts)


def _unique_keys(questions: list[QuestionData]) -> list[str]:
    keys: list[str] = []
    used: set[str] = set()
    for number, question in enumerate(questions, start=1):
        base = question.key or slugify(question.title) or f"question-{number}"
        key, suffix = base, 2
        while key in used:
            key, suffix = f"{base}-{suffix}", suffix + 1
        used.add(key)
        keys.append(key)
    return keys


def _question_text(question: QuestionData, key: str) -> str:
    lines = [f"## {key}", *_metadata_lines(question), "", question.stem, "", "### Options", ""]
    for option in question.options:
        mark = "x" if option.fraction > 0 else " "
        lines.append(_indented(f"- [{mark}] {option.text}"))
        if option.pinned:
            lines.append(f"  {_PINNED} yes")
        lines.append(_indented(f"  {_WHY} {option.feedback}".rstrip()))
    if question.general_feedback:
        lines.extend(["", "### Explanation", "", question.general_feedback])
    return "\n".join(lines) + "\n"


def _metadata_lines(question: QuestionData) -> list[str]:
    checked = [option.fraction > 0 for option in question.options]
    fractions = [normalize_fraction(option.fraction) for option in question.options]
    derived_kind = "multiple" if sum(checked) >= 2 else "single"
    values = {
        "topics": ", ".join(question.topics),
        "domain": question.domain,
        "difficulty": question.difficulty,
        "tags": ", ".join(question.tags),
        "case": question.case,
        "title": question.title,
        "format": "" if question.text_format == "markdown" else question.text_format,
        "category": question.category,
        "kind": "" if question.kind == derived_kind else question.kind,
        "weights": ""
        if fractions == derived_fractions(checked)
        else ", ".join(format_percent(fraction) for fraction in fractions),
        "shuffle": "" if question.shuffle else "no",
        "try": question.try_it,
    }
    return [f"{key}: {value}" for key, value in values.items() if value]


def unexportable_reason(question: QuestionData) -> str:
    """Why a question cannot be written in the Markdown format (left out, said per question on
    export), or "" when it can."""
    if question.kind not in CHOICE_KINDS:
        return f"the Markdown format holds choice questions only, not {question.kind}"
    return ""


def losses(question: QuestionData) -> list[str]:
    """What the Markdown format cannot hold of this question (said per question on export)."""
    lost = []
    if "\n" in question.title or "\n" in question.category:
        lost.append("a title or category on several lines is written on one")
    return lost


def _indented(text: str) -> str:
    """Indent continuation lines by two spaces so they stay inside the list item."""
    first, *rest = text.split("\n")
    return "\n".join([first, *[f"  {line}" if line else "" for line in rest]])
