"""A question's files (Moodle XML ``<file>`` attachments): who may fetch them, and how.

A file belongs to one :class:`QuestionVersion`, so to its question and its bank, and to one of
the version's texts, its *area* as Moodle keys it: ``questiontext``, ``generalfeedback``, the
combined feedback, ``answer/N`` (option N's text, from 1) or ``feedback/N`` (its feedback). Two
texts may each hold a different file of the same name, as a Moodle export may, so a file is
served at ``/quizzes/media/<version>/<area>/<path><name>`` and a text's ``@@PLUGINFILE@@/``
links are rewritten to its own area's folder when the page is rendered (:func:`media_links`; the
learner pages and the question editor's preview both use it). A link to a name its text has no
file of (an option the editor moved, say) reaches the question's first file of that name.

Who may fetch it (anyone else gets NotFound, so its existence is not revealed):

* a learner who was given that version in one of their attempts: the files of the question
  text and the options at once, those of the feedback only once that attempt reveals the
  answer (after the answer in practice, after submission in an exam), as the page does;
* an instructor who may import into the question's bank (a shared course or their own), or
  who wrote the question.

Only images, audio and video a browser shows without running anything are served inline;
everything else, SVG and HTML included, is served as a download, always with ``nosniff`` and a
sandboxing Content-Security-Policy.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.urls import reverse

from studyapp.core.errors import NotFound
from studyapp.quizzes.disclosure import item_reveals
from studyapp.quizzes.formats.model import PLUGINFILE, FileData
from studyapp.quizzes.models import AttemptQuestion, QuestionMedia

#: Shown in the page as they are: formats that hold no script.
INLINE_TYPES = frozenset(
    {
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "image/avif",
        "audio/mpeg",
        "audio/ogg",
        "audio/wav",
        "video/mp4",
        "video/webm",
    }
)
#: The files of these texts show what the answer is: never before the answer is revealed.
_QUESTION_AREAS = ("questiontext", "answer/")
#: The areas a file's address may name (:func:`media_url`).
AREA_PATTERN = (
    r"questiontext|generalfeedback|correctfeedback|partiallycorrectfeedback|incorrectfeedback"
    r"|(?:answer|feedback)/[1-9][0-9]{0,3}"
)


@dataclass(frozen=True)
class MediaDelivery:
    """What the page interface sends for a file: its bytes and the headers."""

    content: bytes
    headers: dict[str, str]


def answer_area(position: int) -> str:
    """The area of the text of the option at ``position`` (from 0): Moodle's answer N, from 1."""
    return f"answer/{position + 1}"


def feedback_area(position: int) -> str:
    """The area of the feedback of the option at ``position`` (from 0)."""
    return f"feedback/{position + 1}"


def files_follow_options(files: list[FileData], *, origins: list[int | None]) -> list[FileData]:
    """``files`` with each option's areas renumbered for its new place: ``origins[i]`` is the
    position (from 0) that the option now at ``i`` had. A removed option's files are left out
    (the version it belonged to keeps them); the other texts' files are kept as they are."""
    moved = {origin: position for position, origin in enumerate(origins) if origin is not None}
    kept = []
    for file in files:
        kind, _, number = file.area.partition("/")
        if kind not in ("answer", "feedback") or not number.isdigit():
            kept.append(file)
            continue
        position = moved.get(int(number) - 1)
        if position is not None:
            area = answer_area(position) if kind == "answer" else feedback_area(position)
            kept.append(replace(file, area=area))
    return kept


def media_url(version_id: int, area: str, file: str = "") -> str:
    """Where a version's file ``file`` (its path below ``/`` and its name) of the text ``area``
    is served; without a file: the folder that text's links use."""
    return reverse("quizzes:media", args=[version_id, area, file or "-"])[: None if file else -1]


def media_links(text: str, *, version_id: int | None, area: str) -> str:
    """``@@PLUGINFILE@@/name`` links in the text ``area`` of a version, pointed at where that
    text's files are served (before the text is rendered and sanitised)."""
    if not version_id or PLUGINFILE not in text:
        return text
    return text.replace(PLUGINFILE, media_url(version_id, area))


def media_for_viewer(*, user, version_id: int, area: str, file: str) -> QuestionMedia:
    """The file ``file`` (``path/name`` below ``/``) of the text ``area`` of a version (else the
    version's first file of that path and name), if ``user`` may fetch it; else NotFound."""
    folder, _, name = file.rpartition("/")
    found = list(
        QuestionMedia.objects.select_related("version__question__course")
        .filter(version_id=version_id, path=f"/{folder}/" if folder else "/", name=name)
        .order_by("position")
    )
    media = next((m for m in found if m.area == area), found[0] if found else None)
    if media is None or not _may_fetch(user, media):
        raise NotFound("No such file.")
    return media


def _may_fetch(user, media: QuestionMedia) -> bool:
    question = media.version.question
    if user.is_instructor and (
        question.course.uploaded_by_id in (None, user.pk) or question.author_id == user.pk
    ):
        return True
    items = AttemptQuestion.objects.filter(
        attempt__user=user, version_id=media.version_id
    ).select_related("attempt")
    if media.area == "questiontext" or media.area.startswith("answer/"):
        return items.exists()
    return any(item_reveals(attempt=item.attempt, item=item) for item in items)


def media_delivery(media: QuestionMedia) -> MediaDelivery:
    """The bytes and headers of a file: its own content type, inline only when harmless."""
    inline = media.content_type in INLINE_TYPES
    disposition = "inline" if inline else "attachment"
    safe_name = "".join(c for c in media.name if c.isalnum() or c in "._- ") or "file"
    return MediaDelivery(
        content=bytes(media.data),
        headers={
            "Content-Type": media.content_type,
            "Content-Length": str(media.size),
            "Content-Disposition": f'{disposition}; filename="{safe_name}"',
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, max-age=3600",
        },
    )
