from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from studyapp.accounts import access_keys, throttling
from studyapp.accounts.cohorts import CohortError, cohort_join
from studyapp.accounts.forms import LoginForm, SignUpForm
from studyapp.accounts.models import AccessKey, Cohort


@login_not_required
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    if settings.SIGNUP == "closed":
        return render(request, "accounts/signup_closed.html", status=403)
    form = SignUpForm(request.POST or None, invite_only=settings.SIGNUP == "invite")
    if request.method == "POST":
        now = timezone.now()
        address = client_address(request)
        if not throttling.signup_allowed(address=address, now=now):
            form.add_error(
                None,
                "Too many accounts were created from here in the last hour. "
                "Try again later, or ask your instructor for help.",
            )
            return render(request, "accounts/signup.html", {"form": form}, status=429)
        if form.is_valid():
            try:
                with transaction.atomic():
                    user = form.save()
                    if form.invite_only:
                        cohort_join(user=user, code=form.cleaned_data["code"], now=now)
                    throttling.signup_record(address=address, now=now)
            except CohortError as error:  # the cohort closed since the form was checked
                form.add_error("code", str(error))
            else:
                login(request, user, backend="studyapp.accounts.backends.RoleBackend")
                return redirect("home")
    return render(request, "accounts/signup.html", {"form": form})


def client_address(request: HttpRequest) -> str:
    """The address a request came from, as axes reads it (REMOTE_ADDR; set by the proxy)."""
    return request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104 - a value, not a binding


class LoginView(auth_views.LoginView):
    """Django's log-in page, refusing an address that failed too often (axes locks accounts)."""

    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        address = client_address(request)
        if throttling.login_address_blocked(address=address, now=timezone.now()):
            return login_locked_out(request, by_address=True)
        return super().post(request, *args, **kwargs)


def login_locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
    *,
    by_address: bool = False,
) -> HttpResponse:
    """The page for a paused log-in (django-axes calls it for a locked account), status 429."""
    context = {"cooloff_minutes": settings.LOGIN_COOLOFF_MINUTES, "by_address": by_address}
    return render(request, "registration/locked_out.html", context, status=429)


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
