"""Several sandbox hosts: rendezvous hashing places each function on one host, with failover."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from studyapp.engine import client
from studyapp.engine.hosts import hosts_ranked, routing_key, service_urls

PROJECT = Path(__file__).resolve().parents[2]
HOSTS = ["http://10.0.0.1:9001", "http://10.0.0.2:9001", "http://10.0.0.3:9001"]
KEYS = [f"account-{n % 7}/function-{n}" for n in range(1200)]


def chosen(hosts: list[str]) -> dict[str, str]:
    return {key: hosts_ranked(key, hosts)[0] for key in KEYS}


@pytest.mark.pure
def test_a_function_always_goes_to_the_same_host_whatever_the_order_of_the_list():
    assert chosen(HOSTS) == chosen(list(reversed(HOSTS))) == chosen(HOSTS[1:] + HOSTS[:1])


@pytest.mark.pure
def test_functions_are_spread_over_every_host():
    counts = {host: list(chosen(HOSTS).values()).count(host) for host in HOSTS}
    assert all(len(KEYS) / 3 * 0.8 < count < len(KEYS) / 3 * 1.2 for count in counts.values())


@pytest.mark.pure
def test_adding_a_host_moves_only_the_functions_it_takes_over():
    before = chosen(HOSTS)
    after = chosen([*HOSTS, "http://10.0.0.4:9001"])
    moved = [key for key in KEYS if after[key] != before[key]]
    assert all(after[key] == "http://10.0.0.4:9001" for key in moved)
    assert 0.15 < len(moved) / len(KEYS) < 0.35  # about a quarter


@pytest.mark.pure
def test_removing_a_host_moves_only_its_functions_each_to_its_next_host():
    before = {key: hosts_ranked(key, HOSTS) for key in KEYS}
    after = chosen(HOSTS[1:])
    for key, ranking in before.items():
        expected = ranking[1] if ranking[0] == HOSTS[0] else ranking[0]
        assert after[key] == expected


@pytest.mark.pure
def test_the_failover_order_is_the_ranking_without_the_hosts_that_are_down():
    for key in KEYS[:50]:
        ranking = hosts_ranked(key, HOSTS)
        assert hosts_ranked(key, [h for h in HOSTS if h != ranking[0]]) == ranking[1:]


@pytest.mark.pure
def test_the_routing_key_is_the_account_and_the_name_not_the_code_or_settings():
    one = {"name": "f", "account": "a1", "memory_mb": 128, "code": {"app.py": "x = 1"}}
    other = {**one, "memory_mb": 1024, "code": {"app.py": "x = 2"}}
    assert routing_key(one) == routing_key(other) == "a1/f"
    assert routing_key({**one, "account": "a2"}) != routing_key(one)


@pytest.mark.pure
def test_sandbox_url_may_be_a_comma_separated_list():
    assert service_urls(" http://a:1/, http://b:2 ,,http://a:1") == ["http://a:1", "http://b:2"]


@pytest.mark.pure
def test_when_every_host_is_down_the_message_names_each_of_them():
    with pytest.raises(client.SandboxUnavailableError) as caught:
        client.health(base_url="http://127.0.0.1:9,http://127.0.0.1:7", timeout_s=2)
    message = str(caught.value)
    assert "none of the 2 sandbox hosts is answering" in message
    assert "http://127.0.0.1:9 (" in message and "http://127.0.0.1:7 (" in message
    assert "lambda serve" in message


# -- two real sandbox services ------------------------------------------------------------------


def start_service() -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "studyapp.engine", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=PROJECT,
    )
    url = process.stdout.readline().strip().rsplit(" ", 1)[-1]
    assert url.startswith("http://127.0.0.1:"), url
    return process, url


def stop_service(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def two_hosts(service_secret: str) -> Iterator[list[tuple[subprocess.Popen, str]]]:
    services = [start_service(), start_service()]
    try:
        yield services
    finally:
        for process, _ in services:
            stop_service(process)


def function_on(host: str, hosts: list[str], *, avoid: str = "") -> dict:
    """A function (account "learner") whose name the ranking places on `host`."""
    for number in range(100):
        spec = {
            "name": f"placed-{number}",
            "account": "learner",
            "handler": "app.handler",
            "code": {"app.py": "def handler(event, context):\n    return 'ok'\n"},
        }
        if spec["name"] != avoid and hosts_ranked(routing_key(spec), hosts)[0] == host:
            return spec
    raise AssertionError("no name lands on that host")


def names_on(url: str) -> set[str]:
    return {env["function_name"] for env in client.environments(base_url=url)["environments"]}


def test_each_function_lands_on_one_host_and_stays_warm_there(two_hosts):
    (_, first), (_, second) = two_hosts
    hosts = [first, second]
    both = ",".join(hosts)
    on_first, on_second = function_on(first, hosts), function_on(second, hosts)
    results = [client.invoke(on_first, {}, base_url=both) for _ in range(3)]
    assert [r["cold_start"] for r in results] == [True, False, False]
    assert len({r["environment_id"] for r in results}) == 1
    assert client.invoke(on_second, {}, base_url=both)["cold_start"] is True
    assert names_on(first) == {on_first["name"]}
    assert names_on(second) == {on_second["name"]}


def test_the_functions_of_a_host_that_is_down_fail_over_to_the_next(two_hosts):
    (first_process, first), (_, second) = two_hosts
    hosts = [first, second]
    both = ",".join(hosts)
    on_first = function_on(first, hosts)
    client.invoke(on_first, {}, base_url=both)
    stop_service(first_process)
    result = client.invoke(on_first, {}, base_url=both)
    assert result["status"] == "success" and result["cold_start"] is True
    assert names_on(second) == {on_first["name"]}
    assert client.invoke(on_first, {}, base_url=both)["cold_start"] is False
