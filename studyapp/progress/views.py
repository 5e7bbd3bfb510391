from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from studyapp.accounts.models import TEACH_PERMISSION


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "progress/home.html")


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "progress/index.html")


@require_GET
@permission_required(TEACH_PERMISSION, raise_exception=True)
def teach(request: HttpRequest) -> HttpResponse:
    return render(request, "progress/teach.html")
