"""What a card shows: its front (the question) and its back (the answer), as safe HTML.

Basic: front then back. Reversed: card 1 asks the front, card 2 asks the back. Cloze: the note's
text with ``{{cN::answer}}`` or ``{{cN::answer::hint}}`` deletions; card N hides deletion N as
``[...]`` (or ``[hint]``) and shows every other deletion as plain text; its back marks the answer.
The cloze markup becomes inline HTML in the Markdown source, so everything still goes through
:func:`studyapp.markdown.render_markdown` (and its sanitiser).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from django.utils.safestring import SafeString

from studyapp.cards.models import Card, Note
from studyapp.markdown import render_markdown

CLOZE = re.compile(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", re.DOTALL)
TAG = re.compile(r"<[^>]*>")


def cloze_numbers(text: str) -> list[int]:
    """The distinct cloze numbers of a text, in order: each gives one card."""
    return sorted({int(match.group(1)) for match in CLOZE.finditer(text)})


def cloze_side(text: str, *, number: int, revealed: bool) -> str:
    """The cloze text with deletion ``number`` hidden (front) or marked (back)."""

    def replace(match: re.Match) -> str:
        answer, hint = match.group(2), match.group(3)
        if int(match.group(1)) != number:
            return answer
        if revealed:
            return f'<mark class="cloze">{answer}</mark>'
        shown = html.escape(f"[{hint}]" if hint else "[...]")
        return f'<span class="cloze">{shown}</span>'

    return CLOZE.sub(replace, text)


@dataclass(frozen=True)
class CardFaces:
    front: SafeString
    back: SafeString  # the answer only; templates show it under the front


def card_faces(card: Card, *, front_md: str | None = None, back_md: str | None = None) -> CardFaces:
    """The card's faces from its note's text, or from ``front_md`` and ``back_md`` when given (a
    learner's own text of the note: see :func:`studyapp.cards.overrides.learner_card_faces`)."""
    note = card.note
    front_md = note.front_md if front_md is None else front_md
    back_md = note.back_md if back_md is None else back_md
    if note.kind == Note.Kind.CLOZE:
        front = cloze_side(front_md, number=card.ordinal, revealed=False)
        back = cloze_side(front_md, number=card.ordinal, revealed=True)
        if back_md.strip():
            back = f"{back}\n\n---\n\n{back_md}"
        return CardFaces(front=render_markdown(front), back=render_markdown(back))
    if note.kind == Note.Kind.REVERSED and card.ordinal == 2:
        return CardFaces(front=render_markdown(back_md), back=render_markdown(front_md))
    return CardFaces(front=render_markdown(front_md), back=render_markdown(back_md))


def text_shows_nothing(text: str) -> bool:
    """Whether Markdown shows nothing once rendered and sanitised: blank, or only what the
    sanitiser removes (``<script>alert(1)</script>``, styles, unknown tags). An image counts."""
    rendered = str(render_markdown(text))
    if "<img" in rendered:
        return False
    return not html.unescape(TAG.sub("", rendered)).strip()


def note_ordinals(note: Note) -> list[int]:
    """The cards a note gives: 1 (basic), 1 and 2 (reversed), one per cloze number."""
    if note.kind == Note.Kind.CLOZE:
        return cloze_numbers(note.front_md)
    if note.kind == Note.Kind.REVERSED:
        return [1, 2]
    return [1]
