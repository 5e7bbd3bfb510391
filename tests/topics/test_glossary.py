"""The glossary: every key term A-Z with its topic, for all courses or one."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.urls import resolve, reverse
from django.utils import timezone

from studyapp.topics import urls as topic_urls
from studyapp.topics.notes import RESERVED_COURSE_SLUGS, notes_parse
from studyapp.topics.selectors import glossary

pytestmark = pytest.mark.django_db


def test_the_glossary_lists_every_key_term_a_to_z(lambda_course):
    terms = [term.term for group in glossary() for term in group.terms]
    assert len(terms) == 43  # 41 of the topics' lists, 2 nested under Event-Driven Architecture
    assert terms == sorted(terms, key=str.casefold)
    assert terms[0] == "Authorization"


def test_terms_are_grouped_under_their_first_letter(lambda_course):
    for group in glossary():
        assert {term.term[0].upper() for term in group.terms} == {group.letter}


def test_a_term_defined_in_two_topics_appears_once_per_topic(lambda_course):
    roles = [term for group in glossary() for term in group.terms if term.term == "Execution Role"]
    assert sorted(term.topic.title for term in roles) == [
        "Execution Environment",
        "IAM Roles and Policies",
    ]


def test_the_glossary_page_links_each_term_to_its_topic(learner_client, lambda_course):
    html = learner_client.get(reverse("topics:glossary")).content.decode()
    link = '<a href="/topics/aws-lambda/concurrency-and-scaling/#term-provisioned-concurrency">'
    assert f"{link}Provisioned Concurrency</a>" in html
    assert "Ensures that a specific number of instances" in html


def test_the_glossary_page_has_letter_jump_links(learner_client, lambda_course):
    html = learner_client.get(reverse("topics:glossary")).content.decode()
    jump = re.search(r'<nav class="letter-jump".*?</nav>', html, re.DOTALL).group(0)
    letters = re.findall(r'<a href="#letter-(\w+)">', jump)
    assert letters == sorted(letters)
    assert all(f'id="letter-{letter}"' in html for letter in letters)


def test_a_course_glossary_holds_only_that_courses_terms(learner_client, lambda_course, tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "s3.md").write_text(
        "# Amazon S3\n\n## Basics\n\n**Buckets**\n\n* **Bucket**: A container for objects.\n"
    )
    call_command("import_content", "--source", str(tmp_path), stdout=io.StringIO())
    html = learner_client.get(
        reverse("topics:course_glossary", args=["amazon-s3"])
    ).content.decode()
    assert "A container for objects." in html
    assert "Provisioned Concurrency" not in html


def test_an_archived_topics_terms_leave_the_glossary(lambda_course, concurrency):

    concurrency.archived_at = timezone.now()
    concurrency.save()
    terms = [term.term for group in glossary() for term in group.terms]
    assert "Provisioned Concurrency" not in terms


def test_the_glossary_needs_a_login(client):
    assert client.get(reverse("topics:glossary")).status_code == 302


def test_every_fixed_page_name_is_a_reserved_course_slug():
    fixed = {
        str(pattern.pattern).split("/", 1)[0]
        for pattern in topic_urls.urlpatterns
        if str(pattern.pattern) and "<" not in str(pattern.pattern).split("/", 1)[0]
    }
    assert fixed == set(RESERVED_COURSE_SLUGS)
    for slug in RESERVED_COURSE_SLUGS:
        assert resolve(f"/topics/{slug}/").url_name != "course"


def test_a_course_titled_like_a_page_is_refused_by_the_importer():
    _, problems = notes_parse("# Search\n\n## Part\n\n**Topic**\n\nText.\n")
    assert [problem.message for problem in problems] == [
        "the title 'Search' gives the slug 'search', the name of a page; rename it"
    ]
