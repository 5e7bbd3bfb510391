"""Moodle's GIFT format: read multiple-choice, multiple-response and true/false questions.

What is read:

* questions separated by blank lines; ``//`` comment lines (a ``[id:..]`` in a comment gives the
  question's key, each ``[tag:..]`` adds a tag);
* ``::Title::``, a ``[markdown]`` / ``[html]`` / ``[plain]`` / ``[moodle]`` prefix on the text
  (no prefix, or ``[moodle]``, is Moodle's auto-format: HTML allowed, so ``"html"``);
* ``{=right ~wrong}`` single answer, ``{~%50%a ~%50%b ~%-100%c}`` multiple response (no ``=``),
  ``#feedback`` after an answer, ``####general feedback`` at the end of the block;
* ``{T}`` / ``{TRUE}`` / ``{F}`` / ``{FALSE#if-wrong#if-right}`` as a two-option question
  ("True", "False");
* ``$CATEGORY: path`` for the questions that follow;
* the escapes ``\\:`` ``\\#`` ``\\=`` ``\\~`` ``\\{`` ``\\}`` ``\\n`` and ``\\\\``.

Skipped with a reason: essay ``{}``, numerical ``{#..}``, matching ``{=a -> b}``, short answer
(only ``=`` answers), missing-word questions (text after the block) and descriptions (no block).

The writer escapes every reserved character and writes each text on one line, so that
``parse(write(questions))`` gives the questions back for everything GIFT carries: title, key (as
``[id:..]`` when it is not the title's slug), tags, stem, options, weights, feedback, general
feedback, category and text format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from studyapp.quizzes.formats.model import (
    OptionData,
    ParseResult,
    Problem,
    QuestionData,
    derive_key,
    format_percent,
    moodle_category,
    parse_percent,
    readable_category,
    slugify,
    split_lines,
    validate_question,
)

_ESCAPABLE = ":#=~{}"
_FORMAT_NAMES = {"markdown": "markdown", "html": "html", "plain": "plain", "moodle": "html"}
_FORMAT_PREFIX_RE = re.compile(r"^\[(markdown|html|plain|moodle)\]")
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}
_WEIGHT_RE = re.compile(r"^%([^%]*)%")
_COMMENT_MARK_RE = re.compile(r"\[(id|tag):((?:\\.|[^\]\\])*)\]")
DEFAULT_TEXT_FORMAT = "html"


class GiftError(Exception):
    """A syntax error at a position of the block being read."""

    def __init__(self, message: str, position: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


class Skip(Exception):
    """A well-formed item of a type the app does not have."""


# --- escape-aware scanning -------------------------------------------------------------------


def find_unescaped(text: str, target: str, start: int = 0) -> int:
    """Index of the first ``target`` at or after ``start`` that is not escaped; -1 if none."""
    index = start
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text.startswith(target, index):
            return index
        index += 1
    return -1


def rfind_unescaped(text: str, target: str) -> int:
    """Index of the last unescaped ``target``; -1 if none."""
    found = -1
    index = find_unescaped(text, target)
    while index != -1:
        found = index
        index = find_unescaped(text, target, index + len(target))
    return found


def unescape(text: str) -> str:
    """Turn GIFT escapes into the characters they stand for; other backslashes stay as written."""
    out: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        following = text[index + 1 : index + 2]
        if char == "\\" and following in _ESCAPABLE + "\\":
            out.append(following)
            index += 2
        elif char == "\\" and following == "n":
            out.append("\n")
            index += 2
        else:
            out.append(char)
            index += 1
    return "".join(out)


def escape(text: str) -> str:
    """Escape reserved characters and line ends so the text reads back unchanged."""
    text = "\n".join(split_lines(text)).replace("\\", "\\\\")
    for char in _ESCAPABLE:
        text = text.replace(char, "\\" + char)
    return text.replace("\n", "\\n")


# --- reading ---------------------------------------------------------------------------------


@dataclass
class _Block:
    """One blank-line separated chunk: its lines (comments blanked) and its comments."""

    first_line: int
    lines: list[str]
    comments: str

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def line_at(self, position: int) -> int:
        return self.first_line + self.text.count("\n", 0, position)


def parse(text: str, *, source: str = "") -> ParseResult:
    """Read GIFT text; see the module docstring for what is read and what is skipped."""
    result = ParseResult(questions=[], skipped=[], errors=[], source=source)
    category = ""
    for block in _blocks(text):
        body = block.text.strip()
        if body.startswith("$CATEGORY:"):
            first, _, rest = body.partition("\n")
            category = readable_category(first.removeprefix("$CATEGORY:"))
            if rest.strip():
                result.errors.append(
                    Problem(block.first_line, "a $CATEGORY line must be followed by a blank line")
                )
            continue
        try:
            question = _read_question(block, category)
        except Skip as skip:
            result.skipped.append(Problem(block.first_line, str(skip)))
            continue
        except GiftError as error:
            result.errors.append(Problem(block.line_at(error.position), error.message))
            continue
        result.errors.extend(Problem(question.line, m) for m in validate_question(question))
        result.questions.append(question)
    return result


def _blocks(text: str) -> list[_Block]:
    blocks: list[_Block] = []
    current: _Block | None = None
    for number, line in enumerate(split_lines(text), start=1):
        stripped = line.strip()
        if not stripped:
            current = None
            continue
        if current is None:
            current = _Block(first_line=number, lines=[], comments="")
            blocks.append(current)
        if stripped.startswith("//"):
            current.comments += stripped + "\n"
            current.lines.append("")
        else:
            current.lines.append(line)
    for block in blocks:
        _drop_leading_comment_lines(block)
    return [block for block in blocks if block.text.strip()]


def _drop_leading_comment_lines(block: _Block) -> None:
    while block.lines and not block.lines[0].strip():
        block.lines.pop(0)
        block.first_line += 1


def _read_question(block: _Block, category: str) -> QuestionData:
    text = block.text
    position = len(text) - len(text.lstrip())
    title = ""
    if text.startswith("::", position):
        title_end = find_unescaped(text, "::", position + 2)
        if title_end == -1:
            raise GiftError("the title is not closed with '::'", position)
        title = unescape(text[position + 2 : title_end]).strip()
        position = title_end + 2
    opening = find_unescaped(text, "{", position)
    closing = find_unescaped(text, "}", position)
    if opening == -1 and closing == -1:
        raise Skip("descriptions (text without an answers block) are not questions, skipped")
    if opening == -1 or -1 < closing < opening:
        raise GiftError("'}' without an opening '{'", closing)
    closing = find_unescaped(text, "}", opening)
    if closing == -1:
        raise GiftError("'{' is not closed: the answers block needs a '}'", opening)
    if text[closing + 1 :].strip():
        raise Skip(
            "missing-word questions (text after the answers block) are not supported, skipped"
        )
    text_format, stem = _split_format(text[position:opening].strip(), DEFAULT_TEXT_FORMAT)
    question = QuestionData(
        stem=stem,
        options=[],
        kind="single",
        key=derive_key(_comment_id(block.comments), title),
        title=title,
        text_format=text_format,
        category=category,
        tags=_comment_tags(block.comments),
        line=block.first_line,
    )
    _read_answers(question, text, opening + 1, closing)
    return question


def _split_format(raw: str, default: str) -> tuple[str, str]:
    """Split a ``[format]`` prefix off raw (still escaped) text; return (format, clean text)."""
    match = _FORMAT_PREFIX_RE.match(raw)
    if match is None:
        return default, unescape(raw).strip()
    return _FORMAT_NAMES[match.group(1)], unescape(raw[match.end() :]).strip()


def _clean(raw: str) -> str:
    """Text of an answer, a feedback or a general feedback: any format prefix dropped."""
    return _split_format(raw.strip(), "")[1]


def _comment_marks(comments: str, kind: str) -> list[str]:
    return [
        re.sub(r"\\(.)", r"\1", value).strip()
        for found_kind, value in _COMMENT_MARK_RE.findall(comments)
        if found_kind == kind
    ]


def _comment_id(comments: str) -> str:
    ids = _comment_marks(comments, "id")
    return ids[0] if ids else ""


def _comment_tags(comments: str) -> list[str]:
    return [tag for tag in _comment_marks(comments, "tag") if tag]


def _read_answers(question: QuestionData, text: str, start: int, end: int) -> None:
    answers = text[start:end]
    feedback_at = rfind_unescaped(answers, "####")
    if feedback_at != -1:
        question.general_feedback = _clean(answers[feedback_at + 4 :])
        answers = answers[:feedback_at]
    offset = start + len(answers) - len(answers.lstrip())
    answers = answers.strip()
    if not answers:
        raise Skip("essay questions are not supported, skipped")
    if answers.startswith("#"):
        raise Skip("numerical questions are not supported, skipped")
    if find_unescaped(answers, "~") != -1:
        question.options, question.kind = _choices(answers, offset)
        return
    has_equals = find_unescaped(answers, "=") != -1
    if has_equals and find_unescaped(answers, "->") != -1:
        raise Skip("matching questions are not supported, skipped")
    if _true_false_answer(answers) is not None:
        question.options = _true_false_options(answers)
        return
    if has_equals:
        raise Skip("short-answer questions are not supported, skipped")
    raise GiftError(
        "the answers block holds no answers (each answer starts with '=' or '~')", offset
    )


def _choices(answers: str, offset: int) -> tuple[list[OptionData], str]:
    """Read ``=right ~wrong ~%50%weighted`` answers; no ``=`` makes it multiple response."""
    markers = sorted(_all_unescaped(answers, "=") + _all_unescaped(answers, "~"))
    if answers[: markers[0]].strip():
        raise GiftError(
            f"text before the first answer: {unescape(answers[: markers[0]]).strip()!r}", offset
        )
    ends = [*markers[1:], len(answers)]
    options = [
        _choice(answers[begin:finish], number, offset + begin)
        for number, (begin, finish) in enumerate(zip(markers, ends, strict=True), start=1)
    ]
    kind = "single" if any(answers[index] == "=" for index in markers) else "multiple"
    if len(options) < 2:
        raise GiftError("not enough answers: a choice question needs at least 2", offset)
    return options, kind


def _all_unescaped(text: str, target: str) -> list[int]:
    found = []
    index = find_unescaped(text, target)
    while index != -1:
        found.append(index)
        index = find_unescaped(text, target, index + 1)
    return found


def _choice(raw: str, number: int, position: int) -> OptionData:
    marker, body = raw[0], raw[1:].strip()
    fraction = 1.0 if marker == "=" else 0.0
    weight = _WEIGHT_RE.match(body) if marker == "~" else None
    if body.startswith("%") and marker == "~":
        weighted = parse_percent(weight.group(1)) if weight else None
        if weight is None or weighted is None:
            raise GiftError(
                f"bad weight in answer {number}: write a percentage like %50% or %-100%", position
            )
        fraction = weighted
        body = body[weight.end() :]
        if not -1.0 <= fraction <= 1.0:
            raise GiftError(
                f"bad weight in answer {number}: {weight.group(0)} is outside -100%..100%",
                position,
            )
    feedback_at = find_unescaped(body, "#")
    answer_text, feedback = (
        (body, "")
        if feedback_at == -1
        else (
            body[:feedback_at],
            body[feedback_at + 1 :],
        )
    )
    option = OptionData(text=_clean(answer_text), fraction=fraction, feedback=_clean(feedback))
    if not option.text:
        raise GiftError(f"answer {number} has no text", position)
    return option


def _true_false_parts(answers: str) -> list[str]:
    parts: list[str] = []
    rest = answers
    while len(parts) < 2:
        cut = find_unescaped(rest, "#")
        if cut == -1:
            break
        parts.append(rest[:cut])
        rest = rest[cut + 1 :]
    return [*parts, rest]


def _true_false_answer(answers: str) -> bool | None:
    return _TRUE_FALSE.get(_true_false_parts(answers)[0].strip())


def _true_false_options(answers: str) -> list[OptionData]:
    """``{FALSE#shown if wrong#shown if right}`` as the options "True" and "False"."""
    parts = [*_true_false_parts(answers), "", ""]
    truth = _TRUE_FALSE[parts[0].strip()]
    if_wrong, if_right = _clean(parts[1]), _clean(parts[2])
    return [
        OptionData("True", 1.0 if truth else 0.0, if_right if truth else if_wrong),
        OptionData("False", 0.0 if truth else 1.0, if_wrong if truth else if_right),
    ]


# --- writing ---------------------------------------------------------------------------------


def write(questions: list[QuestionData]) -> str:
    """Write questions as GIFT; categories become ``$CATEGORY:`` lines when they change."""
    chunks: list[str] = []
    category = ""
    for question in questions:
        if question.category != category:
            category = question.category
            chunks.append(f"$CATEGORY: {moodle_category(category)}\n")
        chunks.append(_question_text(question))
    return "\n".join(chunks)


def _question_text(question: QuestionData) -> str:
    lines = []
    marks = _comment_line(question)
    if marks:
        lines.append(marks)
    head = f"::{escape(question.title)}::" if question.title else ""
    lines.append(f"{head}[{question.text_format}]{escape(question.stem)}{{")
    lines.extend(f"\t{_answer_text(option, question)}" for option in question.options)
    if question.general_feedback:
        lines.append(f"\t####{_protected(question.general_feedback, question.text_format)}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _comment_line(question: QuestionData) -> str:
    marks = []
    if question.key and question.key != slugify(question.title):
        marks.append(f"[id:{_escape_mark(question.key)}]")
    marks.extend(f"[tag:{_escape_mark(tag)}]" for tag in question.tags)
    return "// " + " ".join(marks) if marks else ""


def _escape_mark(value: str) -> str:
    return re.sub(r"([\[\]\\])", r"\\\1", value)


def _answer_text(option: OptionData, question: QuestionData) -> str:
    text = _protected(option.text, question.text_format)
    if question.kind == "single" and option.fraction == 1.0:
        marker = "="
    elif option.fraction == 0.0 and not text.startswith("%"):
        marker = "~"
    else:
        marker = f"~%{format_percent(option.fraction)}%"
    feedback = f"#{_protected(option.feedback, question.text_format)}" if option.feedback else ""
    return marker + text + feedback


def _protected(text: str, text_format: str) -> str:
    """Escape text, repeating the format prefix when the text itself starts like one."""
    escaped = escape(text)
    return f"[{text_format}]{escaped}" if _FORMAT_PREFIX_RE.match(escaped) else escaped
