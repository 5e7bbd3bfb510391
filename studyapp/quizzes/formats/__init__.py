"""Question interchange formats: GIFT, Aiken, Moodle XML and the project's Markdown format.

Each format reads text into a :class:`~studyapp.quizzes.formats.model.ParseResult` and writes a
list of :class:`~studyapp.quizzes.formats.model.QuestionData` back to text::

    result = FORMATS["gift"].parse(text, source="lambda.gift")
    if result.ok:
        ...  # import result.questions
    text = FORMATS["markdown"].write(result.questions)

Pure Python: nothing here imports Django.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from studyapp.quizzes.formats import aiken, gift, markdown, moodle_xml
from studyapp.quizzes.formats.model import (
    OptionData,
    ParseResult,
    Problem,
    QuestionData,
    validate_question,
)


@dataclass(frozen=True)
class QuestionFormat:
    """A format's name, reader, writer and usual file extension."""

    name: str
    label: str
    extension: str
    parse: Callable[..., ParseResult]
    write: Callable[[list[QuestionData]], str]


FORMATS: dict[str, QuestionFormat] = {
    "gift": QuestionFormat("gift", "GIFT (Moodle)", ".gift", gift.parse, gift.write),
    "aiken": QuestionFormat("aiken", "Aiken", ".txt", aiken.parse, aiken.write),
    "moodle-xml": QuestionFormat(
        "moodle-xml", "Moodle XML", ".xml", moodle_xml.parse, moodle_xml.write
    ),
    "markdown": QuestionFormat(
        "markdown", "Markdown (this project)", ".md", markdown.parse, markdown.write
    ),
}

__all__ = [
    "FORMATS",
    "OptionData",
    "ParseResult",
    "Problem",
    "QuestionData",
    "QuestionFormat",
    "validate_question",
]
