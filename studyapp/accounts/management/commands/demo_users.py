"""Create (or reset) the demo learner and demo instructor and print their logins."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from studyapp.accounts.demo import DEMO_LOGINS, demo_users_ensure


class Command(BaseCommand):
    help = "Create the demo learner and demo instructor (idempotent) and print their logins."

    def handle(self, *args: object, **options: object) -> None:
        demo_users_ensure()
        self.stdout.write("Demo logins (http://127.0.0.1:8000/accounts/login/):")
        for login in DEMO_LOGINS:
            self.stdout.write(f"  {login.role:<11} {login.username} / {login.password}")
