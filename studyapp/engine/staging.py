"""Turn a function's code and layers into directories that can be bound into a sandbox.

Code given as a directory is bound as it is (read-only). Code given as files is written to a
private scratch directory. One layer directory is bound at /opt directly; several layers (or
layers given as files) are merged into the scratch directory in order, later layers winning,
which is how Lambda extracts them under /opt.

When the supervisor is root, sandboxes run as an unprivileged host uid (identity.py), which must
be able to read what is bound: a directory it cannot read all of (below a 0700 home, files of
mode 0600) is copied into the scratch directory too. The scratch directory belongs to root and
the sandbox's group (0750), so other local users cannot read learners' code.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass

from .config import FunctionConfig, check_relative_path
from .identity import SANDBOX_HOST_GID, SANDBOX_HOST_UID, tree_readable


@dataclass
class StagedFunction:
    task_dir: str
    opt_dir: str | None
    scratch_dir: str | None = None

    def cleanup(self) -> None:
        if self.scratch_dir:
            shutil.rmtree(self.scratch_dir, ignore_errors=True)
            self.scratch_dir = None


def stage_function(config: FunctionConfig) -> StagedFunction:
    scratch: str | None = None

    def scratch_dir() -> str:
        nonlocal scratch
        if scratch is None:
            scratch = tempfile.mkdtemp(prefix="studyapp-sandbox-")
            if os.geteuid() == 0:  # the sandbox's group must read the code, others must not
                os.chown(scratch, 0, SANDBOX_HOST_GID)
                os.chmod(scratch, 0o750)  # noqa: S103 - root and the sandbox's group only
        return scratch

    def bindable(directory: str, name: str) -> str:
        """`directory` itself when the sandbox's uid can read all of it, else a copy of it."""
        directory = os.path.realpath(directory)
        if os.geteuid() != 0 or tree_readable(directory, SANDBOX_HOST_UID, SANDBOX_HOST_GID):
            return directory
        copy = os.path.join(scratch_dir(), name)
        shutil.copytree(directory, copy, symlinks=True)
        return copy

    try:
        if config.code is not None:
            task_dir = os.path.join(scratch_dir(), "task")
            write_files(task_dir, config.code)
        else:
            task_dir = bindable(config.code_dir or "", "task")
        opt_dir: str | None = None
        if len(config.layers) == 1 and isinstance(config.layers[0], str):
            opt_dir = bindable(config.layers[0], "opt")
        elif config.layers:
            opt_dir = os.path.join(scratch_dir(), "opt")
            os.makedirs(opt_dir, mode=0o755)
            for layer in config.layers:
                if isinstance(layer, str):
                    shutil.copytree(layer, opt_dir, dirs_exist_ok=True, symlinks=True)
                else:
                    write_files(opt_dir, layer)
        if scratch is not None:
            make_readable(scratch)
    except BaseException:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
        raise
    return StagedFunction(task_dir=task_dir, opt_dir=opt_dir, scratch_dir=scratch)


def write_files(root: str, files: Mapping[str, str]) -> None:
    os.makedirs(root, mode=0o755, exist_ok=True)
    for relative, text in files.items():
        check_relative_path(relative)
        path = os.path.join(root, relative)
        os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        # A custom runtime's `bootstrap` (and /opt's) is the one file Lambda executes.
        os.chmod(path, 0o755 if relative == "bootstrap" else 0o644)


def make_readable(root: str) -> None:
    """Directories 0755 and files 0644 (0755 if executable) below `root`, whatever the umask."""
    for directory, dirs, files in os.walk(root):
        for name in dirs:
            path = os.path.join(directory, name)
            if not os.path.islink(path):
                os.chmod(path, 0o755)  # noqa: S103 - below the 0750 scratch directory
        for name in files:
            path = os.path.join(directory, name)
            if not os.path.islink(path):
                executable = os.stat(path).st_mode & 0o100
                os.chmod(path, 0o755 if executable else 0o644)
