"""Accessibility: every page the demo learner and the demo instructor reach, checked by axe-core.

A crawler follows the links of each page from the home page (one page of each kind: every
topic page is built by the same template, so one stands for all), in light and in dark mode, and
axe-core (the engine of the browsers' own audits) checks WCAG 2.2 A and AA. Any serious or critical
violation fails the test with the page, the rule and the elements.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings as django_settings
from django.utils import timezone
from playwright.sync_api import Page

from studyapp.accounts.demo import DEMO_LOGINS, demo_users_ensure
from studyapp.content.importing import content_import
from studyapp.progress.demo_data import demo_seed
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOGINS = {login.role: login for login in DEMO_LOGINS}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
BLOCKING = {"serious", "critical"}
MAX_PAGES = 60
# Links that leave the page's HTML (downloads), end the session, or lead to Django's admin.
SKIPPED = re.compile(
    r"^/(accounts/logout|admin|static)/|\.(apkg|csv|json|txt|gift|xml|md)$|/export|/download"
)


@pytest.fixture
def demo_site(transactional_db):
    content_import(django_settings.CONTENT_DIR)
    demo_users_ensure()
    demo_seed(learners=3, reviews=300, now=timezone.now(), topics=2, cards_per_topic=10)


def page_kind(path: str) -> tuple[str, ...]:
    """Pages of one kind share their first two path segments and their depth."""
    parts = [part for part in path.split("/") if part]
    return (*parts[:2], str(len(parts)))


def crawl(page: Page, base: str, check) -> list[str]:
    """Paths of one page of each kind reachable from the home page by links; ``check(path)``
    runs on each page as it is reached."""
    queue, seen_kinds, visited = ["/"], set(), []
    while queue and len(visited) < MAX_PAGES:
        path = queue.pop(0)
        kind = page_kind(path)
        if kind in seen_kinds:
            continue
        seen_kinds.add(kind)
        response = page.goto(base + path)
        if response is None or response.status != 200:
            continue
        visited.append(path)
        check(path)
        hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
        for href in hrefs:
            parts = urlsplit(href)
            if parts.netloc != urlsplit(base).netloc or SKIPPED.search(parts.path):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if page_kind(parts.path) not in seen_kinds:
                queue.append(target)
    return visited


def violations(page: Page, axe: Axe) -> list[str]:
    results = axe.run(
        page,
        options={
            "runOnly": {"type": "tag", "values": WCAG_TAGS},
            "resultTypes": ["violations"],
        },
    )
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] in BLOCKING:
            targets = [" ".join(node["target"]) for node in violation["nodes"][:3]]
            found.append(f"{violation['id']} ({violation['impact']}): {targets}")
    return found


@pytest.mark.parametrize("role", ["learner", "instructor"])
def test_every_page_a_demo_user_reaches_has_no_serious_accessibility_violation(
    page: Page, live_server, demo_site, role
):
    login = LOGINS[role]
    log_in(page, live_server, username=login.username, password=login.password)
    axe = Axe()
    problems = []

    def check(path: str, scheme: str = "light") -> None:
        problems.extend(f"{scheme} {path}: {v}" for v in violations(page, axe))

    paths = crawl(page, live_server.url, check)  # light mode, as the crawl reaches each page
    assert len(paths) >= 10, paths
    page.emulate_media(color_scheme="dark")
    for path in paths:
        page.goto(live_server.url + path)
        check(path, "dark")
    assert problems == [], "\n".join(problems)
