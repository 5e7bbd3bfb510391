"""Short-answer and numerical questions end to end: kept in the bank, typed in practice and in
instructors' quizzes, graded as Moodle grades them, counted in item statistics, exported."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studyapp.quizzes import attempts
from studyapp.quizzes.assignments import assignment_create
from studyapp.quizzes.authoring import version_diff
from studyapp.quizzes.banks import bank_data, questions_export
from studyapp.quizzes.formats import FORMATS
from studyapp.quizzes.item_analysis import quiz_analysis
from studyapp.quizzes.models import Attempt, AttemptQuestion, Question
from studyapp.quizzes.question_import import questions_import
from studyapp.quizzes.quizbuilder import quiz_attempt_start
from tests.factories import cohort_make, quiz_make
from tests.quizzes.authoring.conftest import export_questions
from tests.quizzes.formats.test_round_trips import typed_questions

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

GIFT = """\
::Runtime::Which AWS service runs code without servers?{
\t=Lambda
\t=AWS Lambda
\t=%50%*lambda*#Close: name the service.
}

::Case::Which language is the handler file lambda_function.py written in?{=Python}

::Memory::What is Lambda's largest memory setting, in MB?{#
\t=10240:0
\t=%50%10240:1024
\t~#No: it is 10,240 MB.
}

::Timeout range::Give a timeout in seconds from 1 to 900.{#1..900}

::Partial::Which is the best fit for a 20-minute batch job?{
\t=AWS Batch ~%50%AWS Fargate ~%-50%AWS Lambda ~Amazon SQS
}

::Spectrum::Which two run containers?{
\t~%50%Amazon ECS ~%50%AWS Fargate ~%-100%Amazon SNS ~Amazon SES
}
"""


@pytest.fixture
def imported(course, instructor) -> dict[str, Question]:
    report = questions_import(
        text=GIFT,
        format_name="gift",
        bank=course.slug,
        user=instructor,
        now=NOW,
        source="typed.gift",
        publish=True,
    )
    assert report.ok and report.saved, report.errors
    assert report.skipped == []
    return {q.current_version.title: q for q in Question.objects.select_related("current_version")}


def item_of(attempt: Attempt, title: str) -> AttemptQuestion:
    return next(i for i in attempt.items.select_related("version") if i.version.title == title)


def typed(attempt: Attempt, title: str, response: str) -> AttemptQuestion:
    item = item_of(attempt, title)
    return attempts.attempt_answer(
        attempt=attempt, position=item.position, response=response, now=NOW
    )


def chosen(attempt: Attempt, title: str, *texts: str) -> AttemptQuestion:
    item = item_of(attempt, title)
    ids = [o.id for o in item.version.options.all() if o.text_md in texts]
    return attempts.attempt_answer(attempt=attempt, position=item.position, option_ids=ids, now=NOW)


def practice_of(user, questions) -> Attempt:
    return attempts.attempt_create(
        user=user,
        mode=Attempt.Mode.PRACTICE,
        title="Practice",
        questions=list(questions),
        config={},
        now=NOW,
        deadline=None,
    )


def exam_of(user, questions, *, now: datetime = NOW) -> Attempt:
    return attempts.attempt_create(
        user=user,
        mode=Attempt.Mode.EXAM,
        title="Timed exam",
        questions=list(questions),
        config={},
        now=now,
        deadline=now + timedelta(hours=1),
    )


# -- the bank ----------------------------------------------------------------------------------


def test_typed_questions_are_kept_in_the_bank_with_their_answers(imported):
    runtime, memory = imported["Runtime"].current_version, imported["Memory"].current_version

    assert runtime.kind == "shortanswer"
    assert [(o.text_md, o.fraction, o.explanation_md) for o in runtime.options.all()] == [
        ("Lambda", 1.0, ""),
        ("AWS Lambda", 1.0, ""),
        ("*lambda*", 0.5, "Close: name the service."),
    ]
    assert memory.kind == "numerical"
    assert [(o.text_md, o.fraction, o.tolerance) for o in memory.options.all()] == [
        ("10240", 1.0, 0.0),
        ("10240", 0.5, 1024.0),
        ("*", 0.0, 0.0),
    ]
    timeout = imported["Timeout range"].current_version.options.get()
    assert (timeout.text_md, timeout.tolerance) == ("450.5", 449.5)


def test_importing_the_same_typed_questions_again_changes_nothing(imported, course):
    report = questions_import(text=GIFT, format_name="gift", bank=course.slug, now=NOW)

    assert {q.action for q in report.questions} == {"unchanged"}


def test_a_changed_tolerance_makes_a_new_version(imported, course):
    changed = GIFT.replace("10240:1024", "10240:2048")

    report = questions_import(text=changed, format_name="gift", bank=course.slug, now=NOW)

    assert [q.title for q in report.questions if q.action == "updated"] == ["Memory"]


# -- practice: partial credit ------------------------------------------------------------------


def test_short_answers_are_graded_with_moodles_case_and_wildcard_rules(imported, learner):
    attempt = practice_of(learner, imported.values())

    right = typed(attempt, "Runtime", "  aws lambda ")
    half = typed(attempt, "Case", "python")

    assert (right.correct, right.mark, right.response) == (True, 1.0, "aws lambda")
    assert (half.correct, half.mark) == (True, 1.0)  # the case does not count by default


def test_a_wildcard_answer_gives_its_partial_mark_in_practice(imported, learner):
    attempt = practice_of(learner, [imported["Runtime"]])

    item = typed(attempt, "Runtime", "the Lambda service")

    assert (item.correct, item.mark) == (False, 0.5)
    matched = item.version.options.get(pk=item.chosen[0])
    assert matched.text_md == "*lambda*"


def test_numerical_answers_are_graded_within_their_tolerance(imported, learner):
    attempt = practice_of(learner, [imported["Memory"], imported["Timeout range"]])

    near = typed(attempt, "Memory", "9,500")
    ranged = typed(attempt, "Timeout range", "900")

    assert (near.correct, near.mark) == (False, 0.5)
    assert (ranged.correct, ranged.mark) == (True, 1.0)
    attempt.refresh_from_db()
    assert (attempt.correct_count, attempt.marks) == (1, 1.5)


def test_a_numerical_answer_that_is_not_a_number_is_refused_and_changes_nothing(imported, learner):
    attempt = practice_of(learner, [imported["Memory"]])

    with pytest.raises(attempts.AttemptError, match="'10 GB' is not a number"):
        typed(attempt, "Memory", "10 GB")

    item = item_of(attempt, "Memory")
    assert (item.response, item.answered_at, item.correct) == ("", None, None)


def test_multiple_choice_weights_give_partial_credit_in_practice(imported, learner):
    attempt = practice_of(learner, [imported["Partial"], imported["Spectrum"]])

    partial = chosen(attempt, "Partial", "AWS Fargate")
    floored = chosen(attempt, "Spectrum", "Amazon ECS", "Amazon SNS")

    assert (partial.correct, partial.mark) == (False, 0.5)
    assert (floored.correct, floored.mark) == (False, 0.0)  # 50% - 100% is floored at 0
    attempt.refresh_from_db()
    assert attempt.marks == 0.5


# -- the exam simulation: all-or-nothing -------------------------------------------------------


def test_the_exam_simulation_gives_no_partial_credit(imported, learner):
    exam = exam_of(learner, [imported["Partial"], imported["Memory"], imported["Spectrum"]])
    chosen(exam, "Partial", "AWS Fargate")
    typed(exam, "Memory", "10,240")
    chosen(exam, "Spectrum", "Amazon ECS")

    attempts.attempt_submit(attempt=exam, now=NOW + timedelta(minutes=5))

    marks = {i.version.title: (i.correct, i.mark) for i in exam.items.select_related("version")}
    assert marks == {
        "Partial": (False, 0.0),
        "Memory": (True, 1.0),
        "Spectrum": (False, 0.0),
    }
    exam.refresh_from_db()
    assert (exam.correct_count, exam.marks, exam.scaled_score) == (1, 1.0, 400)


def test_an_exam_keeps_the_typed_answer_until_submission_and_can_clear_it(imported, learner):
    exam = exam_of(learner, [imported["Case"]])

    saved = typed(exam, "Case", "Python")
    assert (saved.response, saved.correct) == ("Python", None)
    cleared = typed(exam, "Case", "  ")
    assert (cleared.response, cleared.answered_at, cleared.is_answered) == ("", None, False)


# -- instructors' quizzes: partial credit, also when timed -------------------------------------


def test_a_timed_instructors_quiz_gives_partial_credit(imported, instructor, learner):
    quiz = quiz_make(
        owner=instructor,
        questions=[imported["Partial"], imported["Runtime"]],
        now=NOW,
        mode="timed",
        time_limit_minutes=30,
        shuffle_questions=False,
    )
    cohort = cohort_make(instructor=instructor, now=NOW, learners=[learner])
    assignment_create(cohort=cohort, kind="quiz", quiz=quiz, by=instructor, now=NOW)
    attempt = quiz_attempt_start(user=learner, quiz=quiz, now=NOW)
    assert attempt.mode == Attempt.Mode.EXAM
    chosen(attempt, "Partial", "AWS Fargate")
    typed(attempt, "Runtime", "my lambda function")

    attempts.attempt_submit(attempt=attempt, now=NOW + timedelta(minutes=3))

    attempt.refresh_from_db()
    assert (attempt.correct_count, attempt.marks) == (0, 1.0)


# -- pages: no answer before the learner answers ----------------------------------------------


def question_section(page: str) -> str:
    return page[page.index('<section id="practice-question"') : page.index("</section>")]


@pytest.mark.parametrize(
    ("title", "secrets"),
    [
        ("Runtime", ["AWS Lambda", "*lambda*", "Close: name the service."]),
        ("Memory", ["10240", "1024", "No: it is 10,240 MB."]),
    ],
)
def test_the_question_page_shows_a_text_box_and_no_accepted_answer(
    imported, learner, learner_client, title, secrets
):
    attempt = practice_of(learner, [imported[title]])

    page = learner_client.get(attempt.get_absolute_url()).content.decode()

    section = question_section(page)
    assert 'name="response"' in section
    assert 'name="option"' not in section
    for secret in secrets:
        assert secret not in page


def test_the_htmx_answer_fragment_reveals_the_answers_only_after_the_answer(
    imported, learner, learner_client
):
    attempt = practice_of(learner, [imported["Runtime"]])
    url = reverse("quizzes:answer", args=[attempt.pk, 1])

    response = learner_client.post(url, {"response": "AWS Lambda"}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Correct" in html and "Accepted answers" in html
    assert re.search(r"data-typed-response>AWS Lambda<", html)
    assert "Close: name the service." in html


def test_the_exam_page_shows_no_accepted_answer_and_keeps_the_typed_one(
    imported, learner, learner_client
):
    exam = exam_of(learner, [imported["Memory"]], now=timezone.now())  # the page's clock
    item = item_of(exam, "Memory")
    attempts.attempt_answer(attempt=exam, position=1, response="10240", now=timezone.now())
    assert item.position == 1

    page = learner_client.get(exam.get_absolute_url()).content.decode()

    assert 'value="10240"' in page  # the learner's own answer
    assert "1024" not in page.replace("10240", "")
    assert "No: it is 10,240 MB." not in page
    assert "Accepted answers" not in page


# -- item statistics ---------------------------------------------------------------------------


def test_item_statistics_use_partial_marks_and_count_the_matched_answers(
    imported, instructor, django_user_model
):
    quiz = quiz_make(owner=instructor, questions=[imported["Memory"]], now=NOW, attempts_allowed=0)
    for n, response in enumerate(["10240", "10000", "5", "10240"]):
        user = django_user_model.objects.create_user(f"stat{n}", password="x")
        attempt = attempts.attempt_create(
            user=user,
            mode=Attempt.Mode.PRACTICE,
            title=quiz.title,
            questions=[imported["Memory"]],
            config={},
            now=NOW,
            deadline=None,
        )
        attempt.quiz = quiz
        attempt.save(update_fields=["quiz"])
        typed(attempt, "Memory", response)

    (row,) = quiz_analysis(quiz).items

    assert row.stats.facility == pytest.approx((1 + 0.5 + 0 + 1) / 4)
    assert [(o.text, o.count) for o in row.options] == [
        ("10240", 2),
        ("10240 ± 1024", 1),
        ("*", 1),
    ]
    assert row.stats.random_guess_score == 0.0


# -- export and import -------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["aiken", "markdown"])
def test_aiken_and_markdown_name_on_stderr_each_typed_question_they_leave_out(imported, fmt):
    text, stderr = export_questions(fmt, "--bank", "amazon-s3")

    left_out = [line for line in stderr.splitlines() if line.startswith("left out: ")]
    for title in ("Runtime", "Case", "Memory", "Timeout range"):
        key = imported[title].key
        assert any(f"({key}): " in line for line in left_out), (fmt, stderr)
    # Aiken also leaves out the multiple-response question; Markdown writes it.
    assert len(left_out) == {"markdown": 4, "aiken": 5}[fmt]
    assert "Which AWS service runs code" not in text
    assert ("Which two run containers?" in text) is (fmt == "markdown")


def test_aiken_says_it_drops_partial_and_negative_weights(imported, course):
    exported = questions_export(format_name="aiken", course=course)

    key = imported["Partial"].key
    assert any(
        f"({key}): Aiken holds no partial or negative weights" in loss for loss in exported.losses
    )


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(
        typed_questions().filter(lambda q: q.kind in ("shortanswer", "numerical")),
        min_size=1,
        max_size=3,
        unique_by=lambda q: q.key,
    ),
    st.sampled_from(["gift", "moodle-xml"]),
    st.booleans(),
)
def test_typed_questions_survive_export_and_import_through_the_bank(course, questions, fmt, case):
    Question.objects.all().delete()
    for question in questions:
        question.case_sensitive = case and fmt == "moodle-xml" and question.kind == "shortanswer"

    first = questions_import(
        text=FORMATS[fmt].write(questions), format_name=fmt, bank=course.slug, now=NOW
    )
    assert first.ok and first.saved, first.errors
    before = bank_data(course)
    exported = questions_export(format_name=fmt, course=course)
    assert exported.losses == []

    again = questions_import(text=exported.text, format_name=fmt, bank=course.slug, now=NOW)
    assert {q.action for q in again.questions} == {"unchanged"}
    Question.objects.all().delete()
    questions_import(text=exported.text, format_name=fmt, bank=course.slug, now=NOW)

    assert bank_data(course) == before
    assert questions_export(format_name=fmt, course=course).text == exported.text


def test_the_version_diff_shows_a_changed_tolerance(imported, course):
    questions_import(
        text=GIFT.replace("10240:1024", "10240:2048"), format_name="gift", bank=course.slug, now=NOW
    )
    first, second = imported["Memory"].versions.order_by("number")

    changed = [
        (line.kind, line.text) for line in version_diff(first, second) if line.kind != "same"
    ]

    assert ("removed", "B. [x] (50%) 10240 ± 1024") in changed
    assert ("added", "B. [x] (50%) 10240 ± 2048") in changed


def test_saving_a_typed_exam_answer_with_htmx_returns_no_accepted_answer(
    imported, learner, learner_client
):
    exam = exam_of(learner, [imported["Memory"]], now=timezone.now())
    url = reverse("quizzes:answer", args=[exam.pk, 1])

    saved = learner_client.post(url, {"response": "10,240"}, HTTP_HX_REQUEST="true")
    refused = learner_client.post(url, {"response": "ten thousand"}, HTTP_HX_REQUEST="true")

    assert saved.status_code == 200
    assert "Answer saved at" in saved.content.decode()
    for fragment in (saved.content.decode(), refused.content.decode()):
        assert "1024" not in fragment.replace("10,240", "")
        assert "No: it is 10,240 MB." not in fragment
    assert refused.status_code == 400
    assert "is not a number" in refused.content.decode()
    assert item_of(exam, "Memory").response == "10,240"  # the refused answer changed nothing
