"""Reads shared by the sandbox pages."""

from __future__ import annotations

from typing import Any

from studyapp.sandbox.models import Function
from studyapp.topics.models import Topic


def function_by_name(*, user, name: str) -> Function | None:
    """The function ``name`` names for this user: their own of that name, else the shipped
    sample of that name; another learner's function is never found (None)."""
    return (
        Function.objects.active().filter(owner=user, name=name).first()
        or Function.objects.active().samples().filter(name=name).first()
    )


def function_list(*, user, topic_key: str = "") -> dict[str, Any]:
    """The shipped samples (with their topic) and the user's own functions, in two queries.

    ``topic_key`` ("<course slug>/<topic slug>", as the topic pages link) keeps only the
    samples that teach that topic.
    """
    samples = Function.objects.samples().active()
    if topic_key:
        samples = samples.filter(topic__in=Topic.objects.by_key(topic_key))
    samples = (
        samples.select_related("topic__course")
        .only(
            "name",
            "title",
            "summary",
            "runtime",
            "owner_id",
            "topic__slug",
            "topic__title",
            "topic__course__slug",
        )
        .order_by("title")
    )
    mine = (
        Function.objects.owned_by(user)
        .active()
        .select_related("copied_from")
        .only(
            "name",
            "title",
            "owner_id",
            "updated_at",
            "runtime",
            "memory_mb",
            "copied_from__name",
            "copied_from__title",
        )
        .order_by("-updated_at")
    )
    samples = list(samples)
    topic = samples[0].topic if topic_key and samples else None
    return {"samples": samples, "mine": list(mine), "topic_key": topic_key, "topic": topic}
