""""Try it in the sandbox": the `try:` metadata of questions, checked at import, followed from an
answered question to the sample with its settings applied, and never offered early."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from studyapp.content.importing import ContentError, content_import
from studyapp.quizzes.attempts import attempt_answer, attempt_create
from studyapp.quizzes.formats.markdown import parse, write
from studyapp.quizzes.models import Attempt, Question
from studyapp.sandbox.concurrency import invoke_config_for
from studyapp.sandbox.models import Function, Queue
from studyapp.sandbox.trying import TrySetupError, try_setup_parse

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
SAMPLES = frozenset(p.name for p in (ROOT / "content" / "handlers").iterdir() if p.is_dir())
EVENTS = frozenset(p.stem for p in (ROOT / "content" / "events").glob("*.json"))

# Which sample shows the behaviour each question is about, written down here (not read from the
# question files): every listed question must link to that sample, and no other question may
# carry a link (a new one is added here on purpose, with its behaviour).
QUESTION_SAMPLES = {
    "emergency-stop-reserved-concurrency-zero": "reserved-concurrency-throttle",
    "break-glass-stop-compromised-function": "reserved-concurrency-throttle",
    "throttling-reserved-limit-too-low": "reserved-concurrency-throttle",
    "noisy-neighbor-reserved-concurrency": "reserved-concurrency-throttle",
    "provisioned-concurrency-spillover": "provisioned-concurrency",
    "provisioned-concurrency-scheduled-scaling": "provisioned-concurrency",
    "provisioned-concurrency-target-tracking": "provisioned-concurrency",
    "async-retry-default-behaviour": "async-retries-destinations",
    "destinations-instead-of-dlq": "async-retries-destinations",
    "maximum-event-age-stale-alerts": "async-retries-destinations",
    "dlq-missing-send-permission": "async-retries-destinations",
    "invocation-models-retry-responsibility": "async-retries-destinations",
    "sqs-visibility-timeout-guidance": "sqs-redrive",
    "event-platform-consumer-buffering-and-replay": "sqs-redrive",
    "sqs-partial-batch-failures": "sqs-partial-batch",
    "sqs-batch-item-failures-vs-exception": "sqs-partial-batch",
    "weighted-alias-gradual-rollout-without-codedeploy": "versions-and-aliases",
    "versions-aliases-api-stages": "versions-and-aliases",
    "canary-deployments-with-rollback": "versions-and-aliases",
    "cross-account-synchronous-invoke": "iam-policy-evaluation",
    "s3-trigger-needs-resource-policy": "iam-policy-evaluation",
    "least-privilege-execution-roles": "iam-policy-evaluation",
    "xray-find-slow-dependency": "trace-phases",
    "event-platform-end-to-end-tracing": "trace-phases",
    "init-code-outside-handler-cache": "cold-start-vs-warm",
    "execution-environment-reuse-facts": "cold-start-vs-warm",
    "init-phase-billing-optimization": "cold-start-vs-warm",
    "single-threaded-cpu-memory-sizing": "memory-vs-cpu",
    "power-tuning-cheapest-setting": "memory-vs-cpu",
    "timeout-default-three-seconds": "timeout-guard",
    "timeout-budget-sdk-client-timeouts": "timeout-guard",
    "out-of-memory-signal-killed": "out-of-memory",
    "structured-logging-and-log-levels": "structured-logging",
    "migration-shared-package-layer-organization": "uses-a-layer",
    "api-gateway-malformed-proxy-response": "api-gateway-proxy",
    "idempotent-processing-duplicates": "idempotent-consumer",
    "kinesis-poison-record-handling": "kinesis-records",
    "dynamodb-streams-status-change": "dynamodb-stream-consumer",
    "cron-scripts-to-eventbridge-scheduler": "eventbridge-scheduled",
    "batch-migration-cron-to-eventbridge-scheduler": "eventbridge-scheduled",
    "migration-lambda-cost-estimate": "cost-estimator",
    "migration-cost-estimate-x86-api": "cost-estimator",
}
# The settings that make each lesson's behaviour appear (where the sample's own are not enough).
REQUIRED_SETTINGS = {
    "reserved-concurrency-throttle": {"reserved": 0},
    "provisioned-concurrency": {"provisioned": 1, "count": 2},
    "async-retries-destinations": {"retries": None},  # retries given (0 to 2)
    "sqs-redrive": {"max_receive_count": 2, "visibility_timeout": 0, "batch_size": 1},
    "memory-vs-cpu": {"memory": 1769},
    "structured-logging": {"log_format": "JSON"},
}
# Every lesson the sandbox adds for a behaviour of the exam is linked from questions.
LESSON_SAMPLES = {
    "reserved-concurrency-throttle",
    "provisioned-concurrency",
    "async-retries-destinations",
    "sqs-redrive",
    "versions-and-aliases",
    "iam-policy-evaluation",
    "trace-phases",
}


def shipped_questions():
    for path in sorted((ROOT / "content" / "quizzes").glob("*.md")):
        yield from parse(path.read_text(encoding="utf-8"), source=path.name).questions


QUESTIONS = {question.key: question for question in shipped_questions()}


def test_every_question_about_a_sample_behaviour_links_to_that_sample():
    missing = set(QUESTION_SAMPLES) - set(QUESTIONS)
    assert not missing, f"questions named here but not in the bank: {missing}"
    for key, sample in QUESTION_SAMPLES.items():
        question = QUESTIONS[key]
        assert question.try_it, f"{key} has no try: line"
        setup = try_setup_parse(question.try_it, samples=SAMPLES, events=EVENTS)
        assert setup.sample == sample, key
        for name, value in REQUIRED_SETTINGS.get(sample, {}).items():
            assert name in setup.settings, (key, name)
            if value is not None:
                assert setup.settings[name] == value, (key, name)


def test_no_question_links_to_a_sample_this_test_does_not_name():
    linked = {key for key, question in QUESTIONS.items() if question.try_it}
    assert linked == set(QUESTION_SAMPLES)


def test_every_new_lesson_is_linked_from_at_least_two_questions():
    for sample in LESSON_SAMPLES:
        assert sample in SAMPLES
        assert list(QUESTION_SAMPLES.values()).count(sample) >= 2, sample


# -- the parser -------------------------------------------------------------------------------


def test_a_setup_reads_its_sample_settings_and_environment():
    setup = try_setup_parse(
        "timeout-guard timeout=3 env.GUARD=off event=eventbridge-scheduled",
        samples=SAMPLES,
        events=EVENTS,
    )
    assert setup.sample == "timeout-guard"
    assert setup.settings == {"timeout": 3, "event": "eventbridge-scheduled"}
    assert setup.environment == {"GUARD": "off"}
    assert setup.page == "function"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no-such-sample", "unknown sample 'no-such-sample'"),
        ("memory-vs-cpu memroy=1769", "unknown setting 'memroy'"),
        ("memory-vs-cpu memory=64", "memory must be a whole number from 128 to 10240"),
        # str.isdigit passes superscripts and circled digits, which int() then refuses
        ("memory-vs-cpu memory=1769\u00b2", "memory must be a whole number from 128 to 10240"),
        ("memory-vs-cpu timeout=\u2463", "timeout must be a whole number from 1 to 900"),
        ("memory-vs-cpu memory=1769 memory=128", "'memory' is given twice"),
        ("memory-vs-cpu 1769", "'1769' must be written key=value"),
        ("memory-vs-cpu event=s3-get", "unknown event 's3-get'"),
        ("memory-vs-cpu env.AWS_REGION=x", "'AWS_REGION' is not an environment variable"),
        ("async-retries-destinations retries=3", "retries must be a whole number from 0 to 2"),
        ("async-retries-destinations on_failure=arn:aws:sns:x", "must be an SQS queue ARN"),
        ("sqs-redrive page=logs", "page must be one of function, async, queue, concurrency"),
        ("provisioned-concurrency reserved=1 provisioned=2", "cannot be above reserved"),
    ],
)
def test_a_bad_setup_is_refused_with_the_reason(text, message):
    with pytest.raises(TrySetupError) as raised:
        try_setup_parse(text, samples=SAMPLES, events=EVENTS)
    assert message in str(raised.value)


@given(st.text(max_size=80))
def test_any_text_is_either_a_setup_or_a_clear_refusal(text):
    try:
        setup = try_setup_parse(text, samples=SAMPLES, events=EVENTS)
    except TrySetupError as error:
        assert str(error).startswith("try:")
    else:
        assert setup.sample in SAMPLES


# -- the import -------------------------------------------------------------------------------


def content_copy(tmp_path: Path) -> Path:
    source = tmp_path / "content"
    shutil.copytree(ROOT / "content", source, ignore=shutil.ignore_patterns("__pycache__"))
    return source


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("try: no-such-sample", "try: unknown sample 'no-such-sample'"),
        ("try: memory-vs-cpu cpu=2", "try: unknown setting 'cpu'"),
        ("try: memory-vs-cpu memory=99999", "try: memory must be a whole number"),
    ],
)
def test_a_bad_try_line_stops_the_import_at_its_line_and_changes_nothing(
    tmp_path, line, message
):
    source = content_copy(tmp_path)
    path = source / "quizzes" / "configuration.md"
    lines = path.read_text(encoding="utf-8").split("\n")
    target = next(i for i, text in enumerate(lines) if text.startswith("try: memory-vs-cpu"))
    lines[target] = line
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ContentError) as raised:
        content_import(source)
    (problem,) = raised.value.problems
    assert (problem.path, problem.line) == ("content/quizzes/configuration.md", target + 1)
    assert problem.message.startswith(message)
    assert Question.objects.count() == 0
    assert Function.objects.count() == 0


@pytest.mark.django_db
def test_the_import_keeps_each_question_s_setup_on_its_version(settings):
    content_import(Path(settings.CONTENT_DIR))
    question = Question.objects.get(key="provisioned-concurrency-spillover")
    assert question.current_version.try_it == "provisioned-concurrency provisioned=1 count=2"
    assert Question.objects.get(key="snapstart-java-sporadic-traffic").current_version.try_it == ""


# -- following the link -----------------------------------------------------------------------


@pytest.fixture
def imported(db):
    return content_import(Path(django_settings.CONTENT_DIR))


def practice_item(user, key: str, *, mode: str = Attempt.Mode.PRACTICE, answer: bool = True):
    question = Question.objects.get(key=key)
    other = Question.objects.exclude(pk=question.pk).order_by("key").first()
    attempt = attempt_create(
        user=user,
        mode=mode,
        title="",
        questions=[question, other],  # a second question keeps the session open
        config={},
        now=T0,
        deadline=None,
    )
    if answer:
        option = question.current_version.options.order_by("position").first()
        attempt_answer(attempt=attempt, position=1, option_ids=[option.pk], now=T0)
    return attempt, attempt.items.get(position=1)


def test_the_link_applies_reserved_zero_and_opens_the_queue_page(learner_client, learner, imported):
    attempt, item = practice_item(learner, "emergency-stop-reserved-concurrency-zero")
    response = learner_client.post(reverse("content:try_it", args=[item.pk]))
    assert response.status_code == 302
    assert response["Location"] == "/sandbox/lambda/reserved-concurrency-throttle/queue/"
    sample = Function.objects.samples().get(name="reserved-concurrency-throttle")
    assert invoke_config_for(user=learner, function=sample).reserved_concurrency == 0


def test_a_lesson_without_reserved_concurrency_removes_what_another_set(
    learner_client, learner, imported
):
    _, throttle = practice_item(learner, "emergency-stop-reserved-concurrency-zero")
    learner_client.post(reverse("content:try_it", args=[throttle.pk]))
    sample = Function.objects.samples().get(name="reserved-concurrency-throttle")
    assert invoke_config_for(user=learner, function=sample).reserved_concurrency == 0
    # The same sample through a setup that says nothing about reserved concurrency.
    version = Question.objects.get(key="noisy-neighbor-reserved-concurrency").current_version
    version.try_it = "reserved-concurrency-throttle page=queue"
    version.save(update_fields=["try_it"])
    _, plain = practice_item(learner, "noisy-neighbor-reserved-concurrency")
    learner_client.post(reverse("content:try_it", args=[plain.pk]))
    assert invoke_config_for(user=learner, function=sample).reserved_concurrency is None


def test_the_link_sets_the_queue_s_redrive_for_the_learner(learner_client, learner, imported):
    _, item = practice_item(learner, "sqs-visibility-timeout-guidance")
    response = learner_client.post(reverse("content:try_it", args=[item.pk]))
    assert response["Location"] == "/sandbox/lambda/sqs-redrive/queue/"
    queue = Queue.objects.get(owner=learner, name="sqs-redrive-queue")
    assert (queue.max_receive_count, queue.visibility_timeout_s, queue.batch_size) == (2, 0, 1)
    assert queue.report_batch_item_failures is False


def test_the_link_sets_retries_and_destinations(learner_client, learner, imported):
    _, item = practice_item(learner, "destinations-instead-of-dlq")
    response = learner_client.post(reverse("content:try_it", args=[item.pk]))
    assert response["Location"] == "/sandbox/lambda/async-retries-destinations/async/"
    sample = Function.objects.samples().get(name="async-retries-destinations")
    config = invoke_config_for(user=learner, function=sample)
    assert config.max_retry_attempts == 2
    assert config.on_failure == "arn:aws:sqs:us-east-1:123456789012:payment-failures"
    assert config.dead_letter == "arn:aws:sqs:us-east-1:123456789012:payment-dlq"


def test_run_settings_travel_to_the_function_page_form(learner_client, learner, imported):
    _, item = practice_item(learner, "timeout-default-three-seconds")
    response = learner_client.post(reverse("content:try_it", args=[item.pk]))
    assert response["Location"] == "/sandbox/samples/timeout-guard/?timeout_s=3&env.GUARD=off"
    page = learner_client.get(response["Location"])
    form = page.context["form"]
    assert form.initial["timeout_s"] == 3
    assert "GUARD=off" in form.initial["environment"].split("\n")
    assert "ITEMS=40" in form.initial["environment"].split("\n")


def test_out_of_range_query_values_leave_the_sample_s_own_settings(learner_client, imported):
    page = learner_client.get("/sandbox/samples/memory-vs-cpu/?memory_mb=99999&log_format=XML")
    assert page.context["form"].initial["memory_mb"] == 128
    assert page.context["form"].initial["log_format"] == "Text"


def test_an_unanswered_practice_question_offers_no_link_and_refuses_it(
    learner_client, learner, imported
):
    attempt, item = practice_item(learner, "emergency-stop-reserved-concurrency-zero", answer=False)
    page = learner_client.get(f"{attempt.get_absolute_url()}?q=1")
    assert page.status_code == 200
    assert b"Try it in the sandbox" not in page.content
    response = learner_client.post(reverse("content:try_it", args=[item.pk]))
    assert response.status_code == 404
    sample = Function.objects.samples().get(name="reserved-concurrency-throttle")
    assert invoke_config_for(user=learner, function=sample).pk is None


def test_an_answered_practice_question_shows_the_link(learner_client, learner, imported):
    attempt, item = practice_item(learner, "emergency-stop-reserved-concurrency-zero")
    page = learner_client.get(f"{attempt.get_absolute_url()}?q=1")
    assert b"Try it in the sandbox" in page.content
    assert reverse("content:try_it", args=[item.pk]).encode() in page.content


def test_an_answer_saved_in_an_open_exam_does_not_open_the_link(learner_client, learner, imported):
    _, item = practice_item(
        learner, "emergency-stop-reserved-concurrency-zero", mode=Attempt.Mode.EXAM
    )
    assert item.answered_at is not None
    response = learner_client.post(reverse("content:try_it", args=[item.pk]))
    assert response.status_code == 404


def test_another_learner_s_question_is_not_found(client, learner, django_user_model, imported):
    _, item = practice_item(learner, "emergency-stop-reserved-concurrency-zero")
    other = django_user_model.objects.create_user(username="bob", password="x-horse-42-y")
    client.force_login(other)
    assert client.post(reverse("content:try_it", args=[item.pk])).status_code == 404


def test_following_the_link_is_a_post(learner_client, learner, imported):
    _, item = practice_item(learner, "emergency-stop-reserved-concurrency-zero")
    assert learner_client.get(reverse("content:try_it", args=[item.pk])).status_code == 405


def test_a_try_line_survives_a_markdown_export_and_import():
    question = QUESTIONS["destinations-instead-of-dlq"]
    (again,) = parse(write([question], course="aws-lambda")).questions
    assert again.try_it == question.try_it
    assert again.try_it.startswith("async-retries-destinations retries=2")
