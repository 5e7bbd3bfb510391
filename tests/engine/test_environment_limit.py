"""How many environments the sandbox service holds, from the host's memory and open-files limit,
and that the descriptors this needs (numbered past select()'s 1,024) work."""

from __future__ import annotations

import threading

import pytest

from studyapp.engine import EnvironmentPool, client
from studyapp.engine.service import environment_limit, make_server

GIB = 1024**3


@pytest.mark.pure
def test_the_limit_is_a_quarter_of_the_memory_available_at_16_mib_each():
    limit, why = environment_limit(memory_available_bytes=8 * GIB, open_files_limit=1 << 20)
    assert limit == 128
    assert "128 by memory" in why


@pytest.mark.pure
def test_the_open_files_limit_bounds_it_at_12_descriptors_each_after_256():
    limit, why = environment_limit(memory_available_bytes=64 * GIB, open_files_limit=4096)
    assert limit == (4096 - 256) // 12 == 320
    assert "320 by descriptors" in why


@pytest.mark.pure
def test_a_host_like_the_benchmarks_gets_far_more_than_the_32_it_had():
    """24 GiB with about 22 available, and a hard limit of 20,000 open files."""
    limit, _ = environment_limit(memory_available_bytes=22 * GIB, open_files_limit=20_000)
    assert limit == 352


@pytest.mark.pure
@pytest.mark.parametrize(
    ("memory", "files", "expected"),
    [
        (0, 0, 32),  # nothing known: the old fixed limit
        (1 * GIB, 1024, 32),  # a small host keeps 32
        (1024 * GIB, 1 << 20, 1024),  # a large one stops at 1,024
        (1024 * GIB, 1024, 64),  # a soft limit of 1,024 that could not be raised
    ],
)
def test_the_limit_is_kept_between_32_and_1024(memory, files, expected):
    limit, why = environment_limit(memory_available_bytes=memory, open_files_limit=files)
    assert limit == expected
    assert "32-1024" in why


def test_environments_run_with_descriptors_numbered_past_1024(
    descriptors_past_1024, make_function, service_secret
):
    function = make_function(
        "n = 0\ndef handler(event, context):\n    global n\n    n += 1\n    return n\n"
    )
    with EnvironmentPool() as pool:
        cold = pool.invoke(function, {})
        warm = pool.invoke(function, {})
        assert (cold.status, cold.payload, cold.cold_start) == ("success", 1, True), cold.logs
        assert (warm.status, warm.payload, warm.cold_start) == ("success", 2, False)
        server = make_server("127.0.0.1", 0, secret=service_secret, pool=pool)
        assert server.fileno() > 1024
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        thread.start()
        try:
            url = f"http://127.0.0.1:{server.server_address[1]}"
            answer = client.invoke(function.to_dict(), {}, base_url=url)
            assert answer["status"] == "success" and answer["cold_start"] is False
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=10)
