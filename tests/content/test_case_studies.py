"""Case studies beside the notes (content/case-studies/): read and checked by import_content,
linked to their questions by `case:`, shown above each question in practice and in exams."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import call_command

from studyapp.content.importing import ContentError, content_import
from studyapp.quizzes.attempts import attempt_create
from studyapp.quizzes.banks import questions_export
from studyapp.quizzes.case_studies import case_study_files_read
from studyapp.quizzes.formats.markdown import parse
from studyapp.quizzes.models import Attempt, CaseStudy, Question
from studyapp.quizzes.question_import import questions_import
from studyapp.topics.notes import notes_read

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "content"
T0 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
# The case studies the course ships: three scenario cases of the notes, three files beside them.
NOTES_CASES = {"data-processing-pipeline", "real-time-data-analytics", "serverless-web-application"}
FILE_CASES = {"retail-event-platform", "insurer-batch-migration", "media-content-platform"}


def shipped_questions():
    for path in sorted((CONTENT / "quizzes").glob("*.md")):
        yield from parse(path.read_text(encoding="utf-8"), source=path.name).questions


def test_six_case_studies_with_at_least_five_questions_each():
    reading = notes_read(CONTENT / "notes" / "aws-lambda.md")
    notes_cases = {topic.slug for topic in reading.course.topics if topic.case is not None}
    studies, problems = case_study_files_read(CONTENT / "case-studies", courses=["aws-lambda"])
    assert problems == []
    assert notes_cases == NOTES_CASES
    assert {study.slug for study in studies} == FILE_CASES
    per_case = Counter(question.case for question in shipped_questions() if question.case)
    assert set(per_case) == NOTES_CASES | FILE_CASES
    assert all(count >= 5 for count in per_case.values()), per_case


def test_case_study_files_are_not_part_of_the_notes():
    notes = (CONTENT / "notes" / "aws-lambda.md").read_text(encoding="utf-8")
    for study in FILE_CASES:
        text = (CONTENT / "case-studies" / f"{study}.md").read_text(encoding="utf-8")
        title = text.split("\n# ", 1)[1].split("\n", 1)[0]
        assert title not in notes


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("---\ncourse: aws-lambda\n---\n\nNo title here.\n", 5, "starts with its title"),
        ("---\ncourse: aws-lambda\n---\n\n# A title\n\n", 5, "has a title but no text"),
        ("# A title\n\nText.\n", 1, "names no course"),
        ("---\ncourse: azure-functions\n---\n# T\nText\n", 1, "unknown course 'azure-functions'"),
    ],
)
def test_a_bad_case_study_file_is_reported_at_its_line(tmp_path, text, line, message):
    (tmp_path / "a-case.md").write_text(text, encoding="utf-8")
    studies, problems = case_study_files_read(tmp_path, courses=["aws-lambda"])
    assert studies == []
    ((path, found_line, found_message),) = problems
    assert (path, found_line) == (str(tmp_path / "a-case.md"), line)
    assert message in found_message


@pytest.mark.django_db
def test_the_import_links_each_question_to_its_case_study(settings):
    summary = content_import(Path(settings.CONTENT_DIR))
    assert summary.counts["case_studies"] == 3
    study = CaseStudy.objects.get(slug="insurer-batch-migration")
    assert study.title == "An insurer moves its batch jobs off three servers"
    assert "180 nightly and monthly jobs" in study.body_md
    keys = set(
        Question.objects.filter(current_version__case_study=study).values_list("key", flat=True)
    )
    assert len(keys) == 6 and all(key.startswith("batch-migration-") for key in keys)
    again = content_import(Path(settings.CONTENT_DIR))
    assert again.changes == {"created": 0, "updated": 0, "archived": 0}


@pytest.mark.django_db
def test_a_bad_case_study_stops_the_import_and_changes_nothing(tmp_path):
    source = tmp_path / "content"
    shutil.copytree(CONTENT, source, ignore=shutil.ignore_patterns("__pycache__"))
    path = source / "case-studies" / "media-content-platform.md"
    path.write_text("---\ncourse: aws-lambda\n---\n\nThe title line is missing.\n")
    with pytest.raises(ContentError) as raised:
        content_import(source)
    found = [(p.path, p.line) for p in raised.value.problems]
    assert ("content/case-studies/media-content-platform.md", 5) in found
    # Its six questions name a case that is no longer there: each is reported too.
    assert (
        sum("unknown case 'media-content-platform'" in p.message for p in raised.value.problems)
        == 6
    )
    assert Question.objects.count() == 0 and CaseStudy.objects.count() == 0


@pytest.mark.django_db
def test_a_removed_case_study_file_is_archived(tmp_path):
    source = tmp_path / "content"
    shutil.copytree(CONTENT, source, ignore=shutil.ignore_patterns("__pycache__"))
    content_import(source)
    (source / "case-studies" / "media-content-platform.md").unlink()
    for path in (source / "quizzes").glob("*.md"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("case: media-content-platform\n", ""), encoding="utf-8")
    summary = content_import(source)
    assert summary.counts["case_studies"] == 2
    assert CaseStudy.objects.get(slug="media-content-platform").archived_at is not None


@pytest.fixture
def imported(db, settings):
    return content_import(Path(settings.CONTENT_DIR))


def attempt_of(user, key: str, mode: str) -> Attempt:
    question = Question.objects.get(key=key)
    other = Question.objects.exclude(pk=question.pk).order_by("key").first()
    return attempt_create(
        user=user,
        mode=mode,
        title="",
        questions=[question, other],
        config={},
        now=T0,
        deadline=None,
    )


@pytest.mark.parametrize("mode", [Attempt.Mode.PRACTICE, Attempt.Mode.EXAM])
def test_the_case_study_is_shown_above_an_open_question(learner_client, learner, imported, mode):
    attempt = attempt_of(learner, "event-platform-cross-account-table-read", mode)
    page = learner_client.get(f"{attempt.get_absolute_url()}?q=1").content.decode()
    assert "Case study: A retail group&#x27;s shared event platform" in page
    assert "<strong>70 AWS accounts</strong>" in page
    assert page.index("Case study:") < page.index("a loyalty team")


def test_a_question_without_a_case_study_shows_none(learner_client, learner, imported):
    attempt = attempt_of(learner, "provisioned-concurrency-spillover", Attempt.Mode.PRACTICE)
    page = learner_client.get(f"{attempt.get_absolute_url()}?q=1").content.decode()
    assert "Case study:" not in page


@pytest.mark.django_db
def test_a_markdown_export_of_the_bank_imports_back_unchanged(imported, tmp_path, capsys):
    out = tmp_path / "bank.md"
    call_command(
        "export_questions", "--format", "markdown", "--bank", "aws-lambda", "--out", str(out)
    )
    assert "case: retail-event-platform" in out.read_text(encoding="utf-8")
    capsys.readouterr()
    call_command(
        "import_questions", str(out), "--format", "markdown", "--bank", "aws-lambda", "--json"
    )
    report = json.loads(capsys.readouterr().out)
    assert (report["created"], report["updated"]) == (0, 0)


@pytest.mark.django_db
@pytest.mark.parametrize("format_name", ["gift", "moodle-xml", "aiken"])
def test_a_format_without_case_or_try_imported_over_the_bank_keeps_both(imported, format_name):
    studied = Question.objects.get(key="event-platform-cross-account-table-read")
    tried = Question.objects.get(key="destinations-instead-of-dlq")
    before = {q.key: q.current_version for q in (studied, tried)}
    assert before[studied.key].case_study.slug == "retail-event-platform"
    assert before[tried.key].try_it.startswith("async-retries-destinations retries=2")
    exported = questions_export(format_name=format_name, course=studied.course)
    losses = "\n".join(exported.losses)
    assert re.search(rf"\({studied.key}\): {format_name} holds no [^\n]*\bcase\b", losses)
    assert re.search(rf"\({tried.key}\): {format_name} holds no [^\n]*\btry\b", losses)
    report = questions_import(
        text=exported.text, format_name=format_name, bank="aws-lambda", now=T0
    )
    assert report.ok and report.saved
    actions = {planned.key: planned.action for planned in report.questions}
    assert actions[studied.key] == actions[tried.key] == "unchanged"
    for question in (studied, tried):
        question.refresh_from_db()
        assert question.current_version_id == before[question.key].pk
    assert studied.current_version.case_study.slug == "retail-event-platform"
    assert tried.current_version.try_it == before[tried.key].try_it
