"""Template helpers of the quiz pages, and the due-questions panel other pages can include.

``{% load quiz_tags %}{% due_questions_panel %}`` shows how many questions are due for the
logged-in learner, with a link that starts a practice session of them (the daily review page
puts it next to the flashcards).
"""

from __future__ import annotations

from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from studyapp.markdown import render_text
from studyapp.quizzes.media import answer_area, feedback_area, media_links
from studyapp.quizzes.models import QuestionVersion
from studyapp.quizzes.rendering import version_text_html
from studyapp.quizzes.selectors import questions_due_count

register = template.Library()


@register.simple_tag
def question_text(text: str, version: QuestionVersion | str | None, area: str) -> SafeString:
    """``{% question_text text version area %}``: one of a question's texts (its stem, an
    explanation) in the text format it was written in; given the version (rather than only its
    format, or None: Markdown), its ``@@PLUGINFILE@@`` links reach the files of its ``area``
    (``"questiontext"``, ``"generalfeedback"``, ``option.position|feedback_area``)."""
    return _question_html(text, version, area, inline=False)


@register.simple_tag
def question_inline(text: str, version: QuestionVersion | str | None, area: str) -> SafeString:
    """An option (``area``: ``option.position|answer_area``) in its question's text format,
    without a Markdown paragraph around it."""
    return _question_html(text, version, area, inline=True)


def _question_html(
    text: str, version: QuestionVersion | str | None, area: str, *, inline: bool
) -> SafeString:
    """The HTML of the version's text as kept when the version was imported
    (:mod:`studyapp.quizzes.rendering`), else the text rendered now."""
    if isinstance(version, QuestionVersion):
        kept = version_text_html(version, area, text, inline=inline)
        if kept is not None:
            return mark_safe(kept)  # noqa: S308 - rendered and sanitised by render_text
    text_format, version_id = _format_and_version(version)
    return render_text(
        media_links(text, version_id=version_id, area=area), text_format, inline=inline
    )


register.filter("answer_area", answer_area)
register.filter("feedback_area", feedback_area)


def _format_and_version(version: QuestionVersion | str | None) -> tuple[str, int | None]:
    if isinstance(version, QuestionVersion):
        return version.text_format, version.pk
    return version or "markdown", None


@register.inclusion_tag("quizzes/index.html#due-questions", takes_context=True)
def due_questions_panel(context) -> dict:
    request = context["request"]
    return {
        "questions_due": questions_due_count(request.user, timezone.now()),
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def clock(value: timedelta | None) -> str:
    """A time left as H:MM:SS (whole seconds)."""
    if value is None:
        return ""
    seconds = max(0, int(value.total_seconds()))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


@register.filter
def whole_seconds(value: timedelta | None) -> int:
    return max(0, int(value.total_seconds())) if value is not None else 0


@register.filter
def option_letter(index: int) -> str:
    """0 -> A, 1 -> B, ...: the letter an option is shown under."""
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[index] if 0 <= index < 26 else str(index + 1)


@register.filter
def percent(value: float | None) -> str:
    """0.8 -> "80.00%"; None -> "–"."""
    return "–" if value is None else f"{100 * value:.2f}%"


@register.filter
def figure(value: float | None) -> str:
    """A statistic already in percent units, two decimals; None -> "–"."""
    return "–" if value is None else f"{value:.2f}"


@register.filter
def duration(value: timedelta | None) -> str:
    """A time taken in words: "1 h 05 min", "3 min 20 s", "45 s"; None -> "–"."""
    if value is None:
        return "–"
    seconds = max(0, round(value.total_seconds()))
    hours, minutes, rest = seconds // 3600, seconds % 3600 // 60, seconds % 60
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {rest:02d} s"
    return f"{rest} s"
