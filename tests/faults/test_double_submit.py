"""A double-submitted answer is recorded once, even when both requests arrive at the same time.

Sequential replays are specified next to each app (tests/cards/test_review.py and
tests/cards/test_views.py for reviews, tests/quizzes/test_attempts.py for a final practice
answer); here two identical POSTs race through gunicorn's threads and processes into the same
file SQLite database, as a double click or a resent request does.
"""

from __future__ import annotations

import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor

from tests.faults.server import Browser, Reply, sql

CARD = re.compile(r"/review/cards/(\d+)/reveal/\?version=(\d+)")
OPTION = re.compile(r'name="option" value="([A-Z])"')


def at_once(browser: Browser, path: str, data: dict, *, copies: int = 2) -> list[Reply]:
    """POST the same form ``copies`` times at the same moment (one connection each)."""
    barrier = threading.Barrier(copies)

    def send(_: int) -> Reply:
        twin = Browser(browser.port, cookies=dict(browser.cookies))
        barrier.wait(timeout=30)
        return twin.post(path, data, htmx=True)

    with ThreadPoolExecutor(copies) as pool:
        return list(pool.map(send, range(copies)))


def user_id(app, username: str) -> int:
    return sql(app.database, "SELECT id FROM accounts_user WHERE username = ?", username)[0][0]


def test_a_review_answer_posted_twice_at_once_is_recorded_once(app):
    browser = Browser(app.server.port)
    browser.log_in("bo")
    card, version = CARD.search(browser.get("/review/").text).groups()
    data = {"rating": "3", "version": version, "duration_ms": "1500"}
    replies = at_once(browser, f"/review/cards/{card}/answer/", data)
    assert [reply.status for reply in replies] == [200, 200], "neither learner sees an error"
    logs = sql(
        app.database,
        "SELECT card_id, rating FROM cards_reviewlog WHERE user_id = ?",
        user_id(app, "bo"),
    )
    assert logs == [(int(card), 3)]


def started(browser: Browser, path: str, data: dict) -> str:
    reply = browser.post(path, data)
    assert reply.status == 302 and "/quizzes/attempts/" in reply.location, reply.text[:300]
    return reply.location


def test_a_practice_answer_posted_twice_at_once_is_graded_and_scheduled_once(app):
    browser = Browser(app.server.port)
    browser.log_in("cy")
    attempt = started(browser, "/quizzes/practice/", {"source": "all", "count": "3"})
    option = OPTION.search(browser.get(attempt).text)[1]
    replies = at_once(browser, f"{attempt}1/answer/", {"option": option})
    assert sorted(reply.status for reply in replies) in ([200, 200], [200, 400])
    assert all("answered already" in r.text for r in replies if r.status == 400)
    attempt_id = int(re.search(r"/attempts/(\d+)/", attempt)[1])
    answered = sql(
        app.database,
        "SELECT position, chosen FROM quizzes_attemptquestion "
        "WHERE attempt_id = ? AND answered_at IS NOT NULL",
        attempt_id,
    )
    assert [(position, len(json.loads(chosen))) for position, chosen in answered] == [(1, 1)]
    reviews = sql(
        app.database, "SELECT COUNT(*) FROM quizzes_questionreview WHERE user_id = ?",
        user_id(app, "cy"),
    )  # fmt: skip
    assert reviews == [(1,)]


def test_an_exam_answer_posted_twice_at_once_is_saved_once_and_graded_once(app):
    browser = Browser(app.server.port)
    browser.log_in("di")
    attempt = started(browser, "/quizzes/exam/", {"shape": "custom", "count": "3"})
    option = OPTION.search(browser.get(attempt).text)[1]
    replies = at_once(browser, f"{attempt}1/answer/", {"option": option})
    assert [reply.status for reply in replies] == [200, 200]
    assert browser.post(f"{attempt}submit/").status == 302
    attempt_id = int(re.search(r"/attempts/(\d+)/", attempt)[1])
    items = sql(
        app.database,
        "SELECT position, chosen FROM quizzes_attemptquestion WHERE attempt_id = ? "
        "ORDER BY position",
        attempt_id,
    )
    assert [(position, len(json.loads(chosen))) for position, chosen in items] == [
        (1, 1),
        (2, 0),
        (3, 0),
    ]
    reviews = sql(
        app.database, "SELECT COUNT(*) FROM quizzes_questionreview WHERE user_id = ?",
        user_id(app, "di"),
    )  # fmt: skip
    assert reviews == [(1,)]
