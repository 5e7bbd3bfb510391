"""Code and layers reach the sandbox's unprivileged host uid, and no other local user."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from studyapp.engine import FunctionConfig
from studyapp.engine.identity import SANDBOX_HOST_GID
from studyapp.engine.staging import stage_function

HANDLER = "def handler(event, context):\n    return 'read'\n"


def private_directory(root: Path) -> Path:
    """A directory only root may enter (like /root), holding a file only root may read."""
    private = root / "private"
    code = private / "code"
    code.mkdir(parents=True)
    (code / "app.py").write_text(HANDLER)
    (code / "app.py").chmod(0o600)
    private.chmod(0o700)
    return code


def test_code_in_a_directory_only_root_can_enter_still_runs(pool, tmp_path):
    function = FunctionConfig(
        name="private-code", handler="app.handler", code_dir=str(private_directory(tmp_path))
    )
    assert pool.invoke(function, {}).payload == "read"


def test_a_layer_only_root_can_read_is_still_mounted_at_opt(pool, tmp_path):
    layer = private_directory(tmp_path)
    function = FunctionConfig(
        name="private-layer",
        handler="main.handler",
        code={"main.py": "def handler(event, context):\n    return open('/opt/app.py').read()\n"},
        layers=(str(layer),),
    )
    assert pool.invoke(function, {}).payload == HANDLER


@pytest.mark.pure
@pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox's group is set by a root supervisor")
def test_staged_code_is_readable_by_the_sandbox_group_and_by_no_other_local_user():
    staged = stage_function(FunctionConfig(name="staged", code={"app.py": HANDLER}))
    try:
        scratch = os.stat(staged.scratch_dir)
        assert (scratch.st_uid, scratch.st_gid) == (0, SANDBOX_HOST_GID)
        assert stat.S_IMODE(scratch.st_mode) == 0o750
        assert stat.S_IMODE(os.stat(Path(staged.task_dir) / "app.py").st_mode) == 0o644
    finally:
        staged.cleanup()
