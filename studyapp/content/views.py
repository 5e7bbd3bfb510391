"""Learners' pages of the content: the "Try it in the sandbox" link of an answered question."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from studyapp.content.try_links import try_link_follow


@require_POST
def try_it(request: HttpRequest, item_id: int) -> HttpResponse:
    url, setup = try_link_follow(user=request.user, item_id=item_id)
    settings = setup.describe()
    messages.info(
        request,
        f"Set up for this question: {', '.join(settings)}." if settings else "Run it as it is.",
    )
    return redirect(url)
