"""manage.py create_access_key --user USERNAME --json"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from studyapp.accounts.access_keys import AccessKeyError, access_key_create
from studyapp.accounts.models import User


class Command(BaseCommand):
    help = "Create an access key for the Lambda-compatible API and print it (the secret once)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--user", required=True, help="the username")
        parser.add_argument("--json", action="store_true", dest="as_json")

    def handle(self, *args: object, user: str, as_json: bool, **options: object) -> None:
        owner = User.objects.filter(username=user).first()
        if owner is None:
            raise CommandError(f"no user named {user!r}")
        try:
            created = access_key_create(user=owner, now=timezone.now())
        except AccessKeyError as error:
            raise CommandError(str(error)) from None
        pair = {
            "access_key_id": created.key.access_key_id,
            "secret_access_key": created.secret_access_key,
        }
        if as_json:
            self.stdout.write(json.dumps(pair))
        else:
            self.stdout.write(f"Access key ID:     {pair['access_key_id']}")
            self.stdout.write(f"Secret access key: {pair['secret_access_key']} (shown only now)")
