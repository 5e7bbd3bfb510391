"""The bank-level rules: longest-option cues, key positions, domain balance (pure, no database)."""

from __future__ import annotations

from studyapp.quizzes.checking import (
    AnswerTally,
    Severity,
    bank_check,
    correct_is_longest,
    questions_check,
)
from studyapp.quizzes.formats import OptionData, QuestionData

DOCS = "See https://docs.aws.amazon.com/lambda/latest/dg/welcome.html"


def single(key: str, *, key_at: int = 0, long_key: bool = False, domain: str = "D1"):
    texts = ["Use option one here.", "Use option two here.", "Use option three.", "Use four."]
    if long_key:
        texts[key_at] = "Use the much longer and more detailed option, the right one."
    return QuestionData(
        key=key,
        kind="single",
        stem=f"Question {key}?",
        options=[
            OptionData(text, 1.0 if i == key_at else 0.0, "Why.") for i, text in enumerate(texts)
        ],
        general_feedback=DOCS,
        domain=domain,
    )


def multiple(key: str, *, k_longest: bool):
    texts = ["Short A.", "Short B.", "A longer option C here.", "A longer option D here."]
    keys = (2, 3) if k_longest else (0, 3)
    return QuestionData(
        key=key,
        kind="multiple",
        stem=f"Question {key}? (Choose TWO.)",
        options=[
            OptionData(text, 0.5 if i in keys else 0.0, "Why.") for i, text in enumerate(texts)
        ],
        general_feedback=DOCS,
        domain="D2",
    )


def bank_rule(questions, rule, **kwargs):
    findings, figures = bank_check(questions, **kwargs)
    matching = [finding for finding in findings if finding.rule == rule]
    return (matching[0] if matching else None), figures


def test_correct_is_longest_compares_the_key_with_every_distractor():
    assert correct_is_longest(single("a", long_key=True))
    assert not correct_is_longest(single("b"))


def test_correct_set_is_the_k_longest_when_each_key_outlasts_every_distractor():
    assert correct_is_longest(multiple("a", k_longest=True))
    assert not correct_is_longest(multiple("b", k_longest=False))


def test_a_bank_whose_key_is_the_longest_in_over_30_percent_is_an_error():
    bank = [single(f"q{n}", long_key=n < 4, key_at=n % 4) for n in range(10)]

    finding, figures = bank_rule(bank, "bank-correct-longest")

    assert finding.severity == Severity.ERROR
    assert finding.reason.startswith(
        "the correct option is the longest in 4 of 10 single-answer questions (40%"
    )
    assert figures["correct_longest_single"] == {
        "questions": 10,
        "count": 4,
        "keys": ["q0", "q1", "q2", "q3"],
    }


def test_a_bank_whose_key_is_the_longest_in_30_percent_is_only_reported():
    bank = [single(f"q{n}", long_key=n < 3, key_at=n % 4) for n in range(10)]

    finding, _ = bank_rule(bank, "bank-correct-longest")

    assert finding.severity == Severity.INFO


def test_multiple_response_keys_that_are_the_k_longest_too_often_are_an_error():
    bank = [multiple(f"m{n}", k_longest=n < 4) for n in range(10)]

    finding, figures = bank_rule(bank, "bank-correct-k-longest")

    assert finding.severity == Severity.ERROR
    assert "in 4 of 10 multiple-response questions (40%" in finding.reason
    assert "figures.correct_k_longest_multiple.keys" in finding.hint
    assert figures["correct_k_longest_multiple"] == {
        "questions": 10,
        "count": 4,
        "keys": ["m0", "m1", "m2", "m3"],
    }


def test_a_share_over_a_handful_of_questions_is_only_reported():
    bank = [multiple(f"m{n}", k_longest=n < 2) for n in range(5)]

    finding, _ = bank_rule(bank, "bank-correct-k-longest")

    assert finding.severity == Severity.INFO
    assert finding.reason.endswith("; few questions so far")


def test_multiple_response_keys_rarely_the_k_longest_are_only_reported():
    bank = [multiple(f"m{n}", k_longest=n < 1) for n in range(10)]

    finding, _ = bank_rule(bank, "bank-correct-k-longest")

    assert finding.severity == Severity.INFO


def test_keys_piled_on_one_position_are_a_warning():
    bank = [single(f"q{n}", key_at=0 if n < 9 else 1) for n in range(12)]

    finding, figures = bank_rule(bank, "bank-key-positions")

    assert finding.severity == Severity.WARNING
    assert "A holds 9 where about 3 is a fair share" in finding.reason
    assert figures["key_positions"] == {"A": 9, "B": 3}


def test_keys_spread_over_the_positions_are_only_reported():
    bank = [single(f"q{n}", key_at=n % 4) for n in range(12)]

    finding, _ = bank_rule(bank, "bank-key-positions")

    assert finding.severity == Severity.INFO
    assert "A 3, B 3, C 3, D 3" in finding.reason


def test_domains_off_the_exam_guide_weights_are_a_warning():
    domains = ["D1"] * 10 + ["D2"] * 5 + ["D3"] * 3 + ["D4"] * 2
    bank = [single(f"q{n}", key_at=n % 4, domain=d) for n, d in enumerate(domains)]

    finding, figures = bank_rule(bank, "bank-domain-balance")

    assert finding.severity == Severity.WARNING
    assert finding.reason.startswith(
        "domain shares D1-D4 are 50 / 25 / 15 / 10 % against the exam guide's 26 / 29 / 25 / 20 %"
    )
    assert "D1, D2, D3, D4 off" in finding.reason
    assert figures["domains"]["D1"] == {"count": 10, "share": 50.0}


def test_domains_within_three_points_of_the_weights_are_only_reported():
    domains = ["D1"] * 26 + ["D2"] * 29 + ["D3"] * 25 + ["D4"] * 20
    bank = [single(f"q{n}", key_at=n % 4, domain=d) for n, d in enumerate(domains)]

    finding, _ = bank_rule(bank, "bank-domain-balance")

    assert finding.severity == Severity.INFO


def test_questions_nobody_answered_are_counted():
    bank = [single(f"q{n}", key_at=n % 4) for n in range(3)]
    answers = {"q0": AnswerTally(learners=4, wrong_learners=1)}

    finding, figures = bank_rule(bank, "bank-never-answered", answers=answers)

    assert finding.severity == Severity.INFO
    assert finding.reason == "2 of 3 questions have never been answered (q1, q2)"
    assert figures["never_answered"] == 2


def test_a_question_every_one_of_ten_learners_got_right_is_a_warning_about_it():
    bank = [single("easy"), single("fair", key_at=1)]
    answers = {"easy": AnswerTally(10, 0), "fair": AnswerTally(10, 3)}

    findings, _ = bank_check(bank, answers=answers, min_learners=10)

    [finding] = [f for f in findings if f.rule == "answered-right-by-everyone"]
    assert (finding.key, finding.severity) == ("easy", Severity.WARNING)
    assert finding.reason == "all 10 learners who answered it got it right"


def test_everyone_right_means_nothing_before_enough_learners_answered():
    findings, _ = bank_check([single("easy")], answers={"easy": AnswerTally(9, 0)})

    assert "answered-right-by-everyone" not in {f.rule for f in findings}


def test_without_answer_data_the_answer_rules_do_not_run():
    findings, figures = bank_check([single("q")])

    assert not {f.rule for f in findings} & {"bank-never-answered", "answered-right-by-everyone"}
    assert "never_answered" not in figures


def test_a_report_counts_findings_by_severity_and_rule_and_knows_about_errors():
    bank = [single(f"q{n}", long_key=n < 5, key_at=n % 4) for n in range(10)]
    bank[9].general_feedback = ""

    report = questions_check(bank)

    assert report.questions == 10
    assert report.by_rule["no-reference"] == 1
    assert report.by_rule["correct-longest"] == 5
    assert report.counts["error"] == 2  # no reference, and the key is longest in 50 %
    assert report.has_errors
    assert [f.key for f in report.findings[:2]] == ["", ""]  # the bank's findings first,
    assert report.findings[0].severity == Severity.ERROR  # errors before information
