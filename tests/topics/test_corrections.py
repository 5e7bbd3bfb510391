"""Corrections: dated notes beside the author's text, on its topic page and on the card back."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from studyapp.cards.models import Note
from studyapp.topics.models import Correction
from tests.plugins.courses import import_content

pytestmark = pytest.mark.django_db

# The SHA-256 of the author's notes as given: corrections live beside them, never in them.
AUTHORS_NOTES_SHA256 = "2d5f3ccca4def3fb1c23aad98f41295925b7ec8140d182354c4145d5a6f51909"

SHIPPED = {
    "go-and-dotnet-runtime-names": ("lambda-functions", "runtime"),
    "vpc-attachment": ("vpc-integration", "vpc-to-vpc-connections"),
    "reserved-concurrency-is-also-a-guarantee": ("concurrency-and-scaling", "reserved-concurrency"),
    # "CloudWatch Events" is on the line of AWS Services, the term nested under Event-Driven
    # Architecture: the correction goes to the card of the line it quotes.
    "cloudwatch-events-is-eventbridge": ("event-sources", "aws-services"),
    "lambda-authorizers": ("api-gateway", "authorization"),
    "no-s3-modification-event": ("s3-integration", "triggers"),
    "snapstart": ("performance-optimization", "cold-start-management"),
}


@pytest.fixture
def content_copy(lambda_content_dir: Path) -> Path:
    """The shipped Lambda notes with an empty corrections/ folder beside them."""
    (lambda_content_dir / "corrections").mkdir()
    return lambda_content_dir


def write_corrections(source: Path, text: str) -> None:
    (source / "corrections" / "aws-lambda.md").write_text(text, encoding="utf-8")


def test_the_shipped_corrections_attach_to_the_key_terms_they_correct(lambda_course):
    found = {
        c.slug: (c.topic.slug, c.key_term.slug)
        for c in Correction.objects.active().select_related("topic", "key_term")
    }
    assert found == SHIPPED


def test_the_shipped_notes_stay_exactly_as_their_author_wrote_them():
    shipped = (settings.CONTENT_DIR / "notes" / "aws-lambda.md").read_bytes()
    assert hashlib.sha256(shipped).hexdigest() == AUTHORS_NOTES_SHA256


def test_a_quote_attaches_to_its_notes_line(lambda_course):
    correction = Correction.objects.get(slug="no-s3-modification-event")
    lines = (settings.CONTENT_DIR / "notes" / "aws-lambda.md").read_text().splitlines()
    assert "object creation, deletion, or modification" in lines[correction.notes_line - 1]


def test_the_topic_page_shows_the_correction_beside_the_text(lambda_course, client, learner):
    client.force_login(learner)
    page = client.get("/topics/aws-lambda/vpc-integration/")
    assert page.status_code == 200
    html = page.text
    assert 'id="correction-vpc-attachment"' in html
    assert "Hyperplane ENIs" in html
    assert "4 Dec 2026" in html
    assert 'href="https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html"' in html
    assert "VPC to VPC Connections" in html  # the author's text is still there


def test_the_card_of_a_corrected_term_shows_the_correction_on_its_back(lambda_course):
    note = Note.objects.get(key="aws-lambda/api-gateway/authorization")
    assert note.back_md.startswith("API Gateway can handle authorization via IAM roles")
    assert "> **Correction (4 Dec 2026):** API Gateway now calls custom authorizers Lambda" in (
        note.back_md
    )
    assert "([source](https://docs.aws.amazon.com/apigateway/" in note.back_md


def test_a_correction_that_quotes_no_line_is_refused_with_its_line(content_copy):
    write_corrections(
        content_copy,
        "---\ncourse: aws-lambda\n---\n\n## gone\nquote: no such text\ndate: 2026-12-04\n\nX.\n",
    )
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_content", "--source", str(content_copy), stderr=err)
    assert err.getvalue().splitlines() == [
        f"{content_copy.name}/corrections/aws-lambda.md:6: "
        "the quote 'no such text' is on no line of a topic in the notes"
    ]


def test_a_correction_without_a_date_or_with_a_bad_link_is_refused(content_copy):
    write_corrections(
        content_copy,
        "---\ncourse: aws-lambda\n---\n\n## a\nterm: kinesis/real-time-processing\n\nX.\n\n"
        "## b\nterm: kinesis/real-time-processing\ndate: 2026-12-04\n"
        "source: javascript:alert(1)\n\nY.\n",
    )
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_content", "--source", str(content_copy), stderr=err)
    assert err.getvalue().splitlines() == [
        f"{content_copy.name}/corrections/aws-lambda.md:5: the correction needs date: YYYY-MM-DD",
        f"{content_copy.name}/corrections/aws-lambda.md:13: "
        "source 'javascript:alert(1)' is not an http(s) link",
    ]


def test_a_removed_correction_is_archived_and_leaves_the_card_back(content_copy):
    write_corrections(
        content_copy,
        "---\ncourse: aws-lambda\n---\n\n## kinesis-note\nterm: kinesis/real-time-processing\n"
        "date: 2026-12-04\n\nKinesis Data Streams now has an on-demand mode.\n",
    )
    import_content(content_copy)
    note = Note.objects.get(key="aws-lambda/kinesis/real-time-processing")
    assert "on-demand mode" in note.back_md

    write_corrections(content_copy, "---\ncourse: aws-lambda\n---\n")
    counts = import_content(content_copy)
    note.refresh_from_db()
    assert "on-demand mode" not in note.back_md
    assert Correction.objects.get(slug="kinesis-note").archived_at is not None
    assert counts["changes"]["created"] == 0


def test_an_instructor_adds_a_correction_in_the_browser_beside_the_term_and_on_its_card(
    lambda_course, instructor_client
):
    url = "/teach/notes/corrections/aws-lambda/memory-and-timeout/"
    term = lambda_course.topics.get(slug="memory-and-timeout").key_terms.get(slug="timeout")
    response = instructor_client.post(
        url,
        {
            "key_term": term.pk,
            "dated": "2026-12-04",
            "source_url": "https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html",
            "note": "API Gateway integrations still stop waiting after 29 seconds by default.",
        },
    )
    assert response.status_code == 302
    page = instructor_client.get("/topics/aws-lambda/memory-and-timeout/")
    assert "stop waiting after 29 seconds" in page.text
    note = Note.objects.get(key="aws-lambda/memory-and-timeout/timeout")
    assert note.back_md.endswith(
        "> **Correction (4 Dec 2026):** API Gateway integrations still stop waiting after 29 "
        "seconds by default. ([source](https://docs.aws.amazon.com/lambda/latest/dg/"
        "configuration-timeout.html))"
    )


def test_a_browser_correction_stays_through_a_content_import(lambda_course, instructor_client):
    instructor_client.post(
        "/teach/notes/corrections/aws-lambda/kinesis/",
        {"quote": "real-time data streams", "dated": "2026-12-04", "note": "Also Firehose."},
    )
    before = Note.objects.get(key="aws-lambda/kinesis/real-time-processing").back_md
    assert before.endswith("Also Firehose.")
    counts = import_content(settings.CONTENT_DIR)
    assert counts["changes"] == {"created": 0, "updated": 0, "archived": 0}
    assert Correction.objects.get(quote="real-time data streams").archived_at is None


def test_a_quote_not_in_the_topic_is_refused_and_nothing_is_saved(lambda_course, instructor_client):
    response = instructor_client.post(
        "/teach/notes/corrections/aws-lambda/kinesis/",
        {"quote": "not in the notes", "dated": "2026-12-04", "note": "X."},
    )
    assert response.status_code == 400
    assert "Quote a piece of this topic" in response.text
    assert not Correction.objects.filter(file="").exists()


def test_a_learner_cannot_add_corrections(lambda_course, learner_client):
    response = learner_client.post(
        "/teach/notes/corrections/aws-lambda/kinesis/",
        {"quote": "real-time data streams", "dated": "2026-12-04", "note": "X."},
    )
    assert response.status_code == 403
    assert not Correction.objects.filter(file="").exists()
