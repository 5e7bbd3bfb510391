"""An exam running while the web server restarts: its answers and its deadline are kept.

gunicorn (started as the Procfile's web line, on a file SQLite database) is stopped with SIGTERM
in the middle of a timed exam and a new server process is started; the learner's session, saved
answers and the server-kept deadline all live in the database, so the exam goes on.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from tests.faults.server import OPTION, REMAINING, Browser, exam_state, stored


def answer(browser: Browser, attempt_url: str, position: int) -> str:
    """Open question ``position``, choose its first option (htmx save); the option's letter."""
    page = browser.get(f"{attempt_url}?q={position}")
    assert page.status == 200, page.text[:300]
    option = OPTION.search(page.text)[1]
    saved = browser.post(f"{attempt_url}{position}/answer/", {"option": option}, htmx=True)
    assert saved.status == 200, saved.text[:300]
    return option


def test_an_exam_keeps_its_answers_and_deadline_across_a_server_restart(app):
    browser = Browser(app.server.port)
    browser.log_in("ada")
    started = browser.post("/quizzes/exam/", {"shape": "custom", "count": "5"})
    assert started.status == 302 and "/quizzes/attempts/" in started.location
    attempt_url = started.location
    attempt_id = int(re.search(r"/attempts/(\d+)/", attempt_url)[1])
    chosen = {position: answer(browser, attempt_url, position) for position in (1, 2, 3)}
    before = exam_state(app.database, attempt_id)
    assert [len(json.loads(item[1])) for item in before["items"]] == [1, 1, 1, 0, 0]

    assert app.server.stop() == 0  # SIGTERM: a graceful stop
    app.server.start()  # a new process on the same port

    asked_at = datetime.now(UTC)
    page = browser.get(f"{attempt_url}?q=2")
    answered_at = datetime.now(UTC)
    assert page.status == 200, "the learner's session and exam survive the restart"
    assert exam_state(app.database, attempt_id) == before
    checked = [option for option, mark in OPTION.findall(page.text) if mark]
    assert checked == [chosen[2]]
    deadline = stored(before["deadline"])
    remaining = int(REMAINING.search(page.text)[1])
    assert (deadline - answered_at).total_seconds() - 1 <= remaining
    assert remaining <= (deadline - asked_at).total_seconds()

    chosen[4] = answer(browser, attempt_url, 4)
    result = browser.post(f"{attempt_url}submit/")
    assert result.status == 302 and result.location.endswith(f"/attempts/{attempt_id}/result/")
    after = exam_state(app.database, attempt_id)
    assert after["deadline"] == before["deadline"] and after["submitted"] is not None
    answers = {position: json.loads(ids) for position, ids, _ in after["items"]}
    kept = {position: json.loads(ids) for position, ids, _ in before["items"][:3]}
    assert {position: answers[position] for position in (1, 2, 3)} == kept
    assert len(answers[4]) == 1 and answers[5] == []
