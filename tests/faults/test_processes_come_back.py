"""Processes that come back: under `make run`, the web server, the task worker and the sandbox
service are each killed with SIGKILL (as a crash or the kernel's OOM killer would) while learners
use the site. supervisord starts the dead one again while the others keep serving, and nothing
is lost: answers being recorded, an exam's deadline, an asynchronous event being run.

One `python -m studyapp.processes` (what `make run` ends with) serves the whole module, on a
file SQLite database and ports of its own; the last test stops it with Ctrl-C.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
import uuid
from datetime import UTC, datetime

import boto3
from botocore.config import Config

from tests.faults.server import (
    BATCH,
    OPTION,
    REMAINING,
    Browser,
    Reply,
    exam_state,
    run_form,
    sql,
    stored,
)
from tests.faults.supervised import (
    SLOW_FUNCTION,
    Stack,
    access_key,
    patiently,
    wait_for,
)

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

UNAVAILABLE = "The sandbox is unavailable; try again in a moment."
LEARNERS = ["ada", "bo", "cy", "di"]
QUESTIONS = 10  # per practice quiz; the practiser starts another when one is done
ONE_TRY = Config(retries={"total_max_attempts": 1, "mode": "standard"}, read_timeout=60)
# The `make run` stack of this module (the `stack` fixture of tests/faults/conftest.py).
STACK_LEARNERS = LEARNERS
STACK_SETUP = SLOW_FUNCTION


def logged_in(stack: Stack, username: str) -> Browser:
    browser = Browser(stack.web_port)
    browser.log_in(username)
    return browser


def function_id(stack: Stack, name: str) -> int:
    [(pk,)] = sql(
        stack.folder / "db.sqlite3",
        "SELECT id FROM sandbox_function WHERE name = ? AND owner_id IS NULL",
        name,
    )
    return pk


def run_posted(browser: Browser, stack: Stack, sample: str, form: dict[str, str]) -> Reply:
    """Run a sample from its function page (htmx, as the Run button does): the result panel,
    finished, or with the URL it polls while the run goes on."""
    reply = browser.post(f"/sandbox/functions/{function_id(stack, sample)}/run/", form, htmx=True)
    assert reply.status == 200, reply.text[:500]
    return reply


def run_finished(browser: Browser, reply: Reply) -> Reply:
    """The result panel once the run is over (polled as the page does)."""
    polling = BATCH.search(reply.text)
    if polling is None:
        return reply
    return wait_for(
        lambda: (
            "every 1s" not in (again := browser.get(polling.group(0), htmx=True)).text and again
        ),
        "the run to finish",
    )


def lambda_client(stack: Stack, username: str):
    key = access_key(stack.env, username)
    return boto3.client(
        "lambda",
        endpoint_url=f"http://127.0.0.1:{stack.web_port}",
        region_name="us-east-1",
        aws_access_key_id=key["access_key_id"],
        aws_secret_access_key=key["secret_access_key"],
        config=ONE_TRY,
    )


def event_sent(stack: Stack, *, seconds: int) -> int:
    """An asynchronous event for ada's slow function, sent through the Lambda API; its id."""
    request_id = f"fault-{uuid.uuid4().hex}"
    reply = lambda_client(stack, "ada").invoke(
        FunctionName="slow-job",
        InvocationType="Event",
        Payload=f'{{"seconds": {seconds}, "tag": "{request_id}"}}'.encode(),
    )
    assert reply["StatusCode"] == 202
    [(event_id,)] = sql(
        stack.folder / "db.sqlite3",
        "SELECT id FROM sandbox_asyncevent WHERE payload LIKE ?",
        f"%{request_id}%",
    )
    return event_id


def timeline(stack: Stack, event_id: int) -> list[tuple]:
    return sql(
        stack.folder / "db.sqlite3",
        "SELECT number, outcome FROM sandbox_asyncattempt WHERE event_id = ? ORDER BY number",
        event_id,
    )


def event_status(stack: Stack, event_id: int) -> str:
    [(status,)] = sql(
        stack.folder / "db.sqlite3", "SELECT status FROM sandbox_asyncevent WHERE id = ?", event_id
    )
    return status


class Reader:
    """A learner reading pages in a thread, from before a kill until told to stop: every
    status seen, so a test can say that the site kept answering."""

    PAGES = ("/home/", "/topics/", "/quizzes/")

    def __init__(self, stack: Stack, username: str) -> None:
        self.browser = logged_in(stack, username)
        self.statuses: list[int] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.read, daemon=True)

    def read(self) -> None:
        while not self.stop.is_set():
            for page in self.PAGES:
                try:
                    self.statuses.append(self.browser.get(page).status)
                except (OSError, http.client.HTTPException):
                    self.statuses.append(0)  # no answer at all

    def __enter__(self) -> Reader:
        self.thread.start()
        wait_for(lambda: len(self.statuses) >= 3, "the reader's first pages")
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop.set()
        self.thread.join(timeout=60)

    def pages_read(self) -> int:
        return len(self.statuses)


# -- the printed address ------------------------------------------------------------------------


def test_make_run_prints_the_address_it_really_serves(stack):
    printed = re.findall(r"Serving (http://[\d.]+:\d+)", stack.output.read_text())
    assert printed == [f"http://127.0.0.1:{stack.web_port}"]
    assert stack.web_port != 8000
    assert Browser(stack.web_port).get("/health/").status == 200
    runtime = sorted(path.name for path in (stack.folder / "run").iterdir())
    assert runtime == ["gunicorn.ctl", "supervisord.pid", "supervisord.sock", "web.pid"]
    logs = sorted(path.name for path in (stack.folder / "log").glob("*.log"))
    assert logs == ["sandbox.log", "supervisord.log", "web.log", "worker.log"]


# -- the sandbox service ------------------------------------------------------------------------


def test_a_killed_sandbox_service_comes_back_and_a_learner_reads_that_it_is_unavailable(stack):
    browser = logged_in(stack, "ada")
    slow = run_form(timeout_s="120", environment="ITEMS=600\nITEM_MS=100\nGUARD=off")
    started = run_posted(browser, stack, "timeout-guard", slow)  # a minute of work
    result_url = BATCH.search(started.text).group(0)
    wait_for(stack.busy_environments, "the run to be busy in the sandbox")

    with Reader(stack, "bo") as reader:
        killed = stack.sigkill("sandbox")
        page = wait_for(
            lambda: (
                (reply := browser.get(result_url, htmx=True)).status == 200
                and UNAVAILABLE in reply.text
                and reply
            ),
            "the run to end with the unavailable message",
        )
        assert "every 1s" not in page.text, "the page stops polling a run that ended"
        assert stack.sandbox_url not in page.text and "lambda serve" not in page.text
        stack.running_pid("sandbox", other_than=killed)
        wait_for(stack.sandbox_answers, "the new sandbox service to answer")
        seen = reader.pages_read()
        wait_for(lambda: reader.pages_read() > seen, "a page read after the sandbox came back")
    assert set(reader.statuses) == {200}, "the site kept answering while the sandbox was down"

    done = run_finished(browser, run_posted(browser, stack, "cold-start-vs-warm", run_form()))
    assert "status-success" in done.text and "REPORT RequestId" in done.text
    assert UNAVAILABLE not in done.text


def test_an_async_event_whose_sandbox_is_killed_mid_attempt_is_retried_until_it_succeeds(
    stack, full_isolation
):
    event_id = event_sent(stack, seconds=6)
    wait_for(stack.busy_environments, "the event's attempt to be busy in the sandbox")
    killed = stack.sigkill("sandbox")
    stack.running_pid("sandbox", other_than=killed)

    wait_for(lambda: event_status(stack, event_id) == "succeeded", "the event to succeed")
    outcomes = [outcome for _, outcome in timeline(stack, event_id)]
    assert outcomes[0] == "unavailable" and outcomes[-1] == "success"
    assert set(outcomes[1:-1]) <= {"unavailable"}, "only the sandbox's absence was retried"


# -- the task worker ----------------------------------------------------------------------------


def test_a_killed_task_worker_comes_back_and_takes_over_the_event_it_was_running(
    stack, full_isolation
):
    event_id = event_sent(stack, seconds=6)
    wait_for(lambda: timeline(stack, event_id) == [(1, "running")], "the first attempt to run")
    wait_for(stack.busy_environments, "the attempt to be busy in the sandbox")

    with Reader(stack, "cy") as reader:
        killed = stack.sigkill("worker")
        stack.running_pid("worker", other_than=killed)
        wait_for(lambda: event_status(stack, event_id) == "succeeded", "the event to succeed")
    assert set(reader.statuses) == {200}, "the site kept answering while the worker was down"
    assert timeline(stack, event_id) == [(1, "interrupted"), (2, "success")]


# -- the web server -----------------------------------------------------------------------------


class Practiser:
    """A learner answering practice quizzes in a thread, one after another until told to stop,
    clicking again when the server does not answer; remembers every answer the server
    acknowledged, by attempt and question."""

    def __init__(self, stack: Stack, username: str) -> None:
        self.browser = logged_in(stack, username)
        self.acknowledged: dict[tuple[int, int], str] = {}
        self.errors: list[str] = []
        self.unanswered: list[str] = []  # clicks that got no answer at all
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.practise, daemon=True)

    def practise(self) -> None:
        while not self.stop.is_set():
            started = patiently(
                lambda: self.browser.post(
                    "/quizzes/practice/", {"source": "all", "count": QUESTIONS}
                ),
                failures=self.unanswered,
            )
            if started.status != 302:
                self.errors.append(f"practice start: {started.status} {started.text[:200]}")
                return
            for position in range(1, QUESTIONS + 1):
                if self.stop.is_set():
                    return
                self.answer(started.location, position)

    def answer(self, attempt_url: str, position: int) -> None:
        attempt_id = int(re.search(r"/attempts/(\d+)/", attempt_url)[1])
        page = patiently(
            lambda: self.browser.get(f"{attempt_url}?q={position}"), failures=self.unanswered
        )
        option = OPTION.search(page.text)[1]
        reply = patiently(
            lambda: self.browser.post(
                f"{attempt_url}{position}/answer/", {"option": option}, htmx=True
            ),
            failures=self.unanswered,
        )
        # A resent answer whose first copy was recorded is refused as answered already.
        if reply.status == 200 or "answered already" in reply.text:
            self.acknowledged[(attempt_id, position)] = f"[{option}]"
        else:
            self.errors.append(f"question {position}: {reply.status} {reply.text[:200]}")

    def recorded(self, database) -> dict[tuple[int, int], str]:
        """What the database holds, as the letters the options were shown under."""
        attempts = sorted({attempt for attempt, _ in self.acknowledged})
        rows = sql(
            database,
            "SELECT attempt_id, position, chosen, option_order, version_id "
            "FROM quizzes_attemptquestion "
            f"WHERE attempt_id IN ({', '.join('?' * len(attempts))}) "
            "AND answered_at IS NOT NULL",
            *attempts,
        )
        recorded = {}
        for attempt, position, chosen, option_order, version in rows:
            shown = json.loads(option_order or "[]") or [
                option
                for (option,) in sql(
                    database,
                    "SELECT id FROM quizzes_option WHERE version_id = ? ORDER BY position",
                    version,
                )
            ]
            letters = [LETTERS[shown.index(option)] for option in json.loads(chosen)]
            recorded[(attempt, position)] = f"[{', '.join(letters)}]"
        return recorded


def test_a_killed_web_server_comes_back_with_every_answer_and_the_exam_deadline_kept(stack):
    database = stack.folder / "db.sqlite3"
    examinee = logged_in(stack, "di")
    started = examinee.post("/quizzes/exam/", {"shape": "custom", "count": "4"})
    assert started.status == 302, started.text[:300]
    exam_url = started.location
    exam_id = int(re.search(r"/attempts/(\d+)/", exam_url)[1])
    for position in (1, 2):
        option = OPTION.search(examinee.get(f"{exam_url}?q={position}").text)[1]
        saved = examinee.post(f"{exam_url}{position}/answer/", {"option": option}, htmx=True)
        assert saved.status == 200, saved.text[:300]
    before = exam_state(database, exam_id)

    practiser = Practiser(stack, "bo")
    practiser.thread.start()
    wait_for(lambda: len(practiser.acknowledged) >= 2, "the practiser's first answers")
    killed = stack.sigkill("web")  # while the practiser is answering
    stack.running_pid("web", other_than=killed)
    assert patiently(lambda: Browser(stack.web_port).get("/health/")).status == 200
    answered_by_then = len(practiser.acknowledged)
    wait_for(
        lambda: len(practiser.acknowledged) >= answered_by_then + 3,
        "the practiser's answers to the new server",
    )
    practiser.stop.set()
    practiser.thread.join(timeout=120)
    assert not practiser.thread.is_alive(), "the practiser could not finish"

    assert practiser.errors == []
    assert practiser.recorded(database) == practiser.acknowledged, "no answer lost or invented"

    asked_at = datetime.now(UTC)
    page = patiently(lambda: examinee.get(f"{exam_url}?q=2"))
    answered_at = datetime.now(UTC)
    assert page.status == 200, "the examinee's session survives the restart"
    assert exam_state(database, exam_id) == before
    remaining = int(REMAINING.search(page.text)[1])
    deadline = stored(before["deadline"])
    assert (deadline - answered_at).total_seconds() - 1 <= remaining
    assert remaining <= (deadline - asked_at).total_seconds()
    result = examinee.post(f"{exam_url}submit/")
    assert result.status == 302 and result.location.endswith(f"/attempts/{exam_id}/result/")
    after = exam_state(database, exam_id)
    assert after["deadline"] == before["deadline"] and after["submitted"] is not None
    assert [item[1] for item in after["items"][:2]] == [item[1] for item in before["items"][:2]]


# -- Ctrl-C -------------------------------------------------------------------------------------


def test_ctrl_c_stops_every_process_and_the_sandbox_destroys_its_environments(stack):
    pids = {name: stack.running_pid(name) for name in ("web", "worker", "sandbox")}
    assert stack.interrupt() == 0
    for name, pid in pids.items():
        assert not pid_alive(pid), f"{name} (pid {pid}) outlived Ctrl-C"
    assert "every environment destroyed" in (stack.folder / "log" / "sandbox.log").read_text()
    assert not (stack.folder / "run" / "supervisord.sock").exists()


def pid_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False
