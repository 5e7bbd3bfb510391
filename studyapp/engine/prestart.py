"""Interpreters started ahead of their function: a cold start that begins where Lambda's does.

Lambda keeps sandboxes and runtimes ready before it knows which function they will serve, and a
cold start only hands one of them the function. An `InterpreterPool` does the same for the
python runtime: it keeps `size` pre-started interpreters, each in a sandbox of its own exactly
as a fresh environment gets it (bubblewrap with the same namespaces and mounts, its own cgroup
with the pids limit, its own /tmp image, its own Runtime API socket), the runtime client's
modules imported, waiting on a socket for its function. /var/task is a directory of its own,
empty and bound read-only.

Taking one (`take`) makes it a function's environment: the function's files are copied into
its /var/task, its memory limit (and the sandbox's pids limit) are written to its cgroup, and its
environment variables are sent, which replace the interpreter's whole environment before
awslambdaric reads any of them (runtime_files/python/launcher.py); then it imports the handler
and asks for its first invocation. Init Duration counts from the moment it is taken (the copy,
the limits, the handler's import, the runtime client's start), which is what the learner waits
for; a function that finds the pool empty starts the whole sandbox, and its Init Duration
counts all of it, as before.

Each interpreter serves one function, once: taking removes it from the pool, and it goes with
the environment that took it (its /var/task directory with the environment's runtime). The
pool starts another in its place from a background thread. Functions the interpreters do not fit
start the whole sandbox: other runtimes, layers, another /tmp size, other sandbox settings, or
code with a top-level module of the name of one the interpreter has already loaded (a function's
own `simplejson.py` would shadow the runtime's on a fresh start, so it gets one).

Memory: until it is taken, an interpreter's cgroup allows Lambda's smallest memory size (128 MB).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
import weakref
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Protocol

from .cgroups import EnvironmentCgroup
from .ephemeral import EphemeralStorage, storage_create
from .identity import SANDBOX_HOST_GID
from .isolation import (
    SANDBOX_LIBRARY_PATH,
    SANDBOX_OPT,
    SANDBOX_TASK_ROOT,
    HostCapabilities,
    bubblewrap_command,
    host_capabilities,
    launcher_command,
    sandbox_python,
)
from .leftovers import left_by_dead_supervisor
from .runtime_api import SANDBOX_API_HOST, SANDBOX_API_PORT, listener_in_namespace
from .runtimes import (
    PYTHON,
    SANDBOX_RUNTIME_DIR,
    TELEMETRY_FD_ENV,
    runtime_command,
    runtime_directory,
    runtime_for,
)
from .spawning import SandboxSettings, spawner
from .staging import StagedFunction, make_readable
from .waiting import wait_readable

if TYPE_CHECKING:
    from .config import FunctionConfig
    from .runtimes import Runtime

MIB = 1024 * 1024
WAITING_MEMORY_MB = 128  # Lambda's smallest memory size: what a waiting interpreter may use
DEFAULT_STORAGE_MB = 512  # Lambda's default ephemeral storage
START_TIMEOUT_S = 10.0
LIVENESS_CHECK_S = 5.0  # how often a full pool looks for interpreters that died waiting


class EnvironmentToStart(Protocol):
    """What the pool asks of an environment that wants one of its interpreters (environment.py's
    ExecutionEnvironment, which imports this module)."""

    settings: SandboxSettings
    runtime: Runtime
    host: HostCapabilities
    staged: StagedFunction
    config: FunctionConfig
    uses_bubblewrap: bool


# Lambda allows 4 KB of a function's own environment variables; with Lambda's own, this is ample.
ENVIRONMENT_SPACE_BYTES = 32 * 1024
ENVIRONMENT_SPACE_VARIABLE = "_STUDYAPP_ENVIRONMENT_SPACE"
# After a take, the pool waits this long before it starts the next interpreter: starting one costs
# tens of milliseconds of CPU (its /tmp image, bubblewrap, the imports), which would otherwise be
# taken from the INIT that has just begun on the same cores.
REFILL_DELAY_S = 0.2


class PrestartError(RuntimeError):
    """An interpreter could not be started ahead; the message says which step failed."""


@dataclass
class InterpreterPoolStats:
    started: int = 0  # interpreters started ahead
    taken: int = 0  # cold starts that took one
    missed: int = 0  # cold starts that found the pool empty (or a dead interpreter)
    failed: int = 0  # interpreters that could not be started

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass
class PrestartedInterpreter:
    """One interpreter waiting for its function, and the sandbox around it."""

    id: str
    process: subprocess.Popen
    cgroup: EnvironmentCgroup
    storage: EphemeralStorage | None
    directory: str  # holds `task`, bound at /var/task
    listener: socket.socket  # the Runtime API's socket in its network namespace
    control: socket.socket  # where its function's environment is sent
    fds: dict[str, int]  # log_r, telemetry_r
    telemetry_fd: int  # the telemetry pipe's number in the sandbox
    loaded_modules: frozenset[str] = field(default_factory=frozenset)

    @property
    def task_dir(self) -> str:
        return os.path.join(self.directory, "task")

    def alive(self) -> bool:
        return self.process.poll() is None

    def specialise(
        self,
        *,
        cgroup_name: str,
        environment: dict[str, str],
        staged: StagedFunction,
        memory_mb: int,
        pids_limit: int,
    ) -> None:
        """Make it the function's: its cgroup renamed as the environment's own would be, code at
        /var/task, its limits, then its environment variables."""
        self.cgroup = _renamed(self.cgroup, cgroup_name)
        # Files the supervisor wrote itself (staging.py's scratch copy) are linked, not copied;
        # a directory of the learner's own is copied (making the copy readable must not touch
        # the learner's files).
        scratch = staged.scratch_dir
        ours = scratch is not None and staged.task_dir.startswith(scratch + os.sep)
        shutil.copytree(
            staged.task_dir,
            self.task_dir,
            symlinks=True,
            dirs_exist_ok=True,
            copy_function=_link_or_copy if ours else shutil.copy2,
        )
        if not ours:
            make_readable(self.task_dir)
        _raise_memory_limit(self.cgroup, memory_mb * MIB)
        self.cgroup.limit_pids(pids_limit)
        try:
            self.control.sendall(json.dumps(environment).encode())
        finally:
            self.control.close()

    def remove_directory(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)

    def destroy(self) -> None:
        """Kill it and release everything (an interpreter never taken)."""
        self.control.close()
        self.listener.close()
        self.cgroup.destroy()
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5.0)
        for fd in self.fds.values():
            with contextlib.suppress(OSError):
                os.close(fd)
        if self.storage is not None:
            self.storage.remove()
        self.remove_directory()


_open_pools: weakref.WeakSet[InterpreterPool] = weakref.WeakSet()


@atexit.register
def _close_open_pools() -> None:
    for pool in list(_open_pools):
        pool.close()


class InterpreterPool:
    """Keeps `size` python interpreters started ahead, refilled from a background thread.

    Share one among the EnvironmentPools of a process (the sandbox service has one). `close()`
    kills those still waiting; those taken belong to their environments.
    """

    def __init__(
        self,
        size: int,
        *,
        settings: SandboxSettings | None = None,
        host: HostCapabilities | None = None,
        storage_mb: int = DEFAULT_STORAGE_MB,
        refill_delay_s: float = REFILL_DELAY_S,
    ) -> None:
        self.size = max(0, size)
        self.settings = settings or SandboxSettings()
        self.host = host or host_capabilities()
        self.storage_mb = storage_mb
        self.refill_delay_s = refill_delay_s
        self._refill_at = 0.0
        self.stats = InterpreterPoolStats()
        self._ready: list[PrestartedInterpreter] = []
        self._condition = threading.Condition()
        self._closed = False
        self.available = (
            self.size > 0
            and self.host.bwrap is not None
            and self.host.cgroups is not None
            and self.settings.use_bubblewrap
            and self.settings.use_cgroups
        )
        self._thread: threading.Thread | None = None
        if self.available:
            _sweep_stale()
            self._thread = threading.Thread(
                target=self._fill_forever, name="sandbox-prestart", daemon=True
            )
            self._thread.start()
        _open_pools.add(self)

    def __enter__(self) -> InterpreterPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- taking -------------------------------------------------------------------------------

    def take(self, environment: EnvironmentToStart) -> PrestartedInterpreter | None:
        """A waiting interpreter for `environment`'s first runtime, or None (start it whole)."""
        if not self.fits(environment):
            return None
        with self._condition:
            while self._ready:
                interpreter = self._ready.pop(0)
                if interpreter.alive() and not _shadows(
                    environment.staged.task_dir, interpreter.loaded_modules
                ):
                    self.stats.taken += 1
                    self._refill_at = time.monotonic() + self.refill_delay_s
                    self._condition.notify_all()
                    return interpreter
                if interpreter.alive():  # it fits no other function better: keep it
                    self._ready.insert(0, interpreter)
                    self.stats.missed += 1
                    return None
                threading.Thread(target=interpreter.destroy, daemon=True).start()
            self.stats.missed += 1
            self._condition.notify_all()
        return None

    def fits(self, environment: EnvironmentToStart) -> bool:
        settings = environment.settings
        return (
            self.available
            and not self._closed
            and environment.runtime.name == PYTHON
            and environment.uses_bubblewrap
            and settings.use_cgroups
            and environment.host == self.host
            and environment.staged.opt_dir is None
            and environment.config.ephemeral_storage_mb == self.storage_mb
            and settings.pids_limit == self.settings.pids_limit
        )

    def waiting(self) -> list[str]:
        """The ids of the interpreters waiting now."""
        with self._condition:
            return [interpreter.id for interpreter in self._ready]

    def wait_full(self, timeout_s: float = 30.0) -> bool:
        """Wait until `size` interpreters are waiting (True), or the time is up."""
        give_up = time.monotonic() + timeout_s
        with self._condition:
            while len(self._ready) < self.size and not self._closed:
                remaining = give_up - time.monotonic()
                if remaining <= 0 or not self.available:
                    return False
                self._condition.wait(remaining)
            return not self._closed

    def close(self) -> None:
        with self._condition:
            if self._closed:
                return
            self._closed = True
            ready, self._ready = self._ready, []
            self._condition.notify_all()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(START_TIMEOUT_S + 5.0)
        for interpreter in ready:
            interpreter.destroy()
        with self._condition:  # one the thread finished starting while closing
            late, self._ready = self._ready, []
        for interpreter in late:
            interpreter.destroy()

    # -- filling ------------------------------------------------------------------------------

    def _fill_forever(self) -> None:
        failures = 0
        while True:
            with self._condition:
                while not self._closed:
                    if len(self._ready) < self.size:
                        pause = self._refill_at - time.monotonic()
                        if pause <= 0:
                            break
                        self._condition.wait(pause)
                    else:
                        self._condition.wait(LIVENESS_CHECK_S)
                        dead = [i for i in self._ready if not i.alive()]
                        self._ready = [i for i in self._ready if i.alive()]
                        for interpreter in dead:  # killed while it waited: replaced
                            threading.Thread(target=interpreter.destroy, daemon=True).start()
                if self._closed:
                    return
            try:
                interpreter = self._start_one()
            except Exception:  # this thread must go on: a host that cannot now may later
                self.stats.failed += 1
                failures += 1
                time.sleep(min(5.0, 0.1 * 2**failures))
                continue
            failures = 0
            with self._condition:
                if self._closed:
                    late = interpreter
                else:
                    late = None
                    self._ready.append(interpreter)
                    self.stats.started += 1
                    self._condition.notify_all()
            if late is not None:
                late.destroy()
                return

    def _start_one(self) -> PrestartedInterpreter:
        host, tree = self.host, self.host.cgroups
        assert tree is not None
        interpreter_id = uuid.uuid4().hex[:12]
        name = f"{os.getpid()}-pre{interpreter_id}"
        opened: list[int] = []
        closing: list[int] = []
        sockets: list[socket.socket] = []
        storage: EphemeralStorage | None = None
        cgroup: EnvironmentCgroup | None = None
        directory = _private_directory()
        process: subprocess.Popen | None = None
        try:
            os.mkdir(os.path.join(directory, "task"), 0o755)
            if host.tmp_on_disk:
                storage = storage_create(name, self.storage_mb)
            cgroup = tree.create(name)
            cgroup.limit_memory(WAITING_MEMORY_MB * MIB)
            cgroup.limit_pids(self.settings.pids_limit)
            cgroup.limit_cpu(float(host.cpu_count))  # INIT is unthrottled; see environment.py
            log_r, log_w = os.pipe()
            telemetry_r, telemetry_w = os.pipe()
            info_r, info_w = os.pipe()
            block_r, block_w = os.pipe()
            opened += [log_r, telemetry_r, info_r, block_w]
            closing += [log_w, telemetry_w, info_w, block_r]
            control, inside = socket.socketpair()
            sockets += [control, inside]
            inside.set_inheritable(True)
            runtime = runtime_for(PYTHON)
            environment = {
                "PATH": "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin",
                "LANG": "en_US.UTF-8",
                "TZ": ":UTC",
                # Room in the initial environment block for the function's variables, so that
                # /proc/<pid>/environ shows them as on a fresh start (launcher.py).
                ENVIRONMENT_SPACE_VARIABLE: "x" * ENVIRONMENT_SPACE_BYTES,
            }
            argv = runtime_command(
                runtime,
                python=sandbox_python(host),
                runtime_dir=SANDBOX_RUNTIME_DIR,
                task_dir=SANDBOX_TASK_ROOT,
                opt_dir=SANDBOX_OPT,
            )
            command = bubblewrap_command(
                host,
                task_dir=os.path.join(directory, "task"),
                opt_dir=None,
                tmp_dir=storage.path if storage is not None else None,
                tmp_mb=self.storage_mb,
                environment=environment,
                info_fd=info_w,
                block_fd=block_r,
                runtime_dir=runtime_directory(runtime, uid=host.host_uid, gid=host.host_gid),
                argv=[*argv, str(inside.fileno())],
            )
            process = spawner.spawn(
                args=launcher_command(cgroup.procs_files(), command),
                stdin=subprocess.DEVNULL,
                stdout=log_w,
                stderr=log_w,
                pass_fds=(info_w, block_r, telemetry_w, inside.fileno()),
                env={},
                cwd="/",
                start_new_session=True,
            )
            for fd in closing:
                os.close(fd)
            closing = []
            inside.close()
            deadline = time.monotonic() + START_TIMEOUT_S
            child_pid = _read_child_pid(info_r, deadline)
            listener = listener_in_namespace(child_pid)
            sockets.append(listener)
            os.write(block_w, b"1")
            loaded = _read_ready(control, deadline)
            os.set_blocking(log_r, False)
            os.set_blocking(telemetry_r, False)
            for fd in (info_r, block_w):
                os.close(fd)
            return PrestartedInterpreter(
                id=interpreter_id,
                process=process,
                cgroup=cgroup,
                storage=storage,
                directory=directory,
                listener=listener,
                control=control,
                fds={"log_r": log_r, "telemetry_r": telemetry_r},
                telemetry_fd=telemetry_w,
                loaded_modules=loaded,
            )
        except BaseException:
            for sock in sockets:
                sock.close()
            if cgroup is not None:
                cgroup.destroy()
            if process is not None:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=5.0)
            for fd in opened + closing:
                with contextlib.suppress(OSError):
                    os.close(fd)
            if storage is not None:
                storage.remove()
            shutil.rmtree(directory, ignore_errors=True)
            raise


def specialised_environment(
    interpreter: PrestartedInterpreter, environment: dict[str, str]
) -> dict[str, str]:
    """The function's environment variables as a fresh sandbox gets them, for `interpreter`."""
    return {
        "LD_LIBRARY_PATH": SANDBOX_LIBRARY_PATH,
        **environment,
        TELEMETRY_FD_ENV: str(interpreter.telemetry_fd),
        "AWS_LAMBDA_RUNTIME_API": f"{SANDBOX_API_HOST}:{SANDBOX_API_PORT}",
    }


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError:
        shutil.copy2(source, target, follow_symlinks=False)


def _raise_memory_limit(group: EnvironmentCgroup, limit_bytes: int) -> None:
    """cgroup v1 refuses a memory limit above the memory+swap one: that one is raised first."""
    directory = group.tree.parents.get("memory")
    if group.tree.version == 1 and directory is not None:
        with contextlib.suppress(OSError):
            (directory / group.name / "memory.memsw.limit_in_bytes").write_text(str(limit_bytes))
    group.limit_memory(limit_bytes)


def _renamed(group: EnvironmentCgroup, name: str) -> EnvironmentCgroup:
    """The group under `name` (a cgroup directory can be renamed with its processes in it)."""
    renamed = EnvironmentCgroup(group.tree, name)
    for old, new in zip(group.directories(), renamed.directories(), strict=True):
        os.rename(old, new)
    return renamed


DIRECTORY_PREFIX = "studyapp-prestart-"


def _private_directory() -> str:
    """Root and the sandbox's group only (0750) when the supervisor is root, as staging does;
    named after this process, so that the next pool removes what a killed supervisor left."""
    directory = tempfile.mkdtemp(prefix=f"{DIRECTORY_PREFIX}{os.getpid()}-")
    if os.geteuid() == 0:
        os.chown(directory, 0, SANDBOX_HOST_GID)
        os.chmod(directory, 0o750)  # noqa: S103 - root and the sandbox's group only
    return directory


def _sweep_stale() -> None:
    """Remove the /var/task directories of supervisors that died without removing them."""
    root = tempfile.gettempdir()
    with contextlib.suppress(OSError):
        for entry in os.scandir(root):
            if entry.name.startswith(DIRECTORY_PREFIX) and left_by_dead_supervisor(
                entry.name.removeprefix(DIRECTORY_PREFIX)
            ):
                shutil.rmtree(entry.path, ignore_errors=True)


def _read_child_pid(info_fd: int, deadline: float) -> int:
    data = b""
    while b"}" not in data:
        remaining = deadline - time.monotonic()
        ready = wait_readable([info_fd], remaining)
        if not ready:
            raise PrestartError("bubblewrap did not start in time")
        chunk = os.read(info_fd, 4096)
        if not chunk:
            raise PrestartError("bubblewrap exited before the sandbox existed")
        data += chunk
        if len(data) > 65536:
            raise PrestartError("bubblewrap's info is too long")
    return int(json.loads(data)["child-pid"])


def _read_ready(control: socket.socket, deadline: float) -> frozenset[str]:
    data = b""
    while not data.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise PrestartError("the interpreter did not get ready in time")
        control.settimeout(remaining)
        try:
            chunk = control.recv(1 << 16)
        except TimeoutError:
            raise PrestartError("the interpreter did not get ready in time") from None
        if not chunk:
            raise PrestartError("the interpreter exited before it was ready")
        data += chunk
    control.settimeout(None)
    return frozenset(json.loads(data))


def _shadows(task_dir: str, loaded: frozenset[str]) -> bool:
    """Whether the function's code holds a top-level module named like one already loaded."""
    try:
        names = os.listdir(task_dir)
    except OSError:
        return True
    for entry in names:
        module = entry.partition(".")[0]
        if module in loaded:
            return True
    return False
