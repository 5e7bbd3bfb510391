"""The web app keeps answering while hostile code runs in the sandbox service."""

from __future__ import annotations

import time
import urllib.request

import pytest

from studyapp.sandbox import runs
from studyapp.sandbox.function_settings import FunctionSettings
from studyapp.sandbox.functions import function_copy
from studyapp.sandbox.models import Function

CPU_LOOP = "def handler(event, context):\n    while True:\n        pass\n"
MEMORY_BOMB = (
    "def handler(event, context):\n    hoard = []\n    while True:\n"
    "        hoard.append(bytearray(8 * 1024 * 1024))\n"
)


@pytest.mark.django_db(transaction=True)
def test_pages_answer_quickly_while_a_cpu_loop_and_a_memory_bomb_run(
    samples, learner, client, live_server, full_isolation
):
    sample = Function.objects.samples().get(name="cold-start-vs-warm")
    spinner = function_copy(function=sample, user=learner)
    bomb = function_copy(function=sample, user=learner)
    hostile = [
        runs.run_start(
            function=spinner,
            user=learner,
            run_settings=FunctionSettings(
                **{**FunctionSettings.of(spinner).__dict__, "code": CPU_LOOP, "timeout_s": 6}
            ),
            event={},
            count=2,
            wait_s=0,
        ),
        runs.run_start(
            function=bomb,
            user=learner,
            run_settings=FunctionSettings(
                **{**FunctionSettings.of(bomb).__dict__, "code": MEMORY_BOMB, "timeout_s": 6}
            ),
            event={},
            wait_s=0,
        ),
    ]
    client.force_login(learner)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    pages = ["/sandbox/", "/sandbox/samples/cold-start-vs-warm/", f"/sandbox/functions/{bomb.pk}/"]
    timings = []
    try:
        for _round in range(3):
            for page in pages:
                request = urllib.request.Request(live_server.url + page, headers={"Cookie": cookie})
                began = time.monotonic()
                with urllib.request.urlopen(request, timeout=10) as response:
                    assert response.status == 200
                    response.read()
                timings.append(time.monotonic() - began)
        assert not any(run.futures[0].done() for run in hostile[:1]), "the runs ended too soon"
    finally:
        assert all(run.wait(timeout_s=60) for run in hostile)
    assert max(timings) < 2.0, timings
    statuses = [
        invocation.status
        for run in hostile
        for invocation in runs.batch_invocations(user=learner, batch=run.batch)
    ]
    assert statuses == ["timeout", "timeout", "oom"]
