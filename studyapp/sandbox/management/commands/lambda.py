"""`manage.py lambda invoke|serve ...`: a thin wrapper around the sandbox engine's CLI.

All parsing and validation lives in studyapp.sandbox.engine.cli so that the same command works
without Django (`python -m studyapp.sandbox.engine ...`).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from studyapp.sandbox.engine import cli


class Command(BaseCommand):
    help = (
        "Run Lambda handlers in the sandbox: `lambda invoke --handler FILE[:FUNCTION] ...` "
        "or `lambda serve [--port 9001]`."
    )

    def run_from_argv(self, argv: list[str]) -> None:
        # argv is [prog, "lambda", ...]; the engine's parser owns everything after "lambda".
        sys.exit(cli.main(argv[2:]))

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("arguments", nargs=argparse.REMAINDER)

    def handle(self, *args: Any, **options: Any) -> None:
        status = cli.main([*args, *options.get("arguments", [])])
        if status:
            raise CommandError(f"lambda exited with status {status}", returncode=status)
