"""The format-neutral question model every interchange format reads into and writes from.

Parsers turn a file into a :class:`ParseResult`: the questions they understood, the items they
skipped on purpose (question types the app does not have) and the syntax or validation errors
they found. When ``errors`` is not empty the caller imports nothing.

This module also holds the few helpers the formats share, so each rule exists once: slugs,
stable keys, weights written as percentages, category paths and line splitting.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field

KINDS = ("single", "multiple", "truefalse", "shortanswer", "numerical")
#: Kinds with options to choose from; the others take a typed answer.
CHOICE_KINDS = ("single", "multiple", "truefalse")
#: ``moodle`` is Moodle's auto-format (FORMAT_MOODLE): HTML allowed, line breaks kept.
TEXT_FORMATS = ("markdown", "html", "plain", "moodle")
DOMAINS = ("D1", "D2", "D3", "D4")
DIFFICULTIES = ("easy", "medium", "hard")

#: Attachments (Moodle XML ``<file>`` elements): the most one file, and all of one question's
#: files together, may hold once decoded.
MAX_FILE_BYTES = 1024 * 1024
MAX_QUESTION_FILES_BYTES = 4 * 1024 * 1024
#: Where a question's text refers to its attachments, as Moodle writes it.
PLUGINFILE = "@@PLUGINFILE@@/"

#: Moodle stores answer fractions with seven decimals; so do we, so that 1/3 survives a trip
#: through a percentage written in a file.
FRACTION_DECIMALS = 7

_SLUG_RE = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")


@dataclass
class OptionData:
    """One answer option of a question, or one accepted answer of a typed-answer question.

    A short answer's text may hold Moodle's ``*`` wildcard; a numerical answer's text is the
    number (or ``*``: any other number) and ``tolerance`` the accepted error either side.
    ``pinned``: the author keeps the option at its written position when the others are
    shuffled (only the Markdown format holds it).
    """

    text: str
    fraction: float
    feedback: str = ""
    tolerance: float = 0.0
    pinned: bool = False


@dataclass(frozen=True)
class FileData:
    """A file attached to one of a question's texts (Moodle XML's ``<file>``).

    ``area`` names the text it belongs to, as Moodle nests it: ``questiontext``,
    ``generalfeedback``, ``correctfeedback``, ``partiallycorrectfeedback``,
    ``incorrectfeedback``, ``answer/N`` (option N's text, from 1) or ``feedback/N`` (its
    feedback). The texts refer to it as ``@@PLUGINFILE@@/name``.
    """

    name: str
    content: bytes
    area: str = "questiontext"
    path: str = "/"


@dataclass
class QuestionData:
    """A question of one of :data:`KINDS`, independent of any file format."""

    stem: str
    options: list[OptionData]
    kind: str
    key: str = ""
    title: str = ""
    text_format: str = "markdown"
    general_feedback: str = ""
    category: str = ""
    topics: list[str] = field(default_factory=list)
    domain: str = ""
    difficulty: str = ""
    tags: list[str] = field(default_factory=list)
    case: str = ""
    #: May the options be shown in a different order to each learner (Moodle's shuffleanswers)?
    #: Options that refer to others ("All of the above") keep their place even then.
    shuffle: bool = True
    #: A "Try it" setup: a sample function's slug and the settings that show the behaviour the
    #: question is about (``sample key=value ...``); checked by the content import and the
    #: question editor, which know the samples, and shown only once the question is answered.
    try_it: str = ""
    case_sensitive: bool = False
    #: Moodle's combined feedback: shown for a right, partly right or wrong answer.
    correct_feedback: str = ""
    partially_correct_feedback: str = ""
    incorrect_feedback: str = ""
    files: list[FileData] = field(default_factory=list)
    line: int = 0

    @property
    def combined_feedback(self) -> dict[str, str]:
        """The combined feedback that is set, by Moodle's element names."""
        values = {
            "correctfeedback": self.correct_feedback,
            "partiallycorrectfeedback": self.partially_correct_feedback,
            "incorrectfeedback": self.incorrect_feedback,
        }
        return {name: text for name, text in values.items() if text}


@dataclass
class Problem:
    """Something a parser reports about one place in the source."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class ParseResult:
    """What a parser found in one source text."""

    questions: list[QuestionData]
    skipped: list[Problem]
    errors: list[Problem]
    course: str = ""
    source: str = ""

    @property
    def ok(self) -> bool:
        """True when the questions may be imported (no errors)."""
        return not self.errors


def validate_question(question: QuestionData) -> list[str]:
    """Return what is wrong with a question, as messages; an empty list means it is usable."""
    problems: list[str] = []
    if not question.stem.strip():
        problems.append("the question text is empty")
    if question.kind not in KINDS:
        problems.append(f"unknown kind {question.kind!r} (expected one of {', '.join(KINDS)})")
    if question.text_format not in TEXT_FORMATS:
        problems.append(f"unknown text format {question.text_format!r}")
    if question.domain and question.domain not in DOMAINS:
        problems.append(f"unknown domain {question.domain!r}")
    if question.difficulty and question.difficulty not in DIFFICULTIES:
        problems.append(f"unknown difficulty {question.difficulty!r}")
    problems.extend(_option_problems(question))
    return problems


def _option_problems(question: QuestionData) -> list[str]:
    options = question.options
    if question.kind in ("shortanswer", "numerical"):
        return _typed_answer_problems(question)
    if len(options) < 2:
        return [f"a question needs at least 2 options (found {len(options)})"]
    problems = [
        f"option {number} has no text"
        for number, option in enumerate(options, start=1)
        if not option.text.strip()
    ]
    problems.extend(_weight_problems(options))
    fractions = [option.fraction for option in options]
    if question.kind in ("single", "truefalse"):
        problems.extend(_single_answer_problems(fractions))
    elif question.kind == "multiple":
        problems.extend(_multiple_response_problems(fractions))
    if question.kind == "truefalse" and [o.text for o in options] != ["True", "False"]:
        problems.append("a true/false question has the options 'True' and 'False'")
    return problems


def _weight_problems(options: list[OptionData]) -> list[str]:
    return [
        f"option {number} has a weight outside -100%..100% ({format_percent(option.fraction)}%)"
        for number, option in enumerate(options, start=1)
        if not -1.0 <= option.fraction <= 1.0
    ]


def _single_answer_problems(fractions: list[float]) -> list[str]:
    """As Moodle: one answer (at least) is worth 100%; others may give partial or negative
    credit."""
    best = max(fractions, default=0.0)
    if not math.isclose(best, 1.0, abs_tol=1e-6):
        return [
            "a single-answer question needs an answer worth 100% "
            f"(the best is worth {format_percent(best)}%)"
        ]
    return []


def _multiple_response_problems(fractions: list[float]) -> list[str]:
    """As Moodle: the positive weights add up to 100% (one 100% answer and negative others
    is a multiple-response question too)."""
    positive = [fraction for fraction in fractions if fraction > 0]
    total = sum(positive)
    if not positive or not math.isclose(total, 1.0, abs_tol=1e-5):
        return [
            "the positive weights of a multiple-response question must add up to 100% "
            f"(they add up to {format_percent(total)}%)"
        ]
    return []


def _typed_answer_problems(question: QuestionData) -> list[str]:
    options = question.options
    if not options:
        return ["a question needs at least one accepted answer"]
    problems = [
        f"answer {number} has no text"
        for number, option in enumerate(options, start=1)
        if not option.text.strip()
    ]
    problems.extend(_weight_problems(options))
    if question.kind == "numerical":
        problems.extend(
            f"answer {number} is not a number: {option.text!r}"
            for number, option in enumerate(options, start=1)
            if option.text.strip() and option.text != "*" and parse_number(option.text) is None
        )
        problems.extend(
            f"answer {number} has a negative tolerance"
            for number, option in enumerate(options, start=1)
            if option.tolerance < 0
        )
    if not any(math.isclose(o.fraction, 1.0, abs_tol=1e-6) for o in options):
        problems.append("one accepted answer must be worth 100%")
    return problems


def parse_number(text: str) -> float | None:
    """A number as Moodle's numerical questions accept it (``3``, ``-2.5``, ``1e3``)."""
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def format_number(value: float) -> str:
    """The shortest text that reads back to the same float (``3`` rather than ``3.0``)."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def slugify(value: str) -> str:
    """Make a URL slug the way Django's ``slugify`` does (ASCII, lower case, hyphens)."""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    words = re.sub(r"[^\w\s-]", "", ascii_text.lower())
    return re.sub(r"[-\s]+", "-", words).strip("-_")


def is_slug(value: str) -> bool:
    """True for lower-case ASCII words joined by hyphens or underscores."""
    return bool(_SLUG_RE.match(value))


def derive_key(explicit_id: str, title: str) -> str:
    """A question's stable key: its explicit id when the file has one, else its title's slug."""
    return explicit_id.strip() or slugify(title)


def normalize_fraction(value: float) -> float:
    """Round a fraction the way Moodle stores it (seven decimals)."""
    return round(value, FRACTION_DECIMALS) + 0.0


def derived_fractions(correct: list[bool]) -> list[float]:
    """The weights of a question written with plain correct/incorrect marks (a Markdown
    question's ``[x]``, the editor's "correct" boxes): each of the k correct options is worth
    1/k. In a multiple-response question (k >= 2) each distractor is worth -1/k, as Moodle's own
    GIFT export writes one (``{~%50%A ~%50%B ~%-50%C}``), so that choosing every option, or one
    right and one wrong option, earns nothing; a single-answer question's distractors are 0."""
    keys = sum(correct)
    if not keys:
        return [0.0] * len(correct)
    share = normalize_fraction(1 / keys)
    wrong = -share if keys >= 2 else 0.0
    return [share if flag else wrong for flag in correct]


def parse_percent(text: str) -> float | None:
    """Read a percentage such as ``50``, ``-100`` or ``33.33333`` as a fraction; None if invalid."""
    if not re.fullmatch(r"-?\d+(?:\.\d+)?", text.strip()):
        return None
    return normalize_fraction(float(text) / 100)


def format_percent(fraction: float) -> str:
    """Write a fraction as the shortest percentage that reads back to the same stored fraction."""
    text = f"{fraction * 100:.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def split_lines(text: str) -> list[str]:
    """Split text on line ends only (``\\n``, ``\\r\\n``, ``\\r``); drop a leading byte-order mark.

    Unlike ``str.splitlines``, separators such as U+2028 stay inside the text.
    """
    text = text.removeprefix("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def readable_category(path: str) -> str:
    """Drop Moodle's context prefix from a category path: ``$course$/top/A/B`` becomes ``A/B``."""
    parts = [part.strip() for part in path.strip().split("/")]
    if parts and re.fullmatch(r"\$[a-z0-9]+\$", parts[0]):
        parts = parts[1:]
    if parts and parts[0] == "top":
        parts = parts[1:]
    return "/".join(part for part in parts if part)


def moodle_category(category: str) -> str:
    """The category path Moodle expects in an export, rooted in the course's top category."""
    return "/".join(["$course$", "top", *[p for p in category.split("/") if p]])
