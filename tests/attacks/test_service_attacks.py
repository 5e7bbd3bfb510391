"""The sandbox service as an attacker on the network sees it.

Every request here reaches a real service (a real HTTP server over a real pool) with raw HTTP, the
way a caller without the deployment's secret would send it. Each attack must be refused with 401 or
a 4xx of its own before anything is unpacked: no environment is started, no code is staged, no file
of the host is read, and the service still serves the deployment afterwards.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from studyapp.engine import EnvironmentPool, auth
from studyapp.engine.service import MAX_BODY_BYTES, MAX_FILES, MAX_JSON_DEPTH, make_server

PROJECT = Path(__file__).resolve().parents[2]
SECRET = "attack-tests-shared-secret-0123456789abcdef"
HANDLER = "def handler(event, context):\n    return {'ran': True}\n"
FUNCTION = {"name": "victim", "handler": "app.handler", "code": {"app.py": HANDLER}}


@dataclass
class Answer:
    status: int
    body: dict


@dataclass
class Service:
    pool: EnvironmentPool
    port: int

    def send(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        *,
        headers: dict[str, str] | None = None,
        secret: str | None = SECRET,
        now: float | None = None,
    ) -> Answer:
        """One request on a new connection; signed with `secret` unless it is None."""
        signed = auth.sign(secret, method, path, body, now=now) if secret else {}
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(
                method,
                path,
                body=body if method == "POST" else None,
                headers={"Content-Type": "application/json", **signed, **(headers or {})},
            )
            response = connection.getresponse()
            return Answer(response.status, json.loads(response.read() or b"{}"))
        finally:
            connection.close()

    def invoke(self, function: dict, **kwargs) -> Answer:
        body = json.dumps({"function": function, "event": {}}).encode()
        return self.send("POST", "/invoke", body, **kwargs)

    def assert_nothing_ran(self) -> None:
        # Code is staged (written out or bound) only for a new environment: none created, none
        # staged, nothing of the host read.
        assert self.pool.stats.invocations == 0
        assert self.pool.stats.created == 0
        assert self.pool.environments() == []


@pytest.fixture
def service() -> Iterator[Service]:
    pool = EnvironmentPool(max_environments_per_account=2)
    server = make_server("127.0.0.1", 0, secret=SECRET, pool=pool)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield Service(pool=pool, port=server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        pool.close()


@pytest.fixture
def host_secret_dir(tmp_path: Path) -> Path:
    """A directory of the host holding what an attacker wants: a key and a handler that leaks it."""
    (tmp_path / "secret_key").write_text("the-host's-signing-key")
    (tmp_path / "app.py").write_text(
        "def handler(event, context):\n    return open('/var/task/secret_key').read()\n"
    )
    return tmp_path


# -- who may call -------------------------------------------------------------------------------


def test_the_deployment_signed_invocation_runs(service):
    answer = service.invoke(FUNCTION)
    assert answer.status == 200 and answer.body["payload"] == {"ran": True}


def test_an_unsigned_invocation_is_401_and_runs_nothing(service):
    answer = service.invoke(FUNCTION, secret=None)
    assert answer.status == 401
    assert answer.body["error_type"] == "Unauthorized"
    assert "not signed" in answer.body["error"]
    service.assert_nothing_ran()


def test_an_invocation_signed_with_another_secret_is_401(service):
    answer = service.invoke(FUNCTION, secret="a-guessed-secret-that-is-long-enough-000")
    assert answer.status == 401 and "signature does not match" in answer.body["error"]
    service.assert_nothing_ran()


def test_a_signature_taken_from_another_body_is_401(service):
    signed_for = json.dumps({"function": FUNCTION, "event": {}}).encode()
    tampered = json.dumps({"function": FUNCTION, "event": {"evil": True}}).encode()
    headers = auth.sign(SECRET, "POST", "/invoke", signed_for)
    answer = service.send("POST", "/invoke", tampered, headers=headers, secret=None)
    assert answer.status == 401 and "signature does not match" in answer.body["error"]
    service.assert_nothing_ran()


def test_a_signature_for_another_path_is_401(service):
    body = json.dumps({"function": FUNCTION, "count": 1}).encode()
    headers = auth.sign(SECRET, "POST", "/invoke", body)
    answer = service.send("POST", "/provision", body, headers=headers, secret=None)
    assert answer.status == 401
    service.assert_nothing_ran()


def test_a_replayed_request_is_401_and_runs_only_once(service):
    body = json.dumps({"function": FUNCTION, "event": {}}).encode()
    headers = auth.sign(SECRET, "POST", "/invoke", body)
    first = service.send("POST", "/invoke", body, headers=headers, secret=None)
    again = service.send("POST", "/invoke", body, headers=headers, secret=None)
    assert first.status == 200
    assert again.status == 401 and "replay" in again.body["error"]
    assert service.pool.stats.invocations == 1


def test_an_expired_request_is_401(service):
    answer = service.invoke(FUNCTION, now=time.time() - auth.REPLAY_WINDOW_S - 5)
    assert answer.status == 401 and "expired" in answer.body["error"]
    service.assert_nothing_ran()


def test_a_request_dated_in_the_future_is_401(service):
    answer = service.invoke(FUNCTION, now=time.time() + auth.REPLAY_WINDOW_S + 5)
    assert answer.status == 401
    service.assert_nothing_ran()


def test_a_malformed_authorization_header_is_401(service):
    for authorization in ("Basic dXNlcjpwYXNz", "Sandbox-HMAC-SHA256 Signature=zz", "x"):
        body = json.dumps({"function": FUNCTION}).encode()
        headers = {**auth.sign(SECRET, "POST", "/invoke", body), "Authorization": authorization}
        answer = service.send("POST", "/invoke", body, headers=headers, secret=None)
        assert answer.status == 401, authorization
    service.assert_nothing_ran()


def test_health_without_the_secret_says_only_ok(service):
    assert service.send("GET", "/health", secret=None).body == {"status": "ok"}


def test_health_with_the_secret_describes_the_host(service):
    answer = service.send("GET", "/health")
    assert answer.status == 200 and "full_isolation" in answer.body and "host" in answer.body


def test_environments_without_the_secret_is_401(service):
    assert service.send("GET", "/environments", secret=None).status == 401


def test_a_provision_without_the_secret_is_401_and_starts_nothing(service):
    body = json.dumps({"function": FUNCTION, "count": 2}).encode()
    assert service.send("POST", "/provision", body, secret=None).status == 401
    service.assert_nothing_ran()


# -- no host paths over the wire ----------------------------------------------------------------


def test_code_dir_naming_a_host_directory_is_refused(service, host_secret_dir):
    function = {"name": "leak", "handler": "app.handler", "code_dir": str(host_secret_dir)}
    answer = service.invoke(function)
    assert answer.status == 400 and "code_dir" in answer.body["error"]
    service.assert_nothing_ran()


def test_a_layer_naming_a_host_directory_is_refused(service, host_secret_dir):
    answer = service.invoke({**FUNCTION, "layers": [str(host_secret_dir)]})
    assert answer.status == 400 and "path on the sandbox host" in answer.body["error"]
    service.assert_nothing_ran()


def test_a_host_directory_among_file_layers_is_refused(service, host_secret_dir):
    answer = service.invoke({**FUNCTION, "layers": [{"python/x.py": ""}, str(host_secret_dir)]})
    assert answer.status == 400
    service.assert_nothing_ran()


@pytest.mark.parametrize(
    "handler",
    [
        "../../etc/passwd.handler",
        "x/../../etc/passwd.handler",
        "/etc/passwd.handler",
        "app//x.handler",
        "app.handler\x00",
    ],
)
def test_handler_names_that_leave_the_task_folder_are_refused(service, handler):
    answer = service.invoke({**FUNCTION, "handler": handler})
    assert answer.status == 400 and "handler" in answer.body["error"]
    service.assert_nothing_ran()


@pytest.mark.parametrize("name", ["../../x.py", "/etc/x.py", "a/../../x.py", "x\x00.py", ""])
def test_code_file_names_outside_the_package_are_refused(service, name):
    answer = service.invoke({**FUNCTION, "code": {"app.py": HANDLER, name: "x = 1"}})
    assert answer.status == 400 and "must be relative" in answer.body["error"]
    service.assert_nothing_ran()


@pytest.mark.parametrize("name", ["../../x.py", "/etc/cron.d/x", "python/../../x"])
def test_layer_file_names_outside_opt_are_refused(service, name):
    answer = service.invoke({**FUNCTION, "layers": [{name: "x = 1"}]})
    assert answer.status == 400 and "must be relative" in answer.body["error"]
    service.assert_nothing_ran()


def test_a_function_without_code_files_is_refused(service):
    answer = service.invoke({"name": "empty", "handler": "app.handler"})
    assert answer.status == 400 and "code as files" in answer.body["error"]
    service.assert_nothing_ran()


# -- limits on the service itself ---------------------------------------------------------------


def test_an_oversized_body_is_413_before_it_is_read(service):
    connection = http.client.HTTPConnection("127.0.0.1", service.port, timeout=30)
    try:
        connection.putrequest("POST", "/invoke")
        # Signed headers, a claimed length over the limit, and not one byte of body sent: the
        # service must answer from the headers alone.
        for name, value in auth.sign(SECRET, "POST", "/invoke", b"").items():
            connection.putheader(name, value)
        connection.putheader("Content-Length", str(MAX_BODY_BYTES + 1))
        connection.endheaders()
        response = connection.getresponse()
        body = json.loads(response.read())
    finally:
        connection.close()
    assert response.status == 413 and body["error_type"] == "RequestEntityTooLarge"
    service.assert_nothing_ran()


def test_an_unsigned_oversized_body_is_401_before_it_is_read(service):
    connection = http.client.HTTPConnection("127.0.0.1", service.port, timeout=30)
    try:
        connection.putrequest("POST", "/invoke")
        connection.putheader("Content-Length", str(MAX_BODY_BYTES * 4))
        connection.endheaders()
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    assert response.status == 401
    service.assert_nothing_ran()


def test_too_many_files_are_refused(service):
    code = {"app.py": HANDLER} | {f"pkg/m{n}.py": "" for n in range(MAX_FILES)}
    answer = service.invoke({**FUNCTION, "code": code})
    assert answer.status == 400 and f"more than {MAX_FILES}" in answer.body["error"]
    service.assert_nothing_ran()


def test_a_body_nested_deeper_than_the_limit_is_refused(service):
    event: object = "bottom"
    for _ in range(MAX_JSON_DEPTH + 1):
        event = [event]
    body = json.dumps({"function": FUNCTION, "event": event}).encode()
    answer = service.send("POST", "/invoke", body)
    assert answer.status == 400 and "nests deeper" in answer.body["error"]
    service.assert_nothing_ran()


def test_a_body_nested_past_the_parsers_own_limit_is_refused(service):
    body = b'{"function": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    answer = service.send("POST", "/invoke", body)
    assert answer.status == 400
    service.assert_nothing_ran()


def test_an_event_nested_within_the_limit_runs(service):
    event: object = "bottom"
    for _ in range(MAX_JSON_DEPTH - 5):
        event = [event]
    body = json.dumps({"function": FUNCTION, "event": event}).encode()
    assert service.send("POST", "/invoke", body).status == 200


def test_one_account_cannot_hold_more_than_its_share_of_environments(service):
    """Two provisioned environments fill the account's share (2 here): a third function of the
    same account is throttled, another account still runs."""
    provisioned = {**FUNCTION, "name": "held", "account": "greedy"}
    body = json.dumps({"function": provisioned, "count": 2}).encode()
    assert service.send("POST", "/provision", body).body["provisioned"] == 2
    third = service.invoke({**FUNCTION, "name": "third", "account": "greedy"})
    assert third.status == 200 and third.body["status"] == "throttled"
    assert third.body["payload"]["errorType"] == "TooManyRequestsException"
    other = service.invoke({**FUNCTION, "name": "third", "account": "someone-else"})
    assert other.body["status"] == "success"


def test_an_accounts_own_idle_environment_makes_room_for_its_next_function(service):
    for name in ("one", "two", "three"):
        answer = service.invoke({**FUNCTION, "name": name, "account": "editor"})
        assert answer.body["status"] == "success", name
    assert len(service.pool.environments()) == 2


# -- starting the service ------------------------------------------------------------------------


def run_without_secret(*command: str) -> subprocess.CompletedProcess:
    """Run ``command`` (a Python module or script and its arguments) in the project, with no
    SANDBOX_SECRET in its environment."""
    env = {key: value for key, value in os.environ.items() if key != "SANDBOX_SECRET"}
    return subprocess.run(
        [sys.executable, *command],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_engine_service_does_not_start_without_a_secret():
    finished = run_without_secret("-m", "studyapp.engine", "serve", "--port", "0")
    assert finished.returncode == 2
    assert "SANDBOX_SECRET must be at least 32 characters" in finished.stderr


def test_the_service_does_not_bind_a_network_address_without_an_explicit_secret():
    finished = run_without_secret(
        "manage.py", "lambda", "serve", "--host", "0.0.0.0", "--port", "0"
    )
    assert finished.returncode == 2
    assert "set SANDBOX_SECRET to the secret the web hosts use" in finished.stderr
