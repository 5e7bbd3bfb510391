"""What a supervisor that died left behind: cgroups, /tmp images and task folders are named after
the supervisor's pid (``<pid>-...``), so the next supervisor can tell whose they are."""

from __future__ import annotations

import os


def left_by_dead_supervisor(name: str) -> bool:
    """True when `name` begins with the pid of another supervisor whose process is gone."""
    owner = name.split("-", 1)[0]
    if not owner.isdigit() or int(owner) == os.getpid():
        return False
    try:
        os.kill(int(owner), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, someone else's
        return False
    return False
