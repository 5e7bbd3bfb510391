"""Site-wide pages: the public landing page, the health check and the signed-in check."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET


@login_not_required
@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    return render(request, "landing.html")


@login_not_required
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Answer 200 when the app can reach its database, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = True
    except Exception:
        database = False
    return JsonResponse(
        {"status": "ok" if database else "unavailable", "database": database},
        status=200 if database else 503,
    )


@require_GET
def health_me(request: HttpRequest) -> HttpResponse:
    """Answer the signed-in user's name as plain text: the session and the user read, no more.

    The cheapest page a signed-in learner can ask for (log-in required, as every page is), so
    it is the floor the benchmarks compare every learner's page with.
    """
    return HttpResponse(request.user.get_username(), content_type="text/plain; charset=utf-8")
