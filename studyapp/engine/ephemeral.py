"""An execution environment's /tmp: its ephemeral storage, on disk and apart from its memory.

On Lambda, /tmp holds as much as the function's ephemeral storage setting (512 to 10,240 MB),
writing past it fails with ENOSPC, and none of it is the function's memory. A tmpfs cannot give
that here: its pages are charged to the memory cgroup of the process that writes them, wherever
the tmpfs was mounted, so 2,000 MB written at 256 MB of memory ends in an OOM kill, not ENOSPC.

So each environment gets its own ext4 filesystem in a file whose blocks are reserved on the
host's disk up front (fallocate: instant, nothing written; an environment the disk has no room
for is refused, and sandboxes can never fill the host's disk), attached to a loop device with
direct I/O (the image's own pages are not cached a second time), mounted on the host (nosuid,
nodev) and bound by bubblewrap at /tmp, mode 1777, empty (no lost+found). The filesystem is
sized so that what the function can write is the setting, to the MB.

Memory: what the function writes still goes through the page cache and is charged to its memory
cgroup, as on any Linux, but those pages are reclaimable: under the limit the kernel writes them
back to the image and drops them instead of killing anything. Checked as root on cgroup v1 (kernel
6.18): a process holding 230 MB under a 256 MB limit writes 2,000 MB in 1 MB chunks, gets ENOSPC
after 512 MB, and no OOM kill is counted. On cgroup v2 writeback is cgroup-aware as well: a writer
is throttled against its own cgroup's dirty limits before the cgroup fills with dirty pages, so the
same holds (not measured on this machine, whose v2 hierarchy has no controllers).

Idle environments give their reservation back. An environment holds its image for as long as it
lives, and warm environments are kept for minutes, so reserving every image up front would let
the host's disk, not its memory, decide how many environments stay warm (79 GB free holds about
150 images of 531 MB). So once an environment has been idle (frozen: nothing of the function
runs, so nothing writes to /tmp) for a while, `release_unused()` hands the blocks its filesystem
does not use back to the host (FITRIM: the loop device punches them out of the image), and
`reserve()` reserves the whole image again before it is thawed for its next invocation. Every
environment that runs has all of its /tmp reserved, so the guarantee above holds for it. When the
disk has no room for a new image or for a parked one's blocks (NoRoomError), the pool first parks
other idle environments at once; one whose reservation still fails is not run on an image that
could not grow: its runtime and /tmp go, and its invocation is a cold start like any other,
refused when there is still no room. What stays written in /tmp is kept on the host's disk.
Images never take more than half of the space the disk had free when the first one was made (nor
its last fiftieth): a machine that runs the app keeps room for everything else (free_bytes()).

The storage belongs to the environment, not to its runtime: after a timeout, a crash or an OOM kill
only the runtime restarts, and the next invocation finds /tmp as the last one left it, as on
Lambda. It is removed with the environment. Mounts and images left by a supervisor that was killed
(named `<its pid>-<environment id>`) are swept on the next start.

This needs root (loop devices, mount), Linux 5.8 or later (LOOP_CONFIGURE) and mkfs.ext4
(e2fsprogs). Elsewhere an environment's /tmp is bubblewrap's size-limited tmpfs, which counts
against memory and goes with the runtime; the isolation report says so.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import functools
import os
import shutil
import struct
import subprocess
import threading
from dataclasses import dataclass

from .identity import SANDBOX_HOST_GID
from .leftovers import left_by_dead_supervisor

STORAGE_ROOT = "/var/tmp/studyapp-sandbox-storage"  # noqa: S108 - root-owned, 0750 (see below)
_TOOLS_TIMEOUT_S = 30.0
_swept = False
_sweep_lock = threading.Lock()
# Image size (KiB) that leaves N MB free (to within half a MB), by N: ext4's own overhead
# (inode tables, bitmaps) grows with the size, so it is measured once per size and remembered.
_image_kib: dict[int, int] = {}
# ioctl(FITRIM) (linux/fs.h: _IOWR('X', 121, struct fstrim_range {u64 start, len, minlen})).
_FITRIM = 0xC0185879
# Images are reserved into at most half of the space the host's disk had free when this process
# made its first one, and never into the last fiftieth of the disk: the app's database, its logs
# and the rest of the host live there too, and a burst of cold starts must not take their room.
HOST_KEPT_FRACTION = 50
_floors: dict[tuple[str, int], int] = {}  # (storage root, filesystem id) -> bytes kept free
_ALL_BYTES = 2**64 - 1
_libc = ctypes.CDLL(None, use_errno=True)
# Their C signatures, so that ctypes passes each argument at its width (mountflags is a long).
_libc.syncfs.argtypes = [ctypes.c_int]
_libc.mount.argtypes = [
    ctypes.c_char_p,
    ctypes.c_char_p,
    ctypes.c_char_p,
    ctypes.c_ulong,
    ctypes.c_char_p,
]
_libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]


class StorageError(RuntimeError):
    """The environment's /tmp could not be created; the message says which step failed."""


class NoRoomError(StorageError):
    """The host's disk has no room for an image, or for the blocks a parked one gave back."""

    def __init__(self, message: str, needed_bytes: int) -> None:
        super().__init__(message)
        self.needed_bytes = needed_bytes


@dataclass
class EphemeralStorage:
    """One environment's /tmp on the host: `path` is what bubblewrap binds at /tmp."""

    path: str
    image: str
    size_mb: int

    def release_unused(self) -> None:
        """Give the blocks the filesystem does not use back to the host's disk (the image keeps
        what is written). Only while nothing can write to it: the next write would need the
        blocks `reserve()` takes back first.

        Data still in the page cache is written first (syncfs), so that no block is allocated
        after the trim. ext4 remembers which block groups it has trimmed and skips them until
        something is freed in them, unless asked for a smaller minimum extent than the last
        time: a first trim with the largest minimum (whole free groups only; cheap) makes the
        second trim every group again, after `reserve()` has filled the holes of the last one
        (checked on Linux 6.18: without it, a second parking gives nothing back).
        """
        fd = os.open(self.path, os.O_RDONLY | os.O_DIRECTORY)
        try:
            if _libc.syncfs(fd) != 0:
                error = ctypes.get_errno()
                raise OSError(error, os.strerror(error))
            block = os.fstatvfs(fd).f_bsize
            group_bytes = 8 * block * block  # blocks per group: one bitmap block's bits
            with contextlib.suppress(OSError):  # EINVAL: a filesystem smaller than one group
                fcntl.ioctl(fd, _FITRIM, struct.pack("QQQ", 0, _ALL_BYTES, group_bytes))
            fcntl.ioctl(fd, _FITRIM, struct.pack("QQQ", 0, _ALL_BYTES, 0))
        finally:
            os.close(fd)

    def reserve(self) -> None:
        """Reserve all of the image's blocks on the host's disk again (the ones `release_unused`
        gave back; instant, nothing written, the data kept). Raises NoRoomError when the host's
        disk has no room for them."""
        try:
            fd = os.open(self.image, os.O_WRONLY | os.O_CLOEXEC)
        except OSError as error:
            raise StorageError(f"the /tmp image is gone ({error.strerror})") from None
        try:
            st = os.fstat(fd)
            needed = max(0, st.st_size - st.st_blocks * 512)
            try:
                if free_bytes() < needed:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                os.posix_fallocate(fd, 0, st.st_size)
            except OSError as error:
                raise NoRoomError(
                    f"no room on the host's disk for a {self.size_mb} MB /tmp ({error.strerror})",
                    needed_bytes=needed,
                ) from None
        finally:
            os.close(fd)

    def remove(self) -> None:
        """Unmount (lazily, so a straggler cannot keep it), detach, and delete the image."""
        _unmount(self.path)
        with contextlib.suppress(OSError):
            os.rmdir(self.path)
        with contextlib.suppress(OSError):
            os.unlink(self.image)


def free_bytes() -> int:
    """What the host's disk has free for images: its free space above disk_floor_bytes(); 0 when
    the storage root cannot be read."""
    try:
        stats = os.statvfs(_storage_root())
    except (OSError, StorageError):
        return 0
    return max(0, stats.f_bavail * stats.f_frsize - _floor(stats))


def disk_floor_bytes() -> int:
    """The free space images never take: half of what the disk had free at this process's first
    look, and at least a fiftieth of the disk."""
    return _floor(os.statvfs(_storage_root()))


def _floor(stats: os.statvfs_result) -> int:
    key = (STORAGE_ROOT, stats.f_fsid)
    if key not in _floors:
        total, free = stats.f_blocks * stats.f_frsize, stats.f_bavail * stats.f_frsize
        _floors[key] = max(total // HOST_KEPT_FRACTION, free // 2)
    return _floors[key]


def storage_create(name: str, size_mb: int) -> EphemeralStorage:
    """A fresh, empty /tmp of `size_mb` MB for the environment `name` (`<pid>-<id>`)."""
    root = _storage_root()
    _sweep_stale(root)
    path = os.path.join(root, name)
    image = path + ".img"
    try:
        os.mkdir(path, 0o700)
    except OSError as error:
        raise StorageError(f"cannot make the mount point of /tmp ({error.strerror})") from None
    storage = EphemeralStorage(path=path, image=image, size_mb=size_mb)
    try:
        wanted_kib = size_mb * 1024
        image_kib = _image_kib.get(size_mb, wanted_kib * 104 // 100 + 8 * 1024)
        for _attempt in range(6):
            _format(image, image_kib)
            _mount(image, path)
            free_kib = _free_kib(path)
            if wanted_kib <= free_kib < wanted_kib + 512:
                break
            _unmount(path)
            image_kib += (wanted_kib + 256 - free_kib) * 100 // 104
        else:
            raise StorageError(f"cannot size a {size_mb} MB filesystem for /tmp")
        _image_kib[size_mb] = image_kib
        os.rmdir(os.path.join(path, "lost+found"))
        os.chmod(path, 0o1777)  # noqa: S103 - /tmp, as on Lambda; the root above is 0750
    except BaseException:
        storage.remove()
        raise
    return storage


@functools.cache
def storage_unavailable() -> str | None:
    """Why environments cannot have a disk-backed /tmp here (None when they can); probed once."""
    if os.geteuid() != 0:
        return "loop devices need a root supervisor"
    if shutil.which("mkfs.ext4") is None:
        return "mkfs.ext4 is not installed"
    if not os.path.exists(_LOOP_CONTROL):
        return f"{_LOOP_CONTROL} is missing"
    try:
        storage_create(f"{os.getpid()}-probe", 1).remove()
    except (OSError, StorageError, subprocess.SubprocessError) as error:
        return f"a loop-mounted filesystem cannot be created here ({error})"
    return None


def _storage_root() -> str:
    """Root-owned, 0750, group the sandbox's host gid: bubblewrap (as that uid) must reach /tmp's
    mount point to bind it; other local users must not."""
    try:
        os.mkdir(STORAGE_ROOT, 0o750)
    except FileExistsError:
        pass
    except OSError as error:  # a full disk (ENOSPC) among others: the caller's StorageError
        raise StorageError(f"cannot make {STORAGE_ROOT} ({error.strerror})") from None
    st = os.lstat(STORAGE_ROOT)
    if not os.path.isdir(STORAGE_ROOT) or os.path.islink(STORAGE_ROOT) or st.st_uid != 0:
        raise StorageError(f"{STORAGE_ROOT} is not a directory of root's")
    if st.st_gid != SANDBOX_HOST_GID or st.st_mode & 0o7777 != 0o750:
        os.chown(STORAGE_ROOT, 0, SANDBOX_HOST_GID)
        os.chmod(STORAGE_ROOT, 0o750)  # noqa: S103 - root and the sandbox's group only
    return STORAGE_ROOT


def _run(*command: str) -> str:
    try:
        completed = subprocess.run(
            command, capture_output=True, text=True, timeout=_TOOLS_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise StorageError(f"{command[0]}: {error}") from None
    if completed.returncode != 0:
        detail = (completed.stderr or completed.stdout).strip().splitlines()
        raise StorageError(f"{command[0]} failed: {detail[-1] if detail else completed.returncode}")
    return completed.stdout


def _format(image: str, image_kib: int) -> None:
    with open(image, "wb") as handle:
        # Reserved on the host's disk now (unwritten extents: instant, nothing written), so a
        # full /tmp is always the function's ENOSPC, never an I/O error of an image that could
        # not grow, and sandboxes together can never fill the host's disk (they take at most
        # half of what it had free: free_bytes()).
        try:
            if free_bytes() < image_kib * 1024:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            os.posix_fallocate(handle.fileno(), 0, image_kib * 1024)
        except OSError as error:
            raise NoRoomError(
                f"no room on the host's disk for a {image_kib // 1024} MB /tmp ({error.strerror})",
                needed_bytes=image_kib * 1024,
            ) from None
    _run(
        "mkfs.ext4",
        "-q",
        "-F",
        "-m",
        "0",  # no blocks reserved for root: the function may use all of it
        "-O",
        "^has_journal,^resize_inode",  # scratch space: nothing to recover after a crash
        "-E",
        "lazy_itable_init=1,nodiscard",
        image,
    )


# The loop device is set up and mounted with system calls, not through losetup, mount and
# umount: three processes fewer to start for every cold start and one for every environment
# removed (linux/loop.h, linux/mount.h).
_LOOP_CONTROL = "/dev/loop-control"
_LOOP_CTL_GET_FREE = 0x4C82
_LOOP_CONFIGURE = 0x4C0A
_LO_FLAGS_AUTOCLEAR = 4  # the device detaches itself when its last user (the mount) lets go
_LO_FLAGS_DIRECT_IO = 16  # the image's own pages are not cached a second time
# struct loop_config {u32 fd, block_size; struct loop_info64 info; u64 reserved[8]}, where
# loop_info64 is {u64 device, inode, rdevice, offset, sizelimit; u32 number, encrypt_type,
# encrypt_key_size, flags; u8 file_name[64], crypt_name[64], encrypt_key[32]; u64 init[2]}.
_LOOP_CONFIG = struct.Struct("=II5Q4I64s64s32s2Q8Q")
_MS_NOSUID, _MS_NODEV, _MS_NOATIME = 2, 4, 1024
_MOUNT_FLAGS = _MS_NOSUID | _MS_NODEV | _MS_NOATIME
_MOUNT_OPTIONS = b"noinit_itable"
_MNT_DETACH = 2
# A free device another thread or process takes first (EBUSY), or one it was releasing at the
# same moment that refuses the mount: the image goes to the next free device, up to this often.
_MOUNT_TRIES = 8


def _loop_config(backing_fd: int) -> bytes:
    """LOOP_CONFIGURE's argument: the image's descriptor, autoclear and direct I/O, else 0."""
    flags = _LO_FLAGS_AUTOCLEAR | _LO_FLAGS_DIRECT_IO
    return _LOOP_CONFIG.pack(
        backing_fd, 0, 0, 0, 0, 0, 0, 0, 0, 0, flags, b"", b"", b"", 0, 0, *([0] * 8)
    )


def _mount(image: str, path: str) -> None:
    """Attach ``image`` to a free loop device (direct I/O, cleared when unmounted) and mount it
    at ``path`` (nosuid, nodev, noatime)."""
    error: OSError | None = None
    for _attempt in range(_MOUNT_TRIES):
        try:
            control = os.open(_LOOP_CONTROL, os.O_RDWR | os.O_CLOEXEC)
            try:
                number = fcntl.ioctl(control, _LOOP_CTL_GET_FREE)
            finally:
                os.close(control)
            device = f"/dev/loop{number}"
            loop = os.open(device, os.O_RDWR | os.O_CLOEXEC)
        except OSError as failed:
            raise StorageError(f"no loop device for /tmp ({failed.strerror})") from None
        try:
            backing = os.open(image, os.O_RDWR | os.O_DIRECT | os.O_CLOEXEC)
            try:
                fcntl.ioctl(loop, _LOOP_CONFIGURE, _loop_config(backing))
            except OSError as failed:
                if failed.errno != errno.EBUSY:
                    raise
                error = failed
                continue
            finally:
                os.close(backing)
            source, target = device.encode(), path.encode()
            if not _libc.mount(source, target, b"ext4", _MOUNT_FLAGS, _MOUNT_OPTIONS):
                return  # mount(2) returns 0 once mounted
            code = ctypes.get_errno()
            error = OSError(code, os.strerror(code))
        except OSError as failed:
            raise StorageError(f"cannot attach /tmp's image ({failed.strerror})") from None
        finally:
            # Mounted, the device stays until the mount goes (autoclear); not mounted, it is
            # cleared here.
            os.close(loop)
    raise StorageError(f"cannot mount /tmp ({error.strerror if error else 'no free device'})")


def _unmount(path: str) -> None:
    """Lazily: a straggler holding a file open cannot keep the environment's /tmp."""
    if _mounted(path):
        _libc.umount2(path.encode(), _MNT_DETACH)


def _mounted(path: str) -> bool:
    try:
        with open("/proc/self/mountinfo") as handle:
            return any(line.split()[4] == path for line in handle)
    except OSError:
        return False


def _free_kib(path: str) -> int:
    stats = os.statvfs(path)
    return stats.f_bavail * stats.f_frsize // 1024


def _sweep_stale(root: str) -> None:
    """Remove the storage of environments whose supervisor died before removing it."""
    global _swept
    with _sweep_lock:
        if _swept:
            return
        _swept = True
    with contextlib.suppress(OSError):
        for entry in os.scandir(root):
            name = entry.name.removesuffix(".img")
            if not left_by_dead_supervisor(name):
                continue
            EphemeralStorage(
                path=os.path.join(root, name), image=os.path.join(root, name + ".img"), size_mb=0
            ).remove()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
