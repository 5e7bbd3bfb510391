"""Lambda's resource model: /tmp is ephemeral storage apart from memory, kept across runtime
restarts; any JSON value is an event; the function runs as a named user."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from studyapp.engine.ephemeral import STORAGE_ROOT

PROJECT = Path(__file__).resolve().parents[2]

FILL_TMP = """
    import errno
    def handler(event, context):
        written = 0
        chunk = b"x" * (1024 * 1024)
        try:
            with open("/tmp/fill", "wb") as handle:
                for _ in range(event["mb"]):
                    handle.write(chunk)
                    handle.flush()
                    written += 1
        except OSError as error:
            if error.errno != errno.ENOSPC:
                raise
            return {"errno": error.errno, "written_mb": written}
        return {"errno": None, "written_mb": written}
"""


def test_writing_past_the_ephemeral_storage_gives_enospc_not_an_out_of_memory_kill(
    pool, make_function
):
    function = make_function(FILL_TMP, memory_mb=256, timeout_s=60)
    result = pool.invoke(function, {"mb": 2000})
    assert result.status == "success", result.logs
    assert result.payload["errno"] == 28
    assert 500 <= result.payload["written_mb"] <= 512
    assert result.isolation["ephemeral_storage_mb"] == 512
    assert result.isolation["tmp_apart_from_memory"] is True
    again = pool.invoke(function, {"mb": 0})
    assert again.status == "success" and again.cold_start is False
    assert again.payload == {"errno": None, "written_mb": 0}


def test_the_ephemeral_storage_setting_is_what_tmp_holds(pool, make_function):
    function = make_function(FILL_TMP, memory_mb=128, ephemeral_storage_mb=700, timeout_s=60)
    result = pool.invoke(function, {"mb": 2000})
    assert result.payload["errno"] == 28
    assert 690 <= result.payload["written_mb"] <= 700


TMP_ACROSS_TIMEOUT = """
    import os, stat, time
    started = time.time()
    def handler(event, context):
        found = open("/tmp/kept").read() if os.path.exists("/tmp/kept") else None
        mode = stat.S_IMODE(os.stat("/tmp").st_mode)
        entries = sorted(os.listdir("/tmp"))
        with open("/tmp/kept", "w") as handle:
            handle.write(f"written at {started}")
        if event.get("hang"):
            time.sleep(60)
        return {"found": found, "mode": oct(mode), "entries": entries, "started": started}
"""


def test_tmp_survives_a_timeout_while_the_runtime_starts_again(pool, make_function):
    function = make_function(TMP_ACROSS_TIMEOUT, timeout_s=1)
    first = pool.invoke(function, {"hang": True})
    assert first.status == "timeout"
    after = pool.invoke(function, {})
    assert after.cold_start is True  # a new runtime: INIT again, globals fresh
    assert after.environment_id == first.environment_id
    assert after.payload["found"] is not None and after.payload["found"].startswith("written at ")
    assert after.payload["started"] != float(after.payload["found"].removeprefix("written at "))
    assert after.payload["mode"] == "0o1777"
    assert after.payload["entries"] == ["kept"]


def test_tmp_survives_a_crash_of_the_runtime(pool, make_function):
    function = make_function(
        """
        import os
        def handler(event, context):
            if event.get("crash"):
                open("/tmp/before-crash", "w").write("still here")
                os._exit(3)
            return open("/tmp/before-crash").read()
        """
    )
    assert pool.invoke(function, {"crash": True}).status == "error"
    after = pool.invoke(function, {})
    assert (after.status, after.payload, after.cold_start) == ("success", "still here", True)


def test_a_new_environment_starts_with_an_empty_tmp_and_a_destroyed_one_leaves_nothing(
    make_function,
):
    from studyapp.engine import EnvironmentPool

    function = make_function(TMP_ACROSS_TIMEOUT)
    with EnvironmentPool() as pool:
        first = pool.invoke(function, {})
        assert first.payload["entries"] == [] and first.payload["found"] is None
        name = f"{os.getpid()}-{first.environment_id}"
        assert os.path.ismount(os.path.join(STORAGE_ROOT, name))
    assert not os.path.exists(os.path.join(STORAGE_ROOT, name))
    assert not os.path.exists(os.path.join(STORAGE_ROOT, name + ".img"))
    with open("/proc/self/mountinfo") as handle:
        assert name not in handle.read()


def mount_of(path: str) -> tuple[str, set[str]] | None:
    """The device and the options of the mount at ``path``, as /proc/self/mountinfo has them."""
    with open("/proc/self/mountinfo") as handle:
        for line in handle:
            fields = line.split()
            if fields[4] == path:
                after = fields[fields.index("-") + 1 :]  # fstype, source, super options
                return after[1], set(fields[5].split(","))
    return None


def test_tmp_is_a_loop_mounted_image_without_set_user_id_or_devices_released_with_its_environment(
    make_function,
):
    from studyapp.engine import EnvironmentPool

    function = make_function(TMP_ACROSS_TIMEOUT)
    with EnvironmentPool() as pool:
        first = pool.invoke(function, {})
        path = os.path.join(STORAGE_ROOT, f"{os.getpid()}-{first.environment_id}")
        device, options = mount_of(path)
        assert {"nosuid", "nodev", "noatime"} <= options
        loop = Path("/sys/block", os.path.basename(device), "loop")
        assert (loop / "backing_file").read_text().strip() == path + ".img"
        assert (loop / "dio").read_text().strip() == "1"  # the image is not cached twice
        assert (loop / "autoclear").read_text().strip() == "1"
    assert mount_of(path) is None
    assert not (loop / "backing_file").exists()  # the device was let go with the mount


@pytest.mark.parametrize("event", ["x", 3, None, [1], True, 2.5, {"a": None}])
def test_any_json_value_is_an_event(pool, make_function, event):
    function = make_function("def handler(event, context):\n    return [event]\n")
    result = pool.invoke(function, event)
    assert result.status == "success"
    assert result.payload == [event]


def test_json_text_given_as_bytes_is_checked(pool, make_function):
    function = make_function("def handler(event, context):\n    return [event]\n")
    assert pool.invoke(function, b'"x"').payload == ["x"]
    from studyapp.engine.config import ConfigError

    with pytest.raises(ConfigError, match="not valid JSON"):
        pool.invoke(function, b"x")


def test_the_command_line_takes_a_json_string_event(tmp_path):
    handler = tmp_path / "app.py"
    handler.write_text("def handler(event, context):\n    return {'event': event}\n")
    for text, value in (('"x"', "x"), ("null", None), ("3", 3), ("[1]", [1])):
        event = tmp_path / "event.json"
        event.write_text(text)
        command = [sys.executable, "-m", "studyapp.engine", "invoke", "--json"]
        completed = subprocess.run(
            [*command, "--handler", str(handler), "--event", str(event)],
            capture_output=True,
            text=True,
            cwd=PROJECT,
            env={**os.environ, "PYTHONPATH": str(PROJECT)},
            timeout=60,
            check=False,
        )
        assert completed.returncode == 0, completed.stderr
        assert json.loads(completed.stdout)[0]["payload"] == {"event": value}


USER_PROBE = """
    import getpass, os, pwd, grp, subprocess
    def handler(event, context):
        return {
            "getuser": getpass.getuser(),
            "pwd": pwd.getpwuid(os.getuid()).pw_name,
            "uid": os.getuid(),
            "group": grp.getgrgid(os.getgid()).gr_name,
            "whoami": subprocess.run(["whoami"], capture_output=True, text=True).stdout.strip(),
            "id": subprocess.run(["id"], capture_output=True, text=True).stdout.strip(),
            "etc": sorted(os.listdir("/etc")),
        }
"""


def test_the_function_runs_as_lambdas_named_user(pool, make_function):
    result = pool.invoke(make_function(USER_PROBE), {})
    assert result.status == "success", result.logs
    assert result.payload["getuser"] == "sbx_user1051"
    assert result.payload["pwd"] == "sbx_user1051"
    assert result.payload["whoami"] == "sbx_user1051"
    assert result.payload["uid"] == 993
    assert result.payload["group"] == "sbx_user1051"
    assert result.payload["id"].startswith("uid=993(sbx_user1051) gid=993(sbx_user1051)")
    assert result.payload["etc"] == ["group", "passwd"]
