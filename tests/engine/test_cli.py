"""The `lambda invoke` command-line contract (through `python -m studyapp.engine`)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.attacks.host import host_processes_with
from tests.plugins.sandbox_engine import process_in_cpu_debt

PROJECT = Path(__file__).resolve().parents[2]
CONTRACT_KEYS = {
    "request_id",
    "status",
    "payload",
    "function_error",
    "error_type",
    "logs",
    "cold_start",
    "duration_ms",
    "billed_duration_ms",
    "init_duration_ms",
    "memory_size_mb",
    "max_memory_used_mb",
    "isolation",
}

HANDLER = """
import os, time
count = 0
def handler(event, context):
    global count
    count += 1
    print("seen", event)
    return {"count": count, "event": event, "mode": os.environ.get("MODE")}

def fail(event, context):
    raise RuntimeError("boom")

def hang(event, context):
    time.sleep(30)
"""


@pytest.fixture
def handler_file(tmp_path: Path) -> Path:
    path = tmp_path / "app.py"
    path.write_text(HANDLER)
    return path


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "studyapp.engine", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=PROJECT,
        timeout=60,
        check=False,
    )


def test_json_output_is_an_array_with_the_contract_keys_cold_then_warm(handler_file, tmp_path):
    event = tmp_path / "event.json"
    event.write_text('{"x": 1}')
    done = run_cli(
        "invoke", "--handler", str(handler_file), "--event", str(event),
        "--env", "MODE=test", "--repeat", "3", "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert len(results) == 3
    assert all(set(result) >= CONTRACT_KEYS for result in results)
    assert [r["cold_start"] for r in results] == [True, False, False]
    assert [r["payload"]["count"] for r in results] == [1, 2, 3]
    assert results[0]["payload"]["mode"] == "test"
    assert results[0]["init_duration_ms"] is not None and results[1]["init_duration_ms"] is None
    assert results[0]["logs"].startswith("INIT_START")
    assert results[1]["logs"].startswith("START RequestId: " + results[1]["request_id"])
    assert results[1]["logs"].rstrip("\n").splitlines()[-1].startswith("REPORT RequestId: ")
    assert all(r["status"] == "success" and r["function_error"] is None for r in results)
    assert results[0]["isolation"]["full"] is True


def test_plain_output_puts_the_payload_on_stdout_and_the_logs_on_stderr(handler_file):
    done = run_cli("invoke", "--handler", str(handler_file), "--event", "-", stdin='{"a": 2}')
    assert done.returncode == 0
    assert json.loads(done.stdout) == {"count": 1, "event": {"a": 2}, "mode": None}
    assert "START RequestId: " in done.stderr and "REPORT RequestId: " in done.stderr
    assert "seen {'a': 2}" in done.stderr


def test_function_error_exits_with_status_1_and_prints_lambdas_error(handler_file):
    done = run_cli("invoke", "--handler", f"{handler_file}:fail")
    assert done.returncode == 1
    assert json.loads(done.stdout)["errorType"] == "RuntimeError"


def test_timeout_then_cold_start_in_one_run(handler_file):
    done = run_cli("invoke", "--handler", f"{handler_file}:hang", "--timeout", "1", "--json")
    assert done.returncode == 1
    [result] = json.loads(done.stdout)
    assert result["status"] == "timeout" and result["error_type"] == "Sandbox.Timedout"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--memory", "64"], "memory must be a whole number from 128 to 10240 MB"),
        (["--timeout", "901"], "timeout must be a whole number from 1 to 900 seconds"),
        (["--env", "NOVALUE"], "--env expects KEY=VALUE"),
        (["--env", "BIG=" + "x" * 4100], "over Lambda's 4 KB limit"),
        (["--event", "-"], "the event is not valid JSON"),
    ],
)
@pytest.mark.pure
def test_bad_input_is_one_line_on_stderr_and_exit_status_2(handler_file, args, message):
    done = run_cli("invoke", "--handler", str(handler_file), *args, stdin="{not json")
    assert done.returncode == 2
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.pure
def test_missing_handler_file_is_bad_input(tmp_path):
    done = run_cli("invoke", "--handler", str(tmp_path / "nope.py"))
    assert done.returncode == 2 and "is not a Python file" in done.stderr


def test_every_environment_and_process_is_gone_when_the_command_ends(tmp_path):
    marker = f"studyapp-cli-leftover-{os.getpid()}"
    path = tmp_path / "leaver.py"
    path.write_text(
        "import os, sys\n"
        "def handler(event, context):\n"
        "    if os.fork() == 0:\n"
        "        os.setsid()\n"
        "        sleeper = 'import time; time.sleep(60)'\n"
        f"        os.execv(sys.executable, [sys.executable, '-c', sleeper, '{marker}'])\n"
        "    return 'left a child behind'\n"
    )
    done = run_cli("invoke", "--handler", str(path), "--json")
    assert done.returncode == 0, done.stderr
    assert not host_processes_with(marker)


def test_a_run_answers_after_a_supervisor_that_died_left_an_overdrawn_group(handler_file):
    """The groups of a supervisor that is gone are swept when the next one starts its first
    environment; their processes, however much CPU they overdrew, are killed at once rather than
    using up that environment's INIT (once it timed out and answered Sandbox.Timedout)."""
    dead = subprocess.Popen(["true"])
    dead.wait()
    with process_in_cpu_debt(f"{dead.pid}-left-1") as (group, child):
        done = run_cli("invoke", "--handler", str(handler_file), "--json")

        [result] = json.loads(done.stdout)
        assert result["status"] == "success", result["logs"]
        assert child.wait(timeout=5) == -signal.SIGKILL
        assert not any(directory.exists() for directory in group.directories())


def test_the_response_is_printed_as_the_runtime_sent_it(tmp_path):
    handler = tmp_path / "money.py"
    handler.write_text(
        "from decimal import Decimal\n"
        "def handler(event, context):\n"
        "    return {'amount': Decimal('12345678901234567890.123456789')}\n"
    )
    done = run_cli("invoke", "--handler", str(handler))
    assert done.returncode == 0, done.stderr
    assert done.stdout == '{"amount": 12345678901234567890.123456789}\n'


def test_one_failed_invocation_among_several_printed_as_they_come_exits_with_status_1(tmp_path):
    handler = tmp_path / "second.py"
    handler.write_text(
        "count = 0\n"
        "def handler(event, context):\n"
        "    global count\n"
        "    count += 1\n"
        "    if count == 2:\n"
        "        raise RuntimeError('the second one')\n"
        "    return count\n"
    )
    done = run_cli("invoke", "--handler", str(handler), "--repeat", "3")
    assert done.returncode == 1
    assert done.stdout.splitlines()[0] == "1" and done.stdout.splitlines()[2] == "3"
    assert done.stderr.count("REPORT RequestId") == 3
