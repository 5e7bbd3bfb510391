"""/teach/ has one URL module: every instructor page is reached through studyapp/teach_urls.py,
and every one of them refuses a learner."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from studyapp import teach_urls, urls


def routes(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route


def test_the_site_mounts_teach_once_through_its_own_module():
    mounted = [p for p in urls.urlpatterns if str(p.pattern).startswith("teach")]
    assert len(mounted) == 1
    assert mounted[0].urlconf_module is teach_urls


def test_every_instructor_page_is_listed_in_the_teach_module():
    site = {r for r in routes(get_resolver().url_patterns) if r.startswith("teach/")}
    gathered = {"teach/" + r for r in routes(teach_urls.urlpatterns)}
    assert site == gathered
    assert {"teach/", "teach/cohorts/", "teach/questions/"} <= site


@pytest.mark.django_db
def test_no_instructor_page_answers_a_learner(client, django_user_model):
    learner = django_user_model.objects.create_user("lea", password="pw-long-enough-1")
    client.force_login(learner)
    for route in sorted(routes(teach_urls.urlpatterns)):
        if "<" in route:
            continue  # pages of one object: their own tests check the owner
        path = "/teach/" + route
        response = client.get(path)
        if response.status_code == 405:  # a form's target: it refuses the learner's POST
            response = client.post(path)
        assert response.status_code in (302, 403), (path, response.status_code)
