"""What this host can enforce, and the command line that builds an execution environment.

The sandbox is bubblewrap (namespaces: user, pid, network, mount, ipc, uts, cgroup) inside a
cgroup (memory, pids, cpu, freezer), with rlimits set before bubblewrap starts:

- network: a fresh network namespace with nothing but its own loopback; the host's loopback
  (PostgreSQL on 127.0.0.1:5432, the web app) is a different interface and cannot be reached;
- filesystem: an empty root with /usr and the Python prefix bound read-only, the code at
  /var/task and the layers at /opt (read-only), the runtime at /var/runtime, /proc of the
  sandbox's own pid namespace, a minimal /dev, and /tmp the environment's own ephemeral storage
  (ephemeral.py: a filesystem of that size, on disk and apart from memory; bubblewrap's
  size-limited tmpfs where that cannot be had); everything else is remounted read-only; no /work,
  /home, /root or /etc of the host (the Python prefix appears at /var/lang, where Lambda keeps
  its runtime; /etc holds only a passwd and a group file naming the sandbox's user);
- identity: uid/gid 993 inside a user namespace (named sbx_user1051, as on Lambda), every
  capability dropped, no nested user namespaces, a new session (no terminal), no host
  environment variables; on the host, an unprivileged uid/gid (identity.py): a supervisor
  running as root drops to SANDBOX_HOST_UID before bubblewrap starts, so the namespace maps
  993 to that uid and never to host root;
- processes: a pid namespace, so no other process is visible and everything dies with the
  namespace's init; the cgroup kills whatever is left when the environment is destroyed.

`host_capabilities()` probes once per process; `full_isolation_available()` is what the web app
asks before it runs learner-edited code. Full isolation includes not being host root: a root
supervisor on a machine without unprivileged user namespaces (or without setpriv) still runs
sandboxes, as host root inside their namespace, and says so in `missing`.
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
from .ephemeral import storage_unavailable
from .identity import (
    SANDBOX_HOST_GID,
    SANDBOX_HOST_UID,
    cached_directory,
    privilege_drop_command,
    readable_tree,
)

SANDBOX_UID = 993
SANDBOX_GID = 993
SANDBOX_USER = "sbx_user1051"  # the user functions run as on Lambda
PIDS_LIMIT = 1024  # Lambda's quota for processes and threads
NOFILE_LIMIT = 1024  # Lambda's quota for file descriptors
MB_PER_VCPU = 1769
SANDBOX_RUNTIME = "/var/runtime"
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
    host_uid: int = 0  # the uid sandboxes run as on the host
    host_gid: int = 0
    drop_privileges: tuple[str, ...] = ()  # the setpriv prefix that becomes host_uid, if any
    python_root: str = ""  # what is bound at /var/lang: the prefix, or a mirror the uid can read
    tmp_on_disk: bool = False  # /tmp is a disk-backed filesystem of its own (ephemeral.py)

    @property
    def host_root(self) -> bool:
        return self.host_uid == 0

    @property
    def full(self) -> bool:
        return (
            self.bwrap is not None
            and not self.host_root
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
            "host_uid": self.host_uid,
            "host_root": self.host_root,
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
    ephemeral_storage_mb: int | None  # what /tmp holds (None: bounded by nothing but the disk)
    tmp_apart_from_memory: bool  # False when /tmp is a tmpfs, whose pages count as memory
    readonly_root: bool
    uid: int  # inside the sandbox
    freezer: bool
    full: bool
    missing: tuple[str, ...] = ()
    host_uid: int | None = None  # what the sandbox's processes are on the host
    host_root: bool = True

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["missing"] = list(self.missing)
        return data


def cpu_share(memory_mb: int, cpu_count: int) -> float:
    """vCPUs Lambda gives this much memory: 1,769 MB = 1 vCPU, capped at the host's cores.

    Enforced as a CFS quota per 100 ms period (128 MB: 7,235 us, above cgroup v1's 1 ms
    minimum). A quota is a budget per period, not a slower CPU: a job shorter than what is left
    of the budget runs at full speed, so CPU time over wall time measured on a job of a few tens
    of milliseconds at 128 MB reads 0.1 to 0.5; over a second or more it settles at 0.072
    (checked: 0.072 for 130 ms of CPU work; the cgroup throttles it in every period).
    """
    return min(memory_mb / MB_PER_VCPU, float(cpu_count))


@functools.cache
def host_capabilities() -> HostCapabilities:
    python = os.path.realpath(sys.executable)
    prefix = os.path.realpath(sys.base_prefix)
    inside = _sandbox_path(python, prefix)
    missing: list[str] = []
    bwrap = shutil.which("bwrap")
    setup = _RunAs(os.geteuid(), os.getegid(), (), prefix)
    disable_userns: bool | None = None
    if bwrap is None:
        missing.append("bubblewrap is not installed")
    else:
        if setup.uid == 0:
            unprivileged, reason = _unprivileged_setup(bwrap, inside, prefix)
            if unprivileged is not None:
                setup, disable_userns = unprivileged
            else:
                missing.append(f"sandboxes run as host root inside their namespace: {reason}")
        if disable_userns is None:
            disable_userns = _probe(bwrap, inside, setup)
        if disable_userns is None:
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
    no_disk_tmp = storage_unavailable() if bwrap is not None else "no bubblewrap"
    if bwrap is not None and no_disk_tmp is not None:
        missing.append(f"the temporary directory is a tmpfs counted as memory: {no_disk_tmp}")
    return HostCapabilities(
        bwrap=bwrap,
        bwrap_disable_userns=bool(disable_userns),
        cgroups=cgroups,
        python=python,
        python_prefix=prefix,
        cpu_count=os.cpu_count() or 1,
        missing=tuple(missing),
        host_uid=setup.uid,
        host_gid=setup.gid,
        drop_privileges=setup.drop,
        python_root=setup.python_root,
        tmp_on_disk=no_disk_tmp is None,
    )


@dataclass(frozen=True)
class _RunAs:
    """Who runs bubblewrap on the host, and the paths it binds that this identity can read."""

    uid: int
    gid: int
    drop: tuple[str, ...]
    python_root: str


def _unprivileged_setup(
    bwrap: str, python: str, prefix: str
) -> tuple[tuple[_RunAs, bool] | None, str]:
    """As root: the setup that runs bubblewrap as SANDBOX_HOST_UID, if this machine allows it."""
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None, "setpriv (util-linux) is not installed"
    uid, gid = SANDBOX_HOST_UID, SANDBOX_HOST_GID
    try:
        python_root = readable_tree(prefix, uid, gid)
    except OSError as error:
        return None, f"the Python runtime cannot be made readable to uid {uid} ({error})"
    drop = tuple(privilege_drop_command(setpriv, uid, gid))
    setup = _RunAs(uid, gid, drop, python_root)
    disable_userns = _probe(bwrap, python, setup)
    if disable_userns is None:
        return None, "bubblewrap cannot create namespaces as an unprivileged user here"
    return (setup, disable_userns), ""


def full_isolation_available() -> bool:
    """True when bubblewrap and the memory, pids and cpu cgroups all work on this host, and
    sandboxes are not host root (bubblewrap runs as an unprivileged uid).

    The web app refuses learner-edited code when this is False; shipped samples still run.
    """
    return host_capabilities().full


def _cgroup_delegated() -> bool:
    return os.access("/sys/fs/cgroup/cgroup.subtree_control", os.W_OK)


def _probe(bwrap: str, python: str, setup: _RunAs) -> bool | None:
    """Whether bubblewrap works with --disable-userns (True), only without it (False), or not.

    `python` is the interpreter's path inside the sandbox.
    """
    for disable_userns in (True, False):
        command = _plain_command(
            bwrap,
            setup,
            disable_userns=disable_userns,
            argv=[python, "-I", "-S", "-c", "pass"],
        )
        try:
            completed = subprocess.run(command, capture_output=True, timeout=20, check=False)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if completed.returncode == 0:
            return disable_userns
    return None


def _plain_command(
    bwrap: str,
    setup: _RunAs,
    *,
    disable_userns: bool,
    argv: list[str],
    mask_proc: bool = True,
) -> list[str]:
    return [
        *setup.drop,
        bwrap,
        *_namespace_args(disable_userns),
        *_system_mounts(setup.python_root, user_files(setup.uid, setup.gid), mask_proc=mask_proc),
        "--setenv",
        "LD_LIBRARY_PATH",
        SANDBOX_LIBRARY_PATH,
        "--",
        *argv,
    ]


def plain_sandbox_command(
    host: HostCapabilities, argv: list[str], *, mask_proc: bool = True
) -> list[str]:
    """`argv` in a sandbox with an environment's identity and system mounts, but no code, no
    cgroup and no pipes: what the probe runs, and what tests use to look at the identity alone
    (`mask_proc=False` leaves /proc's kernel knobs visible, to show the uid alone protects them).
    """
    assert host.bwrap is not None
    setup = _RunAs(host.host_uid, host.host_gid, host.drop_privileges, _lang_root(host))
    return _plain_command(
        host.bwrap, setup, disable_userns=host.bwrap_disable_userns, argv=argv, mask_proc=mask_proc
    )


def _lang_root(host: HostCapabilities) -> str:
    return host.python_root or host.python_prefix


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


def user_files(uid: int, gid: int) -> str:
    """A directory with the sandbox's /etc/passwd and /etc/group, readable by uid/gid.

    Lambda's functions run as sbx_user1051, so `whoami`, `id` and `getpass.getuser()` name it.
    Files of the host's users show inside as the overflow id 65534, named nobody here.
    """

    def build(directory: str) -> None:
        entries = {
            "passwd": (
                "root:x:0:0:root:/root:/sbin/nologin\n"
                # Home is /tmp, the one place the function may write.
                f"{SANDBOX_USER}:x:{SANDBOX_UID}:{SANDBOX_GID}::/tmp:/sbin/nologin\n"
                "nobody:x:65534:65534:nobody:/:/sbin/nologin\n"
            ),
            "group": f"root:x:0:\n{SANDBOX_USER}:x:{SANDBOX_GID}:\nnobody:x:65534:\n",
        }
        for name, text in entries.items():
            path = os.path.join(directory, name)
            with open(path, "w", encoding="ascii") as handle:
                handle.write(text)
            os.chmod(path, 0o644)

    return cached_directory(f"etc-{SANDBOX_USER}-{SANDBOX_UID}-{SANDBOX_GID}", uid, gid, build)


def _system_mounts(python_root: str, etc_dir: str, *, mask_proc: bool = True) -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(name):
            args += ["--symlink", os.readlink(name), name]
        elif os.path.isdir(name):
            args += ["--ro-bind", name, name]
    args += ["--ro-bind", python_root, SANDBOX_LANG]
    for name in ("passwd", "group"):
        args += ["--ro-bind", os.path.join(etc_dir, name), f"/etc/{name}"]
    args += ["--proc", "/proc", "--dev", "/dev"]
    return args + _proc_masks() if mask_proc else args


# Defence in depth: were the sandbox's uid ever mapped to host root (bubblewrap started by root,
# see identity.py), root-owned files of its own /proc would pass the owner's permission check,
# and the kernel lets host root's euid write sysctls without capabilities. Hide the kernel knobs.
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
    return _sandbox_path(host.python, host.python_prefix)


def _sandbox_path(python: str, prefix: str) -> str:
    relative = os.path.relpath(python, prefix)
    if relative.startswith(".."):
        return python
    return os.path.join(SANDBOX_LANG, relative)


def bubblewrap_command(
    host: HostCapabilities,
    *,
    task_dir: str,
    opt_dir: str | None,
    tmp_dir: str | None,
    tmp_mb: int,
    environment: dict[str, str],
    info_fd: int,
    block_fd: int,
    runtime_dir: str | None,
    argv: list[str],
) -> list[str]:
    """The bwrap command line that starts the runtime in a fresh sandbox.

    bubblewrap writes the sandbox's pid to `info_fd` once its namespaces exist, then waits for a
    byte on `block_fd` before it starts the runtime: the supervisor opens the Runtime API's
    socket inside the sandbox's network namespace in between. `tmp_dir` is the environment's
    ephemeral storage, bound at /tmp; without one, /tmp is a tmpfs of `tmp_mb` MB.
    """
    assert host.bwrap is not None
    args = [*host.drop_privileges, host.bwrap, *_namespace_args(host.bwrap_disable_userns)]
    args += _system_mounts(_lang_root(host), user_files(host.host_uid, host.host_gid))
    if tmp_dir is not None:
        args += ["--bind", tmp_dir, "/tmp"]  # noqa: S108 - inside the sandbox
    else:
        args += ["--size", str(tmp_mb * 1024 * 1024), "--tmpfs", "/tmp"]  # noqa: S108 - inside the sandbox
    args += ["--ro-bind", task_dir, SANDBOX_TASK_ROOT]
    if opt_dir:
        args += ["--ro-bind", opt_dir, SANDBOX_OPT]
    else:
        args += ["--dir", SANDBOX_OPT]
    if runtime_dir:
        args += ["--ro-bind", runtime_dir, SANDBOX_RUNTIME]
    else:
        args += ["--dir", SANDBOX_RUNTIME]
    args += ["--remount-ro", "/dev", "--remount-ro", "/", "--chdir", SANDBOX_TASK_ROOT]
    for key, value in {"LD_LIBRARY_PATH": SANDBOX_LIBRARY_PATH, **environment}.items():
        args += ["--setenv", key, value]
    args += ["--info-fd", str(info_fd), "--block-fd", str(block_fd)]
    return [*args, "--", *argv]


# Joins the cgroups and lowers the rlimits, then becomes the sandbox (through setpriv first when
# the supervisor is root: the cgroup files are root's, the sandbox is not). Runs as a tiny shell
# so that nothing of the sandbox ever runs outside its cgroup (no race after fork).
LAUNCHER_SCRIPT = (
    'ulimit -n "$1" && ulimit -c 0 || exit 125; shift; '
    'while [ "$1" != "--" ]; do echo $$ > "$1" || exit 126; shift; done; shift; exec "$@"'
)


def launcher_command(procs_files: list[str], command: list[str]) -> list[str]:
    launcher = ["/bin/sh", "-c", LAUNCHER_SCRIPT, "sandbox", str(NOFILE_LIMIT)]
    return [*launcher, *procs_files, "--", *command]
