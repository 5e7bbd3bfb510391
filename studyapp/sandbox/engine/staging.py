"""Turn a function's code and layers into directories that can be bound into a sandbox.

Code given as a directory is bound as it is (read-only). Code given as files is written to a
private scratch directory. One layer directory is bound at /opt directly; several layers (or
layers given as files) are merged into the scratch directory in order, later layers winning,
which is how Lambda extracts them under /opt.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass

from .config import FunctionConfig, check_relative_path


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
            os.chmod(scratch, 0o755)  # noqa: S103 - the sandbox's uid must read the code
        return scratch

    try:
        if config.code is not None:
            task_dir = os.path.join(scratch_dir(), "task")
            write_files(task_dir, config.code)
        else:
            task_dir = os.path.realpath(config.code_dir or "")
        opt_dir: str | None = None
        if len(config.layers) == 1 and isinstance(config.layers[0], str):
            opt_dir = os.path.realpath(config.layers[0])
        elif config.layers:
            opt_dir = os.path.join(scratch_dir(), "opt")
            os.makedirs(opt_dir, mode=0o755)
            for layer in config.layers:
                if isinstance(layer, str):
                    shutil.copytree(layer, opt_dir, dirs_exist_ok=True, symlinks=True)
                else:
                    write_files(opt_dir, layer)
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
        os.chmod(path, 0o644)
