"""Export the bank, import the file again: the same questions, for all a format carries."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from studyapp.quizzes.banks import bank_data
from studyapp.quizzes.models import Question
from tests.quizzes.authoring.conftest import DATA, export_questions, import_questions

pytestmark = pytest.mark.django_db


def reimported(fmt: str, tmp_path: Path) -> tuple[dict, list]:
    """Export in ``fmt``, empty the bank, import the export; (report, questions after)."""
    text, _ = export_questions(fmt, "--bank", "amazon-s3")
    path = tmp_path / f"export.{fmt}"
    path.write_text(text, encoding="utf-8")
    Question.objects.all().delete()
    code, report, _ = import_questions(path, fmt, "--bank", "amazon-s3")
    assert code == 0, report
    return report, bank_data()


@pytest.mark.parametrize("fmt", ["gift", "moodle-xml"])
def test_gift_and_moodle_xml_carry_every_field_of_an_imported_gift_bank(course, tmp_path, fmt):
    import_questions(DATA / "bank.gift", "gift", "--bank", "amazon-s3")
    before = bank_data()

    report, after = reimported(fmt, tmp_path)

    assert report["imported"] == 8
    assert after == before


@pytest.mark.parametrize("fmt", ["gift", "moodle-xml", "markdown"])
def test_reimporting_an_export_over_the_bank_changes_nothing(bank, tmp_path, fmt):
    text, _ = export_questions(fmt, "--bank", "amazon-s3")
    path = tmp_path / "export"
    path.write_text(text, encoding="utf-8")

    _, report, _ = import_questions(path, fmt, "--bank", "amazon-s3")

    assert (report["unchanged"], report["updated"], report["created"]) == (10, 0, 0)


def test_markdown_carries_keys_metadata_options_and_explanations(bank, tmp_path):
    before = bank_data()

    report, after = reimported("markdown", tmp_path)

    assert report["imported"] == 10
    assert after == before
    assert {q.topics[0] for q in after} == {"buckets-and-objects", "storage-classes"}


def test_aiken_carries_stems_options_and_the_key_of_single_answer_questions(course, tmp_path):
    import_questions(DATA / "bank.gift", "gift", "--bank", "amazon-s3")

    def carried(question):
        return (
            " ".join(question.stem.split()),
            [(" ".join(o.text.split()), o.fraction) for o in question.options],
        )

    expected = sorted(carried(q) for q in bank_data() if q.kind == "single")

    report, after = reimported("aiken", tmp_path)

    assert report["imported"] == len(expected)
    assert sorted(carried(q) for q in after) == expected
    assert {q.text_format for q in after} == {"plain"}
    assert all(dataclasses.asdict(o)["feedback"] == "" for q in after for o in q.options)


@pytest.mark.parametrize("fmt", ["gift", "moodle-xml", "markdown", "aiken"])
def test_reimporting_an_export_of_imported_questions_changes_nothing(course, tmp_path, fmt):
    import_questions(DATA / "bank.gift", "gift", "--bank", "amazon-s3")
    text, _ = export_questions(fmt, "--bank", "amazon-s3")
    path = tmp_path / "export"
    path.write_text(text, encoding="utf-8")

    code, report, stderr = import_questions(path, fmt, "--bank", "amazon-s3")

    assert code == 0, stderr
    assert (report["created"], report["updated"]) == (0, 0)
    assert report["unchanged"] == report["imported"] > 0


@pytest.mark.parametrize("fmt", ["gift", "moodle-xml", "markdown", "aiken"])
def test_imported_questions_export_import_export_gives_the_same_file(course, tmp_path, fmt):
    import_questions(DATA / "bank.gift", "gift", "--bank", "amazon-s3")
    first, _ = export_questions(fmt, "--bank", "amazon-s3")
    path = tmp_path / "export"
    path.write_text(first, encoding="utf-8")
    Question.objects.all().delete()

    code, _, stderr = import_questions(path, fmt, "--bank", "amazon-s3")
    again, _ = export_questions(fmt, "--bank", "amazon-s3")

    assert code == 0, stderr
    assert again == first


def test_an_export_says_per_question_what_the_format_writes_it_without(bank):
    _, stderr = export_questions("gift", "--bank", "amazon-s3")
    lines = [line for line in stderr.splitlines() if line.startswith("written without:")]

    assert len(lines) == 10
    assert all(line.endswith("gift holds no topics, domain") for line in lines)


def test_markdown_writes_imported_questions_without_losing_anything(course):
    import_questions(DATA / "bank.gift", "gift", "--bank", "amazon-s3")

    _, stderr = export_questions("markdown", "--bank", "amazon-s3")

    assert "written without" not in stderr


def test_moodles_combined_feedback_survives_the_bank_and_other_formats_say_they_lack_it(
    course, tmp_path
):
    from tests.quizzes.formats.test_moodle_xml_format import COMBINED

    path = tmp_path / "combined.xml"
    path.write_text(COMBINED, encoding="utf-8")
    import_questions(path, "moodle-xml", "--bank", "amazon-s3")
    xml, _ = export_questions("moodle-xml", "--bank", "amazon-s3")
    gift_text, stderr = export_questions("gift", "--bank", "amazon-s3")
    gift_path = tmp_path / "again.gift"
    gift_path.write_text(gift_text, encoding="utf-8")

    _, report, _ = import_questions(gift_path, "gift", "--bank", "amazon-s3")

    assert "<p>Your answer is correct.</p>" in xml and "Partly." in xml and "No." in xml
    assert stderr == (
        "written without: question 1 (c): "
        "gift holds no correct/partially correct/incorrect feedback\n"
    )
    assert (report["unchanged"], report["updated"]) == (1, 0)
    assert bank_data()[0].incorrect_feedback == "No."
