"""Each rule of the question-quality checker: a question that trips it and one that does not.

The questions are written the way authors write them (Markdown stems, "Why:" explanations);
``sound()`` is a question with no flaw at all, and every test changes one thing about it.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from studyapp.quizzes.checking import Severity, question_check, references, stated_choose_count
from studyapp.quizzes.formats import FORMATS, OptionData, QuestionData

DOCS = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html"


def option(
    text: str, correct: bool = False, why: str = "Because of how Lambda works."
) -> OptionData:
    return OptionData(text=text, fraction=1.0 if correct else 0.0, feedback=why)


def sound(**changes) -> QuestionData:
    question = QuestionData(
        key="sound",
        kind="single",
        stem=(
            "A payment function behind Amazon API Gateway is throttled at night while a batch "
            "function uses most of the account's concurrency.\n\n"
            "Which change keeps the payment function available?"
        ),
        options=[
            option("Set reserved concurrency on the payment function."),
            option("Raise the batch function's memory to 10,240 MB."),
            option("Move the payment function to a different Region.", correct=True),
            option("Put the batch function behind an Amazon SQS queue."),
        ],
        general_feedback=f"Reserved concurrency guarantees capacity. See {DOCS}",
        domain="D3",
    )
    return replace(question, **changes)


def rules(question: QuestionData) -> set[str]:
    return {finding.rule for finding in question_check(question)}


def with_options(*texts_and_keys: tuple[str, bool], **changes) -> QuestionData:
    return sound(options=[option(text, correct) for text, correct in texts_and_keys], **changes)


def test_a_sound_question_has_no_findings():
    assert question_check(sound()) == []


def test_errors_come_before_warnings():
    question = sound(general_feedback="", stem="Which change does not keep payments up?")

    assert [f.severity for f in question_check(question)] == [Severity.ERROR, Severity.WARNING]


def test_every_finding_has_a_rule_a_severity_a_reason_and_a_hint():
    question = sound(general_feedback="", key="no-link", line=12)

    [finding] = question_check(question, path="content/quizzes/x.md")

    assert finding.rule == "no-reference"
    assert finding.severity == Severity.ERROR
    assert finding.reason and finding.hint
    assert (finding.key, finding.path, finding.line) == ("no-link", "content/quizzes/x.md", 12)
    assert str(finding).startswith("content/quizzes/x.md:12: error: ")


# -- correct option noticeably longer or more specific ------------------------------------------


def test_a_correct_option_much_longer_than_every_distractor_is_flagged():
    question = with_options(
        ("Add memory.", False),
        ("Set reserved concurrency on the payment function to guarantee its capacity.", True),
        ("Use a larger VPC.", False),
        ("Enable tracing.", False),
    )

    [finding] = [f for f in question_check(question) if f.rule == "correct-longest"]
    assert finding.severity == Severity.WARNING
    assert "75 characters against at most 17" in finding.reason


def test_a_correct_option_about_as_long_as_a_distractor_is_not_flagged():
    question = with_options(
        ("Add memory to the batch function.", False),
        ("Set reserved concurrency on payments.", True),
        ("Use a larger VPC for the payments.", False),
        ("Enable tracing.", False),
    )

    assert "correct-longest" not in rules(question)


def test_a_few_characters_more_in_short_options_is_not_noticeably_longer():
    question = with_options(("False", True), ("True", False))

    assert "correct-longest" not in rules(question)


def test_multiple_response_keys_that_are_all_much_longer_than_the_distractors_are_flagged():
    question = with_options(
        ("Configure an on-failure destination that is an Amazon SQS queue.", True),
        ("Enable X-Ray.", False),
        ("Configure an on-success destination that is an EventBridge bus.", True),
        ("Add a DLQ.", False),
        kind="multiple",
        stem="Which actions meet the requirements? (Choose TWO.)",
    )

    assert "correct-longest" in rules(question)


def test_a_correct_option_with_more_figures_and_reasons_than_any_distractor_is_flagged():
    question = with_options(
        ("Raise memory.", False),
        ("Set reserved concurrency to 150, because payments need 150 (such as at peaks).", True),
        ("Add a queue before the batch function so that it waits.", False),
        ("Move to another Region.", False),
    )

    found = {f.rule: f for f in question_check(question)}
    assert found["correct-more-specific"].severity == Severity.WARNING


def test_distractors_as_detailed_as_the_key_are_not_more_specific():
    question = with_options(
        ("Raise memory to 3,008 MB, because CPU grows with it.", False),
        ("Set reserved concurrency to 150, because payments need 150.", True),
        ("Add a queue of 10 messages so that the batch waits.", False),
        ("Move to another Region.", False),
    )

    assert "correct-more-specific" not in rules(question)


# -- all / none of the above --------------------------------------------------------------------


def test_all_of_the_above_is_flagged():
    question = with_options(
        ("Add memory.", False), ("Use a queue.", False), ("All of the above", True)
    )

    assert "all-none-of-the-above" in rules(question)


def test_none_of_these_options_is_flagged_too():
    question = with_options(
        ("Add memory.", True), ("Use a queue.", False), ("None of these options.", False)
    )

    assert "all-none-of-the-above" in rules(question)


def test_an_option_that_merely_mentions_all_functions_is_not_all_of_the_above():
    question = with_options(
        ("Add memory to all functions.", False),
        ("Use a queue above the function.", True),
        ("Tag none of the functions.", False),
    )

    assert "all-none-of-the-above" not in rules(question)


# -- (Choose N) -----------------------------------------------------------------------------------


def test_a_stem_asking_to_choose_two_with_three_keys_is_an_error():
    question = with_options(
        ("Set reserved concurrency.", True),
        ("Use RDS Proxy.", True),
        ("Use a queue.", True),
        ("Add memory.", False),
        kind="multiple",
        stem="Which actions should a solutions architect take? (Choose TWO.)",
    )

    [finding] = [f for f in question_check(question) if f.rule == "choose-count-mismatch"]
    assert finding.severity == Severity.ERROR
    assert finding.reason == "the stem says choose 2 but 3 options are correct"


def test_a_stem_whose_choose_n_matches_the_keys_is_fine():
    question = with_options(
        ("Set reserved concurrency.", True),
        ("Use RDS Proxy.", True),
        ("Use a queue.", False),
        ("Add memory.", False),
        kind="multiple",
        stem="Which actions should a solutions architect take? (Select 2)",
    )

    assert not rules(question) & {"choose-count-mismatch", "choose-count-missing"}


def test_a_multiple_response_stem_that_does_not_say_how_many_is_a_warning():
    question = with_options(
        ("Set reserved concurrency.", True),
        ("Use RDS Proxy.", True),
        ("Add memory.", False),
        kind="multiple",
        stem="Which actions should a solutions architect take?",
    )

    found = {f.rule: f for f in question_check(question)}
    assert found["choose-count-missing"].severity == Severity.WARNING
    assert "(Choose 2.)" in found["choose-count-missing"].hint


def test_choose_counts_are_read_in_words_and_figures():
    assert stated_choose_count("Which? (Choose THREE.)") == 3
    assert stated_choose_count("Which? (choose 2)") == 2
    assert stated_choose_count("Which option is right?") is None


# -- duplicate options --------------------------------------------------------------------------


def test_two_options_that_say_the_same_are_an_error():
    question = with_options(
        ("Use **RDS Proxy**.", True), ("Add memory.", False), ("Use RDS proxy", False)
    )

    [finding] = [f for f in question_check(question) if f.rule == "duplicate-option"]
    assert finding.severity == Severity.ERROR
    assert finding.reason == "options A and C say the same"


def test_two_options_that_read_almost_the_same_are_a_warning():
    question = with_options(
        ("Set the reserved concurrency of the function to 50.", True),
        ("Set the reserved concurrency of the functions to 50.", False),
        ("Add memory.", False),
    )

    assert "near-duplicate-options" in rules(question)


def test_names_that_differ_only_in_punctuation_are_different_options():
    question = with_options(
        ("`my_bucket`", True), ("`my-bucket`", False), ("`my.bucket`", False), ("`mybucket`", False)
    )

    assert not rules(question) & {"duplicate-option", "near-duplicate-options"}


def test_options_that_differ_only_in_their_figures_are_a_calculation_not_duplicates():
    question = with_options(
        ("It costs about $2 a month.", False),
        ("It costs about $135 a month.", True),
        ("It costs about $169 a month.", False),
        ("It costs about $1,335 a month.", False),
    )

    assert not rules(question) & {"duplicate-option", "near-duplicate-options"}


# -- cues from the stem --------------------------------------------------------------------------


def test_a_reason_code_in_the_stem_that_names_the_key_is_a_cue():
    question = with_options(
        ("The account concurrency quota has been reached.", False),
        ("The function is short of memory.", False),
        ("Configure provisioned concurrency above the reserved concurrency.", False),
        ("The function's reserved concurrency is lower than its peak demand.", True),
        stem=(
            "Calls fail with HTTP 429 and reason "
            "`ReservedFunctionConcurrentInvocationLimitExceeded`.\n\n"
            "What is the cause?"
        ),
    )

    [finding] = [f for f in question_check(question) if f.rule == "stem-cue"]
    assert finding.severity == Severity.WARNING
    assert "'reserved'" in finding.reason


def test_a_word_of_the_question_that_only_the_key_repeats_is_a_cue():
    question = with_options(
        ("Alarm on the function's Errors metric.", False),
        ("Alarm on the queue's ApproximateAgeOfOldestMessage.", True),
        ("Alarm on the function's Duration.", False),
        stem="Orders are late.\n\nWhich metric of the queue should the team watch?",
    )

    assert "stem-cue" in rules(question)


def test_a_word_every_option_uses_is_not_a_cue():
    question = with_options(
        ("Alarm on the queue's Errors metric.", False),
        ("Alarm on the queue's ApproximateAgeOfOldestMessage.", True),
        ("Alarm on the queue's size.", False),
        stem="Orders are late.\n\nWhich metric of the queue should the team watch?",
    )

    assert "stem-cue" not in rules(question)


# -- absolute words ------------------------------------------------------------------------------


def test_absolute_words_only_in_distractors_are_flagged():
    question = with_options(
        ("Lambda always retries a synchronous invocation.", False),
        ("The caller retries a synchronous invocation.", True),
        ("Lambda never throttles a synchronous invocation.", False),
    )

    [finding] = [f for f in question_check(question) if f.rule == "absolute-words-in-distractors"]
    assert "always, never" in finding.reason


def test_an_absolute_word_in_the_key_too_is_not_a_cue():
    question = with_options(
        ("Lambda always retries a synchronous invocation.", False),
        ("Lambda never retries a synchronous invocation; the caller does.", True),
        ("Lambda throttles a synchronous invocation.", False),
    )

    assert "absolute-words-in-distractors" not in rules(question)


# -- negative stems -------------------------------------------------------------------------------


def test_a_negative_question_without_emphasis_is_flagged():
    question = sound(stem="A team runs functions.\n\nWhich setting does not raise the cost?")

    found = {f.rule: f for f in question_check(question)}
    assert found["negative-stem-unemphasized"].severity == Severity.WARNING
    assert "NOT" in found["negative-stem-unemphasized"].hint


def test_a_negative_in_capitals_or_bold_is_emphasised():
    capitals = sound(stem="A team runs functions.\n\nWhich setting does NOT raise the cost?")
    bold = sound(stem="A team runs functions.\n\nWhich setting does **not** raise the cost?")
    except_ = sound(stem="All of these raise the cost EXCEPT which one?")

    assert "negative-stem-unemphasized" not in rules(capitals) | rules(bold) | rules(except_)


def test_at_least_is_not_a_negative():
    question = sound(stem="Which setting keeps at least two environments warm?")

    assert "negative-stem-unemphasized" not in rules(question)


def test_a_negative_in_the_scenario_before_the_question_is_ordinary_prose():
    question = sound(
        stem="Orders must not be lost and cannot wait.\n\nWhich change meets the requirements?"
    )

    assert "negative-stem-unemphasized" not in rules(question)


# -- explanations and references ------------------------------------------------------------------


def test_an_option_without_an_explanation_is_flagged():
    options = sound().options
    options[1] = option(options[1].text, why="")

    found = {f.rule: f for f in question_check(sound(options=options))}
    assert found["option-without-explanation"].reason.startswith("option B ")


def test_a_question_without_a_documentation_link_is_an_error():
    question = sound(general_feedback="Reserved concurrency guarantees capacity.")

    assert rules(question) == {"no-reference"}


def test_a_link_to_another_site_is_not_a_reference():
    question = sound(general_feedback="See https://example.com/lambda-concurrency")

    assert "no-reference" in rules(question)


def test_a_documentation_link_in_an_option_explanation_counts():
    options = sound().options
    options[0] = option(options[0].text, why=f"See [the guide]({DOCS}).")

    question = sound(options=options, general_feedback="")

    assert references(question) == [DOCS]
    assert "no-reference" not in rules(question)


def test_questions_read_from_gift_are_checked_the_same_way():
    gift = (
        "::q1:: Which setting does not raise the cost? {\n"
        "=Memory#Because\n~Timeout#Because\n~All of the above#Because\n}\n"
    )
    [question] = FORMATS["gift"].parse(gift).questions

    assert rules(question) == {
        "negative-stem-unemphasized",
        "all-none-of-the-above",
        "no-reference",
    }


@given(
    stem=st.text(max_size=200),
    texts=st.lists(st.text(max_size=80), min_size=0, max_size=6),
    kind=st.sampled_from(["single", "multiple"]),
    keys=st.sets(st.integers(0, 5)),
)
def test_any_question_is_checked_without_crashing(stem, texts, kind, keys):
    question = QuestionData(
        stem=stem,
        kind=kind,
        options=[
            OptionData(text=t, fraction=1.0 if i in keys else 0.0) for i, t in enumerate(texts)
        ],
    )

    for finding in question_check(question):
        assert finding.severity in set(Severity)
        assert finding.reason and finding.hint


# -- typed questions: the option rules do not apply, the stem, reference and explanation do ----


def typed(kind: str, answers: list[tuple[str, float, str]], **changes) -> QuestionData:
    """A short-answer or numerical question whose accepted answers have no feedback of their
    own, as Moodle's files usually write them."""
    values = {
        "kind": kind,
        "stem": "Which Lambda setting caps a function's concurrent executions?",
        "options": [OptionData(text=t, fraction=f, feedback=why) for t, f, why in answers],
    }
    return sound(**(values | changes))


SHORT = [("Reserved concurrency", 1.0, ""), ("reserved", 0.5, ""), ("Concurrency*", 0.5, "")]
NUMBER = [("900", 1.0, ""), ("15", 0.5, "")]


def test_accepted_answers_without_feedback_are_not_options_without_an_explanation():
    assert question_check(typed("shortanswer", SHORT)) == []
    assert question_check(typed("numerical", NUMBER)) == []


def test_the_option_rules_do_not_read_a_typed_questions_answers():
    # Alike answers, a much longer first answer and an absolute word only in a lesser answer
    # would each trip an option rule on a choice question.
    answers = [
        ("Reserved concurrency set on the function in its configuration", 1.0, ""),
        ("reserved concurrency", 0.5, ""),
        ("Reserved concurrency.", 0.5, ""),
        ("always reserved", 0.2, ""),
    ]
    stem = "Which Lambda setting caps concurrent executions? (Choose TWO.)"

    assert question_check(typed("shortanswer", answers, stem=stem)) == []
    as_choice = with_options(*[(text, fraction > 0) for text, fraction, _ in answers], stem=stem)
    assert rules(as_choice) >= {"duplicate-option", "choose-count-mismatch"}


def test_a_typed_question_still_needs_a_documentation_link():
    question = typed("numerical", NUMBER, general_feedback="The timeout is at most 900 s.")

    assert rules(question) == {"no-reference"}


def test_a_typed_question_still_asks_negatives_with_emphasis():
    question = typed("shortanswer", SHORT, stem="Which setting does not cap concurrency?")

    assert rules(question) == {"negative-stem-unemphasized"}


def test_a_typed_question_with_no_explanation_at_all_is_flagged():
    question = typed("shortanswer", SHORT, general_feedback="")

    assert rules(question) == {"no-explanation", "no-reference"}


def test_feedback_on_an_accepted_answer_explains_a_typed_question():
    answers = [("900", 1.0, f"The timeout is at most 15 minutes. See {DOCS}")]

    assert question_check(typed("numerical", answers, general_feedback="")) == []


def test_the_explanation_rule_for_typed_questions_leaves_choice_questions_alone():
    options = [option(o.text, o.fraction > 0, why="") for o in sound().options]

    found = rules(sound(options=options, general_feedback=f"See {DOCS}"))

    assert "no-explanation" not in found
    assert "option-without-explanation" in found
