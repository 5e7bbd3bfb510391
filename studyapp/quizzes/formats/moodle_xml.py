"""Moodle XML: read and write ``<quiz>`` files of multichoice, truefalse, shortanswer and
numerical questions.

Read:

* ``<question type="category">`` sets the category of the questions that follow; the Moodle
  context prefix is dropped (``$course$/top/Lambda/Limits`` becomes ``Lambda/Limits``);
* ``<question type="multichoice">``: ``<name>``, ``<questiontext format=..>``,
  ``<generalfeedback>``, ``<answer fraction="..">`` with ``<text>`` and ``<feedback>``,
  ``<single>``, ``<idnumber>`` (the key; else the name's slug) and ``<tags>``;
  ``<shuffleanswers>`` (kept as the question's shuffle setting); other display settings are
  ignored;
* ``<question type="truefalse">`` as the two options "True" and "False";
* ``<question type="shortanswer">``: the accepted answers and ``<usecase>``;
* ``<question type="numerical">``: the answers (``*`` is any other number) and their
  ``<tolerance>``;
* every other type is skipped with its line and the reason.

Attachments: each ``<file name=".." path=".." encoding="base64">`` inside a text element
(``<questiontext>``, ``<generalfeedback>``, the combined feedback, an ``<answer>`` or its
``<feedback>``) is read into :class:`FileData` with the text it belongs to, and written back in
the same place. A file that is not valid base64 or is larger than ``MAX_FILE_BYTES``, and a
question whose files add up to more than ``MAX_QUESTION_FILES_BYTES``, are errors with their line.

Text formats: ``html`` as ``"html"``, ``moodle_auto_format`` as ``"moodle"``, ``markdown`` as
``"markdown"``, ``plain_text`` as ``"plain"``.

The file is refused when it holds a ``<!DOCTYPE`` or ``<!ENTITY`` declaration: no entity is ever
expanded. Lines come from the XML parser, so every problem points at the right ``<question``.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from xml.parsers import expat

from studyapp.quizzes.formats.model import (
    MAX_FILE_BYTES,
    MAX_QUESTION_FILES_BYTES,
    FileData,
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
    validate_question,
)

_DECLARATION_RE = re.compile(r"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_READ_FORMATS = {
    "html": "html",
    "moodle_auto_format": "moodle",
    "markdown": "markdown",
    "plain_text": "plain",
}
_WRITE_FORMATS = {
    "html": "html",
    "markdown": "markdown",
    "plain": "plain_text",
    "moodle": "moodle_auto_format",
}
#: The text elements of a question that may hold files, in the order Moodle writes them.
_FILE_AREAS = (
    "questiontext",
    "generalfeedback",
    "correctfeedback",
    "partiallycorrectfeedback",
    "incorrectfeedback",
)
_TYPE_NAMES = {
    "essay": "essay",
    "match": "matching",
    "description": "description",
    "multianswer": "embedded-answer (cloze)",
    "calculated": "calculated",
    "ddwtos": "drag-and-drop",
}


class DeclarationRefused(Exception):
    """A DTD or an entity declaration: refused before anything is expanded."""


@dataclass
class _Element:
    """A parsed element: just what the reader needs, with the line it starts on."""

    tag: str
    attributes: dict[str, str]
    line: int
    children: list[_Element] = field(default_factory=list)
    text: str = ""

    def child(self, tag: str) -> _Element | None:
        return next((child for child in self.children if child.tag == tag), None)

    def all(self, tag: str) -> list[_Element]:
        return [child for child in self.children if child.tag == tag]

    def text_of(self, *path: str) -> str:
        """Stripped text of the element found by following ``path``; "" when absent."""
        element: _Element | None = self
        for tag in path:
            element = element.child(tag) if element else None
        return element.text.strip() if element else ""


def _read_tree(text: str) -> _Element:
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[_Element] = [_Element("#document", {}, 0)]

    def refuse(*_: object) -> None:
        raise DeclarationRefused

    def start(tag: str, attributes: dict[str, str]) -> None:
        element = _Element(tag, attributes, parser.CurrentLineNumber)
        stack[-1].children.append(element)
        stack.append(element)

    def end(_tag: str) -> None:
        stack.pop()

    def characters(data: str) -> None:
        stack[-1].text += data

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    parser.Parse(text, True)
    return stack[0]


def _declaration_line(text: str) -> int:
    match = _DECLARATION_RE.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else 0


def parse(text: str, *, source: str = "") -> ParseResult:
    """Read Moodle XML; see the module docstring for what is read and skipped."""
    result = ParseResult(questions=[], skipped=[], errors=[], source=source)
    refused_at = _declaration_line(text)
    if refused_at:
        result.errors.append(_refusal(refused_at))
        return result
    try:
        document = _read_tree(text)
    except DeclarationRefused:
        result.errors.append(_refusal(1))
        return result
    except expat.ExpatError as error:
        message = f"the XML is not well formed: {expat.ErrorString(error.code)}"
        result.errors.append(Problem(error.lineno, message))
        return result
    quiz = document.child("quiz")
    if quiz is None:
        result.errors.append(Problem(1, "the root element must be <quiz>"))
        return result
    _read_quiz(quiz, result)
    return result


def _refusal(line: int) -> Problem:
    return Problem(line, "DOCTYPE and ENTITY declarations are not accepted; remove them")


def _read_quiz(quiz: _Element, result: ParseResult) -> None:
    category = ""
    for element in quiz.all("question"):
        kind = element.attributes.get("type", "")
        if kind == "category":
            category = readable_category(element.text_of("category", "text"))
        elif kind in ("multichoice", "truefalse", "shortanswer", "numerical"):
            question = _read_question(element, kind, category, result)
            problems = validate_question(question) if question is not None else []
            if problems:
                # Moodle stores such a question with a notice; it cannot be graded here, so it
                # is left out with its line and the reason, and the rest of the file is read.
                reason = "; ".join(problems)
                result.skipped.append(Problem(question.line, f"{reason}, skipped"))
            elif question is not None:
                result.questions.append(question)
        elif not kind:
            result.errors.append(Problem(element.line, "a <question> needs a type attribute"))
        else:
            name = _TYPE_NAMES.get(kind, kind)
            message = f"{name} questions are not supported, skipped"
            result.skipped.append(Problem(element.line, message))


def _read_question(
    element: _Element, kind: str, category: str, result: ParseResult
) -> QuestionData | None:
    text_element = element.child("questiontext")
    raw_format = text_element.attributes.get("format", "html") if text_element else "html"
    if raw_format not in _READ_FORMATS:
        result.errors.append(Problem(element.line, f"unknown text format {raw_format!r}"))
        return None
    title = element.text_of("name", "text")
    question = QuestionData(
        stem=element.text_of("questiontext", "text"),
        options=[],
        kind="single",
        key=derive_key(element.text_of("idnumber"), title),
        title=title,
        text_format=_READ_FORMATS[raw_format],
        general_feedback=element.text_of("generalfeedback", "text"),
        correct_feedback=element.text_of("correctfeedback", "text"),
        partially_correct_feedback=element.text_of("partiallycorrectfeedback", "text"),
        incorrect_feedback=element.text_of("incorrectfeedback", "text"),
        category=category,
        tags=[tag.text_of("text") for tag in _tags(element) if tag.text_of("text")],
        line=element.line,
    )
    try:
        options = [_read_answer(answer) for answer in element.all("answer")]
        question.files = _read_files(element)
    except _FileProblem as problem:
        result.errors.append(Problem(problem.line, problem.message))
        return None
    except ValueError as error:
        result.errors.append(Problem(element.line, str(error)))
        return None
    if kind == "truefalse":
        return _as_true_false(question, options, result)
    question.options = options
    if kind in ("shortanswer", "numerical"):
        question.kind = kind
        question.case_sensitive = _is_true(element.text_of("usecase") or "0")
        return question
    question.kind = "single" if _is_true(element.text_of("single") or "true") else "multiple"
    question.shuffle = _is_true(element.text_of("shuffleanswers") or "true")
    return question


class _FileProblem(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line, self.message = line, message


def _read_files(question: _Element) -> list[FileData]:
    """Every ``<file>`` of the question, with the text it is attached to."""
    places: list[tuple[str, _Element]] = [
        (area, found) for area in _FILE_AREAS if (found := question.child(area)) is not None
    ]
    for number, answer in enumerate(question.all("answer"), start=1):
        places.append((f"answer/{number}", answer))
        feedback = answer.child("feedback")
        if feedback is not None:
            places.append((f"feedback/{number}", feedback))
    files = [_read_file(file, area) for area, place in places for file in place.all("file")]
    total = sum(len(file.content) for file in files)
    if total > MAX_QUESTION_FILES_BYTES:
        raise _FileProblem(
            question.line,
            f"the question's files hold {_size(total)}; a question may hold at most "
            f"{_size(MAX_QUESTION_FILES_BYTES)}",
        )
    return files


def _read_file(element: _Element, area: str) -> FileData:
    name = element.attributes.get("name", "").strip()
    if not name or "/" in name or "\\" in name or name in (".", ".."):
        raise _FileProblem(element.line, f"a <file> needs a plain file name (found {name!r})")
    encoding = element.attributes.get("encoding", "base64")
    if encoding != "base64":
        message = f"the <file> {name!r} has the encoding {encoding!r}; only base64 is read"
        raise _FileProblem(element.line, message)
    encoded = "".join(element.text.split())
    if len(encoded) * 3 // 4 > MAX_FILE_BYTES + 3:
        raise _FileProblem(element.line, _too_large(name, len(encoded) * 3 // 4))
    try:
        content = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise _FileProblem(element.line, f"the <file> {name!r} is not valid base64") from None
    if len(content) > MAX_FILE_BYTES:
        raise _FileProblem(element.line, _too_large(name, len(content)))
    path = element.attributes.get("path", "/") or "/"
    return FileData(name=name, content=content, area=area, path=path)


def _too_large(name: str, size: int) -> str:
    return f"the file {name!r} holds {_size(size)}; a file may hold at most {_size(MAX_FILE_BYTES)}"


def _size(count: int) -> str:
    return f"{count / 1024 / 1024:.1f} MB" if count >= 1024 * 1024 else f"{count / 1024:.0f} KB"


def _tags(element: _Element) -> list[_Element]:
    tags = element.child("tags")
    return tags.all("tag") if tags else []


def _read_answer(answer: _Element) -> OptionData:
    raw = answer.attributes.get("fraction", "0")
    fraction = parse_percent(raw)
    if fraction is None:
        raise ValueError(f"bad fraction {raw!r} in an <answer> (write a percentage like 50)")
    tolerance = parse_number(answer.text_of("tolerance") or "0")
    if tolerance is None:
        raise ValueError(f"bad tolerance {answer.text_of('tolerance')!r} in an <answer>")
    return OptionData(
        text=answer.text_of("text"),
        fraction=fraction,
        feedback=answer.text_of("feedback", "text"),
        tolerance=tolerance,
    )


def _renumbered(file: FileData, renumber: dict[str, str]) -> FileData:
    place, _, number = file.area.partition("/")
    if not number:
        return file
    return FileData(file.name, file.content, f"{place}/{renumber.get(number, number)}", file.path)


def _is_true(value: str) -> bool:
    return value.strip().lower() in ("true", "1")


def _as_true_false(
    question: QuestionData, answers: list[OptionData], result: ParseResult
) -> QuestionData | None:
    by_text = {answer.text.lower(): answer for answer in answers}
    if sorted(by_text) != ["false", "true"]:
        message = "a truefalse question needs the answers 'true' and 'false'"
        result.errors.append(Problem(question.line, message))
        return None
    question.kind = "truefalse"
    # The options become True, False in that order; files of the answers follow them.
    numbers = {answer.text.lower(): str(number) for number, answer in enumerate(answers, 1)}
    renumber = {numbers["true"]: "1", numbers["false"]: "2"}
    question.files = [_renumbered(file, renumber) for file in question.files]
    question.options = [
        OptionData("True", by_text["true"].fraction, by_text["true"].feedback),
        OptionData("False", by_text["false"].fraction, by_text["false"].feedback),
    ]
    return question


# --- writing ---------------------------------------------------------------------------------


def write(questions: list[QuestionData]) -> str:
    """Write a Moodle XML quiz; a category entry precedes each change of category."""
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>"]
    category: str | None = None
    for question in questions:
        if question.category != category:
            category = question.category
            parts.append(_category_element(category))
        parts.append(_question_element(question))
    parts.append("</quiz>")
    return "\n".join(parts) + "\n"


def _category_element(category: str) -> str:
    return (
        '  <question type="category">\n'
        f"    <category><text>{_escape(moodle_category(category))}</text></category>\n"
        "  </question>"
    )


def _question_element(question: QuestionData) -> str:
    text_format = _WRITE_FORMATS[question.text_format]
    moodle_type = "multichoice" if question.kind in ("single", "multiple") else question.kind
    lines = [
        f'  <question type="{moodle_type}">',
        f"    <name><text>{_escape(question.title)}</text></name>",
        f'    <questiontext format="{text_format}">{_rich_text(question.stem)}'
        f"{_files(question, 'questiontext')}</questiontext>",
        f'    <generalfeedback format="{text_format}">'
        f"{_rich_text(question.general_feedback)}{_files(question, 'generalfeedback')}"
        "</generalfeedback>",
        f"    <idnumber>{_escape(question.key)}</idnumber>",
    ]
    if moodle_type == "multichoice":
        lines.extend(
            [
                f"    <single>{'true' if question.kind == 'single' else 'false'}</single>",
                f"    <shuffleanswers>{'true' if question.shuffle else 'false'}</shuffleanswers>",
                "    <answernumbering>ABCD</answernumbering>",
            ]
        )
        lines.extend(
            f'    <{name} format="{text_format}">{_rich_text(text)}{_files(question, name)}'
            f"</{name}>"
            for name, text in (
                ("correctfeedback", question.correct_feedback),
                ("partiallycorrectfeedback", question.partially_correct_feedback),
                ("incorrectfeedback", question.incorrect_feedback),
            )
        )
    if question.kind == "shortanswer":
        lines.append(f"    <usecase>{1 if question.case_sensitive else 0}</usecase>")
    lines.extend(
        _answer_element(option, question, text_format, number)
        for number, option in enumerate(question.options, start=1)
    )
    if question.tags:
        tags = "".join(f"<tag><text>{_escape(tag)}</text></tag>" for tag in question.tags)
        lines.append(f"    <tags>{tags}</tags>")
    lines.append("  </question>")
    return "\n".join(lines)


def _answer_element(
    option: OptionData, question: QuestionData, text_format: str, number: int
) -> str:
    # Moodle keeps true/false answers as the words "true" and "false", typed answers as text.
    text = option.text.lower() if question.kind == "truefalse" else option.text
    answer_format = text_format if question.kind in ("single", "multiple") else "moodle_auto_format"
    tolerance = (
        f"<tolerance>{format_number(option.tolerance)}</tolerance>"
        if question.kind == "numerical"
        else ""
    )
    return (
        f'    <answer fraction="{format_percent(option.fraction)}" format="{answer_format}">'
        f"{_rich_text(text)}{_files(question, f'answer/{number}')}"
        f'<feedback format="{text_format}">{_rich_text(option.feedback)}'
        f"{_files(question, f'feedback/{number}')}</feedback>"
        f"{tolerance}</answer>"
    )


def _files(question: QuestionData, area: str) -> str:
    """The ``<file>`` elements of one of the question's texts, as Moodle writes them."""
    return "".join(
        f'<file name="{_escape(file.name, quote=True)}" path="{_escape(file.path, quote=True)}" '
        f'encoding="base64">{base64.b64encode(file.content).decode("ascii")}</file>'
        for file in question.files
        if file.area == area
    )


def _rich_text(text: str) -> str:
    """A ``<text>`` element holding text as CDATA (split where the text contains ``]]>``)."""
    if not text:
        return "<text></text>"
    return "<text><![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]></text>"


def _escape(text: str, *, quote: bool = False) -> str:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace('"', "&quot;") if quote else escaped
