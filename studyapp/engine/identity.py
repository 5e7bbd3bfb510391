"""The unprivileged host identity sandboxes run as, and the host files that identity must read.

bubblewrap started by root maps the sandbox's uid (993) to host root: without capabilities it
cannot do much, but every check that compares uids with host root passes (root-owned files of
the sandbox's own /proc, the kernel's sysctl check, per-user limits shared with the host's root
services), and anything that escapes the namespace acts as root. So when the supervisor is root,
the launcher drops to SANDBOX_HOST_UID/SANDBOX_HOST_GID with setpriv (util-linux, essential on
Debian: no supplementary groups, no inheritable, ambient or bounding-set capabilities,
no_new_privs) after joining the cgroups and before it executes bubblewrap, which then builds the
namespaces as an ordinary user through unprivileged user namespaces. Inside, the function still
sees uid/gid 993.

The id is dedicated (no passwd entry needed, so it owns nothing on the host): above the ranges
adduser (1000-59999) and systemd (61184-65519) hand out and below the default subordinate id
ranges (100000+), and not `nobody`, which other daemons share.

bubblewrap resolves what it binds by path, as that uid (even --ro-bind-fd goes through the
path), so everything it binds must be reachable by it. pyenv's Python lives under /root (0700),
and a checkout may too. `readable_tree()` returns such a directory unchanged when the sandbox
identity can read it, else a mirror of it in a root-owned cache only that identity's group may
enter: a tree of hard links (the same inodes: no data is copied, built once per machine and
Python in about half a second; copies where hard links are impossible).
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Callable

SANDBOX_HOST_UID = 65993
SANDBOX_HOST_GID = 65993
CACHE_ROOT = "/var/cache/studyapp-sandbox"
_STALE_BUILD_S = 3600.0

_R, _W, _X = 4, 2, 1


def privilege_drop_command(setpriv: str, uid: int, gid: int) -> list[str]:
    """The setpriv prefix that turns root into uid/gid with nothing else (then runs the rest)."""
    return [
        setpriv,
        f"--reuid={uid}",
        f"--regid={gid}",
        "--clear-groups",
        "--inh-caps=-all",
        "--ambient-caps=-all",
        "--bounding-set=-all",
        "--no-new-privs",
        "--",
    ]


def _allowed(st: os.stat_result, uid: int, gid: int, wanted: int) -> bool:
    """Whether uid/gid (no supplementary groups, no capabilities) has `wanted` on this inode."""
    mode = st.st_mode
    if st.st_uid == uid:
        bits = (mode >> 6) & 7
    elif st.st_gid == gid:
        bits = (mode >> 3) & 7
    else:
        bits = mode & 7
    return bits & wanted == wanted


def can_reach(path: str, uid: int, gid: int) -> bool:
    """Whether uid/gid can search every directory on the way to `path` and read `path` itself."""
    real = os.path.realpath(path)
    ancestors = []
    current = os.path.dirname(real)
    while current not in ancestors:
        ancestors.append(current)
        current = os.path.dirname(current)
    try:
        if not all(_allowed(os.stat(a), uid, gid, _X) for a in ancestors):
            return False
        target = os.stat(real)
    except OSError:
        return False
    wanted = _R | _X if stat.S_ISDIR(target.st_mode) else _R
    return _allowed(target, uid, gid, wanted)


def tree_readable(root: str, uid: int, gid: int) -> bool:
    """can_reach(root), and every directory below it listable and every file readable."""
    if not can_reach(root, uid, gid):
        return False
    for directory, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            try:
                st = os.lstat(os.path.join(directory, name))
            except OSError:
                return False
            if stat.S_ISLNK(st.st_mode):
                continue
            wanted = _R | _X if stat.S_ISDIR(st.st_mode) else _R
            if not _allowed(st, uid, gid, wanted):
                return False
    return True


def readable_tree(source: str, uid: int, gid: int) -> str:
    """`source` if uid/gid can reach it, else a hard-link mirror of it in the cache."""
    source = os.path.realpath(source)
    if can_reach(source, uid, gid):
        return source
    st = os.stat(source)
    key = hashlib.sha256(
        f"{source}\0{st.st_ino}\0{st.st_mtime_ns}\0{_tree_stamp(source)}".encode()
    ).hexdigest()[:16]
    name = f"tree-{os.path.basename(source)}-{key}"
    return _cached(name, uid, gid, lambda dest: _mirror(source, dest))


def readable_file(source: str, uid: int, gid: int) -> str:
    """`source` if uid/gid can reach it, else a copy of it in the cache (keyed by content)."""
    source = os.path.realpath(source)
    if can_reach(source, uid, gid):
        return source
    with open(source, "rb") as handle:
        content = handle.read()
    key = hashlib.sha256(content).hexdigest()[:16]
    name = os.path.basename(source)

    def build(dest: str) -> None:
        with open(os.path.join(dest, name), "wb") as handle:
            handle.write(content)
        os.chmod(os.path.join(dest, name), 0o644)

    return os.path.join(_cached(f"file-{key}", uid, gid, build), name)


def _tree_stamp(source: str) -> str:
    """Changes when an interpreter is rebuilt in place: its binaries and library directory."""
    stamps = []
    for relative in ("bin", "lib"):
        with contextlib.suppress(OSError):
            st = os.stat(os.path.join(source, relative))
            stamps.append(f"{st.st_ino}:{st.st_mtime_ns}")
    return ",".join(stamps)


def _mirror(source: str, dest: str) -> None:
    """Recreate `source` under `dest`: directories 0755, files hard-linked (copied if need be)."""
    for directory, dirs, files in os.walk(source):
        target = os.path.join(dest, os.path.relpath(directory, source))
        os.makedirs(target, exist_ok=True)
        os.chmod(target, 0o755)  # noqa: S103 - the sandbox's uid must list the mirror
        for name in [*files, *(d for d in dirs if os.path.islink(os.path.join(directory, d)))]:
            path = os.path.join(directory, name)
            link = os.path.join(target, name)
            if os.path.islink(path):
                os.symlink(os.readlink(path), link)
                continue
            try:
                os.link(path, link)
            except OSError:
                shutil.copy2(path, link)


_process_cache: str | None = None


def _cache_root(uid: int, gid: int) -> str:
    """CACHE_ROOT (root-owned, 0750 with the sandbox's group), else a private temporary one."""
    global _process_cache
    try:
        with contextlib.suppress(FileExistsError):
            os.mkdir(CACHE_ROOT, 0o750)
        st = os.lstat(CACHE_ROOT)
        trusted = stat.S_ISDIR(st.st_mode) and st.st_uid == os.geteuid() and not st.st_mode & 0o022
        if trusted and can_reach(os.path.dirname(CACHE_ROOT), uid, gid):
            if st.st_gid != gid or stat.S_IMODE(st.st_mode) != 0o750:
                os.chown(CACHE_ROOT, st.st_uid, gid)
                os.chmod(CACHE_ROOT, 0o750)  # noqa: S103 - root and the sandbox's group only
            return CACHE_ROOT
    except OSError:
        pass
    if _process_cache is None:
        _process_cache = tempfile.mkdtemp(prefix="studyapp-sandbox-cache-")
        os.chown(_process_cache, os.geteuid(), gid)
        os.chmod(_process_cache, 0o750)  # noqa: S103 - root and the sandbox's group only
        atexit.register(shutil.rmtree, _process_cache, True)
    return _process_cache


def _cached(name: str, uid: int, gid: int, build: Callable[[str], None]) -> str:
    """The cache entry `name`, built by build() into a fresh directory and renamed into place."""
    root = _cache_root(uid, gid)
    final = os.path.join(root, name)
    if os.path.isdir(final):
        return final
    _sweep_abandoned_builds(root)
    building = tempfile.mkdtemp(prefix=".building-", dir=root)
    try:
        os.chmod(building, 0o755)  # noqa: S103 - inside the 0750 cache root
        build(building)
        os.rename(building, final)
    except OSError:
        shutil.rmtree(building, ignore_errors=True)
        if not os.path.isdir(final):  # not a concurrent build that won the rename
            raise
    return final


def _sweep_abandoned_builds(root: str) -> None:
    """Remove half-built entries left by a process that died while building them."""
    now = time.time()
    with contextlib.suppress(OSError):
        for entry in os.scandir(root):
            if entry.name.startswith(".building-"):
                with contextlib.suppress(OSError):
                    if now - entry.stat(follow_symlinks=False).st_mtime > _STALE_BUILD_S:
                        shutil.rmtree(entry.path, ignore_errors=True)


def cached_directory(name: str, uid: int, gid: int, build: Callable[[str], None]) -> str:
    """A directory `name` in the cache that uid/gid can read, built by build() the first time."""
    return _cached(name, uid, gid, build)
