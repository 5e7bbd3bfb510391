"""``manage.py import_questions``: GIFT and Aiken files into the bank, all or nothing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from studyapp.accounts.roles import instructor_grant
from studyapp.quizzes.models import Question
from studyapp.topics.models import Course
from tests.quizzes.authoring.conftest import DATA, import_questions

pytestmark = pytest.mark.django_db


def current(key: str):
    return Question.objects.get(key=key).current_version


def options_of(key: str) -> list[tuple[str, float, bool, str]]:
    return [
        (o.text_md, o.fraction, o.is_correct, o.explanation_md)
        for o in current(key).options.order_by("position")
    ]


def test_gift_import_reports_counts_as_json(course):
    code, report, _ = import_questions(DATA / "bank.gift", "gift", "--bank", "amazon-s3")

    assert code == 0
    assert (report["imported"], report["skipped"], report["errors"]) == (8, 2, [])


def test_gift_import_reports_each_skipped_type_with_its_line(course):
    _, report, stderr = import_questions(DATA / "bank.gift", "gift")

    assert report["skipped_items"] == [
        {"line": 36, "reason": "essay questions are not supported, skipped"},
        {"line": 40, "reason": "matching questions are not supported, skipped"},
    ]
    assert f"{DATA / 'bank.gift'}:36: skipped: essay" in stderr


def test_gift_short_answer_and_numerical_questions_are_kept_with_their_answers(course):
    import_questions(DATA / "bank.gift", "gift")

    short, number = current("short-answer"), current("numerical")
    assert (short.kind, short.case_sensitive) == ("shortanswer", False)
    assert [(o.text_md, o.fraction) for o in short.options.order_by("position")] == [
        ("Lambda", 1.0),
        ("AWS Lambda", 1.0),
    ]
    assert number.kind == "numerical"
    assert [(o.text_md, o.fraction, o.tolerance) for o in number.options.all()] == [
        ("900", 1.0, 0.0)
    ]


def test_gift_title_id_tags_feedback_and_general_feedback_are_kept(course):
    import_questions(DATA / "bank.gift", "gift")

    version = current("lambda-max-timeout")
    assert version.title == "Lambda timeout"
    assert version.stem_md == "What is the longest a Lambda invocation can run?"
    assert version.tags == ["limits", "lambda"]
    assert version.general_explanation_md == "Long jobs belong in Step Functions or ECS."
    assert options_of("lambda-max-timeout") == [
        ("15 minutes", 1.0, True, "Right: the hard limit is 900 seconds."),
        ("5 minutes", 0.0, False, "That was the limit before 2018."),
        ("1 hour", 0.0, False, "No: Lambda stops at 15 minutes."),
    ]


def test_gift_multiple_response_keeps_positive_and_negative_weights(course):
    import_questions(DATA / "bank.gift", "gift")

    assert current("pick-two").kind == "multiple"
    assert [(text, fraction, correct) for text, fraction, correct, _ in options_of("pick-two")] == [
        ("AWS Lambda", 0.5, True),
        ("AWS Fargate", 0.5, True),
        ("Amazon EC2", -1.0, False),
        ("Amazon Lightsail", 0.0, False),
    ]


def test_gift_escapes_and_a_literal_backslash_are_read(course):
    import_questions(DATA / "bank.gift", "gift")

    version = current("escapes")
    assert version.stem_md == ("Characters : # = ~ { } are escaped, and a path is C:\\temp\\logs")
    assert options_of("escapes")[0] == ("a = b ~ c", 1.0, True, "feedback with a # hash")
    assert options_of("escapes")[1][0] == "two\nlines"


def test_gift_category_applies_to_the_questions_after_it(course):
    import_questions(DATA / "bank.gift", "gift")

    assert current("pick-two").category == ""
    assert current("escapes").category == "Lambda/Networking"
    assert current("html").category == "Lambda/Networking"


def test_gift_true_false_is_a_true_false_question_with_its_feedback(course):
    import_questions(DATA / "bank.gift", "gift")

    assert current("true-or-false").kind == "truefalse"
    assert options_of("true-or-false") == [
        ("True", 0.0, False, "No: 15 minutes is the limit."),
        ("False", 1.0, True, "Right, it is false."),
    ]


def test_gift_text_formats_are_kept(course):
    import_questions(DATA / "bank.gift", "gift")

    assert current("formats").text_format == "markdown"
    assert current("html").text_format == "html"
    assert current("html").stem_md == "<p>Pick <b>one</b></p>"


def test_imported_questions_are_drafts_unless_published(course):
    import_questions(DATA / "bank.gift", "gift")
    assert set(Question.objects.values_list("status", flat=True)) == {"draft"}

    import_questions(DATA / "bank.gift", "gift", "--publish")
    assert set(Question.objects.values_list("status", flat=True)) == {"published"}


def test_importing_the_same_file_twice_changes_nothing(course):
    import_questions(DATA / "bank.gift", "gift")
    _, report, _ = import_questions(DATA / "bank.gift", "gift")

    assert (report["created"], report["updated"], report["unchanged"]) == (0, 0, 8)
    assert Question.objects.get(key="pick-two").versions.count() == 1


def test_an_edited_question_gets_a_new_version_on_reimport(course, tmp_path: Path):
    import_questions(DATA / "bank.gift", "gift")
    edited = tmp_path / "edited.gift"
    text = (DATA / "bank.gift").read_text().replace("~1 hour#", "~2 hours#")
    edited.write_text(text)

    _, report, _ = import_questions(edited, "gift")

    assert report["updated"] == 1
    assert current("lambda-max-timeout").number == 2
    assert options_of("lambda-max-timeout")[2][0] == "2 hours"


def test_a_gift_syntax_error_imports_nothing_and_lists_every_error_with_its_line(course):
    code, report, stderr = import_questions(DATA / "broken.gift", "gift")

    assert code == 1
    assert report["imported"] == 0
    assert report["errors"] == [
        {"line": 3, "message": "'{' is not closed: the answers block needs a '}'"},
        {"line": 7, "message": "bad weight in answer 1: %150% is outside -100%..100%"},
        {"line": 9, "message": "not enough answers: a choice question needs at least 2"},
    ]
    assert not Question.objects.exists()
    assert f"{DATA / 'broken.gift'}:3: '{{' is not closed" in stderr


def test_aiken_errors_read_as_moodle_reports_them_with_their_lines(course):
    code, report, _ = import_questions(DATA / "broken.aiken.txt", "aiken")

    assert code == 1
    assert report["errors"] == [
        {"line": 1, "message": "Question not started"},
        {"line": 4, "message": "Question must have at least 2 answers"},
        {"line": 8, "message": "Question not completed before next question start"},
    ]
    assert not Question.objects.exists()


def test_aiken_questions_get_a_key_from_their_text(course, tmp_path: Path):
    path = tmp_path / "one.txt"
    path.write_text("Which service runs functions?\nA) Lambda\nB) EC2\nANSWER: A\n")

    code, report, _ = import_questions(path, "aiken")

    assert (code, report["imported"]) == (0, 1)
    key = Question.objects.get().key
    assert key.startswith("which-service-runs-functions-")


def test_a_markdown_file_naming_an_unknown_topic_imports_nothing(course, tmp_path: Path):
    path = tmp_path / "q.md"
    path.write_text(
        "## q\ntopics: no-such-topic\ndomain: D1\n\nStem?\n\n### Options\n\n"
        "- [x] a\n  Why: yes\n- [ ] b\n  Why: no\n"
    )

    code, report, _ = import_questions(path, "markdown", "--bank", "amazon-s3")

    assert code == 1
    assert report["errors"] == [
        {"line": 1, "message": "unknown topic 'no-such-topic' in bank 'amazon-s3'"}
    ]


def test_an_unknown_bank_is_refused_with_the_banks_there_are(course):
    code, report, _ = import_questions(DATA / "bank.gift", "gift", "--bank", "nope")

    assert code == 1
    assert report["errors"] == [
        {"line": 0, "message": "no question bank 'nope' (banks are courses: amazon-s3)"}
    ]


def test_a_new_bank_is_created_for_the_importing_instructor(course, instructor):
    code, report, stderr = import_questions(
        DATA / "bank.gift", "gift", "--bank", "graces-bank", "--user", instructor.username
    )

    assert code == 0, stderr
    assert (report["bank"], report["bank_created"], report["created"]) == ("graces-bank", True, 8)
    bank = Course.objects.get(slug="graces-bank")
    assert bank.uploaded_by == instructor
    assert Question.objects.filter(course=bank, author=instructor).count() == 8
    assert not Question.objects.filter(course=course).exists()


def test_a_dry_run_into_a_new_bank_plans_everything_as_created_and_creates_nothing(
    course, instructor
):
    code, report, _ = import_questions(
        DATA / "bank.gift", "gift", "--bank", "graces-bank", "--user", "grace", "--dry-run"
    )

    assert code == 0
    assert {q["action"] for q in report["questions"]} == {"created"}
    assert not Course.objects.filter(slug="graces-bank").exists()


def test_a_file_with_errors_creates_no_bank(course, instructor):
    code, _, _ = import_questions(
        DATA / "broken.gift", "gift", "--bank", "graces-bank", "--user", "grace"
    )

    assert code == 1
    assert not Course.objects.filter(slug="graces-bank").exists()


def test_importing_into_another_instructors_bank_is_refused_and_changes_nothing(
    course, instructor, django_user_model
):
    import_questions(DATA / "bank.gift", "gift", "--bank", "graces-bank", "--user", "grace")
    other = django_user_model.objects.create_user(username="linus", password="x-42-y!")
    instructor_grant(user=other)
    before = list(Question.objects.values_list("id", "current_version_id"))

    code, report, _ = import_questions(
        DATA / "bank.gift", "gift", "--bank", "graces-bank", "--user", "linus"
    )

    assert code == 1
    assert report["errors"] == [
        {
            "line": 0,
            "message": "the bank 'graces-bank' belongs to another instructor: import into one "
            "of your banks, a shared course, or a new bank",
        }
    ]
    assert list(Question.objects.values_list("id", "current_version_id")) == before


def test_a_learner_cannot_own_a_bank(course, learner):
    code, report, _ = import_questions(
        DATA / "bank.gift", "gift", "--bank", "adas-bank", "--user", learner.username
    )

    assert code == 1
    assert report["errors"][0]["message"] == "ada is not an instructor: only instructors own banks"
    assert not Course.objects.filter(slug="adas-bank").exists()


def test_the_report_lists_each_question_by_line_action_key_and_reason(course, tmp_path):
    path = tmp_path / "two.gift"
    path.write_text("::Q1::One?{=a ~b}\n\n::Essay::Explain.{}\n", encoding="utf-8")
    import_questions(path, "gift", "--bank", "amazon-s3")
    out = io.StringIO()

    call_command(
        "import_questions", str(path), "--format", "gift", stdout=out, stderr=io.StringIO()
    )

    assert out.getvalue().splitlines() == [
        f"{path}:1: unchanged: q1 (same content)",
        "Imported 1 questions into amazon-s3 (0 new, 0 updated, 1 unchanged); skipped 1.",
    ]
