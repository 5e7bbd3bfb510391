"""The checker on question files written for the importers' tests (GIFT with its text formats
and true/false, Aiken, Moodle XML with HTML, our Markdown): files it was not written for."""

from __future__ import annotations

from pathlib import Path

from studyapp.quizzes.checking import question_check, source_check
from studyapp.quizzes.formats import FORMATS

FORMATS_DATA = Path(__file__).parents[1] / "formats" / "data"
AUTHORING_DATA = Path(__file__).parents[1] / "authoring" / "data"


def test_every_format_of_the_importers_test_files_is_read():
    report = source_check(FORMATS_DATA)

    assert report.questions == 23  # short-answer and numerical ones are read too
    assert "unreadable" not in report.by_rule
    assert {f.path.rsplit(".", 1)[-1] for f in report.findings if f.path} >= {"gift", "xml"}


def test_true_false_questions_have_no_longest_option_or_stem_cue():
    report = source_check(FORMATS_DATA)

    true_false = {"true-or-false", "unnamed-true-question"}
    flagged = [f for f in report.findings if f.rule in ("correct-longest", "stem-cue")]
    assert not [f for f in flagged if f.key in true_false or "True" in f.reason]


def test_options_that_differ_inside_a_code_span_are_not_duplicates():
    text = (FORMATS_DATA / "features.gift").read_text(encoding="utf-8")
    [question] = [q for q in FORMATS["gift"].parse(text).questions if q.title == "Formats"]

    rules = {finding.rule for finding in question_check(question)}

    assert [o.text for o in question.options] == ["`**text**`", "`*text*`"]
    assert "duplicate-option" not in rules


def test_the_questions_of_a_file_that_does_not_parse_are_not_checked():
    report = source_check(AUTHORING_DATA)

    broken = [f for f in report.findings if "broken" in f.path]
    assert broken
    assert {f.rule for f in broken} == {"unreadable"}
