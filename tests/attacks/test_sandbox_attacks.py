"""Hostile handlers: each attack is contained, and the engine keeps working afterwards."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
import uuid
from pathlib import Path

import pytest

from studyapp.engine import EnvironmentPool
from studyapp.engine.environment import teardowns_wait
from tests.attacks.host import host_processes_with
from tests.plugins.sandbox_engine import only_reset_environments

PROJECT = Path(__file__).resolve().parents[2]


def test_fork_bomb_is_stopped_by_the_pids_limit(pool, make_function):
    function = make_function(
        """
        import os
        def handler(event, context):
            children = 0
            try:
                while True:
                    if os.fork() == 0:
                        import time
                        time.sleep(30)
                        os._exit(0)
                    children += 1
            except OSError as error:
                return {"children": children, "error": error.strerror}
        """,
        timeout_s=20,
        memory_mb=1024,
    )
    result = pool.invoke(function, {})
    if result.status == "success":
        assert result.payload["children"] < 1024
        assert result.payload["error"] == "Resource temporarily unavailable"
    else:
        assert result.status in ("oom", "timeout")
    pool.close()


def test_memory_bomb_is_killed_at_the_memory_limit(pool, make_function):
    function = make_function(
        "def handler(event, context):\n    return 'x' * (1024 * 1024 * 1024)\n", timeout_s=10
    )
    result = pool.invoke(function, {})
    assert result.status == "oom" and result.error_type == "Runtime.ExitError"


def test_cpu_loop_is_stopped_at_the_deadline(pool, make_function):
    function = make_function(
        "def handler(event, context):\n    while True:\n        pass\n", timeout_s=1
    )
    started = time.monotonic()
    assert pool.invoke(function, {}).status == "timeout"
    assert time.monotonic() - started < 3


def test_sleeping_past_the_deadline_with_every_signal_ignored_is_killed(pool, make_function):
    function = make_function(
        """
        import signal, time
        def handler(event, context):
            for number in range(1, signal.NSIG):
                try:
                    signal.signal(number, signal.SIG_IGN)
                except (OSError, ValueError, RuntimeError):
                    pass
            while True:
                try:
                    time.sleep(10)
                except BaseException:
                    continue
        """,
        timeout_s=1,
    )
    started = time.monotonic()
    result = pool.invoke(function, {})
    assert result.status == "timeout" and time.monotonic() - started < 3
    assert only_reset_environments(pool)


@pytest.mark.parametrize("escape", ["double-fork", "setsid"])
def test_children_do_not_outlive_their_environment(pool, make_function, escape):
    marker = f"studyapp-attack-{uuid.uuid4().hex}"
    function = make_function(
        f"""
        import os, sys, time
        def spawn():
            if os.fork() == 0:
                os.setsid()
                if {escape == "double-fork"!r} and os.fork() != 0:
                    os._exit(0)
                os.execv(sys.executable,
                         [sys.executable, "-c", "import time; time.sleep(120)", "{marker}"])
        def handler(event, context):
            spawn()
            time.sleep(0.2)
            return "spawned"
        """
    )
    assert pool.invoke(function, {}).payload == "spawned"
    assert host_processes_with(marker), "the child should be alive while the environment is"
    pool.close()
    assert host_processes_with(marker) == []


def test_children_do_not_outlive_a_timeout(pool, make_function):
    marker = f"studyapp-attack-{uuid.uuid4().hex}"
    function = make_function(
        f"""
        import os, sys, time
        def handler(event, context):
            if os.fork() == 0:
                os.setsid()
                os.execv(sys.executable,
                         [sys.executable, "-c", "import time; time.sleep(120)", "{marker}"])
            time.sleep(60)
        """,
        timeout_s=1,
    )
    assert pool.invoke(function, {}).status == "timeout"
    # The answer goes back at the deadline and the environment is reset afterwards, in the
    # background, as on Lambda: once that reset is done, nothing the handler started is left.
    assert teardowns_wait(30.0), "the environment's reset did not finish"
    assert host_processes_with(marker) == []


def test_output_flood_is_capped_with_a_visible_marker(pool, make_function):
    function = make_function(
        """
        import sys
        def handler(event, context):
            line = "flood " * 1000 + "\\n"
            for _ in range(5000):
                sys.stdout.write(line)
            return "done"
        """,
        memory_mb=512,
        timeout_s=30,
    )
    result = pool.invoke(function, {})
    assert result.payload == "done"
    assert "[sandbox] log output truncated:" in result.logs
    assert len(result.logs.encode()) < 1024 * 1024 + 4096
    assert result.logs.rstrip("\n").splitlines()[-1].startswith("REPORT RequestId: ")


def test_filling_tmp_stops_with_enospc_at_the_ephemeral_storage_bound(pool, make_function):
    function = make_function(
        """
        import errno
        def handler(event, context):
            written = 0
            chunk = b"x" * (4 * 1024 * 1024)
            try:
                with open("/tmp/fill", "wb") as handle:
                    while True:
                        handle.write(chunk)
                        handle.flush()
                        written += len(chunk)
            except OSError as error:
                return {"errno": errno.errorcode[error.errno], "mb": written // (1024 * 1024)}
        """,
        memory_mb=128,  # /tmp is not memory: 512 MB of it fit beside 128 MB
        timeout_s=30,
    )
    result = pool.invoke(function, {})
    assert result.payload["errno"] == "ENOSPC"
    assert 500 <= result.payload["mb"] <= 512


NETWORK_PROBE = """
    import socket
    def handler(event, context):
        outcomes = {}
        for host, port in event["targets"]:
            try:
                socket.create_connection((host, port), timeout=2).close()
                outcomes[f"{host}:{port}"] = "connected"
            except OSError as error:
                outcomes[f"{host}:{port}"] = type(error).__name__
        return outcomes
"""


def test_no_network_not_even_the_hosts_loopback(pool, make_function):
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    accepted: list[object] = []
    listener.settimeout(0.5)

    def accept_one() -> None:
        with contextlib.suppress(OSError):
            accepted.append(listener.accept())

    watcher = threading.Thread(target=accept_one)
    watcher.start()
    try:
        targets = [["127.0.0.1", port], ["127.0.0.1", 5432], ["1.1.1.1", 443], ["10.0.0.1", 80]]
        result = pool.invoke(make_function(NETWORK_PROBE), {"targets": targets})
    finally:
        watcher.join()
        listener.close()
    assert "connected" not in result.payload.values()
    assert accepted == []


def test_project_files_and_host_secrets_are_not_visible(pool, make_function):
    function = make_function(
        """
        import os
        def handler(event, context):
            seen = {}
            for path in event["paths"]:
                try:
                    with open(path, "rb") as handle:
                        seen[path] = "read " + handle.read(64).decode("utf-8", "replace")
                except OSError as error:
                    seen[path] = type(error).__name__
            seen["root"] = sorted(os.listdir("/"))
            return seen
        """
    )
    paths = [
        str(PROJECT / "pyproject.toml"),
        str(PROJECT / "var" / "db.sqlite3"),
        "/etc/passwd",
        "/etc/shadow",
        "/root/.bash_history",
        "/home",
        "/proc/1/environ",
    ]
    seen = pool.invoke(function, {"paths": paths}).payload
    for path in paths[:-1]:
        if path != "/etc/passwd":
            assert not seen[path].startswith("read"), path
    # /etc holds the sandbox's own passwd (its user's name), never the host's.
    assert seen["/etc/passwd"].startswith("read root:x:0:0:root:/root:/sbin/nologin\nsbx_user1051")
    assert Path("/etc/passwd").read_text()[:64] != seen["/etc/passwd"].removeprefix("read ")
    allowed = {"bin", "dev", "etc", "lib", "lib32", "lib64", "libx32", "opt", "proc", "sbin", "tmp"}
    assert set(seen["root"]) <= allowed | {"usr", "var"}


def test_other_processes_and_their_environments_are_invisible(pool, make_function):
    os.environ["STUDYAPP_ATTACK_SECRET"] = "hunter2"
    function = make_function(
        """
        import os
        def handler(event, context):
            environments = {}
            for pid in os.listdir("/proc"):
                if pid.isdigit():
                    try:
                        environments[pid] = open(f"/proc/{pid}/environ", "rb").read().decode()
                    except OSError as error:
                        environments[pid] = type(error).__name__
            return environments
        """
    )
    environments = pool.invoke(function, {}).payload
    assert len(environments) <= 4  # bubblewrap's init, the runtime, maybe a helper
    assert not any("hunter2" in text for text in environments.values())


def test_writing_outside_tmp_fails_everywhere(pool, make_function):
    function = make_function(
        """
        def handler(event, context):
            results = {}
            for path in ["/var/task/x", "/opt/x", "/usr/x", "/x", "/dev/shm/x", "/var/lang/x",
                         "/proc/sys/kernel/hostname", "/proc/sys/vm/swappiness", "/tmp/x"]:
                try:
                    with open(path, "w") as handle:
                        handle.write("x")
                    results[path] = "written"
                except OSError as error:
                    results[path] = type(error).__name__
            return results
        """
    )
    results = pool.invoke(function, {}).payload
    assert results.pop("/tmp/x") == "written"
    assert "written" not in results.values()


def test_the_function_is_not_root_and_has_no_capabilities(pool, make_function):
    function = make_function(
        """
        import os
        def handler(event, context):
            status = open("/proc/self/status").read()
            caps = {line.split(":")[0]: line.split()[1] for line in status.splitlines()
                    if line.startswith("Cap")}
            return {"uid": os.getuid(), "gid": os.getgid(), "caps": caps}
        """
    )
    probe = pool.invoke(function, {}).payload
    assert probe["uid"] == 993 and probe["gid"] == 993
    assert probe["caps"]["CapEff"] == "0000000000000000"
    assert probe["caps"]["CapBnd"] == "0000000000000000"


def test_raising_resource_limits_is_refused(pool, make_function):
    function = make_function(
        """
        import resource
        def handler(event, context):
            refused = []
            for limit in (resource.RLIMIT_NOFILE, resource.RLIMIT_CORE):
                try:
                    resource.setrlimit(limit, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
                except (ValueError, OSError):
                    refused.append(limit)
            return len(refused)
        """
    )
    assert pool.invoke(function, {}).payload == 2


@pytest.mark.parametrize(
    ("crash", "signal_name"),
    [
        ("import os; os.abort()", "aborted"),
        ("import ctypes; ctypes.string_at(0)", "segmentation fault"),
    ],
)
def test_crashing_the_interpreter_is_a_runtime_exit_error(pool, make_function, crash, signal_name):
    function = make_function(f"def handler(event, context):\n    {crash}\n")
    result = pool.invoke(function, {})
    assert result.error_type == "Runtime.ExitError"
    assert result.payload["errorMessage"].endswith(f"signal: {signal_name}")


def test_leftover_tmp_files_do_not_reach_another_function(pool, make_function):
    writer = make_function(
        "def handler(event, context):\n    open('/tmp/secret', 'w').write('mine')\n",
        name="writer",
    )
    reader = make_function(
        "import os\ndef handler(event, context):\n    return os.path.exists('/tmp/secret')\n",
        name="reader",
    )
    pool.invoke(writer, {})
    assert pool.invoke(reader, {}).payload is False


def test_the_engine_survives_many_hostile_environments_in_parallel(make_function):
    hostile = make_function(
        "def handler(event, context):\n    while True:\n        pass\n", timeout_s=1
    )
    with EnvironmentPool() as pool:
        threads = [threading.Thread(target=pool.invoke, args=(hostile, {})) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert only_reset_environments(pool, 3)
