#!/usr/bin/env python
"""Django's command-line utility for the study app."""

from __future__ import annotations

import os
import sys


def main() -> None:
    if sys.version_info < (3, 12):  # noqa: UP036 - explain, rather than fail on syntax
        sys.exit(
            f"This app needs Python 3.12 or newer (Django 6); this is {sys.version.split()[0]}. "
            "Use `make run`, which creates .venv with the right Python."
        )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studyapp.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
