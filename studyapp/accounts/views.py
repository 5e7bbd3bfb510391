from __future__ import annotations

from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from studyapp.accounts.forms import SignUpForm
from studyapp.accounts.models import Cohort


@login_not_required
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("home")
    return render(request, "accounts/signup.html", {"form": form})


@require_GET
def profile(request: HttpRequest) -> HttpResponse:
    cohorts = Cohort.objects.joined_by(request.user).select_related("instructor")
    return render(request, "accounts/profile.html", {"cohorts": cohorts})
