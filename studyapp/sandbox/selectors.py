"""Reads shared by the sandbox pages."""

from __future__ import annotations

from typing import Any

from studyapp.sandbox.models import Function


def function_list(*, user) -> dict[str, Any]:
    """The shipped samples (with their topic) and the user's own functions, in two queries."""
    samples = (
        Function.objects.samples()
        .active()
        .select_related("topic__course")
        .only(
            "name",
            "title",
            "summary",
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
            "memory_mb",
            "copied_from__name",
            "copied_from__title",
        )
        .order_by("-updated_at")
    )
    return {"samples": list(samples), "mine": list(mine)}
