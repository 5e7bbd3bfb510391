"""Small formatting filters for the dashboards, and ``{% topic_item %}``: a topic of the
learner's dashboard drawn by its partial of ``progress/home.html`` once per process for each
distinct thing it shows, then reused.

The course map lists every topic and most of them show the same from one view to the next (and
"not started" is the same for every learner); drawn node by node they were a good part of the
page's rendering. The key is everything the partial shows (the figures as the page writes them),
and the partial is given only that, so a key never stands for another learner's topic: a changed
figure is simply a new key, nothing is ever invalidated, and the markup stays in the template,
escaped by it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from django import template
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

if TYPE_CHECKING:
    from studyapp.progress.dashboards import TopicMastery

register = template.Library()

#: Distinct topic items kept per process (a few hundred bytes each).
KEPT = 20_000
SHOWN = (
    "level", "title", "started", "recall", "accuracy", "read", "read_url", "review_url",
    "practise_url",
)  # fmt: skip


@register.filter
def duration_ms(value: int | None) -> str:
    """Milliseconds as hours and minutes: "2 h 05 min", "12 min", "0 min"."""
    minutes = round((value or 0) / 60000)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


@register.filter
def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


@lru_cache(maxsize=KEPT)
def topic_item_markup(partial: str, shown: tuple[str | bool, ...]) -> str:
    context = dict(zip(SHOWN, shown, strict=True))
    return get_template(f"progress/home.html#{partial}").render(context)


@register.simple_tag
def topic_item(partial: str, item: TopicMastery) -> SafeString:
    """The topic as the partial named ``partial`` draws it (``study-topic`` or ``map-topic``)."""
    links = item.links
    shown = (
        item.level,
        item.topic.title,
        item.started,
        percent(item.recall),
        percent(item.accuracy),
        item.read,
        links.read,
        links.review,
        links.practise,
    )
    return mark_safe(topic_item_markup(partial, shown))  # noqa: S308 - escaped by the template
