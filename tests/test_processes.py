"""`make run`'s process manager configuration (studyapp/processes.py), without starting it.

The processes themselves, killed and restarted, are in tests/faults/test_processes_come_back.py.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from studyapp.processes import (
    PROJECT,
    Layout,
    processes_env,
    procfile_commands,
    supervisor_config,
)


def test_the_procfile_variables_are_filled_in_from_the_environment():
    env = processes_env(environ={"VAR_DIR": "/srv/study/var", "WEB_PORT": "8123"})
    commands = procfile_commands(procfile=PROJECT / "Procfile", env=env)
    assert sorted(commands) == ["sandbox", "web", "worker"]
    web = commands["web"]
    assert web[web.index("--bind") + 1] == "127.0.0.1:8123"
    assert web[web.index("--control-socket") + 1] == "/srv/study/var/run/gunicorn.ctl"
    assert web[web.index("--pid") + 1] == "/srv/study/var/run/web.pid"
    assert commands["sandbox"][-2:] == ["--port", "9001"]


def test_the_web_app_reaches_the_sandbox_port_that_make_run_starts():
    env = processes_env(environ={"SANDBOX_PORT": "9555"})
    assert env["SANDBOX_URL"] == "http://127.0.0.1:9555"
    assert processes_env(environ={"SANDBOX_URL": "http://10.0.0.5:9001"})["SANDBOX_URL"] == (
        "http://10.0.0.5:9001"
    )


def test_every_file_of_the_process_manager_lives_under_var_dir(tmp_path):
    layout = Layout(tmp_path / "var")
    env = processes_env(environ={"VAR_DIR": str(layout.var_dir)})
    commands = procfile_commands(procfile=PROJECT / "Procfile", env=env)
    config = supervisor_config(commands=commands, layout=layout, password="p%ss")
    paths = [
        line.split("=", 1)[1].removeprefix("unix://")
        for line in config.splitlines()
        if line.split("=", 1)[0] in {"pidfile", "logfile", "childlogdir", "file", "serverurl"}
        or line.startswith("stdout_logfile=")
    ]
    assert len(paths) == 8  # supervisord: pid, log, log folder; the socket twice; 3 logs
    assert all(Path(path).is_relative_to(layout.var_dir) for path in paths)
    assert "password=p%%ss" in config  # % is supervisord's expansion character
    assert "autorestart=true" in config and "startretries=20" in config
    assert f"command={PROJECT}/.venv/bin/gunicorn studyapp.wsgi" in config


def test_make_run_refuses_a_web_port_that_is_taken_and_says_which(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "VAR_DIR": str(tmp_path), "WEB_PORT": str(port)}
        completed = subprocess.run(
            [sys.executable, "-m", "studyapp.processes"],
            cwd=PROJECT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert completed.returncode == 1
    assert f"port {port} is already in use" in completed.stderr
    assert f"WEB_PORT={port + 1} make run" in completed.stderr
    assert "Serving" not in completed.stdout
    assert not (tmp_path / "run" / "supervisord.sock").exists()


def test_make_run_starts_one_web_worker_per_core_unless_told(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    web = procfile_commands(procfile=PROJECT / "Procfile", env=processes_env(environ={}))["web"]
    assert web[web.index("--workers") + 1] == "2"
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    web = procfile_commands(procfile=PROJECT / "Procfile", env=processes_env(environ={}))["web"]
    assert web[web.index("--workers") + 1] == "8"
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    web = procfile_commands(procfile=PROJECT / "Procfile", env=processes_env(environ={}))["web"]
    assert web[web.index("--workers") + 1] == "2"
    told = processes_env(environ={"WEB_CONCURRENCY": "5"})
    web = procfile_commands(procfile=PROJECT / "Procfile", env=told)["web"]
    assert web[web.index("--workers") + 1] == "5"
