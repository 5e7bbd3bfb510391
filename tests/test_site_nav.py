"""The header's main navigation: the link of the page's section marked, Teach for those who
teach, its URLs under the script prefix the site is served at. It is drawn once per process for
each thing it shows (core/templatetags/site_tags.py), so these tests ask in one process for
pages that differ in each of those things, one after the other."""

from __future__ import annotations

import re

import pytest
from django.test.utils import override_script_prefix
from django.urls import reverse

pytestmark = pytest.mark.django_db

NAV = re.compile(r'<nav class="site-nav" aria-label="Main">(.*?)</nav>', re.S)
LINK = re.compile(r'<a href="([^"]+)"\s*(aria-current="page")?>(\w+)</a>')


def nav_of(response) -> list[tuple[str, str, bool]]:
    """The navigation's links as (name, URL, marked), in order; fails if there is none."""
    (nav,) = NAV.findall(response.content.decode())
    return [(name, url, bool(mark)) for url, mark, name in LINK.findall(nav)]


def marked(response) -> list[str]:
    return [name for name, _, current in nav_of(response) if current]


@pytest.mark.parametrize(
    ("url_name", "link"),
    [
        ("home", "Home"),
        ("topics:index", "Topics"),
        ("cards:index", "Review"),
        ("quizzes:index", "Quizzes"),
        ("sandbox:index", "Sandbox"),
        ("progress:index", "Progress"),
    ],
)
def test_a_page_marks_the_link_of_its_section_and_no_other(learner_client, url_name, link):
    response = learner_client.get(reverse(url_name))
    assert response.status_code == 200
    assert marked(response) == [link]


def test_every_section_is_linked_and_teach_only_for_those_who_teach(client, instructor, learner):
    client.force_login(instructor)
    taught = nav_of(client.get(reverse("topics:index")))
    client.force_login(learner)
    learnt = nav_of(client.get(reverse("topics:index")))
    names = ["Home", "Topics", "Review", "Quizzes", "Sandbox", "Progress"]
    assert [name for name, _, _ in learnt] == names
    assert [name for name, _, _ in taught] == [*names, "Teach"]
    assert taught[-1] == ("Teach", reverse("teach"), False)
    assert learnt[0] == ("Home", reverse("home"), False)


def test_teach_is_marked_on_the_teach_page(instructor_client):
    assert marked(instructor_client.get(reverse("teach"))) == ["Teach"]


def test_a_page_that_does_not_exist_marks_nothing(learner_client):
    response = learner_client.get("/no-such-page/")
    assert response.status_code == 404
    assert marked(response) == []
    assert len(nav_of(response)) == 6


def test_the_links_start_with_the_prefix_the_site_is_served_at(learner_client):
    with override_script_prefix("/study/"):  # as the WSGI handler sets it from SCRIPT_NAME
        prefixed = nav_of(learner_client.get(reverse("topics:index")))
    plain = nav_of(learner_client.get(reverse("topics:index")))
    assert [url for _, url, _ in prefixed] == ["/study" + url for _, url, _ in plain]
    assert plain[1] == ("Topics", reverse("topics:index"), True)
