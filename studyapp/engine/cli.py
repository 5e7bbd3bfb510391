"""`lambda invoke` and `lambda serve`: the command-line contract of DESIGN.md.

    lambda invoke [--runtime python3.13|nodejs20.x|provided.al2023] --handler FILE[:FUNCTION]
                  [--event FILE|-] [--memory MB] [--timeout S] [--env KEY=VALUE ...]
                  [--repeat N] [--json]

    lambda serve [--port 9001] [--host 127.0.0.1] [--prestarted N]
                 (needs the shared secret: SANDBOX_SECRET)

`serve` keeps N python interpreters started ahead of cold starts (prestart.py; default
$SANDBOX_PRESTARTED, else 2); `invoke` keeps none: its one cold start comes at once, before
an interpreter started ahead could be ready.

For provided.al2023, FILE is the function's executable `bootstrap` and FUNCTION becomes
`_HANDLER`; the Node.js runtime's name follows the Node.js major installed on the host.

Usable as `python -m studyapp.engine ...` and through Django's `manage.py lambda ...`.
Exit status of invoke: 0 when every invocation succeeded, 1 when one failed, 2 on bad input.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
import threading
from pathlib import Path
from typing import NoReturn

from . import service
from .auth import secret_from_environment
from .config import DEFAULT_RUNTIME, ConfigError, FunctionConfig
from .pool import EnvironmentPool
from .results import InvocationResult
from .runtimes import PROVIDED, runtime_for

PRESTARTED_VARIABLE = "SANDBOX_PRESTARTED"
DEFAULT_PRESTARTED = 2
MAX_PRESTARTED = 64


class _Parser(argparse.ArgumentParser):
    """Bad input is reported in one line and exits with status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="lambda", description="Run Lambda handlers in the local sandbox.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    invoke = commands.add_parser("invoke", help="invoke a handler file")
    invoke.add_argument(
        "--runtime",
        default=DEFAULT_RUNTIME,
        help=f"{DEFAULT_RUNTIME} (default), nodejs<major>.x or {PROVIDED}",
    )
    invoke.add_argument(
        "--handler", required=True, help="FILE[:FUNCTION], FUNCTION defaults to handler"
    )
    invoke.add_argument("--event", default=None, help="a JSON file, or - for stdin (default {})")
    invoke.add_argument("--memory", type=int, default=128, help="MB, 128-10240 (default 128)")
    invoke.add_argument("--timeout", type=int, default=3, help="seconds, 1-900 (default 3)")
    invoke.add_argument(
        "--ephemeral-storage", type=int, default=512, help="size of /tmp in MB, 512-10240"
    )
    invoke.add_argument(
        "--env", action="extend", nargs="+", default=[], metavar="KEY=VALUE", help="variables"
    )
    invoke.add_argument("--layer", action="append", default=[], help="a layer directory (/opt)")
    invoke.add_argument("--log-format", choices=("Text", "JSON"), default="Text")
    invoke.add_argument("--repeat", type=int, default=1, help="invocations in a row (default 1)")
    invoke.add_argument("--json", action="store_true", help="print a JSON array of results")

    serve = commands.add_parser("serve", help="run the sandbox service")
    serve.add_argument("--port", type=int, default=9001)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument(
        "--idle-timeout", type=float, default=600.0, help="seconds before an idle env is reaped"
    )
    serve.add_argument(
        "--prestarted",
        type=int,
        default=None,
        help="python interpreters kept started ahead of cold starts "
        f"(default ${PRESTARTED_VARIABLE}, else {DEFAULT_PRESTARTED}; 0: none)",
    )
    return parser


def main(argv: list[str] | None = None, *, secret: str | None = None) -> int:
    """Run the command line; `secret` is the sandbox service's shared secret for `serve` (the
    Django command passes the web app's; without it, $SANDBOX_SECRET)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "invoke":
        try:
            config, event, repeat = invoke_request_from_args(args)
        except ConfigError as error:
            parser.exit(2, f"lambda invoke: error: {error}\n")
        try:
            return run_invoke(config, event, repeat=repeat, as_json=args.json)
        except ConfigError as error:
            parser.exit(2, f"lambda invoke: error: {error}\n")
    try:
        prestarted = prestarted_from(args.prestarted)
    except ConfigError as error:
        parser.exit(2, f"lambda serve: error: {error}\n")
    return service.serve(
        host=args.host,
        port=args.port,
        secret=secret or secret_from_environment(),
        idle_timeout_s=args.idle_timeout,
        prestarted=prestarted,
    )


def prestarted_from(value: int | None) -> int:
    """How many interpreters `serve` keeps started ahead: the option, else the variable."""
    if value is None:
        text = os.environ.get(PRESTARTED_VARIABLE, "").strip()
        try:
            value = int(text) if text else DEFAULT_PRESTARTED
        except ValueError:
            raise ConfigError(
                f"{PRESTARTED_VARIABLE} must be a whole number, not {text!r}"
            ) from None
    if not 0 <= value <= MAX_PRESTARTED:
        raise ConfigError(f"prestarted interpreters must be 0 to {MAX_PRESTARTED}, not {value}")
    return value


def invoke_request_from_args(args: argparse.Namespace) -> tuple[FunctionConfig, bytes, int]:
    """Validate the invoke arguments; ConfigError carries the one-line message."""
    try:
        runtime = runtime_for(args.runtime)
    except ValueError as error:
        raise ConfigError(str(error)) from None
    path, function = parse_handler_spec(args.handler, family=runtime.family)
    if args.repeat < 1:
        raise ConfigError("--repeat must be at least 1")
    environment = {}
    for item in args.env:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"--env expects KEY=VALUE, got {item!r}")
        environment[key] = value
    event = read_event(args.event)
    name = re.sub(r"[^A-Za-z0-9_-]", "-", path.stem)[:64] or "function"
    config = FunctionConfig(
        name=name,
        handler=function if runtime.family == "provided" else f"{path.stem}.{function}",
        runtime=runtime.name,
        code_dir=str(path.parent),
        memory_mb=args.memory,
        timeout_s=args.timeout,
        ephemeral_storage_mb=args.ephemeral_storage,
        environment=environment,
        layers=tuple(args.layer),
        log_format=args.log_format,
    )
    return config.validate(), event, args.repeat


SOURCE_SUFFIXES = {"python": (".py",), "nodejs": (".mjs", ".js", ".cjs")}


def parse_handler_spec(spec: str, *, family: str = "python") -> tuple[Path, str]:
    """FILE and FUNCTION of --handler; for a custom runtime FUNCTION is any `_HANDLER` text."""
    file_part, function = spec, "handler"
    head, sep, tail = spec.rpartition(":")
    name_pattern = r"[^/:]+" if family == "provided" else r"[A-Za-z_$][A-Za-z0-9_$]*"
    if sep and re.fullmatch(name_pattern, tail):
        file_part, function = head, tail
    path = Path(file_part)
    if family == "provided":
        if path.name != "bootstrap" or not path.is_file():
            raise ConfigError(
                f"--handler {file_part}: a custom runtime's executable is a file named bootstrap"
            )
        if not os.access(path, os.X_OK):
            raise ConfigError(f"--handler {file_part} is not executable (chmod +x)")
        return path.resolve(), function
    suffixes = SOURCE_SUFFIXES[family]
    if path.suffix not in suffixes or not path.is_file():
        kind = "Python" if family == "python" else "JavaScript (.mjs, .js, .cjs)"
        raise ConfigError(f"--handler {file_part} is not a {kind} file")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", path.stem):
        raise ConfigError(f"--handler {path.name}: the file name must be a valid module name")
    return path.resolve(), function


def read_event(source: str | None) -> bytes:
    if source is None:
        return b"{}"
    try:
        data = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except OSError as error:
        raise ConfigError(f"cannot read the event: {error.strerror}: {source}") from None
    try:
        json.loads(data)
    except ValueError as error:
        raise ConfigError(f"the event is not valid JSON: {error}") from None
    return data


def run_invoke(config: FunctionConfig, event: bytes, *, repeat: int, as_json: bool) -> int:
    """Invoke `repeat` times in a row; every environment is gone when this returns."""
    results: list[InvocationResult] = []  # kept for --json only: printed as they come otherwise
    failed = False
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm) if in_main_thread else None
    pool = EnvironmentPool()
    # The handler's folder is hashed once: walking it on every invocation (a folder of thousands
    # of files takes tens of milliseconds) would cost more than a warm invocation.
    key = config.pool_key()
    try:
        for _ in range(repeat):
            result = pool.invoke(config, event, pool_key=key)
            failed = failed or result.status != "success"
            if as_json:
                results.append(result)
            else:
                sys.stderr.write(result.logs)
                sys.stderr.flush()
                # The response as the function's runtime sent it (a Decimal keeps its digits).
                if result.response is not None:
                    sys.stdout.flush()
                    sys.stdout.buffer.write(result.response + b"\n")
                else:
                    sys.stdout.write(json.dumps(result.payload) + "\n")
                sys.stdout.flush()
        if as_json:
            answers = [result.to_dict() for result in results]
            sys.stdout.write(json.dumps(answers, indent=2) + "\n")
            sys.stdout.flush()
    finally:
        # The answers are out before the environments are destroyed (a fork bomb's teardown
        # takes a while); the command still ends only once every one of them is gone.
        pool.close()
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)
    return 1 if failed else 0


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)
