"""The numbers in the site's URLs: an id no row can have is a page that is not there (404).

Django's own ``int`` converter lets any run of digits through to the view, and SQLite cannot
bind a number above 2**63 - 1: the hand-written reads of the study paths then failed with a
server error (``/review/cards/99999999999999999999/reveal/`` did), where PostgreSQL simply
found no row.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve
from django.urls.converters import IntConverter

from studyapp.core.converters import INT64_MAX, Int64Converter

pytestmark = pytest.mark.django_db


def patterns(resolver: URLResolver, prefix: str = "") -> Iterator[tuple[str, URLPattern, dict]]:
    """Every URL pattern of the site: its route as written, and the converters of its whole
    route (those of the includes above it with its own)."""
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            for inner_route, pattern, converters in patterns(entry, route):
                yield inner_route, pattern, {**entry.pattern.converters, **converters}
        else:
            yield route, entry, dict(entry.pattern.converters)


def numbered_routes() -> list[tuple[str, dict]]:
    """The site's routes whose every part is a number, with the converters of each."""
    found = []
    for route, _pattern, converters in patterns(get_resolver()):
        if converters and all(isinstance(c, Int64Converter) for c in converters.values()):
            found.append((route, converters))
    return found


def test_every_number_in_the_urls_is_an_int64():
    plain = [
        route
        for route, _pattern, converters in patterns(get_resolver())
        if any(isinstance(converter, IntConverter) for converter in converters.values())
    ]
    assert plain == []
    assert len(numbered_routes()) > 30  # cards, quizzes, cohorts, functions...


def test_the_largest_int64_is_an_id_and_one_more_is_no_url():
    assert resolve(f"/review/cards/{INT64_MAX}/reveal/").kwargs == {"card_id": INT64_MAX}
    for too_large in (INT64_MAX + 1, 10**19 * 9 + 9, 10**20, 10**40):
        with pytest.raises(Resolver404):
            resolve(f"/review/cards/{too_large}/reveal/")
        with pytest.raises(Resolver404):
            resolve(f"/sandbox/functions/{too_large}/")


@pytest.mark.parametrize("too_large", [INT64_MAX + 1, 10**20])
def test_an_id_past_what_a_row_can_have_is_a_404_page(learner_client, too_large):
    for path in (f"/review/cards/{too_large}/reveal/", f"/sandbox/functions/{too_large}/"):
        response = learner_client.get(path)
        assert response.status_code == 404, path
        assert "<h1>Nothing here</h1>" in response.content.decode()


def test_every_numbered_page_answers_the_largest_id_without_a_server_error(learner, instructor):
    """Each route made only of numbers, with every number the largest a row can have (no row
    has it): read as a learner and as an instructor, the site says the page is not there or not
    theirs, never fails."""
    clients = {}
    for who, user in (("learner", learner), ("instructor", instructor)):
        clients[who] = Client()
        clients[who].force_login(user)
    answers = {}
    for route, converters in numbered_routes():
        path = "/" + route
        for name in converters:
            path = path.replace(f"<int64:{name}>", str(INT64_MAX))
        assert resolve(path).route == route
        for who, client in clients.items():
            answers[(path, who)] = client.get(path).status_code
    failed = {key: status for key, status in answers.items() if status >= 500}
    assert failed == {}
    assert set(answers.values()) <= {302, 400, 403, 404, 405}
