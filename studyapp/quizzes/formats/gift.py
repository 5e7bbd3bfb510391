"""Moodle's GIFT format, read as Moodle reads it (docs.moodle.org's GIFT page, qformat_gift).

What is read, with the question type told from the answers block the way Moodle tells it:

* questions separated by blank lines; ``//`` comment lines (a ``[id:..]`` in a comment gives the
  question's key, each ``[tag:..]`` adds a tag, as Moodle's export writes them);
* ``::Title::`` (escaped colons allowed; an unclosed title is no title, as in Moodle), a
  ``[markdown]`` / ``[html]`` / ``[plain]`` / ``[moodle]`` prefix on any text (none is Moodle's
  auto-format, ``"moodle"``);
* multiple choice ``{=right ~wrong ~%50%partial}`` (several ``=`` answers are all right; partial
  and negative weights), multiple response (no ``=``: ``{~%50%a ~%50%b ~%-100%c}`` or
  ``{~%100%a ~%-50%b}``), ``#feedback`` after an answer, ``####general feedback``;
* true/false ``{T}`` ``{TRUE}`` ``{F}`` ``{FALSE#if wrong#if right}``;
* short answer: ``{=a =b}``, ``{One}``, ``{=%50%half#feedback}`` (anything without ``~`` that is
  not true/false, numerical or matching);
* numerical ``{#3:2}``, ``{#1..5}``, ``{#=3:0 =%50%3:1 ~#feedback for any other number}``;
* missing-word questions (text after the block): the block's place becomes Moodle's blank
  ``_____`` in the stem;
* ``$CATEGORY: path`` for the questions that follow;
* the escapes ``\\:`` ``\\#`` ``\\=`` ``\\~`` ``\\{`` ``\\}`` ``\\n`` and ``\\\\``
  (any other backslash, a trailing one too, stays as written); CRLF line ends and a
  byte-order mark.

Skipped with their line and the reason: essay ``{}``, matching ``{=a -> b}``, descriptions (no
block) and questions Moodle would store with a warning but that cannot be graded (weights that
do not add up, no answer worth 100%, a numerical answer that is not a number). Errors, for the
whole file as in Moodle: an unclosed or unopened block, fewer than two choices, a weight beyond
100%.

The writer writes as Moodle's export does (every reserved character escaped, each text on one
line), so ``parse(write(questions))`` gives the questions back for everything GIFT carries;
:func:`losses` names what it cannot carry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from studyapp.quizzes.formats.model import (
    OptionData,
    ParseResult,
    Problem,
    QuestionData,
    derive_key,
    format_number,
    format_percent,
    moodle_category,
    parse_number,
    parse_percent,
    readable_category,
    slugify,
    split_lines,
    validate_question,
)

_ESCAPABLE = ":#=~{}"
_FORMAT_PREFIX_RE = re.compile(r"^\[(markdown|html|plain|moodle)\]")
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}
_WEIGHT_RE = re.compile(r"^%([^%]*)%")
_COMMENT_MARK_RE = re.compile(r"\[(id|tag):((?:\\.|[^\]\\])*)\]")
#: Moodle reads text without a ``[format]`` prefix in its auto-format.
DEFAULT_TEXT_FORMAT = "moodle"
#: How Moodle shows the gap of a missing-word question.
BLANK = "_____"


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
        if char == "\\" and following and following in _ESCAPABLE + "\\":
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
            if not rest.strip():
                continue
            # Moodle's own files always leave a blank line here; a question written straight
            # after the line is still read as the question it is.
            block.lines = block.lines[1:]
            block.first_line += 1
            _drop_leading_comment_lines(block)
        try:
            question = _read_question(block, category)
        except Skip as skip:
            result.skipped.append(Problem(block.first_line, str(skip)))
            continue
        except GiftError as error:
            result.errors.append(Problem(block.line_at(error.position), error.message))
            continue
        problems = validate_question(question)
        if problems:
            # Moodle saves such a question with a notice; we cannot grade it, so it is left
            # out with its line and the reason, never silently and never sinking the file.
            reason = "; ".join(problems)
            result.skipped.append(Problem(question.line, f"{reason}, skipped"))
            continue
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
            # As Moodle: an unclosed title is no title; the text goes on after the '::'.
            position += 2
        else:
            title = unescape(text[position + 2 : title_end]).strip()
            position = title_end + 2
    opening = find_unescaped(text, "{", position)
    closing = find_unescaped(text, "}", position)
    if opening == -1 and closing == -1:
        raise Skip("a description (text without an answers block) is not a question, skipped")
    if opening == -1 or -1 < closing < opening:
        raise GiftError("'}' without an opening '{'", closing)
    closing = find_unescaped(text, "}", opening)
    if closing == -1:
        raise GiftError("'{' is not closed: the answers block needs a '}'", opening)
    before, after = text[position:opening], text[closing + 1 :]
    # A missing-word question: the blank stands where the block was, as Moodle shows it.
    raw_stem = f"{before}{BLANK}{after}" if after.strip() else before
    text_format, stem = _split_format(raw_stem.strip(), DEFAULT_TEXT_FORMAT)
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
    return match.group(1), unescape(raw[match.end() :]).strip()


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
    """Tell the question type from the answers block as Moodle does, then read its answers."""
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
        question.kind = "numerical"
        question.options = _numerical_answers(answers[1:], offset + 1)
    elif find_unescaped(answers, "~") != -1:
        question.options, question.kind = _choices(answers, offset)
    elif find_unescaped(answers, "=") != -1 and find_unescaped(answers, "->") != -1:
        raise Skip("matching questions are not supported, skipped")
    elif _true_false_answer(answers) is not None:
        question.kind = "truefalse"
        question.options = _true_false_options(answers)
    else:
        question.kind = "shortanswer"
        question.options = _short_answers(answers, offset)


def _pieces(answers: str, markers: str) -> list[tuple[str, str, int]]:
    """Cut ``answers`` before each unescaped marker character: (marker, body, position).

    Text before the first marker is a piece with the marker ``""`` (Moodle reads it as an
    answer too)."""
    cuts = sorted(i for marker in markers for i in _all_unescaped(answers, marker))
    pieces = []
    head = answers[: cuts[0]] if cuts else answers
    if head.strip():
        pieces.append(("", head, 0))
    for begin, finish in zip(cuts, [*cuts[1:], len(answers)], strict=False):
        pieces.append((answers[begin], answers[begin + 1 : finish], begin))
    return pieces


def _weight(body: str, number: int, position: int) -> tuple[float | None, str]:
    """Read a leading ``%50%`` weight: (fraction or None when there is none, the rest)."""
    match = _WEIGHT_RE.match(body)
    if match is None:
        return None, body
    fraction = parse_percent(match.group(1))
    if fraction is None:
        return None, body  # Moodle reads "%abc%" as part of the answer's text
    if not -1.0 <= fraction <= 1.0:
        raise GiftError(
            f"bad weight in answer {number}: {match.group(0)} is outside -100%..100%", position
        )
    return fraction, body[match.end() :]


def _text_and_feedback(body: str) -> tuple[str, str]:
    feedback_at = find_unescaped(body, "#")
    if feedback_at == -1:
        return _clean(body), ""
    return _clean(body[:feedback_at]), _clean(body[feedback_at + 1 :])


def _choices(answers: str, offset: int) -> tuple[list[OptionData], str]:
    """Read ``=right ~wrong ~%50%weighted`` answers; no ``=`` makes it multiple response."""
    pieces = _pieces(answers, "=~")
    if len(pieces) < 2:
        raise GiftError("not enough answers: a choice question needs at least 2", offset)
    options = []
    for number, (marker, raw, begin) in enumerate(pieces, start=1):
        body = raw.strip()
        fraction = 1.0 if marker == "=" else 0.0
        if marker == "~":
            weight, body = _weight(body, number, offset + begin)
            fraction = 0.0 if weight is None else weight
        answer, feedback = _text_and_feedback(body)
        if answer:  # Moodle drops answers without text when it saves the question
            options.append(OptionData(text=answer, fraction=fraction, feedback=feedback))
    kind = "single" if any(marker == "=" for marker, _, _ in pieces) else "multiple"
    return options, kind


def _short_answers(answers: str, offset: int) -> list[OptionData]:
    """``{=Lambda =AWS Lambda}``, ``{One}``, ``{=%50%half#feedback}``: every answer accepted."""
    options = []
    for number, (_marker, raw, begin) in enumerate(_pieces(answers, "="), start=1):
        weight, body = _weight(raw.strip(), number, offset + begin)
        answer, feedback = _text_and_feedback(body)
        if answer:
            options.append(OptionData(answer, 1.0 if weight is None else weight, feedback))
    return options


def _numerical_answers(answers: str, offset: int) -> list[OptionData]:
    """``{#3:2}``, ``{#1..5}``, ``{#=3:0 =%50%3:1 ~#any other}``: value and tolerance."""
    wrong_at = find_unescaped(answers, "~")
    wrong = "" if wrong_at == -1 else answers[wrong_at + 1 :]
    if wrong_at != -1:
        answers = answers[:wrong_at]
    options = []
    for number, (_marker, raw, begin) in enumerate(_pieces(answers, "="), start=1):
        weight, body = _weight(raw.strip(), number, offset + begin)
        value, feedback = _text_and_feedback(body)
        if not value:
            continue
        answer, tolerance = _numerical_value(value)
        options.append(OptionData(answer, 1.0 if weight is None else weight, feedback, tolerance))
    if wrong_at != -1:
        options.append(OptionData("*", 0.0, _text_and_feedback(wrong)[1]))
    if not options:
        raise GiftError("a numerical question needs at least one answer", offset)
    return options


def _numerical_value(value: str) -> tuple[str, float]:
    """``3:2`` is 3 give or take 2; ``1..5`` is 3 give or take 2; ``3`` is exactly 3.

    A part that is not a number stays as written, for validation to report."""
    low, dots, high = value.partition("..")
    if dots and parse_number(low) is not None and parse_number(high) is not None:
        # In decimal, so that 3.141..3.142 is 3.1415 give or take 0.0005, as written.
        lowest, highest = Decimal(low.strip()), Decimal(high.strip())
        middle = (lowest + highest) / 2
        return format_number(float(middle)), float(highest - middle)
    answer, colon, margin = value.partition(":")
    if colon:
        tolerance = parse_number(margin)
        return answer.strip(), tolerance if tolerance is not None else -1.0
    return value.strip(), 0.0


def _all_unescaped(text: str, target: str) -> list[int]:
    found = []
    index = find_unescaped(text, target)
    while index != -1:
        found.append(index)
        index = find_unescaped(text, target, index + 1)
    return found


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
    # A missing-word question's blank stays in the stem: the block at the end is no gap.
    stem = f"{head}[{question.text_format}]{escape(question.stem)}"
    general = (
        f"####{_protected(question.general_feedback, question.text_format)}"
        if question.general_feedback
        else ""
    )
    if question.kind == "truefalse":
        lines.append(f"{stem}{{{_true_false_text(question)}{general}}}")
        return "\n".join(lines) + "\n"
    lines.append(stem + ("{#" if question.kind == "numerical" else "{"))
    writer = {"shortanswer": _short_answer_text, "numerical": _numerical_text}.get(
        question.kind, _answer_text
    )
    lines.extend(f"\t{writer(option, question)}" for option in question.options)
    if general:
        lines.append(f"\t{general}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _true_false_text(question: QuestionData) -> str:
    true, false = question.options
    truth = true.fraction > 0
    right, wrong = (true, false) if truth else (false, true)
    text = "TRUE" if truth else "FALSE"
    fmt = question.text_format
    if wrong.feedback or right.feedback:
        text += f"#{_protected(wrong.feedback, fmt)}" if wrong.feedback else "#"
    if right.feedback:
        text += f"#{_protected(right.feedback, fmt)}"
    return text


def _feedback_text(option: OptionData, question: QuestionData) -> str:
    return f"#{_protected(option.feedback, question.text_format)}" if option.feedback else ""


def _short_answer_text(option: OptionData, question: QuestionData) -> str:
    weight = f"%{format_percent(option.fraction)}%"
    text = _protected(option.text, question.text_format)
    return f"={weight}{text}{_feedback_text(option, question)}"


def _numerical_text(option: OptionData, question: QuestionData) -> str:
    if option.text == "*" and option.fraction == 0 and option is question.options[-1]:
        return f"~#{_protected(option.feedback, question.text_format)}"
    weight = f"%{format_percent(option.fraction)}%"
    value = f"{option.text}:{format_number(option.tolerance)}"
    return f"={weight}{value}{_feedback_text(option, question)}"


def losses(question: QuestionData) -> list[str]:
    """What GIFT cannot hold of this question (said per question on export)."""
    lost = []
    if question.kind == "shortanswer" and question.case_sensitive:
        lost.append("GIFT has no case-sensitive short answers: Moodle reads them as ignoring case")
    if question.kind == "shortanswer" and any(
        "->" in option.text or "->" in option.feedback for option in question.options
    ):
        lost.append("GIFT reads a short answer containing '->' as a matching question")
    if question.kind == "numerical" and any(
        option.text == "*" and option is not question.options[-1] for option in question.options
    ):
        lost.append("GIFT holds the '*' answer of a numerical question only as its last answer")
    return lost


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
    return marker + text + _feedback_text(option, question)


def _protected(text: str, text_format: str) -> str:
    """Escape text, repeating the format prefix when the text itself starts like one."""
    escaped = escape(text)
    return f"[{text_format}]{escaped}" if _FORMAT_PREFIX_RE.match(escaped) else escaped
