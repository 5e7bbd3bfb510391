"""Idle environments give their /tmp's unused blocks back to the host's disk (parking) and take
them back before they run again: what the function wrote stays, and every environment that runs
has all of its ephemeral storage reserved."""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from studyapp.engine import EnvironmentPool, ExecutionEnvironment, client, ephemeral
from studyapp.engine.ephemeral import StorageError
from studyapp.engine.pool import PARK_AFTER_IDLE_S
from studyapp.engine.service import make_server

MIB = 1024 * 1024

# Writes `keep` (text) to /tmp/kept, `mb` MB to /tmp/fill until ENOSPC; with `wait`, first says
# it runs (/tmp/running) and waits for /tmp/go, which the test writes from the host.
TMP_WRITER = """
    import errno, os, time
    def handler(event, context):
        if event.get("wait"):
            open("/tmp/running", "w").close()
            give_up = time.monotonic() + 30
            while not os.path.exists("/tmp/go") and time.monotonic() < give_up:
                time.sleep(0.01)
        found = open("/tmp/kept").read() if os.path.exists("/tmp/kept") else None
        if "keep" in event:
            with open("/tmp/kept", "w") as handle:
                handle.write(event["keep"])
        written = 0
        chunk = b"x" * (1024 * 1024)
        error = None
        try:
            with open("/tmp/fill", "wb") as handle:
                for _ in range(event.get("mb", 0)):
                    handle.write(chunk)
                    handle.flush()
                    written += 1
        except OSError as failure:
            if failure.errno != errno.ENOSPC:
                raise
            error = failure.errno
        return {"found": found, "written_mb": written, "errno": error}
"""


def storage_of(environment_id: str) -> tuple[str, str]:
    """The mount point and image of an environment's /tmp on the host."""
    path = os.path.join(ephemeral.STORAGE_ROOT, f"{os.getpid()}-{environment_id}")
    return path, path + ".img"


def allocated_bytes(image: str) -> int:
    return os.stat(image).st_blocks * 512


def wait_until_frozen(pool: EnvironmentPool) -> None:
    """The freezer thread freezes an idle environment a few ms after its answer went back. Only
    once every task has stopped and the thread has let go of the environment can it be parked
    (before that, parking passes it over until the reaper's next round)."""

    def parkable(environment: ExecutionEnvironment) -> bool:
        group = environment._cgroup
        return (
            environment.frozen
            and group is not None
            and group.frozen_now()
            and not environment._driver.locked()
        )

    give_up = time.monotonic() + 10
    while not all(parkable(env) for slot in pool._slots.values() for env in slot.idle):
        assert time.monotonic() < give_up, "the idle environment was never frozen"
        time.sleep(0.005)


def park_now(pool: EnvironmentPool) -> int:
    wait_until_frozen(pool)
    return pool.park_idle(now=time.time() + PARK_AFTER_IDLE_S)


def test_an_idle_environment_is_parked_only_after_the_park_delay(pool, make_function):
    function = make_function(TMP_WRITER)
    first = pool.invoke(function, {"keep": "kept"})
    wait_until_frozen(pool)
    _, image = storage_of(first.environment_id)
    size = os.stat(image).st_size
    assert allocated_bytes(image) >= size
    assert pool.park_idle(now=time.time()) == 0
    assert pool.park_idle(now=time.time() + PARK_AFTER_IDLE_S - 5) == 0
    assert allocated_bytes(image) >= size
    assert pool.park_idle(now=time.time() + PARK_AFTER_IDLE_S) == 1
    [environment] = pool.environments()
    assert environment["parked"] is True and environment["state"] == "idle"
    assert allocated_bytes(image) < size // 4
    assert pool.park_idle(now=time.time() + PARK_AFTER_IDLE_S) == 0  # parked already


def test_invocations_in_a_row_are_never_parked(pool, make_function):
    function = make_function(TMP_WRITER)
    result = pool.invoke(function, {})
    for _ in range(3):
        wait_until_frozen(pool)
        assert pool.park_idle(now=time.time() + PARK_AFTER_IDLE_S / 2) == 0
        result = pool.invoke(function, {})
        assert result.cold_start is False
    _, image = storage_of(result.environment_id)
    assert allocated_bytes(image) >= os.stat(image).st_size
    assert pool.environments()[0]["parked"] is False


def test_what_the_function_wrote_is_there_after_parking_and_the_call_is_warm(pool, make_function):
    function = make_function(TMP_WRITER)
    first = pool.invoke(function, {"keep": "written before parking " * 1000})
    assert park_now(pool) == 1
    path, _ = storage_of(first.environment_id)
    kept = os.open(os.path.join(path, "kept"), os.O_RDONLY)
    try:  # out of the page cache: the next read comes from the image
        os.posix_fadvise(kept, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(kept)
    after = pool.invoke(function, {})
    assert after.status == "success", after.logs
    assert after.cold_start is False and after.environment_id == first.environment_id
    assert after.payload["found"] == "written before parking " * 1000
    assert pool.environments()[0]["parked"] is False


def test_a_parked_environment_is_reserved_again_while_it_runs(pool, make_function):
    function = make_function(TMP_WRITER)
    first = pool.invoke(function, {"keep": "x"})
    path, image = storage_of(first.environment_id)
    size = os.stat(image).st_size
    assert park_now(pool) == 1
    assert allocated_bytes(image) < size // 4
    results = []
    invocation = threading.Thread(target=lambda: results.append(pool.invoke(function, {"wait": 1})))
    invocation.start()
    try:
        give_up = time.monotonic() + 30
        while not os.path.exists(os.path.join(path, "running")):
            assert time.monotonic() < give_up, "the invocation never ran"
            time.sleep(0.005)
        assert allocated_bytes(image) >= size
    finally:
        Path(path, "go").touch()
        invocation.join(timeout=60)
    [result] = results
    assert result.status == "success" and result.cold_start is False
    assert result.payload["found"] == "x"


def test_an_environment_parked_twice_gives_its_blocks_back_each_time(pool, make_function):
    function = make_function(TMP_WRITER)
    first = pool.invoke(function, {"keep": "x"})
    _, image = storage_of(first.environment_id)
    size = os.stat(image).st_size
    assert park_now(pool) == 1
    pool.invoke(function, {})
    assert allocated_bytes(image) >= size
    assert park_now(pool) == 1
    assert allocated_bytes(image) < size // 4


def test_a_parked_environment_can_still_write_its_whole_ephemeral_storage(pool, make_function):
    function = make_function(TMP_WRITER, memory_mb=256, timeout_s=60)
    pool.invoke(function, {"keep": "x"})
    assert park_now(pool) == 1
    result = pool.invoke(function, {"mb": 2000})
    assert result.status == "success", result.logs
    assert result.cold_start is False
    assert result.payload["errno"] == 28
    assert 500 <= result.payload["written_mb"] <= 512
    assert result.payload["found"] == "x"


@pytest.fixture
def small_host_disk(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The environments' /tmp images on a host filesystem of 1,500 MiB (itself a loop-mounted
    ext4 image), where images may take half of the free space: room for one 512 MB /tmp, a disk
    that fills up without filling this host's."""
    mount = Path(f"/var/tmp/studyapp-small-disk-{os.getpid()}")
    image = Path(f"{mount}.img")
    mount.mkdir(mode=0o755)
    try:
        with open(image, "wb") as handle:
            os.posix_fallocate(handle.fileno(), 0, 1500 * MIB)
        subprocess.run(["mkfs.ext4", "-q", "-F", "-m", "0", str(image)], check=True)
        subprocess.run(["mount", "-o", "loop", str(image), str(mount)], check=True)
        os.chmod(mount, 0o755)
        monkeypatch.setattr(ephemeral, "STORAGE_ROOT", str(mount / "storage"))
        yield mount
    finally:
        subprocess.run(["umount", "--lazy", str(mount)], check=False)
        with contextlib.suppress(OSError):
            image.unlink()
        with contextlib.suppress(OSError):
            mount.rmdir()


def fill_up(directory: Path) -> Path:
    """A file taking every block left on the filesystem of `directory` (reserved, not written)."""
    filler = directory / "filler"
    with open(filler, "wb") as handle:
        free = os.statvfs(directory).f_bavail * os.statvfs(directory).f_frsize
        while free > 0:
            try:
                os.posix_fallocate(handle.fileno(), 0, free)
                break
            except OSError:
                free -= MIB  # the extent tree needs a few blocks of its own
    return filler


def test_a_parked_environment_the_disk_has_no_room_for_again_is_destroyed(
    small_host_disk, make_function
):
    function = make_function(TMP_WRITER)
    with EnvironmentPool() as pool:
        first = pool.invoke(function, {"keep": "x"})
        assert first.status == "success", first.logs
        _, image = storage_of(first.environment_id)
        assert park_now(pool) == 1
        filler = fill_up(small_host_disk)
        with pytest.raises(StorageError, match="no room on the host's disk"):
            pool.invoke(function, {})
        assert pool.environments() == []
        assert not os.path.exists(image)
        filler.unlink()
        after = pool.invoke(function, {})
        assert after.status == "success", after.logs
        assert after.cold_start is True and after.environment_id != first.environment_id
        assert after.payload["found"] is None


def test_a_new_environment_parks_idle_ones_when_the_disk_has_no_room_for_it(
    small_host_disk, make_function
):
    """Room for one /tmp: each environment's cold start or thaw parks the other one at once."""
    first_function = make_function(TMP_WRITER, name="first")
    second_function = make_function(TMP_WRITER, name="second")
    with EnvironmentPool() as pool:
        first = pool.invoke(first_function, {"keep": "first's"})
        wait_until_frozen(pool)
        second = pool.invoke(second_function, {"keep": "second's"})
        assert second.status == "success" and second.cold_start is True, second.logs
        parked = {env["environment_id"]: env["parked"] for env in pool.environments()}
        assert parked == {first.environment_id: True, second.environment_id: False}
        wait_until_frozen(pool)
        again = pool.invoke(first_function, {})
        assert again.status == "success" and again.cold_start is False, again.logs
        assert again.payload["found"] == "first's"
        parked = {env["environment_id"]: env["parked"] for env in pool.environments()}
        assert parked == {first.environment_id: False, second.environment_id: True}


def test_images_take_at_most_half_of_the_disk_space_that_was_free(small_host_disk):
    """The app's database and logs share the disk: a /tmp that fits only by taking more than
    half of the space free at the first look is refused, and nothing of the disk is taken."""
    frsize = os.statvfs(small_host_disk).f_frsize
    free_at_first = os.statvfs(small_host_disk).f_bavail * frsize
    floor = ephemeral.disk_floor_bytes()  # its first look (making the storage root took a block)
    assert free_at_first // 2 - MIB <= floor <= free_at_first // 2
    fits = ephemeral.storage_create(f"{os.getpid()}-fits", 8)
    image_bytes = os.path.getsize(fits.image)
    fits.remove()
    filler = small_host_disk / "filler"
    with open(filler, "wb") as handle:  # leaves the floor and 1 MiB less than the image
        free = os.statvfs(small_host_disk).f_bavail * frsize
        os.posix_fallocate(handle.fileno(), 0, free - floor - image_bytes + MIB)
    free = os.statvfs(small_host_disk).f_bavail * frsize
    assert free >= image_bytes  # the raw disk has room for it
    with pytest.raises(ephemeral.NoRoomError, match="no room on the host's disk"):
        ephemeral.storage_create(f"{os.getpid()}-refused", 8)
    assert os.statvfs(small_host_disk).f_bavail * frsize == free
    filler.unlink()
    ephemeral.storage_create(f"{os.getpid()}-fits-again", 8).remove()


def test_a_new_environment_lets_an_idle_one_go_when_parking_it_is_not_enough(
    small_host_disk, make_function
):
    """Room for one /tmp, and the idle environment's /tmp is full of what its function wrote:
    parking it gives back almost nothing, so the cold start lets it go instead of failing."""
    # Writing a whole /tmp takes seconds of CPU at 128 MB's share on a slow host; room, not
    # speed, is what this test is about (as in the test of a /tmp that fills up above).
    full_function = make_function(TMP_WRITER, name="full", memory_mb=256, timeout_s=60)
    second_function = make_function(TMP_WRITER, name="second")
    with EnvironmentPool() as pool:
        full = pool.invoke(full_function, {"keep": "x", "mb": 600})
        assert full.status == "success" and full.payload["errno"] == errno.ENOSPC, full.logs
        wait_until_frozen(pool)
        second = pool.invoke(second_function, {"keep": "second's"})
        assert second.status == "success" and second.cold_start is True, second.logs
        assert [env["environment_id"] for env in pool.environments()] == [second.environment_id]
        again = pool.invoke(full_function, {})  # its environment went, and its /tmp with it
        assert again.status == "success" and again.cold_start is True, again.logs
        assert again.payload["found"] is None


def test_the_service_answers_503_when_the_disk_has_no_room_for_a_new_tmp(
    small_host_disk, service_secret
):
    filler = fill_up(small_host_disk)
    with EnvironmentPool() as pool:
        server = make_server("127.0.0.1", 0, secret=service_secret, pool=pool)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        thread.start()
        try:
            url = f"http://127.0.0.1:{server.server_address[1]}"
            function = {"name": "no-room", "handler": "app.handler", "code": {"app.py": "x = 1"}}
            with pytest.raises(client.SandboxRequestError) as caught:
                client.invoke(function, {}, base_url=url)
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=10)
    assert caught.value.status == 503
    assert caught.value.error_type == "StorageUnavailable"
    assert "No space left on device" in str(caught.value)
    filler.unlink()


def test_a_cold_start_whose_room_another_one_took_asks_for_room_again(
    small_host_disk, make_function, monkeypatch
):
    """Cold starts side by side: the room the pool makes for one may be taken by another before
    that one's next try; it asks again instead of failing."""
    first_function = make_function(TMP_WRITER, name="first")
    second_function = make_function(TMP_WRITER, name="second")
    with EnvironmentPool() as pool:
        assert pool.invoke(first_function, {}).status == "success"
        wait_until_frozen(pool)
        make_room, asked = pool._make_room_on_disk, []

        def make_room_then_lose_it_once(needed: int) -> bool:
            asked.append(needed)
            taken = small_host_disk / "taken"
            if len(asked) > 1:  # the other cold start's environment has gone since
                taken.unlink()
            made = make_room(needed)
            if len(asked) == 1:  # another cold start takes what was made (the last MiBs left)
                stats = os.statvfs(small_host_disk)
                left = stats.f_bavail * stats.f_frsize
                with open(taken, "wb") as handle:
                    os.posix_fallocate(handle.fileno(), 0, left - 4 * MIB)
            return made

        monkeypatch.setattr(pool, "_make_room_on_disk", make_room_then_lose_it_once)
        second = pool.invoke(second_function, {"keep": "second's"})
    assert second.status == "success" and second.cold_start is True, second.logs
    assert len(asked) == 2
