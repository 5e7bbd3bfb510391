"""What this host can enforce, and the command line that builds an execution environment.

The sandbox is bubblewrap (namespaces: user, pid, network, mount, ipc, uts, cgroup) inside a
cgroup (memory, pids, cpu, freezer), with rlimits set before bubblewrap starts:

- network: a fresh network namespace with nothing but its own loopback; the host's loopback
  (PostgreSQL on 127.0.0.1:5432, the web app) is a different interface and cannot be reached;
- filesystem: an empty root with /usr and the Python prefix bound read-only, the code at
  /var/task and the layers at /opt (read-only), the bootstrap at /var/runtime, /proc of the
  sandbox's own pid namespace, a minimal /dev, and /tmp a tmpfs of the ephemeral-storage size;
  everything else is remounted read-only; no /work, /home, /root or /etc of the host (the
  Python prefix appears at /var/lang, where Lambda keeps its runtime);
- identity: uid/gid 993 inside a user namespace, every capability dropped, no nested user
  namespaces, a new session (no terminal), no host environment variables;
- processes: a pid namespace, so no other process is visible and everything dies with the
  namespace's init; the cgroup kills whatever is left when the environment is destroyed.

`host_capabilities()` probes once per process; `full_isolation_available()` is what the web app
asks before it runs learner-edited code.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from typing import Any

from .cgroups import CgroupTree

SANDBOX_UID = 993
SANDBOX_GID = 993
PIDS_LIMIT = 1024  # Lambda's quota for processes and threads
NOFILE_LIMIT = 1024  # Lambda's quota for file descriptors
MB_PER_VCPU = 1769
BOOTSTRAP_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bootstrap.py")
SANDBOX_BOOTSTRAP = "/var/runtime/bootstrap.py"
SANDBOX_TASK_ROOT = "/var/task"
SANDBOX_OPT = "/opt"
SANDBOX_LANG = "/var/lang"  # where Lambda keeps its Python; the host's prefix is bound here
SANDBOX_LIBRARY_PATH = (
    "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib"
)


@dataclass(frozen=True)
class HostCapabilities:
    """What this machine offers; probed once."""

    bwrap: str | None
    bwrap_disable_userns: bool
    cgroups: CgroupTree | None
    python: str
    python_prefix: str
    cpu_count: int
    missing: tuple[str, ...] = field(default=())

    @property
    def full(self) -> bool:
        return (
            self.bwrap is not None
            and self.cgroups is not None
            and all(self.cgroups.has(c) for c in ("memory", "pids", "cpu"))
        )

    def summary(self) -> dict[str, Any]:
        return {
            "bubblewrap": self.bwrap is not None,
            "cgroup_version": self.cgroups.version if self.cgroups else None,
            "cgroup_controllers": sorted(self.cgroups.parents) if self.cgroups else [],
            "freezer": bool(self.cgroups and self.cgroups.has_freezer),
            "cpu_count": self.cpu_count,
            "full": self.full,
            "missing": list(self.missing),
        }


@dataclass(frozen=True)
class IsolationReport:
    """Which protections were active for an environment (reported with every result)."""

    namespaces: bool
    network: bool  # True when the function could reach a network
    memory_cgroup: bool
    cpu_cgroup: bool
    pids_limit: int | None
    nofile: int
    tmpfs_mb: int | None
    readonly_root: bool
    uid: int
    freezer: bool
    full: bool
    missing: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["missing"] = list(self.missing)
        return data


def cpu_share(memory_mb: int, cpu_count: int) -> float:
    """vCPUs Lambda gives this much memory: 1,769 MB = 1 vCPU, capped at the host's cores."""
    return min(memory_mb / MB_PER_VCPU, float(cpu_count))


@functools.cache
def host_capabilities() -> HostCapabilities:
    python = os.path.realpath(sys.executable)
    prefix = os.path.realpath(sys.base_prefix)
    missing: list[str] = []
    bwrap = shutil.which("bwrap")
    disable_userns = False
    if bwrap is None:
        missing.append("bubblewrap is not installed")
    else:
        disable_userns = _bwrap_works(bwrap, python, prefix, disable_userns=True)
        if not disable_userns and not _bwrap_works(bwrap, python, prefix, disable_userns=False):
            missing.append("bubblewrap cannot create namespaces here")
            bwrap = None
    cgroups = CgroupTree.detect() if os.geteuid() == 0 or _cgroup_delegated() else None
    if cgroups is None:
        missing.append("no writable cgroup hierarchy (memory, pids, cpu limits unavailable)")
    else:
        for controller in ("memory", "pids", "cpu"):
            if not cgroups.has(controller):
                missing.append(f"cgroup controller {controller} unavailable")
        if not cgroups.has_freezer:
            missing.append("no cgroup freezer (idle environments are not frozen)")
    return HostCapabilities(
        bwrap=bwrap,
        bwrap_disable_userns=disable_userns,
        cgroups=cgroups,
        python=python,
        python_prefix=prefix,
        cpu_count=os.cpu_count() or 1,
        missing=tuple(missing),
    )


def full_isolation_available() -> bool:
    """True when bubblewrap and the memory, pids and cpu cgroups all work on this host.

    The web app refuses learner-edited code when this is False; shipped samples still run.
    """
    return host_capabilities().full


def _cgroup_delegated() -> bool:
    return os.access("/sys/fs/cgroup/cgroup.subtree_control", os.W_OK)


def _bwrap_works(bwrap: str, python: str, prefix: str, *, disable_userns: bool) -> bool:
    relative = os.path.relpath(python, prefix)
    command = [
        bwrap,
        *_namespace_args(disable_userns),
        *_system_mounts(prefix),
        "--setenv",
        "LD_LIBRARY_PATH",
        SANDBOX_LIBRARY_PATH,
        "--",
        python if relative.startswith("..") else os.path.join(SANDBOX_LANG, relative),
        "-I",
        "-S",
        "-c",
        "pass",
    ]
    try:
        completed = subprocess.run(command, capture_output=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return completed.returncode == 0


def _namespace_args(disable_userns: bool) -> list[str]:
    args = [
        "--unshare-all",
        "--unshare-user",
        "--uid",
        str(SANDBOX_UID),
        "--gid",
        str(SANDBOX_GID),
        "--hostname",
        "sandbox",
        "--die-with-parent",
        "--new-session",
        "--cap-drop",
        "ALL",
        "--clearenv",
    ]
    if disable_userns:
        args.append("--disable-userns")
    return args


def _system_mounts(python_prefix: str) -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(name):
            args += ["--symlink", os.readlink(name), name]
        elif os.path.isdir(name):
            args += ["--ro-bind", name, name]
    args += ["--ro-bind", python_prefix, SANDBOX_LANG]
    args += ["--proc", "/proc", "--dev", "/dev"]
    return args + _proc_masks()


# The sandbox's uid maps to the uid that started bubblewrap (root here), so root-owned files
# of the sandbox's own /proc would pass the owner's permission check: hide the kernel knobs.
MASKED_PROC_DIRS = ("/proc/sys", "/proc/irq", "/proc/bus", "/proc/acpi", "/proc/scsi", "/proc/fs")
MASKED_PROC_FILES = (
    "/proc/sysrq-trigger",
    "/proc/kcore",
    "/proc/keys",
    "/proc/kmsg",
    "/proc/kallsyms",
    "/proc/timer_list",
    "/proc/sched_debug",
    "/proc/latency_stats",
)


def _proc_masks() -> list[str]:
    args: list[str] = []
    for directory in MASKED_PROC_DIRS:
        if os.path.isdir(directory):
            args += ["--tmpfs", directory, "--remount-ro", directory]
    for name in MASKED_PROC_FILES:
        if os.path.exists(name):
            args += ["--ro-bind", "/dev/null", name]
    return args


def sandbox_python(host: HostCapabilities) -> str:
    """The interpreter's path inside the sandbox (the prefix is mounted at /var/lang)."""
    relative = os.path.relpath(host.python, host.python_prefix)
    if relative.startswith(".."):
        return host.python
    return os.path.join(SANDBOX_LANG, relative)


def bubblewrap_command(
    host: HostCapabilities,
    *,
    task_dir: str,
    opt_dir: str | None,
    tmpfs_mb: int,
    environment: dict[str, str],
    request_fd: int,
    response_fd: int,
) -> list[str]:
    """The bwrap command line that starts the runtime in a fresh sandbox."""
    assert host.bwrap is not None
    args = [host.bwrap, *_namespace_args(host.bwrap_disable_userns)]
    args += _system_mounts(host.python_prefix)
    args += ["--size", str(tmpfs_mb * 1024 * 1024), "--tmpfs", "/tmp"]  # noqa: S108 - inside the sandbox
    args += ["--ro-bind", task_dir, SANDBOX_TASK_ROOT]
    if opt_dir:
        args += ["--ro-bind", opt_dir, SANDBOX_OPT]
    else:
        args += ["--dir", SANDBOX_OPT]
    args += ["--ro-bind", BOOTSTRAP_PATH, SANDBOX_BOOTSTRAP]
    args += ["--remount-ro", "/dev", "--remount-ro", "/", "--chdir", SANDBOX_TASK_ROOT]
    for key, value in {"LD_LIBRARY_PATH": SANDBOX_LIBRARY_PATH, **environment}.items():
        args += ["--setenv", key, value]
    args += [
        "--",
        sandbox_python(host),
        "-I",
        "-S",
        SANDBOX_BOOTSTRAP,
        str(request_fd),
        str(response_fd),
        SANDBOX_TASK_ROOT,
        SANDBOX_OPT,
    ]
    return args


# Joins the cgroups and lowers the rlimits, then becomes the sandbox. Runs as a tiny shell so
# that nothing of the sandbox ever runs outside its cgroup (no race after fork).
LAUNCHER_SCRIPT = (
    'ulimit -n "$1" && ulimit -c 0 || exit 125; shift; '
    'while [ "$1" != "--" ]; do echo $$ > "$1" || exit 126; shift; done; shift; exec "$@"'
)


def launcher_command(procs_files: list[str], command: list[str]) -> list[str]:
    launcher = ["/bin/sh", "-c", LAUNCHER_SCRIPT, "sandbox", str(NOFILE_LIMIT)]
    return [*launcher, *procs_files, "--", *command]
