"""Limits on log-in and sign-up that slow down guessing and mass account creation.

Per account, django-axes locks log-ins after LOGIN_FAILURE_LIMIT wrong passwords (settings.py).
This module adds what axes, set to lock by account, leaves out: failures from one address (counted
from the attempts axes already records, so every web process sees the same count) and new accounts
from one address (SignUp rows).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum

from studyapp.accounts.models import SignUp


def login_address_blocked(*, address: str, now: datetime) -> bool:
    """Whether one address has failed so many log-ins inside the cool-off that it must wait."""
    since = now - timedelta(minutes=settings.LOGIN_COOLOFF_MINUTES)
    failures = AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=since).aggregate(
        total=Sum("failures_since_start")
    )["total"]
    return (failures or 0) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT


def signup_allowed(*, address: str, now: datetime) -> bool:
    """Whether one more account may be created from this address in the last hour."""
    recent = SignUp.objects.filter(address=address, created_at__gte=now - timedelta(hours=1))
    return recent.count() < settings.SIGNUP_RATE_PER_HOUR


def signup_record(*, address: str, now: datetime) -> None:
    SignUp.objects.create(address=address, created_at=now)
