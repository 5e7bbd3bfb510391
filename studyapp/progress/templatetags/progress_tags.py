"""Small formatting filters for the dashboards."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def duration_ms(value: int | None) -> str:
    """Milliseconds as hours and minutes: "2 h 05 min", "12 min", "0 min"."""
    minutes = round((value or 0) / 60000)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


@register.filter
def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"
