"""The web app keeps answering while hostile code runs in the sandbox service."""

from __future__ import annotations

import time
import urllib.request

import pytest

from studyapp.sandbox import invoking
from studyapp.sandbox.function_settings import FunctionSettings
from studyapp.sandbox.functions import function_copy
from studyapp.sandbox.models import Function, Invocation
from tests.plugins.task_worker import batch_finished

CPU_LOOP = "def handler(event, context):\n    while True:\n        pass\n"
MEMORY_BOMB = (
    "def handler(event, context):\n    hoard = []\n    while True:\n"
    "        hoard.append(bytearray(8 * 1024 * 1024))\n"
)


@pytest.mark.django_db(transaction=True)
def test_pages_answer_quickly_while_a_cpu_loop_and_a_memory_bomb_run(
    samples, learner, client, live_server, full_isolation, task_worker
):
    sample = Function.objects.samples().get(name="cold-start-vs-warm")
    spinner = function_copy(function=sample, user=learner)
    bomb = function_copy(function=sample, user=learner)
    hostile = [
        invoking.run_start(
            function=spinner,
            user=learner,
            run_settings=FunctionSettings(
                **{**FunctionSettings.of(spinner).__dict__, "code": CPU_LOOP, "timeout_s": 6}
            ),
            event={},
            count=2,
        ),
        invoking.run_start(
            function=bomb,
            user=learner,
            run_settings=FunctionSettings(
                **{**FunctionSettings.of(bomb).__dict__, "code": MEMORY_BOMB, "timeout_s": 6}
            ),
            event={},
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
        spinning = Invocation.objects.filter(batch=hostile[0].batch)
        assert not any(invocation.finished for invocation in spinning), "the runs ended too soon"
    finally:
        finished = [batch_finished(user=learner, batch=run.batch) for run in hostile]
    assert max(timings) < 2.0, timings
    statuses = [invocation.status for invocations in finished for invocation in invocations]
    assert statuses == ["timeout", "timeout", "oom"]
