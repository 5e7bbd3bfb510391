"""`manage.py lambda invoke|serve ...`: a thin wrapper around the sandbox engine's CLI.

All parsing and validation lives in studyapp.engine.cli so that the same command works
without Django (`python -m studyapp.engine ...`). Django adds one thing: `serve` takes the
web app's SANDBOX_SECRET, so the service and the web app started from one checkout agree with no
set-up. A secret generated into var/ belongs to this machine: binding an address other machines can
reach needs SANDBOX_SECRET set in the environment (the value the web hosts use).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from studyapp.engine import cli
from studyapp.engine.auth import SECRET_VARIABLE, secret_from_environment
from studyapp.engine.service import LOOPBACK_HOSTS


class Command(BaseCommand):
    help = (
        "Run Lambda handlers in the sandbox: `lambda invoke --handler FILE[:FUNCTION] ...` "
        "or `lambda serve [--port 9001]`."
    )

    def run_from_argv(self, argv: list[str]) -> None:
        # argv is [prog, "lambda", ...]; the engine's parser owns everything after "lambda".
        sys.exit(run(argv[2:]))

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("arguments", nargs=argparse.REMAINDER)

    def handle(self, *args: Any, **options: Any) -> None:
        status = run([*args, *options.get("arguments", [])])
        if status:
            raise CommandError(f"lambda exited with status {status}", returncode=status)


def run(argv: list[str]) -> int:
    """The engine's command line, with the web app's shared secret for `serve`."""
    if argv[:1] == ["serve"]:
        args = cli.build_parser().parse_args(argv)
        if args.host not in LOOPBACK_HOSTS and not secret_from_environment():
            sys.stderr.write(
                f"lambda serve: error: binding {args.host} lets other machines reach the sandbox: "
                f"set {SECRET_VARIABLE} to the secret the web hosts use (see the README)\n"
            )
            return 2
        if not settings.SANDBOX_SECRET:
            sys.stderr.write(
                f"lambda serve: error: no {SECRET_VARIABLE} and no {settings.SANDBOX_SECRET_FILE}: "
                "run `manage.py secret_key_create` (make run does) or set it\n"
            )
            return 2
    return cli.main(argv, secret=settings.SANDBOX_SECRET)
