from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from studyapp.accounts import access_keys
from studyapp.accounts.forms import SignUpForm
from studyapp.accounts.models import AccessKey, Cohort


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


def render_profile(request: HttpRequest, **extra: object) -> HttpResponse:
    context = {
        "cohorts": Cohort.objects.joined_by(request.user).select_related("instructor"),
        "access_keys": AccessKey.objects.filter(user=request.user, revoked_at__isnull=True),
        **extra,
    }
    return render(request, "accounts/profile.html", context)


@require_GET
def profile(request: HttpRequest) -> HttpResponse:
    return render_profile(request)


@require_POST
def access_key_new(request: HttpRequest) -> HttpResponse:
    """Create a key and show its secret in this response only (never stored, never again)."""
    try:
        created = access_keys.access_key_create(user=request.user, now=timezone.now())
    except access_keys.AccessKeyError as error:
        return render_profile(request, access_key_error=str(error))
    return render_profile(request, new_access_key=created)


@require_POST
def access_key_revoke(request: HttpRequest, access_key_id: str) -> HttpResponse:
    try:
        access_keys.access_key_revoke(
            user=request.user, access_key_id=access_key_id, now=timezone.now()
        )
    except access_keys.AccessKeyError as error:
        return render_profile(request, access_key_error=str(error))
    messages.success(request, f"Access key {access_key_id} revoked.")
    return redirect("accounts:profile")
