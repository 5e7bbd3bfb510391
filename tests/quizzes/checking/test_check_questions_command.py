"""``manage.py check_questions [--bank SLUG | --source DIR] [--json]``: exit 1 on an error."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from studyapp.quizzes.models import Attempt, AttemptQuestion, Question
from tests.plugins.courses import import_content, questions_file

DOCS = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/Welcome.html"


OPTIONS = ["Use S3 Standard.", "Use S3 Glacier.", "Use an EBS volume.", "Use EFS storage."]


def referenced(key: str, *, correct: int = 0, explanation: str = f"See {DOCS}.") -> str:
    """A sound question of the test course: distinct options of about the same length, each
    explained, and a documentation link in its explanation."""
    options = "\n".join(
        f"- [{'x' if i == correct else ' '}] {text}\n  Why: Because of how {key} works."
        for i, text in enumerate(OPTIONS)
    )
    return (
        f"## {key}\ntopics: storage-classes\ndomain: D2\n\n"
        f"A site stores photos for {key}.\n\nWhich storage class fits?\n\n"
        f"### Options\n\n{options}\n\n### Explanation\n\n{explanation}\n"
    )


def check(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("check_questions", *args, stdout=out, stderr=err)
    except CommandError as error:
        code = error.returncode
        err.write(str(error))
    return code, out.getvalue(), err.getvalue()


def write(content_dir: Path, *questions: str) -> Path:
    path = content_dir / "quizzes" / "bank.md"
    path.write_text(questions_file(*questions), encoding="utf-8")
    return path


def test_a_folder_of_sound_questions_passes_with_exit_status_0(content_dir):
    write(content_dir, referenced("q0"), referenced("q1", correct=1), referenced("q2"))

    code, out, _ = check("--source", str(content_dir), "--json")

    report = json.loads(out)
    assert code == 0
    assert report["source"] == str(content_dir)
    assert report["questions"] == 3
    assert report["counts"] == {"error": 0, "warning": 0, "info": 1}
    assert report["by_rule"] == {"bank-correct-longest": 1}


def test_a_question_without_a_reference_fails_with_its_path_and_line(content_dir):
    path = write(content_dir, referenced("q0"), referenced("q1", explanation="No link."))

    code, out, _ = check("--source", str(content_dir))

    assert code == 1
    line = next(line for line in out.splitlines() if "[no-reference]" in line)
    assert line.startswith(f"{path}:")
    assert ": error: no link to AWS's documentation" in line
    assert out.splitlines()[-1].startswith("Checked 2 questions: 1 errors, ")


def test_json_findings_carry_rule_severity_reason_hint_and_place(content_dir):
    path = write(content_dir, referenced("q0", explanation="No link."))

    _, out, _ = check("--source", str(content_dir), "--json")

    finding = next(f for f in json.loads(out)["findings"] if f["rule"] == "no-reference")
    assert finding == {
        "rule": "no-reference",
        "severity": "error",
        "reason": "no link to AWS's documentation (a docs.aws.amazon.com URL) backs the answer",
        "hint": "cite the documentation page the fact comes from in the explanation",
        "key": "q0",
        "path": str(path),
        "line": 5,
    }


def test_a_file_that_does_not_parse_is_an_error_finding(content_dir):
    (content_dir / "quizzes" / "broken.md").write_text(
        "---\ncourse: amazon-s3\n---\n\n## q9\n\nNo options here.\n", encoding="utf-8"
    )

    code, out, _ = check("--source", str(content_dir), "--json")

    assert code == 1
    rules = {f["rule"] for f in json.loads(out)["findings"]}
    assert "unreadable" in rules


def test_a_missing_folder_is_refused(tmp_path):
    code, _, err = check("--source", str(tmp_path / "nowhere"))

    assert code == 1
    assert err.endswith("nowhere: no such folder")


@pytest.mark.django_db
def test_a_bank_in_the_database_is_checked_with_its_answers(content_dir):
    write(content_dir, referenced("q0"), referenced("q1", correct=1))
    import_content(content_dir)

    code, out, _ = check("--bank", "amazon-s3", "--json")

    report = json.loads(out)
    assert code == 0
    assert report["bank"] == "amazon-s3"
    assert report["questions"] == 2
    assert report["figures"]["never_answered"] == 2


@pytest.mark.django_db
def test_a_question_everyone_answered_right_is_reported_once_ten_learners_answered(
    content_dir, django_user_model
):
    write(content_dir, referenced("q0"))
    import_content(content_dir)
    version = Question.objects.get(key="q0").current_version
    now = timezone.now()
    for n in range(settings.QUIZ_STATISTICS_MIN_LEARNERS):
        user = django_user_model.objects.create_user(f"learner{n}", password="x")
        attempt = Attempt.objects.create(user=user, mode="practice", started_at=now)
        AttemptQuestion.objects.create(attempt=attempt, position=1, version=version, correct=True)

    _, out, _ = check("--bank", "amazon-s3", "--json")

    finding = next(
        f for f in json.loads(out)["findings"] if f["rule"] == "answered-right-by-everyone"
    )
    assert finding["key"] == "q0"
    assert finding["reason"] == "all 10 learners who answered it got it right"


@pytest.mark.django_db
def test_without_bank_or_source_the_only_bank_is_checked(content_dir):
    write(content_dir, referenced("q0"))
    import_content(content_dir)

    code, out, _ = check("--json")

    assert code == 0
    assert json.loads(out)["bank"] == "amazon-s3"


@pytest.mark.django_db
def test_an_unknown_bank_is_refused_with_the_banks_there_are(content_dir):
    import_content(content_dir)

    code, _, err = check("--bank", "nope")

    assert code == 1
    assert err == "no question bank 'nope' (banks are courses: amazon-s3)"


def test_the_command_exits_1_as_a_process_when_an_error_exists(content_dir):
    write(content_dir, referenced("q0", explanation="No link."))
    root = Path(settings.BASE_DIR)

    result = subprocess.run(
        [sys.executable, "manage.py", "check_questions", "--source", str(content_dir)],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 1
    assert "[no-reference]" in result.stdout
    assert "1 finding(s) of severity error" in result.stderr
