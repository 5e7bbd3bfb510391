"""The runtimes an execution environment can run, and what each puts at /var/runtime.

Every runtime speaks the Lambda Runtime API (runtime_api.py) and nothing else to the supervisor:

- `python3.13` (the minor follows the host's Python): AWS's own runtime interface client,
  `awslambdaric`, started by a launcher that puts /var/task, the layers and /var/runtime on
  sys.path of an isolated interpreter (`python -I -S`). Its log records come through the
  telemetry pipe `_LAMBDA_TELEMETRY_LOG_FD` in frames, as on Lambda. /var/runtime also holds
  boto3, as Lambda's Python runtimes ship it (a function's own copy in its package wins).
- `nodejs20.x` (the major follows the host's Node.js): a bootstrap of our own written with Node's
  standard library only (runtime_files/node/index.mjs).
- `provided.al2023`: the function's own executable `bootstrap` (in /var/task, else /opt), with
  `_HANDLER` set from the handler setting.

/var/runtime is one directory per runtime, built once per machine (and per change of its files)
in a cache the sandbox's host uid can read (identity.py), and bound read-only.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass

from .identity import cached_directory

ENGINE_DIR = os.path.dirname(os.path.abspath(__file__))
NODE_BOOTSTRAP_DIR = os.path.join(ENGINE_DIR, "runtime_files", "node")
PYTHON_LAUNCHER = os.path.join(ENGINE_DIR, "runtime_files", "python", "launcher.py")
# What the python runtime's /var/runtime holds: AWS's runtime interface client, and the AWS SDK
# that Lambda's Python runtimes ship (boto3 with what it imports), copied from the project's own
# installed dependencies (pinned in pyproject.toml), never bound from the host's site-packages.
PYTHON_RUNTIME_PACKAGES = (
    "awslambdaric",
    "simplejson",
    "snapshot-restore-py",
    "boto3",
    "botocore",
    "s3transfer",
    "jmespath",
    "python-dateutil",
    "six",
    "urllib3",
)
SANDBOX_RUNTIME_DIR = "/var/runtime"
TELEMETRY_FD_ENV = "_LAMBDA_TELEMETRY_LOG_FD"
DIRECTORY_LAYOUT = 2  # bumped when what a runtime directory holds changes (2: bytecode)

PYTHON = f"python{sys.version_info.major}.{sys.version_info.minor}"
PROVIDED = "provided.al2023"


class RuntimeUnavailableError(RuntimeError):
    """The host lacks what a runtime needs (Node.js, awslambdaric); the message says what."""


@dataclass(frozen=True)
class Runtime:
    name: str
    family: str  # python | nodejs | provided
    version: str  # what INIT_START prints as the Runtime Version, e.g. python:3.13.v4

    @property
    def execution_env(self) -> str | None:
        """AWS_EXECUTION_ENV; custom runtimes have none."""
        return None if self.family == "provided" else f"AWS_Lambda_{self.name}"

    @property
    def uses_telemetry_pipe(self) -> bool:
        return self.family in ("python", "nodejs")


@functools.cache
def node_binary() -> str | None:
    node = shutil.which("node")
    return os.path.realpath(node) if node else None


@functools.cache
def node_major() -> int | None:
    node = node_binary()
    if node is None:
        return None
    try:
        version = subprocess.run(
            [node, "--version"], capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        return int(version.lstrip("v").split(".")[0])
    except (OSError, ValueError, subprocess.SubprocessError):
        return None


def node_runtime_name() -> str:
    """nodejs20.x on a host with Node.js 20, nodejs22.x with 22; nodejs20.x when absent."""
    return f"nodejs{node_major() or 20}.x"


def runtime_names() -> tuple[str, ...]:
    return (PYTHON, node_runtime_name(), PROVIDED)


def runtime_for(name: str) -> Runtime:
    """The runtime called `name`; ValueError naming the runtimes there are otherwise."""
    version = sys.version_info
    if name == PYTHON:
        return Runtime(name, "python", f"python:{version.major}.{version.minor}.v{version.micro}")
    if name == node_runtime_name():
        return Runtime(name, "nodejs", f"nodejs:{node_major() or 20}.v0")
    if name == PROVIDED:
        return Runtime(name, "provided", "provided:al2023.v0")
    raise ValueError(f"runtime must be one of {', '.join(runtime_names())}")


def runtime_directory(runtime: Runtime, *, uid: int, gid: int) -> str | None:
    """The host directory bound at /var/runtime (None: an empty one, as for custom runtimes)."""
    if runtime.family == "python":
        return _python_runtime_directory(uid, gid)
    if runtime.family == "nodejs":
        return _node_runtime_directory(uid, gid)
    return None


@functools.cache
def _node_runtime_directory(uid: int, gid: int) -> str:
    return _cached_directory("node", [NODE_BOOTSTRAP_DIR], uid, gid, _copy_node_bootstrap)


def runtime_command(
    runtime: Runtime,
    *,
    python: str,
    runtime_dir: str,
    task_dir: str,
    opt_dir: str,
    memory_mb: int = 128,
) -> list[str]:
    """The runtime's command line; paths as the process sees them (inside the sandbox or not)."""
    if runtime.family == "python":
        return [python, "-I", "-S", os.path.join(runtime_dir, "launcher.py"), task_dir, opt_dir]
    if runtime.family == "nodejs":
        node = node_binary()
        if node is None:
            raise RuntimeUnavailableError("Node.js is not installed on this host")
        # As Lambda's Node.js runtime: V8's heap sized from the function's memory, not the host's.
        old_space = max(int(memory_mb * 0.9) - 8, 16)
        return [
            node,
            "--expose-gc",
            "--max-http-header-size=81920",
            f"--max-old-space-size={old_space}",
            os.path.join(runtime_dir, "index.mjs"),
        ]
    # provided.al2023: Lambda runs $LAMBDA_TASK_ROOT/bootstrap, else /opt/bootstrap.
    return [
        "/bin/sh",
        "-c",
        'if [ -e "$1/bootstrap" ]; then exec "$1/bootstrap"; else exec "$2/bootstrap"; fi',
        "bootstrap",
        task_dir,
        opt_dir,
    ]


# -- building /var/runtime ----------------------------------------------------------------------


@functools.cache
def _python_runtime_directory(uid: int, gid: int) -> str:
    sources = [PYTHON_LAUNCHER, *(_package_files(name) for name in PYTHON_RUNTIME_PACKAGES)]
    flat: list[str] = []
    for source in sources:
        flat.extend(source if isinstance(source, list) else [source])
    return _cached_directory(PYTHON, flat, uid, gid, _copy_python_runtime)


@functools.cache
def _package_files(distribution: str) -> list[str]:
    """Every installed file of a distribution (its code, not its metadata)."""
    from importlib import metadata

    try:
        files = metadata.files(distribution) or []
    except metadata.PackageNotFoundError:
        raise RuntimeUnavailableError(
            f"the python runtime needs the {distribution} package (pip install -e .)"
        ) from None
    paths = []
    for file in files:
        if ".dist-info" in str(file) or "__pycache__" in str(file) or file.suffix == ".pyc":
            continue
        path = os.path.realpath(str(file.locate()))
        if os.path.isfile(path):
            paths.append(path)
    return sorted(paths)


def _copy_python_runtime(dest: str, files: list[str]) -> None:
    shutil.copy2(PYTHON_LAUNCHER, os.path.join(dest, "launcher.py"))
    for path in files:
        if path == PYTHON_LAUNCHER:
            continue
        relative = _site_relative(path)
        if relative is None:  # a script a package installs in bin/: nothing imports it
            continue
        target = os.path.join(dest, relative)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(path, target)
    # Bytecode compiled once here: /var/runtime is read-only, and compiling awslambdaric on every
    # cold start would cost each INIT several milliseconds.
    import compileall

    compileall.compile_dir(dest, quiet=2, workers=1)


def _site_relative(path: str) -> str | None:
    """Where ``path`` sits below the sys.path entry holding it; None when no entry does."""
    for entry in sorted(sys.path, key=len, reverse=True):
        if entry and path.startswith(os.path.realpath(entry) + os.sep):
            return os.path.relpath(path, os.path.realpath(entry))
    return None


def _copy_node_bootstrap(dest: str, files: list[str]) -> None:
    for name in os.listdir(NODE_BOOTSTRAP_DIR):
        if name.endswith((".mjs", ".cjs", ".js")):
            shutil.copy2(os.path.join(NODE_BOOTSTRAP_DIR, name), os.path.join(dest, name))


def _cached_directory(
    name: str, sources: list[str], uid: int, gid: int, build: Callable[[str, list[str]], None]
) -> str:
    """A directory built from `sources`, rebuilt when any of them changes."""
    digest = hashlib.sha256(f"layout {DIRECTORY_LAYOUT}\0".encode())
    for source in sources:
        paths = [source]
        if os.path.isdir(source):
            paths = sorted(os.path.join(source, entry) for entry in os.listdir(source))
        for path in paths:
            with open(path, "rb") as handle:
                digest.update(path.encode() + b"\0" + handle.read() + b"\0")
    key = f"runtime-{name}-{digest.hexdigest()[:16]}"
    return _directory_cache(key, uid, gid, lambda dest: _build(dest, sources, build))


def _build(dest: str, sources: list[str], build: Callable[[str, list[str]], None]) -> None:
    build(dest, sources)
    for directory, dirs, files in os.walk(dest):
        for entry in dirs:
            os.chmod(os.path.join(directory, entry), 0o755)  # noqa: S103 - read by the sandbox
        for entry in files:
            os.chmod(os.path.join(directory, entry), 0o644)
    os.chmod(dest, 0o755)  # noqa: S103 - read by the sandbox


_private_cache: dict[str, str] = {}


def _directory_cache(key: str, uid: int, gid: int, build: Callable[[str], None]) -> str:
    if os.geteuid() == 0:
        return cached_directory(key, uid, gid, build)
    if key not in _private_cache:  # not root: a private directory for this process
        directory = tempfile.mkdtemp(prefix=f"studyapp-{key}-")
        atexit.register(shutil.rmtree, directory, True)
        build(directory)
        _private_cache[key] = directory
    return _private_cache[key]
