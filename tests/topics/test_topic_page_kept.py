"""A topic page's shared parts are kept per process under its course's content version: the page
is the same byte for byte, and every write of its content shows on the next request."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from studyapp.topics.models import Course, Topic
from studyapp.topics.pages import topic_pages_forget
from tests.pages import without_tokens
from tests.plugins.courses import NOTES, import_content

pytestmark = pytest.mark.django_db

DIALECTS = Path(__file__).parent / "dialects"


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def contents_list(html: str) -> str:
    return html.split('<nav class="toc"', 1)[1].split("</nav>", 1)[0]


def test_a_kept_page_is_the_page_rendered_afresh_byte_for_byte(learner_client, lambda_course):
    topics = list(lambda_course.topics.order_by("position"))
    for topic in topics[::3]:  # some read, in different sections
        learner_client.post(f"{topic.get_absolute_url()}read/", {"read": "1"})
    for topic in topics:
        topic_pages_forget()
        afresh = page(learner_client, topic.get_absolute_url())
        kept = page(learner_client, topic.get_absolute_url())
        assert without_tokens(kept) == without_tokens(afresh)


def test_each_learner_sees_their_own_read_marks_on_a_kept_page(
    learner_client, django_user_model, concurrency
):
    other = Client()
    another = django_user_model.objects.create_user(username="bartholomew", password="x-42-y")
    other.force_login(another)
    learner_client.post(f"{concurrency.get_absolute_url()}read/", {"read": "1"})
    mine = contents_list(page(learner_client, concurrency.get_absolute_url()))
    theirs = contents_list(page(other, concurrency.get_absolute_url()))
    assert mine.count('class="is-read"') == 1
    assert "is-read" not in theirs


def test_edited_notes_show_on_the_next_request_after_their_import(
    learner_client, content_dir, course
):
    topic = course.topics.get(slug="buckets-and-objects")
    assert "A container for objects." in page(learner_client, topic.get_absolute_url())
    version = Course.objects.get(pk=course.pk).content_version

    notes = NOTES.replace("A container for objects.", "A container for any number of objects.")
    (content_dir / "notes" / "s3.md").write_text(notes, encoding="utf-8")
    import_content(content_dir)

    assert Course.objects.get(pk=course.pk).content_version > version
    html = page(learner_client, topic.get_absolute_url())
    assert "A container for any number of objects." in html
    assert "A container for objects." not in html


def test_a_topic_gone_from_the_notes_leaves_its_neighbours_pages_and_its_own_is_not_found(
    learner_client, content_dir, course
):
    buckets = course.topics.get(slug="buckets-and-objects")
    classes = course.topics.get(slug="storage-classes")
    assert classes.get_absolute_url() in page(learner_client, buckets.get_absolute_url())

    without = NOTES.replace(
        "**Storage Classes**\n\n* **S3 Standard**: Frequently accessed data.\n\n", ""
    )
    assert without != NOTES
    (content_dir / "notes" / "s3.md").write_text(without, encoding="utf-8")
    import_content(content_dir)

    assert classes.get_absolute_url() not in page(learner_client, buckets.get_absolute_url())
    assert learner_client.get(classes.get_absolute_url()).status_code == 404


def test_an_unchanged_import_keeps_the_pages(learner_client, content_dir, course):
    version = Course.objects.get(pk=course.pk).content_version
    import_content(content_dir)
    assert Course.objects.get(pk=course.pk).content_version == version


def test_a_correction_added_in_the_browser_shows_on_the_next_request(
    lambda_course, instructor_client
):
    url = "/topics/aws-lambda/kinesis/"
    assert "Also Firehose." not in page(instructor_client, url)
    response = instructor_client.post(
        "/teach/notes/corrections/aws-lambda/kinesis/",
        {"quote": "real-time data streams", "dated": "2026-12-04", "note": "Also Firehose."},
    )
    assert response.status_code == 302
    assert "Also Firehose." in page(instructor_client, url)


def test_a_write_this_process_is_never_told_of_shows_once_its_version_moves_on(
    learner_client, concurrency
):
    """As another process's import would: the rows change and the course's version moves on,
    in the database only; this process learns of it from the version it reads per request."""
    assert "Concurrency and Scaling" in page(learner_client, concurrency.get_absolute_url())
    with_rows_only = Topic.objects.filter(pk=concurrency.pk)
    with_rows_only.update(title="Concurrency, Scaling and Quotas")
    Course.objects.filter(pk=concurrency.course_id).content_changed()

    html = page(learner_client, concurrency.get_absolute_url())
    assert '<h1 id="topic-title">Concurrency, Scaling and Quotas</h1>' in html
    neighbour = page(learner_client, "/topics/aws-lambda/memory-and-timeout/")
    assert "Concurrency, Scaling and Quotas" in neighbour  # its pager and contents list


def test_an_archived_topic_is_not_found_at_once(learner_client, concurrency):
    assert learner_client.get(concurrency.get_absolute_url()).status_code == 200
    Topic.objects.filter(pk=concurrency.pk).update(archived_at=timezone.now())
    assert learner_client.get(concurrency.get_absolute_url()).status_code == 404


def test_notes_uploaded_again_in_the_browser_show_on_the_next_request(instructor_client):
    original = (DIALECTS / "amazon-sqs.md").read_bytes()
    upload_and_confirm(instructor_client, original)
    topic = Topic.objects.get(course__slug="amazon-sqs", key_terms__slug="fifo-queue")
    assert "Exactly-once" in page(instructor_client, topic.get_absolute_url())

    upload_and_confirm(instructor_client, original.replace(b"Exactly-once", b"Exactly once"))
    html = page(instructor_client, topic.get_absolute_url())
    assert "Exactly once" in html
    assert "Exactly-once" not in html


def upload_and_confirm(client, content: bytes) -> None:
    notes = SimpleUploadedFile("amazon-sqs.md", content, content_type="text/markdown")
    assert client.post("/teach/notes/upload/", {"files": [notes]}).status_code == 200
    assert client.post("/teach/notes/upload/confirm/").status_code == 302
