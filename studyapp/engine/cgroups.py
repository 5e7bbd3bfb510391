"""Control groups for execution environments: memory, pids, cpu and the freezer, v1 or v2.

`CgroupTree.detect()` finds where this host lets us create cgroups. It prefers a
`studyapp-sandbox` parent below our own cgroup (so the sandbox stays inside whatever accounting
the host already applies to us) and falls back to the controller's root. Each execution
environment gets one `EnvironmentCgroup`, named `<supervisor pid>-<environment id>` so that groups
left behind by a supervisor that died can be recognised and swept. The parent's CPU weight is a
quarter of a process's beside it, so that on busy cores the site comes before learners' code.

What a warm invocation reads or writes here (the freezer's state, the memory peak, the OOM-kill
count) goes through descriptors each group keeps open (`pread`/`pwrite`): a path opened and
closed per call costs several times more than the kernel's work behind it.

The cgroup v1 freezer keeps a kernel-wide switch (`freezer_active`, a static key) on while any
group is freezing or frozen: switching it on or off patches the kernel's code on every CPU, about
80 us per write on this host's kernel, so freezing and thawing the only idle environment would
cost that twice per invocation. `CgroupTree.keep_freezer_active()` holds one empty group of this
supervisor frozen for its whole life (`<pid>-freezer-on`, swept with the others when the
supervisor dies), which keeps the switch on: a freeze or a thaw is then about 2 us.

Reading v1's `memory.oom_control` costs about 11 us (the memory peak, 4 us), and a warm
invocation asks for the OOM-kill count twice. So a v1 group also registers an eventfd for OOM
notifications (`cgroup.event_control`), which the kernel signals whenever the group, or an
ancestor it is part of, runs out of memory, before it kills: while the eventfd stays silent, the
count read last still holds, and polling the eventfd (about 1 us) says so. Once it
has been signalled, the group's count is read every time: a runtime's group lives until its
runtime is replaced, which an OOM kill brings about anyway.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import os
import select
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .leftovers import left_by_dead_supervisor

PARENT_NAME = "studyapp-sandbox"
# The CPU weight of all the environments together, against each process beside the sandbox (a
# web server's thread has v1's 1024 or v2's 100): when the cores are contended, the site's
# pages come before learners' handlers. Each environment's own quota (its share of a vCPU,
# Lambda's rule) still caps it; on an idle machine weights change nothing.
PARENT_CPU_SHARES_V1 = 256
PARENT_CPU_WEIGHT_V2 = 25
CPU_PERIOD_US = 100_000
V1_CONTROLLERS = ("memory", "pids", "cpu", "freezer")
V2_CONTROLLERS = ("memory", "pids", "cpu")
FREEZER_ON_NAME = "freezer-on"  # the empty group kept frozen: `<pid>-freezer-on`


def _write(path: Path, value: str) -> None:
    with open(path, "w") as handle:
        handle.write(value)


def _read(path: Path) -> str:
    with open(path) as handle:
        return handle.read()


def _read_int(path: Path) -> int | None:
    try:
        return int(_read(path).split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _first_int(text: str | None) -> int | None:
    try:
        return int(text.split()[0]) if text is not None else None
    except (ValueError, IndexError):
        return None


def _key_in(text: str | None, key: str) -> int:
    """The value of `key` in a flat keyed file's text ("name value" lines), 0 when absent."""
    for line in (text or "").splitlines():
        name, _, value = line.partition(" ")
        if name == key:
            with contextlib.suppress(ValueError):
                return int(value)
    return 0


def _keyed_value(path: Path, key: str) -> int:
    try:
        for line in _read(path).splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
    except (OSError, ValueError):
        pass
    return 0


def _own_cgroup_paths() -> dict[str, str]:
    """Controller (or "" for the unified hierarchy) -> our own path, from /proc/self/cgroup."""
    paths: dict[str, str] = {}
    with contextlib.suppress(OSError):
        for line in _read(Path("/proc/self/cgroup")).splitlines():
            _, controllers, path = line.split(":", 2)
            for controller in controllers.split(",") if controllers else [""]:
                paths[controller] = path
    return paths


def _cgroup_mounts() -> tuple[dict[str, Path], Path | None]:
    """v1 controller -> mount point, and the cgroup2 mount point if any."""
    v1: dict[str, Path] = {}
    v2: Path | None = None
    with contextlib.suppress(OSError):
        for line in _read(Path("/proc/self/mountinfo")).splitlines():
            left, _, right = line.partition(" - ")
            fstype, _source, *rest = right.split()
            mount_point = Path(left.split()[4])
            if fstype == "cgroup2":
                v2 = v2 or mount_point
            elif fstype == "cgroup":
                options = rest[0].split(",") if rest else []
                for controller in V1_CONTROLLERS:
                    if controller in options:
                        v1.setdefault(controller, mount_point)
    return v1, v2


@dataclass
class CgroupTree:
    """Where environment cgroups are created: one parent per v1 controller, or one v2 parent."""

    version: int
    parents: dict[str, Path]  # controller -> parent dir (v2: every controller -> the same dir)
    swept: bool = field(default=False, repr=False)

    @property
    def has_freezer(self) -> bool:
        if self.version == 1:
            return "freezer" in self.parents
        return True

    def has(self, controller: str) -> bool:
        return controller in self.parents

    @classmethod
    def detect(cls) -> CgroupTree | None:
        """The usable cgroup tree on this host, or None (not root, nothing mounted, read-only)."""
        v1_mounts, v2_mount = _cgroup_mounts()
        own = _own_cgroup_paths()
        if "memory" in v1_mounts:
            parents: dict[str, Path] = {}
            for controller, mount in v1_mounts.items():
                parent = _make_parent(mount, own.get(controller, "/"))
                if parent is not None:
                    parents[controller] = parent
            return cls(version=1, parents=parents) if "memory" in parents else None
        if v2_mount is not None:
            parent = _make_v2_parent(v2_mount, own.get("", "/"))
            if parent is not None:
                available = set(_read(parent / "cgroup.subtree_control").split())
                return cls(version=2, parents={c: parent for c in V2_CONTROLLERS if c in available})
        return None

    def sweep_stale(self) -> None:
        """Remove groups whose supervisor process is gone (it was killed before cleaning up)."""
        if self.swept:
            return
        self.swept = True
        names: set[str] = set()
        for parent in set(self.parents.values()):
            with contextlib.suppress(OSError):
                names.update(p.name for p in parent.iterdir() if p.is_dir())
        for name in names:
            if left_by_dead_supervisor(name):
                EnvironmentCgroup(self, name).destroy()

    def create(self, name: str) -> EnvironmentCgroup:
        self.sweep_stale()
        group = EnvironmentCgroup(self, name)
        for directory in group.directories():
            directory.mkdir(exist_ok=True)
        return group

    def keep_freezer_active(self) -> bool:
        """Hold an empty group of this supervisor frozen until it exits (cgroup v1), so that
        freezing and thawing environments never switches the kernel's freezer on and off (see
        the module's docstring). True when it is held; idempotent and thread-safe."""
        parent = self.parents.get("freezer") if self.version == 1 else None
        if parent is None:
            return False
        directory = parent / f"{os.getpid()}-{FREEZER_ON_NAME}"
        with _freezer_on_lock:
            if directory in _freezer_on:
                return True
            try:
                directory.mkdir(exist_ok=True)
                _write(directory / "freezer.state", "FROZEN")
            except OSError:
                return False
            _freezer_on.add(directory)
        return True


_freezer_on: set[Path] = set()
_freezer_on_lock = threading.Lock()


@atexit.register
def _release_freezer_on() -> None:
    """Remove the groups kept frozen (empty, they need no thaw to be removed)."""
    with _freezer_on_lock:
        for directory in _freezer_on:
            with contextlib.suppress(OSError):
                directory.rmdir()
        _freezer_on.clear()


def _make_parent(mount: Path, own_path: str) -> Path | None:
    """A writable `studyapp-sandbox` dir below our own v1 cgroup, else below the root."""
    for base in (mount / own_path.lstrip("/"), mount):
        parent = base / PARENT_NAME
        try:
            parent.mkdir(exist_ok=True)
            probe = parent / f"probe-{os.getpid()}"
            probe.mkdir(exist_ok=True)
            probe.rmdir()
        except OSError:
            continue
        with contextlib.suppress(OSError):  # only in the cpu controller's hierarchy
            _write(parent / "cpu.shares", str(PARENT_CPU_SHARES_V1))
        return parent
    return None


def _make_v2_parent(mount: Path, own_path: str) -> Path | None:
    """A v2 parent with memory, pids and cpu delegated to its children."""
    enable = " ".join(f"+{c}" for c in V2_CONTROLLERS)
    for base in (mount / own_path.lstrip("/"), mount):
        parent = base / PARENT_NAME
        try:
            available = set(_read(base / "cgroup.controllers").split())
            if "memory" not in available:
                continue
            wanted = " ".join(f"+{c}" for c in V2_CONTROLLERS if c in available)
            _write(base / "cgroup.subtree_control", wanted)
            parent.mkdir(exist_ok=True)
            _write(parent / "cgroup.subtree_control", wanted or enable)
            with contextlib.suppress(OSError):  # no cpu controller: no weight to set
                _write(parent / "cpu.weight", str(PARENT_CPU_WEIGHT_V2))
            return parent
        except OSError:
            continue
    return None


@dataclass
class EnvironmentCgroup:
    """The cgroup(s) of one execution environment."""

    tree: CgroupTree
    name: str
    # Descriptors of the files read or written on every invocation, opened on first use.
    _files: dict[str, int] = field(default_factory=dict, init=False, repr=False, compare=False)
    # v1: the eventfd the kernel signals on an OOM of the group, and the OOM-kill count read
    # when it was registered, valid while it has not been signalled (see the module's notes).
    _oom_event: int | None = field(default=None, init=False, repr=False, compare=False)
    _oom_quiet_count: int | None = field(default=None, init=False, repr=False, compare=False)
    _oom_watch_tried: bool = field(default=False, init=False, repr=False, compare=False)
    _oom_signal: select.poll | None = field(default=None, init=False, repr=False, compare=False)

    def directories(self) -> list[Path]:
        return sorted({parent / self.name for parent in self.tree.parents.values()})

    def _dir(self, controller: str) -> Path | None:
        parent = self.tree.parents.get(controller)
        return parent / self.name if parent else None

    def procs_files(self) -> list[str]:
        """The cgroup.procs files a new process writes its pid into to join this group."""
        return [str(directory / "cgroup.procs") for directory in self.directories()]

    # -- limits -------------------------------------------------------------------------------

    def limit_memory(self, limit_bytes: int) -> None:
        directory = self._dir("memory")
        if directory is None:
            return
        if self.tree.version == 1:
            _write(directory / "memory.limit_in_bytes", str(limit_bytes))
            with contextlib.suppress(OSError):
                _write(directory / "memory.memsw.limit_in_bytes", str(limit_bytes))
        else:
            _write(directory / "memory.max", str(limit_bytes))
            with contextlib.suppress(OSError):
                _write(directory / "memory.swap.max", "0")
            with contextlib.suppress(OSError):
                _write(directory / "memory.oom.group", "1")

    def limit_pids(self, maximum: int) -> bool:
        directory = self._dir("pids")
        if directory is None:
            return False
        _write(directory / "pids.max", str(maximum))
        return True

    def limit_cpu(self, cores: float) -> bool:
        directory = self._dir("cpu")
        if directory is None:
            return False
        quota = max(1_000, int(cores * CPU_PERIOD_US))
        if self.tree.version == 1:
            _write(directory / "cpu.cfs_period_us", str(CPU_PERIOD_US))
            _write(directory / "cpu.cfs_quota_us", str(quota))
        else:
            _write(directory / "cpu.max", f"{quota} {CPU_PERIOD_US}")
        return True

    def unlimit_cpu(self) -> None:
        """Lift the CPU quota (the group is being emptied: see kill_all)."""
        directory = self._dir("cpu")
        if directory is None:
            return
        with contextlib.suppress(OSError):
            if self.tree.version == 1:
                _write(directory / "cpu.cfs_quota_us", "-1")
            else:
                _write(directory / "cpu.max", f"max {CPU_PERIOD_US}")

    # -- the files used on every invocation, kept open ------------------------------------------

    def _file(self, controller: str, name: str, flags: int = os.O_RDONLY) -> int | None:
        key = f"{controller}/{name}"
        fd = self._files.get(key)
        if fd is None:
            directory = self._dir(controller)
            if directory is None:
                return None
            try:
                fd = os.open(directory / name, flags | os.O_CLOEXEC)
            except OSError:
                return None
            self._files[key] = fd
        return fd

    def _pread(self, controller: str, name: str) -> str | None:
        fd = self._file(controller, name)
        if fd is None:
            return None
        try:
            return os.pread(fd, 4096, 0).decode()
        except OSError:
            return None

    def close_files(self) -> None:
        """Close the kept descriptors (the group is being removed)."""
        files, self._files = self._files, {}
        if self._oom_event is not None:
            files["oom-event"], self._oom_event = self._oom_event, None
        self._oom_quiet_count = self._oom_signal = None
        for fd in files.values():
            with contextlib.suppress(OSError):
                os.close(fd)

    # -- readings -----------------------------------------------------------------------------

    def peak_memory_bytes(self) -> int | None:
        name = "memory.max_usage_in_bytes" if self.tree.version == 1 else "memory.peak"
        peak = _first_int(self._pread("memory", name))
        if peak is None and self.tree.version == 2:
            peak = _first_int(self._pread("memory", "memory.current"))
        return peak

    def cpu_usage(self) -> dict[str, int | None] | None:
        """The CPU limit (quota per period, None when unlimited) and what the group has used and
        been throttled so far, in microseconds; None without a cpu controller."""
        directory = self._dir("cpu")
        if directory is None:
            return None
        stat = directory / "cpu.stat"
        if self.tree.version == 1:
            quota = _read_int(directory / "cpu.cfs_quota_us")
            period = _read_int(directory / "cpu.cfs_period_us")
            usage_ns = _read_int(directory / "cpuacct.usage")
            throttled_us = _keyed_value(stat, "throttled_time") // 1000
            usage_us = usage_ns // 1000 if usage_ns is not None else None
        else:
            try:
                limit, _, period_text = _read(directory / "cpu.max").strip().partition(" ")
                quota = None if limit == "max" else int(limit)
                period = int(period_text)
            except (OSError, ValueError):
                quota = period = None
            throttled_us = _keyed_value(stat, "throttled_usec")
            usage_us = _keyed_value(stat, "usage_usec")
        return {
            "quota_us": quota if quota is None or quota > 0 else None,
            "period_us": period,
            "usage_us": usage_us,
            "nr_periods": _keyed_value(stat, "nr_periods"),
            "nr_throttled": _keyed_value(stat, "nr_throttled"),
            "throttled_us": throttled_us,
        }

    def oom_kills(self) -> int:
        if self.tree.version == 2:
            return _key_in(self._pread("memory", "memory.events"), "oom_kill")
        if self._oom_quiet_count is not None:
            assert self._oom_signal is not None
            if not self._oom_signal.poll(0):  # no exception to raise: cheaper than a read
                return self._oom_quiet_count  # no OOM since the count was read
            self._oom_quiet_count = None  # signalled: the count is read from now on
            return self._oom_kill_count()
        if not self._oom_watch_tried:
            self._oom_watch_tried = True
            if self._watch_oom():
                self._oom_quiet_count = self._oom_kill_count()  # read once the eventfd is in place
                return self._oom_quiet_count
        return self._oom_kill_count()

    def _oom_kill_count(self) -> int:
        return _key_in(self._pread("memory", "memory.oom_control"), "oom_kill")

    def _watch_oom(self) -> bool:
        """Register an eventfd for the group's OOM notifications (v1); False when not possible."""
        directory, control = self._dir("memory"), self._file("memory", "memory.oom_control")
        if directory is None or control is None:
            return False
        event = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
        try:
            _write(directory / "cgroup.event_control", f"{event} {control}")
        except OSError:
            os.close(event)
            return False
        self._oom_event = event
        self._oom_signal = select.poll()
        self._oom_signal.register(event, select.POLLIN)
        return True

    def pids(self) -> list[int]:
        found: set[int] = set()
        for directory in self.directories():
            with contextlib.suppress(OSError):
                found.update(int(p) for p in _read(directory / "cgroup.procs").split())
        return sorted(found)

    # -- freezer ------------------------------------------------------------------------------

    def freeze(self) -> bool:
        return self._set_frozen(True)

    def thaw(self) -> bool:
        return self._set_frozen(False)

    def frozen_now(self) -> bool:
        """Whether every task of the group has stopped: a freeze completes at each task's next
        freezable point, so a task in the middle of a system call (a write) finishes it first.
        Read afresh each time (rarely asked: no descriptor kept for it)."""
        v1 = self.tree.version == 1
        directory = self._dir("freezer" if v1 else "memory")
        if directory is None:
            return False
        try:
            text = (directory / ("freezer.state" if v1 else "cgroup.events")).read_text()
        except OSError:
            return False
        return text.strip() == "FROZEN" if v1 else _key_in(text, "frozen") == 1

    def _set_frozen(self, frozen: bool) -> bool:
        """Ask the kernel to freeze (or thaw) every task of the group. The write returns at once;
        each task stops at its next freezable point (a task asleep in a read, as an idle runtime
        is, at once), so nothing here polls the state."""
        if self.tree.version == 1:
            fd = self._file("freezer", "freezer.state", os.O_WRONLY)
            value = b"FROZEN" if frozen else b"THAWED"
        else:
            fd = self._file("memory", "cgroup.freeze", os.O_WRONLY)  # v2: one directory
            value = b"1" if frozen else b"0"
        if fd is None:
            return False
        try:
            os.pwrite(fd, value, 0)
        except OSError:
            return False
        return True

    # -- teardown -----------------------------------------------------------------------------

    def kill_all(self, deadline_s: float = 5.0) -> bool:
        """SIGKILL every process in the group; True once the group is empty.

        A killed process still has to run to exit, so the CPU quota is lifted once every process
        has its SIGKILL: a group that overdrew its quota gets no CPU until the debt is paid back
        at the quota's rate, and a kernel that throttles only on the way back to user mode (Linux
        6.18) lets processes busy in the kernel overdraw by seconds: a fork bomb at its memory
        limit used 2.1 s of CPU in its 5 s at 128 MB (7.2 ms per 100 ms, 0.36 s), and its
        processes, killed, waited half a minute to die.
        """
        directories = self.directories()
        if self.tree.version == 2 and directories:
            with contextlib.suppress(OSError):
                _write(directories[0] / "cgroup.kill", "1")
        frozen = self.freeze()
        for pid in self.pids():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        self.unlimit_cpu()
        if frozen:
            self.thaw()
        give_up = time.monotonic() + deadline_s
        while self.pids():
            if time.monotonic() > give_up:
                return False
            for pid in self.pids():
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.002)
        return True

    def destroy(self) -> None:
        """Kill every process and remove the group's directories."""
        self.kill_all()
        self.close_files()
        give_up = time.monotonic() + 5.0
        for directory in self.directories():
            while directory.exists():
                try:
                    directory.rmdir()
                except FileNotFoundError:
                    break
                except OSError as error:
                    if error.errno != errno.EBUSY or time.monotonic() > give_up:
                        break
                    time.sleep(0.002)
