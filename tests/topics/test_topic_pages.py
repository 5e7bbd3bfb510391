"""Topic pages: the course list, a course's outline, and a topic with its terms and neighbours."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from studyapp.topics.models import Course, Topic
from studyapp.topics.selectors import topic_related_counts

pytestmark = pytest.mark.django_db


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def breadcrumb_names(html: str) -> list[str]:
    nav = re.search(r'<nav class="breadcrumbs"[^>]*>(.*?)</nav>', html, re.DOTALL).group(1)
    return [
        re.sub(r"<[^>]+>", "", item).strip()
        for item in re.findall(r"<li>(.*?)</li>", nav, re.DOTALL)
    ]


def test_every_topic_page_needs_a_login(client, concurrency):
    response = client.get(concurrency.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_index_lists_the_course_with_its_topic_count(learner_client, lambda_course):
    html = page(learner_client, reverse("topics:index"))
    assert lambda_course.get_absolute_url() in html
    assert "0 of 22 topics read" in html


def test_the_topic_page_shows_breadcrumbs_course_section_topic(learner_client, concurrency):
    html = page(learner_client, concurrency.get_absolute_url())
    assert breadcrumb_names(html) == [
        "Topics",
        "AWS Lambda",
        "Configuration and Management",
        "Concurrency and Scaling",
    ]


def test_the_topic_page_links_the_previous_and_next_topic_in_course_order(
    learner_client, concurrency
):
    html = page(learner_client, concurrency.get_absolute_url())
    previous = concurrency.course.topics.get(slug="memory-and-timeout")
    following = concurrency.course.topics.get(slug="error-handling-and-retries")
    assert f'rel="prev" href="{previous.get_absolute_url()}"' in html
    assert f'rel="next" href="{following.get_absolute_url()}"' in html


def test_the_previous_topic_crosses_into_the_section_before(learner_client, lambda_course):
    lambda_functions = lambda_course.topics.get(slug="lambda-functions")
    html = page(learner_client, lambda_functions.get_absolute_url())
    overview = lambda_course.topics.get(slug="overview")
    assert f'rel="prev" href="{overview.get_absolute_url()}"' in html


def test_the_first_topic_has_no_previous_and_the_last_no_next(learner_client, lambda_course):
    topics = list(lambda_course.topics.active().order_by("position"))
    first = page(learner_client, topics[0].get_absolute_url())
    last = page(learner_client, topics[-1].get_absolute_url())
    assert 'rel="prev"' not in first and 'rel="next"' in first
    assert 'rel="next"' not in last and 'rel="prev"' in last


def test_the_topic_page_has_the_course_table_of_contents_with_the_topic_current(
    learner_client, concurrency
):
    html = page(learner_client, concurrency.get_absolute_url())
    toc = re.search(r'<nav class="toc".*?</nav>', html, re.DOTALL).group(0)
    assert toc.count("<a href=") == 8 + 22  # every section and every topic
    assert f'<a href="{concurrency.get_absolute_url()}" aria-current="page">' in toc


def test_each_key_term_is_a_focusable_definition_described_by_its_tooltip(
    learner_client, concurrency
):
    html = page(learner_client, concurrency.get_absolute_url())
    term = re.search(
        r'<dfn id="term-provisioned-concurrency" class="term-name">'
        r'<button type="button" class="term-button" aria-describedby="(?P<tip>[\w-]+)">'
        r"Provisioned Concurrency</button></dfn>"
        r'<span class="term-tip" role="tooltip" id="(?P=tip)">(?P<text>[^<]*)</span>',
        html,
    )
    assert term is not None
    assert term.group("text").startswith("Ensures that a specific number of instances")


def test_every_key_term_of_the_topic_is_marked_up(learner_client, concurrency):
    html = page(learner_client, concurrency.get_absolute_url())
    assert html.count('class="term-button"') == 3


def test_the_key_terms_panel_lists_each_term_with_its_definition(learner_client, concurrency):
    html = page(learner_client, concurrency.get_absolute_url())
    panel = re.search(r'<section class="panel key-terms".*?</section>', html, re.DOTALL).group(0)
    assert re.findall(r"<dt[^>]*>(.*?)</dt>", panel) == [
        "Concurrency",
        "Provisioned Concurrency",
        "Reserved Concurrency",
    ]
    assert "Limits the maximum number of concurrent executions" in panel


def test_a_term_with_sub_bullets_keeps_them_in_its_definition(learner_client, lambda_course):
    topic = lambda_course.topics.get(slug="event-sources")
    html = page(learner_client, topic.get_absolute_url())
    panel = re.search(r'<section class="panel key-terms".*?</section>', html, re.DOTALL).group(0)
    assert "<li><strong>AWS Services</strong>: S3, DynamoDB" in panel


def test_a_case_topic_shows_its_scenario_and_solution(learner_client, lambda_course):
    topic = lambda_course.topics.get(slug="data-processing-pipeline")
    html = page(learner_client, topic.get_absolute_url())
    assert '<h2 id="scenario-heading">Scenario</h2>' in html
    assert "An application processes user-uploaded images stored in S3." in html
    assert "<h2>Solution</h2>" in html
    assert "S3 event triggers a Lambda function upon image upload." in html


def test_the_topic_links_to_a_review_of_its_cards(learner_client, concurrency):
    cards = topic_related_counts(concurrency).cards
    assert cards >= 3  # one per key term at least
    html = page(learner_client, concurrency.get_absolute_url())
    url = f"{reverse('cards:index')}?topic=aws-lambda/concurrency-and-scaling"
    assert f'href="{url}">Review this topic\'s cards ({cards})</a>' in html


def test_the_topic_links_to_its_questions_and_samples_when_other_apps_have_them(
    learner_client, concurrency
):
    related = topic_related_counts(concurrency)
    assert related.questions > 0 and related.functions > 0
    html = page(learner_client, concurrency.get_absolute_url())
    topic_query = "?topic=aws-lambda/concurrency-and-scaling"
    assert f'href="{reverse("quizzes:index")}{topic_query}">Practise its questions</a>' in html
    assert f'href="{reverse("sandbox:index")}{topic_query}">Try it in the sandbox</a>' in html


def test_a_topic_without_cards_questions_or_samples_offers_no_links_to_them(
    learner_client, tmp_path
):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "s3.md").write_text("# Amazon S3\n\n## Basics\n\n**Buckets**\n\nText.\n")
    call_command("import_content", "--source", str(tmp_path), stdout=io.StringIO())
    topic = Topic.objects.get(course__slug="amazon-s3", slug="buckets")
    html = page(learner_client, topic.get_absolute_url())
    assert "Review this topic" not in html
    assert "Practise its questions" not in html
    assert "Try it in the sandbox" not in html


def test_the_course_page_lists_sections_topics_cases_and_the_conclusion(
    learner_client, lambda_course
):
    html = page(learner_client, lambda_course.get_absolute_url())
    assert html.count('class="course-section"') == 8
    assert html.count('class="topic-item') == 22
    assert html.count("topic-item is-case") == 3
    assert "Real-time stock market data needs to be processed and analyzed." in html
    assert '<h2 id="heading-conclusion">Conclusion</h2>' in html
    assert "<p>AWS Lambda is a powerful service" in html


def test_the_course_page_has_a_table_of_contents_of_its_sections(learner_client, lambda_course):
    html = page(learner_client, lambda_course.get_absolute_url())
    toc = re.search(r'<nav class="toc".*?</nav>', html, re.DOTALL).group(0)
    assert '<a href="#section-key-concepts">Key Concepts</a>' in toc
    assert '<a href="#section-conclusion">Conclusion</a>' in toc


def test_an_unknown_course_or_topic_is_not_found(learner_client, lambda_course):
    assert learner_client.get("/topics/no-such-course/").status_code == 404
    assert learner_client.get("/topics/aws-lambda/no-such-topic/").status_code == 404


def test_an_archived_topic_is_not_found_and_leaves_the_course_page(learner_client, concurrency):
    concurrency.archived_at = timezone.now()
    concurrency.save()
    assert learner_client.get(concurrency.get_absolute_url()).status_code == 404
    html = page(learner_client, concurrency.course.get_absolute_url())
    assert "Concurrency and Scaling" not in html
    assert html.count('class="topic-item') == 21


def test_an_archived_course_is_not_found(learner_client, lambda_course):
    Course.objects.filter(id=lambda_course.id).update(archived_at=timezone.now())
    assert learner_client.get(lambda_course.get_absolute_url()).status_code == 404
    topic = lambda_course.topics.first()
    assert learner_client.get(topic.get_absolute_url()).status_code == 404


HOSTILE_NOTES = """# Hostile <script>alert("title")</script>

#### Section <img src=x onerror=alert(1)>

**Topic <script>alert("topic")</script>**

Text with <script>alert("body")</script> and <a href="javascript:alert(1)">a link</a>.

* **<script>alert("term")</script>Term**: a definition <script>alert("definition")</script>
  <img src=x onerror=alert(2)>
* **Plain**: fine
"""


def test_a_hostile_notes_file_never_puts_script_on_the_pages(learner_client, tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "hostile.md").write_text(HOSTILE_NOTES)
    call_command("import_content", "--source", str(tmp_path), stdout=io.StringIO())
    course = Course.objects.get(slug="hostile-scriptalerttitlescript")
    topic = Topic.objects.get(course=course)
    for url in (reverse("topics:index"), course.get_absolute_url(), topic.get_absolute_url()):
        html = page(learner_client, url)
        body = html.split('<main id="main"', 1)[1].split("</main>", 1)[0]
        assert "<script" not in body
        assert not re.search(r"<[^>]*\son\w+\s*=", body)
        assert "javascript:" not in body
    assert 'class="term-button"' in page(learner_client, topic.get_absolute_url())


def test_the_topic_page_takes_a_constant_number_of_queries(
    learner_client, lambda_course, django_assert_max_num_queries
):
    for slug in ("overview", "event-sources", "concurrency-and-scaling", "kinesis"):
        topic = lambda_course.topics.get(slug=slug)
        learner_client.get(topic.get_absolute_url())
        # the session, the user with the header's role, the topic with its course's content
        # version, the visit, the read marks, the counts of cards, questions and samples
        with django_assert_max_num_queries(6):
            learner_client.get(topic.get_absolute_url())


def test_the_course_page_takes_a_constant_number_of_queries(
    learner_client, lambda_course, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        learner_client.get(lambda_course.get_absolute_url())
