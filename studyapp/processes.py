"""`make run`: the web server, the task worker and the sandbox service under supervisord.

    python -m studyapp.processes        # what `make run` does after migrating and importing

The Procfile lists the three commands (one ``name: command`` a line, ``${VAR:-default}`` filled
in from the environment). This module turns them into a supervisord configuration in
``var/supervisord.conf`` and runs supervisord in the foreground:

- a process that dies (a crash, the kernel's OOM killer, SIGKILL) is started again while the
  others keep serving; one that fails to start is retried with a growing back-off (1 s, 2 s,
  3 s, ...) up to START_RETRIES times before supervisord gives it up (FATAL);
- Ctrl-C (SIGINT) or SIGTERM stops all of them, in the reverse of their start order: the web
  server first, the sandbox service last (it destroys every execution environment it holds);
- everything a process leaves on disk lives under ``var/``: ``var/run/`` holds supervisord's
  control socket and pid file, gunicorn's pid file and control socket; ``var/log/`` one log per
  process plus supervisord's own (rotated at LOG_MAX_BYTES).

``supervisorctl -c var/supervisord.conf status|restart web|...`` talks to the running supervisord.

Before starting, the ports are checked: a port already taken is reported at once, instead of a
web server that silently never binds. The address is printed once the web server answers, so
the line says what is really served.

No Django import here: the processes import the settings themselves (and agree on the secret
key and the sandbox's shared secret through the files the settings generate in ``var/``).
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
# Start order (supervisord's priority: lower starts first and stops last).
PROGRAMS = ("sandbox", "worker", "web")
START_SECONDS = 3  # a process must stay up this long to count as started
START_RETRIES = 20  # failed starts retried after 1 s, 2 s, ... 20 s (3.5 minutes in all)
STOP_WAIT_SECONDS = 30  # after SIGTERM, then SIGKILL to the whole process group
LOG_MAX_BYTES = "10MB"
LOG_BACKUPS = 3
READY_TIMEOUT_S = 120
VARIABLE = re.compile(r"\$\{(\w+)(?::-([^}]*))?\}")


class PortTaken(RuntimeError):
    """A port the processes need is already in use; the message says which and what to do."""


@dataclass(frozen=True)
class Layout:
    """Where a checkout's processes keep their files."""

    var_dir: Path

    @property
    def run_dir(self) -> Path:
        return self.var_dir / "run"

    @property
    def log_dir(self) -> Path:
        return self.var_dir / "log"

    @property
    def config(self) -> Path:
        return self.var_dir / "supervisord.conf"

    @property
    def socket(self) -> Path:
        return self.run_dir / "supervisord.sock"

    def create(self) -> None:
        for folder in (self.var_dir, self.run_dir, self.log_dir):
            folder.mkdir(parents=True, exist_ok=True)


def procfile_commands(*, procfile: Path, env: dict[str, str]) -> dict[str, list[str]]:
    """Each Procfile line as an argument list, ``${VAR:-default}`` filled in from ``env``."""
    commands = {}
    for line in procfile.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, command = line.partition(":")
        filled = VARIABLE.sub(lambda m: env.get(m.group(1)) or (m.group(2) or ""), command)
        commands[name.strip()] = shlex.split(filled)
    return commands


def web_workers_default() -> int:
    """gunicorn workers (each of WEB_THREADS threads) when WEB_CONCURRENCY is not set: one per
    core, at least two. On 2 cores two workers served as many learners as three on SQLite and
    more on PostgreSQL (bench/RESULTS.md, "Capacity"), with one process fewer competing with the
    database, the task worker and the sandbox for the cores."""
    return max(2, os.cpu_count() or 2)


def processes_env(*, environ: dict[str, str], project: Path = PROJECT) -> dict[str, str]:
    """The environment of the three processes: defaults filled in, paths made absolute."""
    env = dict(environ)
    env.setdefault("WEB_CONCURRENCY", str(web_workers_default()))
    var_dir = Path(env.get("VAR_DIR") or project / "var")
    env["VAR_DIR"] = str(var_dir if var_dir.is_absolute() else (project / var_dir).resolve())
    env.setdefault("WEB_PORT", "8000")
    env.setdefault("SANDBOX_PORT", "9001")
    # The web app and the worker reach the sandbox service this command starts.
    env.setdefault("SANDBOX_URL", f"http://127.0.0.1:{env['SANDBOX_PORT']}")
    env.setdefault("DJANGO_SETTINGS_MODULE", "studyapp.settings")
    env["PYTHONUNBUFFERED"] = "1"  # log lines reach var/log/ as they are written
    return env


def _escaped(value: str) -> str:
    """A value for supervisord's configuration file, where % starts an expansion."""
    return value.replace("%", "%%")


def supervisor_config(
    *, commands: dict[str, list[str]], layout: Layout, password: str, project: Path = PROJECT
) -> str:
    """supervisord's configuration for ``commands`` (run from ``project``, files in ``layout``).

    The control socket is the owner's only (mode 0700) and asks for ``password`` too, which only
    this file (mode 0600, read by supervisorctl) holds."""
    run, log = layout.run_dir, layout.log_dir
    lines = [
        "; Written by `python -m studyapp.processes` at every start; edit the Procfile instead.",
        "[supervisord]",
        "nodaemon=true",
        # Run as whoever started it (root says so explicitly, which silences a warning).
        *(["user=root"] if os.geteuid() == 0 else []),
        f"directory={_escaped(str(project))}",
        f"pidfile={_escaped(str(run / 'supervisord.pid'))}",
        f"logfile={_escaped(str(log / 'supervisord.log'))}",
        f"logfile_maxbytes={LOG_MAX_BYTES}",
        f"logfile_backups={LOG_BACKUPS}",
        f"childlogdir={_escaped(str(log))}",
        "loglevel=info",
        "",
        "[unix_http_server]",
        f"file={_escaped(str(layout.socket))}",
        "chmod=0700",
        "username=studyapp",
        f"password={_escaped(password)}",
        "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        "",
        "[supervisorctl]",
        f"serverurl=unix://{_escaped(str(layout.socket))}",
        "username=studyapp",
        f"password={_escaped(password)}",
    ]
    for priority, name in enumerate(PROGRAMS, start=1):
        if name not in commands:
            continue
        argv = list(commands[name])
        if "/" in argv[0] and not os.path.isabs(argv[0]):
            argv[0] = str(project / argv[0])
        lines += [
            "",
            f"[program:{name}]",
            f"command={_escaped(shlex.join(argv))}",
            f"directory={_escaped(str(project))}",
            f"priority={priority * 100}",
            "autostart=true",
            "autorestart=true",
            f"startsecs={START_SECONDS}",
            f"startretries={START_RETRIES}",
            "stopsignal=TERM",
            f"stopwaitsecs={STOP_WAIT_SECONDS}",
            "killasgroup=true",
            "redirect_stderr=true",
            f"stdout_logfile={_escaped(str(log / f'{name}.log'))}",
            f"stdout_logfile_maxbytes={LOG_MAX_BYTES}",
            f"stdout_logfile_backups={LOG_BACKUPS}",
        ]
    return "\n".join(lines) + "\n"


def port_check(port: int, *, variable: str) -> None:
    """Raise PortTaken when something already listens on 127.0.0.1:``port``."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            if error.errno != errno.EADDRINUSE:
                raise
            raise PortTaken(
                f"port {port} is already in use (another `make run`?); "
                f"stop that one, or choose another port: {variable}={port + 1} make run"
            ) from None


def web_answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health/", timeout=2) as response:  # noqa: S310
            return response.status == 200
    except OSError:
        return False


def main() -> int:
    env = processes_env(environ=dict(os.environ))
    layout = Layout(Path(env["VAR_DIR"]))
    layout.create()
    try:
        port_check(int(env["WEB_PORT"]), variable="WEB_PORT")
        port_check(int(env["SANDBOX_PORT"]), variable="SANDBOX_PORT")
    except PortTaken as error:
        print(f"make run: {error}", file=sys.stderr)
        return 1
    commands = procfile_commands(procfile=PROJECT / "Procfile", env=env)
    config = supervisor_config(commands=commands, layout=layout, password=secrets.token_urlsafe(24))
    descriptor = os.open(layout.config, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(config)
    supervisord = subprocess.Popen(  # same process group: Ctrl-C reaches it directly
        [str(Path(sys.executable).parent / "supervisord"), "-c", str(layout.config)],
        cwd=PROJECT,
        env=env,
    )

    def forward(signum: int, frame: object) -> None:
        # A closed terminal (SIGHUP) stops everything too: to supervisord, SIGHUP means reload.
        if supervisord.poll() is None:
            supervisord.send_signal(signal.SIGTERM if signum == signal.SIGHUP else signum)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, forward)
    url = f"http://127.0.0.1:{env['WEB_PORT']}"
    deadline = time.monotonic() + READY_TIMEOUT_S
    while supervisord.poll() is None and not web_answers(url):
        if time.monotonic() > deadline:
            print(f"make run: the web server is not answering yet; see {layout.log_dir}/web.log")
            break
        time.sleep(0.2)  # the web server is starting; nothing else to wait for
    else:
        if supervisord.poll() is None:
            print(
                f"Serving {url} (Ctrl-C stops everything; logs in {layout.log_dir}/, "
                f"`.venv/bin/supervisorctl -c {layout.config} status` shows the processes)",
                flush=True,
            )
    return supervisord.wait()


if __name__ == "__main__":
    sys.exit(main())
