"""A question version's texts as the pages show them, rendered once and kept with the version.

A version never changes, so its stem, options, explanations and general explanation render to
the same HTML every time: rendering them at each process's first showing (the Markdown cache is
per process) cost a question page and its answer a millisecond or more each. The importer keeps
the HTML of each version it creates in ``QuestionVersion.html`` (:func:`version_html_keep`); a
version without it (older, or kept by another renderer: :data:`studyapp.markdown.RENDERER`)
gets it the first time a question page shows it. The page tags take the kept HTML of a text
(:func:`version_text_html`) only when it was made from that very text by the current renderer,
and render the text as before otherwise.

A text that links to the question's files (``@@PLUGINFILE@@``) is not kept: its links are the
site's addresses of the files (:func:`studyapp.quizzes.media.media_links`), made at each showing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from studyapp.markdown import RENDERER, render_text
from studyapp.quizzes.formats.model import PLUGINFILE
from studyapp.quizzes.media import answer_area, feedback_area
from studyapp.quizzes.models import Option, QuestionVersion


def text_digest(text: str) -> str:
    """A short fingerprint of a text: the kept HTML is the HTML of the text that has it."""
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def version_texts(
    version: QuestionVersion, options: Iterable[Option]
) -> list[tuple[str, str, bool]]:
    """The texts the pages show of a version: (area, text, inline), an option's text inline."""
    texts = [
        ("questiontext", version.stem_md, False),
        ("generalfeedback", version.general_explanation_md, False),
    ]
    for option in options:
        texts.append((answer_area(option.position), option.text_md, True))
        texts.append((feedback_area(option.position), option.explanation_md, False))
    return texts


def version_html_build(version: QuestionVersion, options: Iterable[Option]) -> dict:
    """Every text of the version (but those linking to its files) rendered by the current
    renderer: ``{"renderer": ..., "texts": {area: [digest, inline, html]}}``."""
    return {
        "renderer": RENDERER,
        "texts": {
            area: [
                text_digest(text),
                inline,
                str(render_text(text, version.text_format, inline=inline)),
            ]
            for area, text, inline in version_texts(version, options)
            if PLUGINFILE not in text
        },
    }


def version_html_keep(version: QuestionVersion, options: Iterable[Option]) -> None:
    """Keep the HTML of the version's texts (one UPDATE), unless the current renderer's is
    kept already. ``options``: the version's options."""
    if version.html.get("renderer") == RENDERER:
        return
    version.html = version_html_build(version, options)
    QuestionVersion.objects.filter(pk=version.pk).update(html=version.html)


def version_text_html(
    version: QuestionVersion, area: str, text: str, *, inline: bool
) -> str | None:
    """The kept HTML of the version's text ``area``, if it is the HTML of ``text`` (``inline``:
    without a paragraph around it) by the current renderer; else None."""
    kept = version.html
    if kept.get("renderer") != RENDERER:
        return None
    entry = kept["texts"].get(area)
    if entry is None or entry[1] != inline or entry[0] != text_digest(text):
        return None
    return entry[2]
