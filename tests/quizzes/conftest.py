"""A small course and question bank written to a temporary content folder and imported."""

from __future__ import annotations

import io
import json
import textwrap
from pathlib import Path

import pytest
from django.core.management import call_command

from studyapp.quizzes.models import Question

NOTES = """# Amazon S3

#### Storage Basics

**Buckets and Objects**

* **Bucket**: A container for objects.

**Storage Classes**

* **S3 Standard**: Frequently accessed data.

#### Examples

**Static Website**

* **Scenario**: A company hosts a marketing site.
* **Solution**:
  * Store the site in a bucket.
"""


def question_md(
    key: str,
    *,
    domain: str = "D2",
    topics: str = "buckets-and-objects",
    correct: tuple[int, ...] = (0,),
    stem: str = "",
    case: str = "",
) -> str:
    options = "\n".join(
        f"- [{'x' if i in correct else ' '}] Option {key} {'ABCD'[i]}.\n"
        f"  Why: {'RIGHT' if i in correct else 'WRONG'}-EXPLANATION-{key}-{i}."
        for i in range(4)
    )
    choose = " (Choose TWO.)" if len(correct) > 1 else ""
    return (
        textwrap.dedent(f"""\
        ## {key}
        topics: {topics}
        domain: {domain}
        difficulty: medium
        {f"case: {case}" if case else ""}

        {stem or f"Stem of {key}: which option is right?{choose}"}

        ### Options

        """)
        + options
        + f"\n\n### Explanation\n\nGENERAL-EXPLANATION-{key}.\n"
    )


def questions_file(*questions: str) -> str:
    return "---\ncourse: amazon-s3\n---\n\n" + "\n".join(questions)


def import_content(source: Path) -> dict:
    out = io.StringIO()
    call_command("import_content", "--source", str(source), "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    (tmp_path / "notes").mkdir()
    (tmp_path / "quizzes").mkdir()
    (tmp_path / "notes" / "s3.md").write_text(NOTES, encoding="utf-8")
    return tmp_path


BANK_DOMAINS = ["D1"] * 3 + ["D2"] * 3 + ["D3"] * 2 + ["D4"] * 2


@pytest.fixture
def bank(content_dir: Path) -> dict[str, Question]:
    """Ten questions (one multiple-response), three or two per domain; returns them by key."""
    questions = [
        question_md(
            f"q{n}",
            domain=domain,
            topics="buckets-and-objects" if n % 2 else "storage-classes",
            correct=(0, 2) if n == 1 else (n % 4,),
        )
        for n, domain in enumerate(BANK_DOMAINS)
    ]
    (content_dir / "quizzes" / "bank.md").write_text(questions_file(*questions), encoding="utf-8")
    import_content(content_dir)
    return {q.key: q for q in Question.objects.select_related("current_version")}
