"""The Aiken format: one-line single-answer questions, as Moodle reads and writes them.

::

    Which service runs code without servers?
    A) Amazon EC2
    B. AWS Lambda
    ANSWER: B

Reading follows Moodle's importer: lines shorter than two characters are ignored, an option is a
capital letter, ``)`` or ``.``, an optional space and the text; ``ANSWER: X`` ends the question.
Errors use Moodle's wording (the line number is in :class:`Problem`, not in the message):

* "Question not started" for an option or ANSWER line before any question text;
* "Question must have at least 2 answers" on an ANSWER line after fewer than two options;
* "Question not completed before next question start" when a new stem begins before ANSWER.

Beyond Moodle, the reader also refuses an ANSWER letter that names no option, an option letter
used twice, and a question still open at the end of the file.

Aiken carries no title, feedback, weights or category: only single-answer questions with at most
26 options can be written. :func:`export` returns the text and the reasons for every question it
left out; :func:`write` is its text alone (the registry's uniform ``write``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from studyapp.quizzes.formats.model import (
    OptionData,
    ParseResult,
    Problem,
    QuestionData,
    split_lines,
    validate_question,
)

_OPTION_RE = re.compile(r"^([A-Z])[).][ \t]?")
_ANSWER_RE = re.compile(r"^ANSWER:")
MAX_OPTIONS = 26

QUESTION_NOT_STARTED = "Question not started"
TOO_FEW_ANSWERS = "Question must have at least 2 answers"
NOT_COMPLETED = "Question not completed before next question start"
NOT_COMPLETED_AT_END = "Question not completed before the end of the file"


@dataclass
class _Open:
    """The question being read: its stem line and the options seen so far, by letter."""

    line: int
    stem: str
    letters: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)


def parse(text: str, *, source: str = "") -> ParseResult:
    """Read Aiken text; when ``errors`` is not empty the caller imports nothing."""
    result = ParseResult(questions=[], skipped=[], errors=[], source=source)
    current: _Open | None = None
    for number, raw in enumerate(split_lines(text), start=1):
        line = raw.strip()
        if len(line) < 2:
            continue
        if _OPTION_RE.match(line):
            _read_option(current, line, number, result)
        elif _ANSWER_RE.match(line):
            _finish_question(current, line, number, result)
            current = None
        else:
            if current is not None:
                result.errors.append(Problem(number, NOT_COMPLETED))
            current = _Open(line=number, stem=line)
    if current is not None:
        result.errors.append(Problem(current.line, NOT_COMPLETED_AT_END))
    return result


def _read_option(current: _Open | None, line: str, number: int, result: ParseResult) -> None:
    if current is None:
        result.errors.append(Problem(number, QUESTION_NOT_STARTED))
        return
    letter = line[0]
    if letter in current.letters:
        result.errors.append(Problem(number, f"Option letter {letter} is used twice"))
    current.letters.append(letter)
    current.texts.append(line[2:].strip())


def _finish_question(current: _Open | None, line: str, number: int, result: ParseResult) -> None:
    if current is None:
        result.errors.append(Problem(number, QUESTION_NOT_STARTED))
        return
    if len(current.texts) < 2:
        result.errors.append(Problem(number, TOO_FEW_ANSWERS))
        return
    letter = line.partition(":")[2].strip()[:1]
    if letter not in current.letters:
        shown = letter or "(nothing)"
        result.errors.append(Problem(number, f"ANSWER {shown} does not match any option"))
        return
    correct = current.letters.index(letter)
    question = QuestionData(
        stem=current.stem,
        options=[
            OptionData(text=text, fraction=1.0 if index == correct else 0.0)
            for index, text in enumerate(current.texts)
        ],
        kind="single",
        text_format="plain",
        line=current.line,
    )
    result.errors.extend(Problem(current.line, m) for m in validate_question(question))
    result.questions.append(question)


@dataclass
class AikenExport:
    """The written text and, for each question left out, why (numbered from 1 in input order)."""

    text: str
    skipped: list[str]


def export(questions: list[QuestionData]) -> AikenExport:
    """Write what Aiken can hold; report every other question instead of failing."""
    chunks: list[str] = []
    skipped: list[str] = []
    for number, question in enumerate(questions, start=1):
        reason = unexportable_reason(question)
        if reason:
            label = f" ({question.key})" if question.key else ""
            skipped.append(f"question {number}{label}: {reason}")
        else:
            chunks.append(_question_text(question))
    return AikenExport(text="\n".join(chunks), skipped=skipped)


def write(questions: list[QuestionData]) -> str:
    """The Aiken text of the questions Aiken can hold (see :func:`export` for the others)."""
    return export(questions).text


def unexportable_reason(question: QuestionData) -> str:
    """Why a question cannot be written as Aiken, or "" when it can."""
    if question.kind != "single":
        return "Aiken holds single-answer questions only"
    if len(question.options) > MAX_OPTIONS:
        return f"Aiken holds at most {MAX_OPTIONS} options"
    if sum(1 for option in question.options if option.fraction >= 1.0) != 1:
        return "Aiken needs exactly one fully correct option"
    stem = _one_line(question.stem)
    if _OPTION_RE.match(stem) or _ANSWER_RE.match(stem) or len(stem) < 2:
        return "the question text would read back as an option or an ANSWER line"
    return ""


def losses(question: QuestionData) -> list[str]:
    """What Aiken writes a question without (said per question on export)."""
    if unexportable_reason(question):
        return []
    if any(option.fraction not in (0.0, 1.0) for option in question.options):
        return ["Aiken holds no partial or negative weights: only the 100% answer is kept"]
    return []


def _question_text(question: QuestionData) -> str:
    lines = [_one_line(question.stem)]
    answer = ""
    for index, option in enumerate(question.options):
        letter = chr(ord("A") + index)
        lines.append(f"{letter}) {_one_line(option.text)}")
        if option.fraction >= 1.0:
            answer = letter
    lines.append(f"ANSWER: {answer}")
    return "\n".join(lines) + "\n"


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in split_lines(text) if part.strip())
