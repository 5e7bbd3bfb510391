"""The weights a question written with plain correct marks gets, and what they score.

A multiple-response question (two or more correct options) written with checkboxes gives each of
its k correct options 1/k and each distractor -1/k, as Moodle's own GIFT export writes one, so
ticking every option is not a way to full marks. Weights an imported file states are graded
exactly as written, as Moodle does.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from studyapp.quizzes import attempts, banks, grading
from studyapp.quizzes.banks import option_fractions
from studyapp.quizzes.formats import FORMATS, gift
from studyapp.quizzes.formats.model import derived_fractions
from studyapp.quizzes.forms import option_rows_from_version
from studyapp.quizzes.models import Question
from tests.quizzes.authoring.conftest import import_questions

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_a_multiple_response_question_derives_a_negative_share_for_each_distractor():
    assert derived_fractions([True, False, True, False]) == [0.5, -0.5, 0.5, -0.5]
    assert derived_fractions([True, True, True, False]) == [
        0.3333333,
        0.3333333,
        0.3333333,
        -0.3333333,
    ]


def test_a_single_answer_question_derives_zero_for_its_distractors():
    assert derived_fractions([False, True, False, False]) == [0.0, 1.0, 0.0, 0.0]


def test_the_derived_weights_are_what_moodles_gift_export_writes_for_multiple_response():
    question = gift.parse("::Two:: Pick two. {~%50%A ~%50%B ~%-50%C}").questions[0]

    assert [o.fraction for o in question.options] == derived_fractions([True, True, False])


def q1_answer(learner, choose, *, mode: str, now: datetime):
    """Answer the bank's Choose-TWO question q1 (options A and C right, B and D wrong) in a new
    practice or timed exam; ``choose`` holds option letters. Returns the graded item."""
    start = attempts.practice_start if mode == "practice" else attempts.exam_start
    attempt = start(user=learner, now=now, count=10, rng=random.Random(1))
    item = next(
        i for i in attempt.items.select_related("version") if i.version.question.key == "q1"
    )
    options = list(item.version.options.order_by("position"))
    ids = [options["ABCD".index(letter)].id for letter in choose]
    attempts.attempt_answer(
        attempt=attempt, position=item.position, option_ids=ids, now=now + timedelta(seconds=30)
    )
    if mode == "exam":
        attempts.attempt_submit(attempt=attempt, now=now + timedelta(minutes=1))
    item.refresh_from_db()
    return item


@pytest.mark.parametrize(
    ("choose", "mark"),
    [
        ("ABCD", 0.0),  # every option
        ("AB", 0.0),  # one right and one wrong
        ("AC", 1.0),  # both right
        ("A", 0.5),  # one right alone
        ("BD", 0.0),  # both wrong: floored at 0
    ],
)
def test_practice_marks_a_choose_two_question_by_its_derived_weights(bank, learner, choose, mark):
    item = q1_answer(learner, choose, mode="practice", now=T0)

    assert item.mark == pytest.approx(mark)
    assert item.correct is (mark == 1.0)


@pytest.mark.parametrize(
    ("choose", "correct"), [("ABCD", False), ("AB", False), ("AC", True), ("A", False)]
)
def test_the_exam_simulation_stays_all_or_nothing(bank, learner, choose, correct):
    item = q1_answer(learner, choose, mode="exam", now=T0)

    assert item.correct is correct
    assert item.mark == (1.0 if correct else 0.0)


def test_choosing_every_option_of_a_choose_two_question_loses_to_choosing_one_right(bank, learner):
    every = q1_answer(learner, "ABCD", mode="practice", now=T0)
    one = q1_answer(learner, "C", mode="practice", now=T0 + timedelta(hours=1))

    assert every.mark < one.mark


MOODLE_XML = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="multichoice">
    <name><text>Zero distractors</text></name>
    <questiontext format="html"><text><![CDATA[<p>Pick two.</p>]]></text></questiontext>
    <single>false</single>
    <answer fraction="50" format="html"><text>A</text></answer>
    <answer fraction="50" format="html"><text>B</text></answer>
    <answer fraction="0" format="html"><text>C</text></answer>
    <answer fraction="0" format="html"><text>D</text></answer>
  </question>
</quiz>
"""


def test_an_imported_question_with_explicit_zero_distractors_keeps_moodles_math(
    bank, tmp_path: Path
):
    path = tmp_path / "moodle.xml"
    path.write_text(MOODLE_XML, encoding="utf-8")
    import_questions(path, "moodle-xml", "--bank", "amazon-s3")
    version = Question.objects.get(key="zero-distractors").current_version
    options = list(version.options.order_by("position"))

    assert [o.fraction for o in options] == [0.5, 0.5, 0.0, 0.0]
    graded = [
        grading.GradedOption(id=o.id, text=o.text_md, fraction=f)
        for o, f in zip(options, option_fractions(options), strict=True)
    ]
    every = grading.answer_grade(
        kind=version.kind, options=graded, chosen=[o.id for o in options], partial_credit=True
    )
    assert every.mark == 1.0  # Moodle adds up the chosen weights: 50% + 50% + 0% + 0%

    code, report, _ = import_questions(path, "moodle-xml", "--bank", "amazon-s3")
    assert code == 0
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 0, 1)


def test_the_guess_score_stays_sensible_with_negative_distractors():
    from studyapp.quizzes.statistics import ItemInfo, random_guess_score

    two = ItemInfo("two", 1.0, "multiple", tuple(derived_fractions([True, False, True, False])))
    one = ItemInfo("one", 1.0, "single", tuple(derived_fractions([False, True, False, False])))

    assert random_guess_score(two) is None  # as Moodle: no guess score for multiple response
    assert random_guess_score(one) == 0.25


def test_exports_write_the_negative_distractor_weights_and_markdown_its_checkboxes(bank):
    written = {name: banks.questions_export(format_name=name).text for name in FORMATS}
    q1 = written["gift"].split("// [id:q1]")[1].split("}")[0]

    assert "~%50%Option q1 A." in q1
    assert "~%-50%Option q1 B." in q1
    assert '<answer fraction="-50"' in written["moodle-xml"]
    markdown_q1 = written["markdown"].split("## q1\n")[1].split("## q2\n")[0]
    assert "weights:" not in markdown_q1  # the checkboxes say it all
    assert "- [ ] Option q1 B." in markdown_q1


def test_the_editor_shows_explicit_weights_and_hides_derived_ones(bank, tmp_path: Path):
    path = tmp_path / "moodle.xml"
    path.write_text(MOODLE_XML, encoding="utf-8")
    import_questions(path, "moodle-xml", "--bank", "amazon-s3")
    explicit = Question.objects.get(key="zero-distractors").current_version

    rows = option_rows_from_version(explicit)
    derived = option_rows_from_version(bank["q1"].current_version)

    # 50/50/0/0 differs from the derived 50/50/-50/-50: the editor keeps it as written.
    assert [(row.correct, row.weight) for row in rows] == [
        (True, "50"),
        (True, "50"),
        (False, ""),
        (False, ""),
    ]
    assert [row.weight for row in derived] == ["", "", "", ""]
