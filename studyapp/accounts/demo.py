"""The demo accounts that `make run` creates so a newcomer can log in at once."""

from __future__ import annotations

from dataclasses import dataclass

from studyapp.accounts.models import User
from studyapp.accounts.roles import instructor_grant


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    password: str


DEMO_LOGINS = (
    DemoLogin(role="learner", username="learner", password="learn-lambda-2026"),
    DemoLogin(role="instructor", username="instructor", password="teach-lambda-2026"),
)


def demo_users_ensure() -> list[User]:
    """Create the demo users if missing and reset their passwords to the documented ones."""
    users = []
    for demo in DEMO_LOGINS:
        user, _ = User.objects.get_or_create(username=demo.username)
        user.set_password(demo.password)
        if demo.role == "learner":
            user.sandbox_verified = True  # so `make run` shows a working sandbox at once
        user.save()
        if demo.role == "instructor":
            instructor_grant(user=user)
        users.append(user)
    return users
