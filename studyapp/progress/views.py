"""Progress pages: the learner's home dashboard, their details and data, the cohort dashboards."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from studyapp.accounts import onboarding
from studyapp.accounts.cohorts import cohort_for_instructor
from studyapp.accounts.models import Cohort
from studyapp.accounts.permissions import instructor_required
from studyapp.cards.forms import StudyStartForm
from studyapp.cards.scheduling import study_settings_for
from studyapp.progress.dashboards import (
    cohort_csv,
    cohort_dashboard,
    cohort_learner,
    learner_dashboard,
    learner_history,
)
from studyapp.progress.export import learner_export
from studyapp.progress.first_run import FirstRun, first_run_for
from studyapp.progress.selectors import AssignmentStatus, assignments_for_learner


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The dashboard, or the first run's start in its place: what the learner has answered
    decides, read first, so the start is not built on a whole dashboard it does not show."""
    now = timezone.now()
    history = learner_history(request.user)
    if not (history.cards_answered and history.questions_answered):  # else no query more
        start = first_run_for(request.user)
        if start is not None:
            form = StudyStartForm(instance=history.settings)
            assignments = assignments_for_learner(request.user, now=now)
            return start_render(request, start=start, form=form, assignments=assignments)
    board = learner_dashboard(request.user, now=now, history=history)
    return render(request, "progress/home.html", {"board": board})


def start_render(
    request: HttpRequest,
    *,
    start: FirstRun,
    form: StudyStartForm,
    assignments: list[AssignmentStatus] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The start in place of the dashboard (with the learner's assignments, if any)."""
    context = {"start": start, "form": form, "assignments": assignments}
    return render(request, "progress/start.html", context, status=status)


@require_POST
def start_settings(request: HttpRequest) -> HttpResponse:
    """The start's first step: desired retention and daily limits (the study settings' form)."""
    form = StudyStartForm(request.POST, instance=study_settings_for(request.user))
    if not form.is_valid():
        start = first_run_for(request.user)
        if start is None:  # studied since the page was shown: the full settings page
            messages.error(request, "Check the study settings: " + form.errors.as_text())
            return redirect("cards:settings")
        return start_render(request, start=start, form=form, status=400)
    form.save()
    messages.success(request, "Study settings saved. Next: open the first topic.")
    return redirect("home")


@require_POST
def start_dismiss(request: HttpRequest) -> HttpResponse:
    onboarding.start_dismiss(user=request.user, now=timezone.now())
    return redirect("home")


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    board = learner_dashboard(request.user, now=timezone.now())
    return render(request, "progress/index.html", {"board": board})


@require_GET
def export_json(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    data = learner_export(request.user, now=now)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, indent=1, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    filename = f"lambda-study-{request.user.get_username()}-{now:%Y%m%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@instructor_required
def teach(request: HttpRequest) -> HttpResponse:
    cohorts = Cohort.objects.taught_by(request.user).annotate(members=Count("memberships"))
    return render(request, "progress/teach.html", {"cohorts": cohorts})


@require_GET
@instructor_required
def cohort(request: HttpRequest, cohort_id: int) -> HttpResponse:
    found = cohort_for_instructor(user=request.user, cohort_id=cohort_id)
    board = cohort_dashboard(found, now=timezone.now())
    return render(request, "progress/cohort.html", {"board": board})


@require_GET
@instructor_required
def cohort_learner_page(request: HttpRequest, cohort_id: int, user_id: int) -> HttpResponse:
    """One member's detail, for the cohort's own instructor only (404 for anyone else)."""
    found = cohort_for_instructor(user=request.user, cohort_id=cohort_id)
    detail = cohort_learner(found, user_id=user_id, now=timezone.now())
    return render(request, "progress/cohort_learner.html", {"detail": detail})


@require_GET
@instructor_required
def cohort_csv_download(request: HttpRequest, cohort_id: int) -> HttpResponse:
    found = cohort_for_instructor(user=request.user, cohort_id=cohort_id)
    now = timezone.now()
    board = cohort_dashboard(found, now=now)
    response = HttpResponse(cohort_csv(board), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="cohort-{found.id}-progress-{now:%Y%m%d}.csv"'
    )
    return response
