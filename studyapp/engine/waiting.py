"""Waiting for file descriptors without select()'s limit.

select() cannot watch a descriptor numbered 1024 or above (FD_SETSIZE): a sandbox service that
holds a few hundred warm environments (about eleven descriptors each) passes that number, and
select() then raises instead of waiting. poll() has no such limit.
"""

from __future__ import annotations

import select


def wait_readable(fds: list[int], timeout_s: float) -> list[int]:
    """The descriptors of `fds` that can be read (or have hung up) within `timeout_s` seconds;
    an empty list when none could before then."""
    poller = select.poll()
    for fd in fds:
        poller.register(fd, select.POLLIN)
    events = poller.poll(max(0, round(timeout_s * 1000)))
    return [fd for fd, _ in events]
