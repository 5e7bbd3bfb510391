"""The sandbox is an unprivileged user on the host, not root mapped into a namespace.

Inside, the function is uid 993 either way (and bubblewrap's nested user namespace shows
"993 0 1" in /proc/self/uid_map either way), so these tests look from the host, at what the
kernel's own checks decide: ownership, sysctl permissions and signals.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import uuid
from pathlib import Path

from studyapp.engine import host_capabilities
from studyapp.engine.isolation import plain_sandbox_command, sandbox_python
from tests.attacks.host import host_processes_with, status_fields

NO_CAPABILITIES = "0000000000000000"


def test_every_process_of_the_sandbox_is_an_unprivileged_host_user(pool, make_function):
    marker = f"studyapp-identity-{uuid.uuid4().hex}"
    function = make_function(
        f"""
        import subprocess, sys
        CHILD = "import time; print('ready', flush=True); time.sleep(60)"
        def handler(event, context):
            # Wait for the child to have exec'd (and so to show its marker) before returning:
            # the environment is frozen as soon as the handler returns.
            child = subprocess.Popen([sys.executable, "-c", CHILD, "{marker}"],
                                     stdout=subprocess.PIPE)
            child.stdout.readline()
            return "spawned"
        """
    )
    result = pool.invoke(function, {})
    assert result.payload == "spawned"
    [child] = host_processes_with(marker)
    lineage = []  # the child, the runtime, bubblewrap's init and bubblewrap, up to this process
    pid = child
    while pid not in (os.getpid(), 0, 1) and len(lineage) < 10:
        lineage.append(pid)
        pid = int(status_fields(pid)["PPid"])
    described = [(p, Path(f"/proc/{p}/cmdline").read_bytes()[:80]) for p in lineage]
    assert pid == os.getpid() and len(lineage) >= 3, described
    host_uid = result.isolation["host_uid"]
    assert host_uid != 0 and result.isolation["host_root"] is False
    for pid in lineage:
        status = status_fields(pid)
        assert status["Uid"] == f"{host_uid} {host_uid} {host_uid} {host_uid}", pid
        assert "0" not in status["Gid"].split(), pid
        assert status["Groups"] == "", pid
        for capabilities in ("CapPrm", "CapEff", "CapBnd", "CapAmb"):
            assert status[capabilities] == NO_CAPABILITIES, (pid, capabilities)
        assert status["NoNewPrivs"] == "1", pid


def test_host_roots_files_are_not_the_functions_own(pool, make_function):
    # Mapped to host root, the function would own every root-owned file it can see.
    function = make_function(
        """
        import os
        def handler(event, context):
            paths = ["/usr", "/usr/bin/env", "/var/lang", "/var/task", "/var/task/app.py",
                     "/var/runtime/launcher.py", "/var/runtime/awslambdaric/bootstrap.py"]
            return {"me": os.getuid(), "owners": {p: os.stat(p).st_uid for p in paths}}
        """
    )
    seen = pool.invoke(function, {}).payload
    assert seen["me"] == 993
    assert seen["me"] not in seen["owners"].values(), seen["owners"]


# Host-wide settings (not per-namespace ones), each a known way to root; those this kernel has.
KERNEL_KNOBS = """
import json, os
knobs = ["/proc/sys/kernel/core_pattern", "/proc/sys/kernel/modprobe", "/proc/sys/kernel/sysrq",
         "/proc/sys/kernel/randomize_va_space", "/proc/sys/kernel/panic",
         "/proc/sys/vm/drop_caches", "/proc/sys/vm/overcommit_memory",
         "/proc/sys/fs/protected_symlinks"]
outcome = {}
for knob in filter(os.path.exists, knobs):
    try:
        fd = os.open(knob, os.O_WRONLY)  # opened, never written: a failure here must not matter
    except OSError as error:
        outcome[knob] = type(error).__name__
    else:
        os.close(fd)
        outcome[knob] = "writable"
print(json.dumps(outcome))
"""


def test_kernel_settings_are_not_writable_even_with_procs_knobs_unmasked():
    # The engine hides /proc/sys as well; this sandbox leaves it visible, so only the host uid
    # stands between the function and the kernel's settings (sysctl checks the euid, not caps).
    host = host_capabilities()
    command = plain_sandbox_command(
        host, [sandbox_python(host), "-I", "-S", "-c", KERNEL_KNOBS], mask_proc=False
    )
    completed = subprocess.run(command, capture_output=True, text=True, timeout=30, check=True)
    outcome = json.loads(completed.stdout)
    assert "/proc/sys/kernel/core_pattern" in outcome  # visible, as the test intends
    assert set(outcome.values()) == {"PermissionError"}, outcome


def test_the_function_cannot_signal_host_processes(pool, make_function):
    sleep = ["sleep", "60"]
    host_uid = host_capabilities().host_uid
    victims = [
        subprocess.Popen(sleep),  # one of root's
        # one of the sandbox's own host uid: only the pid namespace stands in the way
        subprocess.Popen(sleep, user=host_uid, group=host_uid, extra_groups=[]),
    ]
    function = make_function(
        """
        import os, signal
        def handler(event, context):
            outcomes = {}
            for pid in event["pids"]:
                for name, send in (("kill", os.kill), ("killpg", os.killpg)):
                    try:
                        send(pid, signal.SIGKILL)
                        outcomes[f"{name} {pid}"] = "sent"
                    except OSError as error:
                        outcomes[f"{name} {pid}"] = type(error).__name__
            return outcomes
        """
    )
    try:
        outcomes = pool.invoke(function, {"pids": [v.pid for v in victims]}).payload
        assert "sent" not in outcomes.values(), outcomes
        assert [victim.poll() for victim in victims] == [None, None]
    finally:
        for victim in victims:
            victim.send_signal(signal.SIGKILL)
            victim.wait()


def test_signalling_every_process_it_can_reaches_nothing_outside(pool, make_function):
    victim = subprocess.Popen(["sleep", "60"])
    function = make_function(
        """
        import os, signal
        def handler(event, context):
            try:
                os.kill(-1, signal.SIGKILL)  # all it may signal, but itself and its init
            except OSError as error:
                return type(error).__name__
            return "sent"
        """
    )
    try:
        assert pool.invoke(function, {}).payload == "ProcessLookupError"  # nobody to signal
        assert victim.poll() is None
    finally:
        victim.kill()
        victim.wait()
