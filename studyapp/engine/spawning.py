"""What starting a sandbox needs before any environment exists: the sandbox's own settings and
the one long-lived thread that spawns every sandbox (an environment's runtime, or an interpreter
started ahead of its function in prestart.py)."""

from __future__ import annotations

import queue
import subprocess
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from .isolation import PIDS_LIMIT
from .logs import DEFAULT_LOG_CAP_BYTES


@dataclass(frozen=True)
class SandboxSettings:
    """Knobs of the sandbox itself (not of the function)."""

    pids_limit: int = PIDS_LIMIT
    init_timeout_s: float = 10.0
    log_cap_bytes: int = DEFAULT_LOG_CAP_BYTES
    use_bubblewrap: bool = True
    use_cgroups: bool = True
    freeze_idle: bool = True


class Spawner:
    """Starts sandboxes from one long-lived thread.

    bubblewrap's --die-with-parent is PR_SET_PDEATHSIG, which fires when the *thread* that
    forked it ends; a sandbox started from a short-lived request thread would die with it.
    """

    def __init__(self) -> None:
        self._requests: queue.SimpleQueue[tuple[dict[str, Any], Future]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def spawn(self, **popen_kwargs: Any) -> subprocess.Popen:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._serve, name="sandbox-spawner", daemon=True
                )
                self._thread.start()
        future: Future = Future()
        self._requests.put((popen_kwargs, future))
        return future.result()

    def _serve(self) -> None:
        while True:
            kwargs, future = self._requests.get()
            try:
                future.set_result(subprocess.Popen(**kwargs))
            except BaseException as error:
                future.set_exception(error)


spawner = Spawner()
