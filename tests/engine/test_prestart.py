"""Interpreters started ahead of their function (prestart.py): a cold start that takes one is
the function's own environment, exactly as one started whole, and each serves one function once."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from studyapp.engine import EnvironmentPool, FunctionConfig, client
from studyapp.engine.prestart import InterpreterPool

PROJECT = Path(__file__).resolve().parents[2]

REPORTER = """\
import os, sys

def entry(event, context):
    with open('/var/task/data/note.txt') as note:
        text = note.read()
    return {
        'environ': dict(os.environ),
        'started_with': open('/proc/self/environ', 'rb').read().rstrip(bytes(1)).decode(),
        'memory_limit_in_mb': context.memory_limit_in_mb,
        'function_name': context.function_name,
        'task_files': sorted(
            os.path.relpath(os.path.join(root, name), '/var/task')
            for root, _, names in os.walk('/var/task') for name in names
        ),
        'tmp': sorted(os.listdir('/tmp')),
        'note': text,
    }
"""


def reporter(name: str, **settings) -> FunctionConfig:
    return FunctionConfig(
        name=name,
        handler="main.entry",
        code={"main.py": REPORTER, "data/note.txt": f"code of {name}"},
        **settings,
    )


@pytest.fixture
def interpreters() -> Iterator[InterpreterPool]:
    with InterpreterPool(1) as pool:
        assert pool.wait_full(30.0), "no interpreter could be started ahead"
        yield pool


def taken_ids(pool: EnvironmentPool) -> list[str | None]:
    return [environment["prestarted_interpreter"] for environment in pool.environments()]


def test_a_function_in_a_prestarted_interpreter_sees_its_own_settings_code_and_handler(
    interpreters,
):
    function = reporter(
        "prestarted-fn", memory_mb=256, environment={"COLOUR": "teal"}, log_format="JSON"
    )
    with EnvironmentPool(interpreters=interpreters) as pool:
        result = pool.invoke(function, {})
        assert result.status == "success", result.logs
        assert interpreters.stats.taken == 1 and taken_ids(pool) != [None]
    payload = result.payload
    environ = payload["environ"]
    assert environ["COLOUR"] == "teal"
    assert environ["_HANDLER"] == "main.entry"
    assert environ["AWS_LAMBDA_FUNCTION_NAME"] == "prestarted-fn"
    assert environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert environ["AWS_LAMBDA_LOG_FORMAT"] == "JSON"
    assert payload["memory_limit_in_mb"] == "256" and payload["function_name"] == "prestarted-fn"
    assert payload["task_files"] == ["data/note.txt", "main.py"]
    assert payload["note"] == "code of prestarted-fn"
    assert payload["tmp"] == []


def test_its_environment_variables_are_those_of_an_environment_started_whole(interpreters):
    function = reporter("same-env-fn", environment={"COLOUR": "teal"})
    with EnvironmentPool(interpreters=interpreters) as pool:
        prestarted = pool.invoke(function, {}).payload
        assert taken_ids(pool) != [None]
    with EnvironmentPool() as pool:
        whole = pool.invoke(function, {}).payload
        assert taken_ids(pool) == [None]

    def steady(variables: dict[str, str]) -> dict[str, str]:
        varying = {"AWS_LAMBDA_LOG_STREAM_NAME", "_X_AMZN_TRACE_ID"}
        return {name: value for name, value in variables.items() if name not in varying}

    assert steady(prestarted["environ"]) == steady(whole["environ"])
    # What the process was started with (/proc/<pid>/environ, which other tools read) too.
    started_with = [dict(item.split("=", 1) for item in payload["started_with"].split("\0"))
                    for payload in (prestarted, whole)]  # fmt: skip
    assert list(started_with[0]) == list(started_with[1])
    assert steady(started_with[0]) == steady(started_with[1])
    assert started_with[0]["COLOUR"] == "teal"


def test_the_memory_limit_is_the_functions_own(interpreters, make_function):
    # A waiting interpreter may use 128 MB; taken at 256 MB, the function may hold 200 MB.
    # Zeroing 200 MB at 128 MB's CPU share (0.072 vCPU) outlasted Lambda's default 3 s on a
    # busy machine (a timeout, not the OOM), so both functions get 10 s, as the other OOM
    # tests give theirs.
    source = """
        def handler(event, context):
            block = bytearray(200 * 1024 * 1024)
            return len(block)
    """
    with EnvironmentPool(interpreters=interpreters) as pool:
        roomy = pool.invoke(make_function(source, name="roomy", memory_mb=256, timeout_s=10), {})
        assert roomy.status == "success", roomy.logs
        assert taken_ids(pool) != [None]
    assert interpreters.wait_full(30.0)
    with EnvironmentPool(interpreters=interpreters) as pool:
        tight = pool.invoke(make_function(source, name="tight", memory_mb=128, timeout_s=10), {})
        assert taken_ids(pool) != [None]
    assert tight.status == "oom"


def test_a_function_sees_nothing_of_the_function_before_it(interpreters, make_function):
    writer = make_function(
        """
        def handler(event, context):
            with open('/tmp/secret-of-a', 'w') as handle:
                handle.write('a')
            return 'written'
        """,
        name="function-a",
    )
    with EnvironmentPool(interpreters=interpreters) as pool:
        assert pool.invoke(writer, {}).payload == "written"
        first = taken_ids(pool)
        assert interpreters.wait_full(30.0)
        reader = pool.invoke(reporter("function-b"), {})
        second = [i for i in taken_ids(pool) if i not in first]
    assert reader.status == "success", reader.logs
    assert second and second[0] is not None and second[0] not in first
    assert reader.payload["tmp"] == []
    assert reader.payload["task_files"] == ["data/note.txt", "main.py"]
    assert reader.payload["environ"]["AWS_LAMBDA_FUNCTION_NAME"] == "function-b"


def test_init_duration_counts_the_handlers_import_in_a_prestarted_interpreter(
    interpreters, make_function
):
    slow_import = make_function(
        """
        import time
        time.sleep(0.3)
        def handler(event, context):
            return 'ready'
        """
    )
    with EnvironmentPool(interpreters=interpreters) as pool:
        result = pool.invoke(slow_import, {})
        assert taken_ids(pool) != [None]
    assert result.status == "success" and result.cold_start
    assert result.init_duration_ms >= 300
    assert f"Init Duration: {result.init_duration_ms:.2f} ms" in result.logs
    assert result.billed_duration_ms >= result.init_duration_ms


def test_the_pool_refills_and_never_hands_an_interpreter_out_twice(make_function):
    taken: list[str] = []
    with InterpreterPool(1, refill_delay_s=0.0) as interpreters:
        for _ in range(3):
            assert interpreters.wait_full(30.0)
            [waiting] = interpreters.waiting()
            assert waiting not in taken
            function = make_function("def handler(event, context):\n    return 1\n")
            with EnvironmentPool(interpreters=interpreters) as pool:
                assert pool.invoke(function, {}).status == "success"
                [used] = taken_ids(pool)
            assert used == waiting and used not in interpreters.waiting()
            taken.append(used)
        assert interpreters.stats.taken == 3 and interpreters.stats.started >= 3
    assert len(set(taken)) == 3


def test_a_cold_start_that_finds_the_pool_empty_starts_whole(make_function):
    function = make_function("def handler(event, context):\n    return 'ok'\n")
    with InterpreterPool(1, refill_delay_s=60.0) as interpreters:
        assert interpreters.wait_full(30.0)
        with EnvironmentPool(interpreters=interpreters) as pool:
            first = pool.invoke(function, {})
        with EnvironmentPool(interpreters=interpreters) as pool:
            second = pool.invoke(function, {})
            assert taken_ids(pool) == [None]
        assert interpreters.stats.taken == 1 and interpreters.stats.missed == 1
    assert first.status == second.status == "success"
    assert second.cold_start and second.init_duration_ms is not None


def test_code_that_would_shadow_a_module_the_interpreter_loaded_starts_whole(interpreters):
    # On a fresh start the function's own simplejson.py comes first on sys.path, before the
    # runtime's: an interpreter that has already imported the runtime's would differ.
    function = FunctionConfig(
        name="shadow",
        handler="app.handler",
        code={
            "app.py": "import simplejson\ndef handler(event, context):\n"
            "    return simplejson.__file__\n",
            "simplejson.py": "",
        },
    )
    with EnvironmentPool(interpreters=interpreters) as pool:
        result = pool.invoke(function, {})
        assert taken_ids(pool) == [None]
    with EnvironmentPool() as pool:
        whole = pool.invoke(function, {})
    assert (result.status, result.error_type) == (whole.status, whole.error_type)
    assert len(interpreters.waiting()) == 1  # still there for a function it fits


def wait_for(ready):
    """Poll ``ready`` (a service's answer, not a clock) until it gives something truthy."""
    give_up = time.monotonic() + 30.0
    while not (found := ready()):
        assert time.monotonic() < give_up, "waited 30 s"
        time.sleep(0.05)
    return found


def studyapp_cgroups(prefix: str) -> list[Path]:
    return list(Path("/sys/fs/cgroup").glob(f"*/**/studyapp-sandbox/{prefix}*"))


def test_closing_the_pool_kills_the_interpreters_still_waiting():
    with InterpreterPool(2) as interpreters:
        assert interpreters.wait_full(30.0)
        waiting = interpreters.waiting()
        assert len(waiting) == 2
        for interpreter in waiting:
            assert studyapp_cgroups(f"{os.getpid()}-pre{interpreter}")
    for interpreter in waiting:
        assert studyapp_cgroups(f"{os.getpid()}-pre{interpreter}") == []


def test_serve_keeps_interpreters_ahead_and_leaves_nothing_when_stopped(service_secret):
    process = subprocess.Popen(
        [sys.executable, "-m", "studyapp.engine", "serve", "--port", "0", "--prestarted", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=PROJECT,
    )
    try:
        url = process.stdout.readline().strip().rsplit(" ", 1)[-1]
        health = wait_for(
            lambda: (
                (found := client.health(base_url=url, secret=service_secret))
                and found["prestarted"]["waiting"] == 1
                and found
            )
        )
        assert health["prestarted"]["size"] == 1
        function = {
            "name": "served",
            "handler": "app.handler",
            "code": {"app.py": "def handler(event, context):\n    return 'served'\n"},
        }
        answer = client.invoke(function, {}, base_url=url)
        assert answer["payload"] == "served"
        [environment] = client.environments(base_url=url, secret=service_secret)["environments"]
        assert environment["prestarted_interpreter"] is not None
        assert studyapp_cgroups(f"{process.pid}-{answer['environment_id']}-")  # renamed as its own
        wait_for(lambda: studyapp_cgroups(f"{process.pid}-pre"))  # the one started in its place
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        assert studyapp_cgroups(f"{process.pid}-") == []
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.pure
def test_serve_refuses_a_prestarted_count_that_is_not_a_number(service_secret):
    done = subprocess.run(
        [sys.executable, "-m", "studyapp.engine", "serve", "--port", "0"],
        capture_output=True,
        text=True,
        cwd=PROJECT,
        env={**os.environ, "SANDBOX_PRESTARTED": "many"},
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "SANDBOX_PRESTARTED must be a whole number" in done.stderr


def test_after_a_crash_the_next_runtime_starts_whole_and_finds_tmp_as_it_was(interpreters):
    function = FunctionConfig(
        name="crasher",
        handler="app.handler",
        code={
            "app.py": "import os\n"
            "def handler(event, context):\n"
            "    if event == 'crash':\n"
            "        open('/tmp/before-crash', 'w').close()\n"
            "        os._exit(3)\n"
            "    return sorted(os.listdir('/tmp'))\n"
        },
    )
    with EnvironmentPool(interpreters=interpreters) as pool:
        crashed = pool.invoke(function, "crash")
        assert crashed.status == "error" and taken_ids(pool) != [None]
        again = pool.invoke(function, "look")
        assert again.cold_start and again.environment_id == crashed.environment_id
    assert again.payload == ["before-crash"]
    assert interpreters.stats.taken == 1


def test_a_function_given_as_a_directory_finds_it_at_var_task(interpreters, tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "words.py").write_text("WORD = 'from a folder'\n")
    (tmp_path / "app.py").write_text(
        "import os, sys\nsys.path.append('/var/task/lib')\nimport words\n"
        "def handler(event, context):\n"
        "    return [words.WORD, sorted(os.listdir('/var/task'))]\n"
    )
    tmp_path.chmod(0o755)
    function = FunctionConfig(name="folder", handler="app.handler", code_dir=str(tmp_path))
    with EnvironmentPool(interpreters=interpreters) as pool:
        result = pool.invoke(function, {})
        assert taken_ids(pool) != [None]
    assert result.payload == ["from a folder", ["app.py", "lib"]]
    assert (tmp_path / "app.py").stat().st_nlink == 1  # copied, the learner's files untouched


def test_an_interpreter_that_died_waiting_is_never_handed_out(interpreters, make_function):
    [waiting] = interpreters.waiting()
    [group] = [g for g in studyapp_cgroups(f"{os.getpid()}-pre{waiting}") if "pids" in g.parts]
    for pid in (group / "cgroup.procs").read_text().split():
        with contextlib.suppress(ProcessLookupError):  # gone with the sandbox's init already
            os.kill(int(pid), signal.SIGKILL)
    wait_for(lambda: not (group / "cgroup.procs").read_text().split())  # all of it has exited
    function = make_function("def handler(event, context):\n    return 'fine'\n")
    with EnvironmentPool(interpreters=interpreters) as pool:
        result = pool.invoke(function, {})
        assert taken_ids(pool) == [None]
    assert result.payload == "fine" and result.cold_start
    assert interpreters.stats.taken == 0 and interpreters.stats.missed == 1


def test_what_a_killed_supervisor_left_is_removed_by_the_next(tmp_path):
    script = (
        "from studyapp.engine.prestart import InterpreterPool\n"
        "import os, sys\n"
        "pool = InterpreterPool(1)\n"
        "assert pool.wait_full(30.0)\n"
        "print(os.getpid(), flush=True)\n"
        "sys.stdin.read()\n"
    )
    killed = subprocess.Popen(
        [sys.executable, "-c", script],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=PROJECT,
    )
    pid = int(killed.stdout.readline())
    killed.kill()
    killed.wait()
    left = list(Path(tempfile.gettempdir()).glob(f"studyapp-prestart-{pid}-*"))
    assert left  # nothing could remove it
    with InterpreterPool(1) as interpreters:
        assert interpreters.wait_full(30.0)
    assert not any(directory.exists() for directory in left)
