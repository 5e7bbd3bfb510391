"""Settings read the environment and files but never write: the secret key file is made by
``manage.py secret_key_create``, which `make run` runs first on a fresh clone."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRINT_KEY = "from django.conf import settings; print(settings.SECRET_KEY)"


def run(var_dir: Path, *args: str, **extra_env: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL"}}
    env.update(VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="studyapp.settings", **extra_env)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )


def key_in_process(var_dir: Path) -> str:
    return run(var_dir, "-c", f"import django; django.setup(); {PRINT_KEY}").stdout.strip()


def test_loading_the_settings_writes_nothing(tmp_path):
    var_dir = tmp_path / "var"
    key_in_process(var_dir)
    assert not var_dir.exists()


def test_without_a_key_file_each_process_has_its_own_key_and_a_check_says_so(tmp_path):
    var_dir = tmp_path / "var"
    assert key_in_process(var_dir) != key_in_process(var_dir)
    database = f"sqlite:///{var_dir.parent / 'db.sqlite3'}"  # the check also opens the database
    checked = run(var_dir, "manage.py", "check", DATABASE_URL=database)
    assert "core.W001" in checked.stderr + checked.stdout


def test_secret_key_create_writes_a_key_only_its_owner_reads_that_every_process_shares(tmp_path):
    var_dir = tmp_path / "var"
    run(var_dir, "manage.py", "secret_key_create")
    key_file = var_dir / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_in_process(var_dir) == key_in_process(var_dir) == key_file.read_text().strip()


def test_secret_key_create_keeps_an_existing_key(tmp_path):
    var_dir = tmp_path / "var"
    run(var_dir, "manage.py", "secret_key_create")
    first = (var_dir / "secret_key").read_text()
    run(var_dir, "manage.py", "secret_key_create")
    assert (var_dir / "secret_key").read_text() == first
