"""Small courses written to a temporary content folder, for the tests of importing and of
everything built on a course: the folders, the S3 course with its question bank, and the
helpers that write question files and run ``manage.py import_content``.

``content_dir`` is the small S3 course most tests start from; a test that needs another
folder asks for it by its own name (``empty_content_dir``, ``lambda_content_dir``).
"""

from __future__ import annotations

import io
import json
import shutil
import textwrap
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from studyapp.quizzes.models import Question
from studyapp.topics.models import Course

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

BANK_DOMAINS = ["D1"] * 3 + ["D2"] * 3 + ["D3"] * 2 + ["D4"] * 2


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
    """Run ``manage.py import_content --json`` on ``source``: the report it prints."""
    out = io.StringIO()
    call_command("import_content", "--source", str(source), "--json", stdout=out)
    return json.loads(out.getvalue())


def bank_import(content_dir: Path, text: str) -> dict:
    """Write ``text`` as the course's question file (quizzes/bank.md) and import the folder."""
    (content_dir / "quizzes" / "bank.md").write_text(text, encoding="utf-8")
    return import_content(content_dir)


@pytest.fixture
def empty_content_dir(tmp_path: Path) -> Path:
    """A content folder with an empty notes/ folder and nothing else."""
    (tmp_path / "notes").mkdir()
    return tmp_path


@pytest.fixture
def content_dir(empty_content_dir: Path) -> Path:
    """A content folder with the small S3 course's notes (notes/s3.md: topics
    buckets-and-objects, storage-classes and the case static-website) and an empty quizzes/."""
    (empty_content_dir / "quizzes").mkdir()
    (empty_content_dir / "notes" / "s3.md").write_text(NOTES, encoding="utf-8")
    return empty_content_dir


@pytest.fixture
def lambda_content_dir(empty_content_dir: Path) -> Path:
    """A content folder with the shipped Lambda notes (notes/aws-lambda.md) and nothing else."""
    shutil.copy(settings.CONTENT_DIR / "notes" / "aws-lambda.md", empty_content_dir / "notes")
    return empty_content_dir


@pytest.fixture
def course(content_dir: Path) -> Course:
    """The amazon-s3 course (topics buckets-and-objects, storage-classes, static-website),
    imported from ``content_dir``."""
    import_content(content_dir)
    return Course.objects.get(slug="amazon-s3")


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
    bank_import(content_dir, questions_file(*questions))
    return {q.key: q for q in Question.objects.select_related("current_version")}
