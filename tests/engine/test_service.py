"""The sandbox service over HTTP, and its client."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from studyapp.engine import EnvironmentPool, client
from studyapp.engine.service import make_server

PROJECT = Path(__file__).resolve().parents[2]
FUNCTION = {
    "name": "service-fn",
    "handler": "app.handler",
    "code": {
        "app.py": "n = 0\ndef handler(event, context):\n"
        "    global n\n    n += 1\n    return {'n': n, 'event': event}\n"
    },
}


@pytest.fixture
def service_url(service_secret: str) -> Iterator[str]:
    pool = EnvironmentPool()
    server = make_server("127.0.0.1", 0, secret=service_secret, pool=pool)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        pool.close()


def test_invoke_over_http_returns_the_result_object_and_keeps_the_environment_warm(service_url):
    first = client.invoke(FUNCTION, {"k": "v"}, base_url=service_url)
    second = client.invoke(FUNCTION, {"k": "v"}, base_url=service_url)
    assert first["status"] == "success" and first["payload"] == {"n": 1, "event": {"k": "v"}}
    assert (first["cold_start"], second["cold_start"]) == (True, False)
    assert second["payload"]["n"] == 2
    assert first["cost"]["x86_64_usd"] > 0


def test_health_and_environments_describe_what_is_warm(service_url):
    client.invoke(FUNCTION, {}, base_url=service_url)
    health = client.health(base_url=service_url)
    assert health["status"] == "ok" and health["full_isolation"] is True
    listing = client.environments(base_url=service_url)
    [environment] = listing["environments"]
    assert environment["function_name"] == "service-fn" and environment["state"] == "idle"
    assert listing["stats"]["created"] == 1


def test_provision_over_http_initialises_environments_that_serve_warm(service_url):
    answer = client.provision(FUNCTION, 2, base_url=service_url)
    assert answer["provisioned"] == 2
    assert [env["initialization_type"] for env in answer["environments"]] == [
        "provisioned-concurrency"
    ] * 2
    result = client.invoke(FUNCTION, {}, base_url=service_url)
    assert result["cold_start"] is False and result["init_duration_ms"] is None
    assert result["environment_id"] in {env["environment_id"] for env in answer["environments"]}


def test_provision_with_a_count_of_zero_releases_them_over_http(service_url):
    client.provision(FUNCTION, 2, base_url=service_url)
    assert client.provision(FUNCTION, 0, base_url=service_url)["provisioned"] == 0
    assert client.environments(base_url=service_url)["environments"] == []


def test_provision_refuses_a_count_that_is_not_a_whole_number(service_url):
    with pytest.raises(client.SandboxRequestError, match="count must be a whole number") as caught:
        client.provision(FUNCTION, "2", base_url=service_url)  # type: ignore[arg-type]
    assert caught.value.status == 400


def test_bad_function_settings_are_a_400_with_one_line(service_url):
    with pytest.raises(client.SandboxRequestError) as caught:
        client.invoke({**FUNCTION, "memory_mb": 64}, {}, base_url=service_url)
    assert caught.value.status == 400
    assert caught.value.error_type == "InvalidParameterValueException"
    assert "memory must be a whole number" in str(caught.value)


@pytest.mark.pure
def test_client_says_clearly_when_the_service_is_down():
    with pytest.raises(client.SandboxUnavailableError, match="is not answering"):
        client.health(base_url="http://127.0.0.1:9", timeout_s=2)


@pytest.mark.pure
def test_client_reads_the_same_sandbox_url_variable_as_the_web_app(monkeypatch):
    monkeypatch.setenv("SANDBOX_URL", "http://10.0.0.7:9001/")
    assert client.service_urls() == ["http://10.0.0.7:9001"]
    assert client.service_urls("http://127.0.0.1:9002") == ["http://127.0.0.1:9002"]


def test_serve_command_stops_on_sigterm_and_destroys_every_environment(service_secret):
    process = subprocess.Popen(
        [sys.executable, "-m", "studyapp.engine", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=PROJECT,
    )
    try:
        banner = process.stdout.readline()
        url = banner.strip().rsplit(" ", 1)[-1]
        assert url.startswith("http://127.0.0.1:")
        result = client.invoke(FUNCTION, {}, base_url=url)
        group = f"{process.pid}-{result['environment_id']}"
        assert cgroups_named(group)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        assert "every environment destroyed" in process.stdout.read()
        assert cgroups_named(group) == []
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_service_protocol_is_documented_in_the_module_docstring():
    from studyapp.engine import service

    for needle in (
        "POST /invoke",
        "POST /provision",
        "GET /health",
        "GET /environments",
        "require_full_isolation",
    ):
        assert needle in service.__doc__


def test_invoke_body_must_be_json(service_url, service_secret):
    import urllib.error
    import urllib.request

    from studyapp.engine import auth

    headers = auth.sign(service_secret, "POST", "/invoke", b"{nope")
    request = urllib.request.Request(
        service_url + "/invoke", data=b"{nope", method="POST", headers=headers
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    assert caught.value.code == 400
    assert "not JSON" in json.loads(caught.value.read())["error"]


def cgroups_named(name: str) -> list[Path]:
    """The cgroups of the environment `name` (`<pid>-<id>`: one per runtime it started)."""
    return list(Path("/sys/fs/cgroup").glob(f"*/**/studyapp-sandbox/{name}-*"))


def test_null_and_string_events_reach_the_function_as_they_are(service_url):
    for event in ("x", None, 0, [1]):
        answer = client.invoke(FUNCTION, event, base_url=service_url)
        assert answer["payload"]["event"] == event
    assert client.invoke(FUNCTION, base_url=service_url)["payload"]["event"] == {}
