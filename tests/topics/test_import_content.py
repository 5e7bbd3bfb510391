"""import_content turns notes files into courses: structure, idempotence, edits, and bad input."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from studyapp.cards.models import Card, Note
from studyapp.markdown import render_markdown
from studyapp.topics.models import Course, KeyTerm, ScenarioCase, Section, Topic
from tests.plugins.courses import import_content

pytestmark = pytest.mark.django_db

S3_NOTES = """# Amazon S3

#### Storage Basics

**Buckets and Objects**

* **Bucket**: A container for objects, named uniquely across all AWS accounts.
* **Object**: A file and its metadata, addressed by a key.
  * **Key**: The object's name within the bucket.

**Storage Classes**

* **S3 Standard**: Frequently accessed data, stored across at least three Availability Zones.
* **S3 Glacier Flexible Retrieval**: Archives retrieved in minutes to hours.

#### Examples

**Static Website**

* **Scenario**: A company hosts a marketing site.
* **Solution**:
  * Store the site in a bucket.
  * Serve it through CloudFront.

#### Summary

S3 stores any amount of data durably.
"""


def import_fails(source: Path) -> list[str]:
    err = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_content", "--source", str(source), stderr=err)
    assert raised.value.returncode == 1
    return err.getvalue().splitlines()


def write_notes(empty_content_dir: Path, name: str, text: str | bytes) -> Path:
    path = empty_content_dir / "notes" / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_the_lambda_notes_give_22_topics_43_key_terms_and_42_term_cards():
    counts = import_content(settings.CONTENT_DIR)
    assert counts["courses"] >= 1
    assert counts["topics"] >= 22
    assert counts["cards"] >= 42
    lambda_course = Course.objects.get(slug="aws-lambda")
    assert lambda_course.topics.count() == 22
    # 41 terms of the topics' own lists and 2 nested under Event-Driven Architecture
    # (AWS Services, Custom Applications), each a card of its own.
    assert KeyTerm.objects.filter(topic__course=lambda_course).count() == 43
    # Execution Role is defined in two topics and gives one card with both definitions: 43 - 1.
    assert Note.objects.filter(topic__course=lambda_course, source="notes").count() == 42


def test_a_second_import_reports_the_same_and_changes_nothing():
    first = import_content(settings.CONTENT_DIR)
    second = import_content(settings.CONTENT_DIR)
    assert {k: v for k, v in second.items() if k != "changes"} == {
        k: v for k, v in first.items() if k != "changes"
    }
    assert second["changes"] == {"created": 0, "updated": 0, "archived": 0}


def test_the_example_scenarios_become_cases_not_cards():
    import_content(settings.CONTENT_DIR)
    cases = ScenarioCase.objects.filter(topic__course__slug="aws-lambda")
    assert sorted(case.topic.slug for case in cases) == [
        "data-processing-pipeline",
        "real-time-data-analytics",
        "serverless-web-application",
    ]
    pipeline = cases.get(topic__slug="data-processing-pipeline")
    assert pipeline.scenario_md == "An application processes user-uploaded images stored in S3."
    assert "S3 event triggers a Lambda function" in pipeline.solution_md
    assert not Note.objects.filter(topic__slug="data-processing-pipeline").exists()


def test_a_prose_only_section_is_kept_as_prose():
    import_content(settings.CONTENT_DIR)
    conclusion = Section.objects.get(course__slug="aws-lambda", slug="conclusion")
    assert conclusion.prose_md.startswith("AWS Lambda is a powerful service")
    assert not conclusion.topics.exists()


def test_nested_bullets_stay_nested_under_their_key_term_and_nested_terms_are_terms_too():
    import_content(settings.CONTENT_DIR)
    term = KeyTerm.objects.get(topic__slug="event-sources", slug="event-driven-architecture")
    html = render_markdown(term.definition_md)
    assert "<ul>" in html
    assert "<strong>AWS Services</strong>" in html
    assert "<strong>Custom Applications</strong>" in html
    nested = KeyTerm.objects.filter(topic__slug="event-sources", parent_term=term.term)
    assert [(t.slug, t.definition_md) for t in nested.order_by("position")] == [
        ("aws-services", "S3, DynamoDB, Kinesis, SNS, SQS, CloudWatch Events, API Gateway, etc."),
        (
            "custom-applications",
            "HTTP requests, notifications from a mobile app, or direct invocation via AWS SDKs.",
        ),
    ]


def test_a_term_card_asks_the_term_and_answers_with_the_definition():
    import_content(settings.CONTENT_DIR)
    note = Note.objects.get(key="aws-lambda/concurrency-and-scaling/provisioned-concurrency")
    assert note.front_md == "What is **Provisioned Concurrency**?"
    assert note.back_md.startswith("Ensures that a specific number of instances")


def test_notes_on_another_service_in_the_same_style_import_the_same_way(empty_content_dir):
    write_notes(empty_content_dir, "s3.md", S3_NOTES)
    counts = import_content(empty_content_dir)
    assert counts["courses"] == 1
    course = Course.objects.get(slug="amazon-s3")
    assert [s.slug for s in course.sections.all()] == ["storage-basics", "examples", "summary"]
    assert [t.slug for t in course.topics.all()] == [
        "buckets-and-objects",
        "storage-classes",
        "static-website",
    ]
    # Bucket, Object, Key (nested under Object: a card of its own), S3 Standard, S3 Glacier
    assert counts["cards"] == 5
    assert ScenarioCase.objects.get(topic__slug="static-website").solution_md.count("* ") == 2
    assert course.sections.get(slug="summary").prose_md == "S3 stores any amount of data durably."


def test_editing_a_definition_updates_the_card_in_place(empty_content_dir):
    path = write_notes(empty_content_dir, "s3.md", S3_NOTES)
    import_content(empty_content_dir)
    card = Card.objects.get(note__key="amazon-s3/buckets-and-objects/bucket")

    path.write_text(S3_NOTES.replace("named uniquely", "named globally uniquely"))
    counts = import_content(empty_content_dir)

    assert counts["changes"]["created"] == 0
    card.refresh_from_db()
    assert Card.objects.get(note__key="amazon-s3/buckets-and-objects/bucket").id == card.id
    assert "named globally uniquely" in card.note.back_md


def test_a_topic_removed_from_the_notes_is_archived_and_comes_back_when_restored(empty_content_dir):
    path = write_notes(empty_content_dir, "s3.md", S3_NOTES)
    import_content(empty_content_dir)
    topic = Topic.objects.get(slug="storage-classes")
    without = S3_NOTES.replace(
        S3_NOTES[S3_NOTES.index("**Storage Classes**") : S3_NOTES.index("#### Examples")], ""
    )

    path.write_text(without)
    counts = import_content(empty_content_dir)
    topic.refresh_from_db()
    assert topic.archived_at is not None
    assert counts["topics"] == 2
    assert counts["cards"] == 3  # Bucket, Object and Key, nested under Object
    assert Note.objects.filter(topic=topic, archived_at__isnull=False).count() == 2

    path.write_text(S3_NOTES)
    import_content(empty_content_dir)
    topic.refresh_from_db()
    assert topic.archived_at is None
    assert Topic.objects.filter(slug="storage-classes").count() == 1


def test_invalid_utf8_is_reported_with_its_line_and_nothing_is_imported(empty_content_dir):
    write_notes(empty_content_dir, "s3.md", S3_NOTES.encode().replace(b"Archives", b"Arch\xffives"))
    lines = import_fails(empty_content_dir)
    assert lines == [
        f"{empty_content_dir.name}/notes/s3.md:14: invalid UTF-8 (byte 0xff); "
        "save the file as UTF-8"
    ]
    assert not Course.objects.exists()


def test_a_file_without_a_title_is_imported_under_its_file_name_with_a_warning(empty_content_dir):
    write_notes(empty_content_dir, "s3.md", S3_NOTES.replace("# Amazon S3\n", ""))
    counts = import_content(empty_content_dir)
    assert Course.objects.get().title == "S3"
    assert counts["warnings"] == [
        {
            "path": f"{empty_content_dir.name}/notes/s3.md",
            "line": 1,
            "message": "no '# Title' heading: the course is titled 'S3' after the file name",
        }
    ]


def test_a_file_with_no_structure_is_refused(empty_content_dir):
    write_notes(empty_content_dir, "letter.md", "Dear team,\n\nsee you on Monday.\n")
    (message,) = import_fails(empty_content_dir)
    assert message.startswith(f"{empty_content_dir.name}/notes/letter.md:1: no structure:")
    assert not Course.objects.exists()


def test_a_key_term_without_a_definition_gives_no_card_and_a_warning(empty_content_dir):
    write_notes(
        empty_content_dir,
        "s3.md",
        S3_NOTES.replace(": Archives retrieved in minutes to hours.", ":"),
    )
    counts = import_content(empty_content_dir)
    assert counts["cards"] == 4  # Bucket, Object, Key (nested under Object), S3 Standard
    assert [(w["line"], w["message"]) for w in counts["warnings"]] == [
        (14, "key term 'S3 Glacier Flexible Retrieval' has no definition, so it gives no card")
    ]


def test_the_shipped_notes_import_with_no_warning():
    counts = import_content(settings.CONTENT_DIR)
    # The question checker's findings are warnings too, about the question files.
    assert [w for w in counts["warnings"] if "/notes/" in f"/{w['path']}"] == []


def test_warnings_go_to_stderr_with_path_and_line(empty_content_dir):
    write_notes(empty_content_dir, "s3.md", S3_NOTES.replace("* **Object**:", "* **Object**"))
    err = io.StringIO()
    call_command(
        "import_content", "--source", str(empty_content_dir), stdout=io.StringIO(), stderr=err
    )
    assert err.getvalue().startswith(f"{empty_content_dir.name}/notes/s3.md:8: warning: the bullet")


def test_strict_turns_warnings_into_errors_and_imports_nothing(empty_content_dir):
    write_notes(empty_content_dir, "s3.md", S3_NOTES.replace("* **Object**:", "* **Object**"))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_content", "--source", str(empty_content_dir), "--strict", stderr=err)
    assert err.getvalue().startswith(f"{empty_content_dir.name}/notes/s3.md:8: the bullet starts")
    assert not Course.objects.exists()


def test_the_json_report_says_what_each_notes_file_became(empty_content_dir):
    write_notes(empty_content_dir, "s3.md", S3_NOTES)
    (report,) = import_content(empty_content_dir)["notes"]
    assert report["path"] == f"{empty_content_dir.name}/notes/s3.md"
    assert report["course"] == "Amazon S3"
    assert [section["title"] for section in report["sections"]] == [
        "Storage Basics",
        "Examples",
        "Summary",
    ]
    assert report["sections"][0]["topics"][0] == {
        "title": "Buckets and Objects",
        "line": 5,
        "case": False,
        "cards": ["Bucket", "Object", "Key"],  # Key is nested under Object
    }
    assert report["topic_count"] == 3
    assert report["card_count"] == 5


def test_two_topics_with_the_same_slug_in_one_course_are_refused(empty_content_dir):
    write_notes(
        empty_content_dir, "s3.md", S3_NOTES.replace("**Static Website**", "**Storage classes**")
    )
    assert import_fails(empty_content_dir) == [
        f"{empty_content_dir.name}/notes/s3.md:18: two topics have the slug 'storage-classes' "
        "in course 'Amazon S3' (the other is at line 11); rename one"
    ]


def test_a_file_over_2_mb_is_refused(empty_content_dir):
    write_notes(empty_content_dir, "s3.md", S3_NOTES + "x" * (2 * 1024 * 1024))
    (message,) = import_fails(empty_content_dir)
    assert message.startswith(f"{empty_content_dir.name}/notes/s3.md:1: file is 2.0 MB")


def test_a_bad_file_leaves_the_existing_course_untouched(lambda_content_dir):
    import_content(settings.CONTENT_DIR)
    before = Topic.objects.count(), Note.objects.count()
    write_notes(lambda_content_dir, "broken.md", "no title here\n")  # and no structure
    import_fails(lambda_content_dir)
    assert (Topic.objects.count(), Note.objects.count()) == before
    assert Topic.objects.filter(archived_at__isnull=False).count() == 0


def test_every_term_of_every_dialect_file_becomes_a_card(empty_content_dir):
    dialects = Path(__file__).parent / "dialects"
    for path in dialects.glob("*.md"):
        shutil.copy(path, empty_content_dir / "notes" / path.name)
    counts = import_content(empty_content_dir)
    assert counts["courses"] == 5
    assert counts["cards"] == 7 + 6 + 4 + 2 + 7  # SQS, DynamoDB, ECS, Kinesis, S3
    assert sum(report["card_count"] for report in counts["notes"]) == counts["cards"]
    assert [(Path(w["path"]).name, w["line"]) for w in counts["warnings"]] == [
        ("amazon-sqs.md", 9),
        ("kinesis.md", 1),
        ("s3_study_notes.md", 1),
        ("s3_study_notes.md", 20),
        ("s3_study_notes.md", 23),
    ]
