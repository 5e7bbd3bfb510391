"""The shipped question files through the question-quality checker (``check_questions``).

The bank must pass with no finding of severity error (a mismatched "(Choose N)", a duplicate
option, no documentation reference, an unreadable file, the key the longest option in more than
30 % of the questions): this is what `manage.py check_questions --source content` checks, run in
the suite so that CI runs it on every change of content/.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from studyapp.quizzes.checking import Severity, source_check


def test_the_shipped_question_files_are_all_read_by_the_checker():
    report = source_check(settings.CONTENT_DIR)

    assert report.questions >= 225
    assert "unreadable" not in report.by_rule


def test_the_shipped_bank_has_no_finding_of_severity_error():
    report = source_check(settings.CONTENT_DIR)

    errors = [str(finding) for finding in report.findings if finding.severity == Severity.ERROR]
    assert errors == []


def test_check_questions_on_the_shipped_content_exits_0_as_ci_runs_it():
    """The command itself, as a process, as `make check-questions` and CI run it."""
    root = Path(settings.BASE_DIR)
    result = subprocess.run(
        [sys.executable, "manage.py", "check_questions", "--source", "content", "--json"],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["questions"] >= 225
    assert report["counts"].get("error", 0) == 0
    assert all(finding["severity"] != "error" for finding in report["findings"])
    assert set(report["figures"]) >= {
        "correct_longest_single",
        "correct_k_longest_multiple",
        "key_positions",
        "domains",
    }
