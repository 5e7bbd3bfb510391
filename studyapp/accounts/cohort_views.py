"""Cohort pages: instructors manage their cohorts; learners join with a code or a link."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from studyapp.accounts import cohorts
from studyapp.accounts.models import Cohort
from studyapp.accounts.permissions import instructor_required
from studyapp.core.errors import Invalid


@require_http_methods(["GET", "POST"])
@instructor_required
def cohort_list(request: HttpRequest) -> HttpResponse:
    error = ""
    if request.method == "POST":
        try:
            cohort = cohorts.cohort_create(
                instructor=request.user, name=request.POST.get("name", "")
            )
        except Invalid as problem:  # a CohortError, or a name the column cannot keep
            error = problem.message
        else:
            messages.success(request, f"Cohort “{cohort.name}” created. Share its code.")
            return redirect("cohorts:detail", cohort_id=cohort.id)
    context = {"cohorts": Cohort.objects.taught_by(request.user), "error": error}
    return render(request, "accounts/cohort_list.html", context)


@require_GET
@instructor_required
def cohort_detail(request: HttpRequest, cohort_id: int) -> HttpResponse:
    cohort = cohorts.cohort_for_instructor(user=request.user, cohort_id=cohort_id)
    invite_url = request.build_absolute_uri(reverse("accounts:join_code", args=[cohort.code]))
    context = {
        "cohort": cohort,
        "members": cohorts.cohort_members(cohort=cohort),
        "invite_url": invite_url,
    }
    return render(request, "accounts/cohort_detail.html", context)


@require_POST
@instructor_required
def cohort_code_regenerate(request: HttpRequest, cohort_id: int) -> HttpResponse:
    cohort = cohorts.cohort_for_instructor(user=request.user, cohort_id=cohort_id)
    cohorts.cohort_code_regenerate(cohort=cohort)
    messages.success(request, "New invite code drawn; the old one no longer works.")
    return redirect("cohorts:detail", cohort_id=cohort.id)


@require_http_methods(["GET", "POST"])
def cohort_join(request: HttpRequest, code: str = "") -> HttpResponse:
    code = request.POST.get("code", code)
    preview = None
    error = ""
    if request.method == "POST":
        try:
            cohort = cohorts.cohort_join(user=request.user, code=code, now=timezone.now())
        except cohorts.CohortError as problem:
            error = str(problem)
        else:
            messages.success(request, f"You joined “{cohort.name}”.")
            return redirect("accounts:profile")
    elif code:
        preview = Cohort.objects.active().filter(code=cohorts.cohort_code_normalize(code)).first()
        if preview is None:
            error = "This invite link is no longer valid. Ask your instructor for the new code."
    return render(
        request, "accounts/cohort_join.html", {"code": code, "preview": preview, "error": error}
    )


@require_POST
def cohort_leave(request: HttpRequest, cohort_id: int) -> HttpResponse:
    cohort = Cohort.objects.joined_by(request.user).filter(id=cohort_id).first()
    if cohort is not None:
        cohorts.cohort_leave(user=request.user, cohort=cohort)
        messages.success(request, f"You left “{cohort.name}”.")
    return redirect("accounts:profile")
