"""Progress pages: the learner's home dashboard, their details and data, the cohort dashboards."""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from studyapp.accounts.cohorts import cohort_for_instructor
from studyapp.accounts.models import Cohort
from studyapp.accounts.permissions import instructor_required
from studyapp.progress.dashboards import cohort_csv, cohort_dashboard, learner_dashboard
from studyapp.progress.export import learner_export


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    board = learner_dashboard(request.user, now=timezone.now())
    return render(request, "progress/home.html", {"board": board})


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
def cohort_csv_download(request: HttpRequest, cohort_id: int) -> HttpResponse:
    found = cohort_for_instructor(user=request.user, cohort_id=cohort_id)
    now = timezone.now()
    board = cohort_dashboard(found, now=now)
    response = HttpResponse(cohort_csv(board), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="cohort-{found.id}-progress-{now:%Y%m%d}.csv"'
    )
    return response
