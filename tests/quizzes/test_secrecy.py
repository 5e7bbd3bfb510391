"""Nothing about an unanswered question leaves the server while its attempt is open.

Every learner-facing URL (enumerated from the URL resolver, not listed by hand) is requested
during an open timed exam, as a page and as an htmx fragment, and the exam's own answer and flag
requests are made too; no response may carry the key, title or tags of a question of the exam,
nor mark which option is correct. The questions' topics may appear where every topic is listed
(the topic pages, the practice filter) but never in a response about the attempt (its pages,
fragments and the data export). The keys and tags here are written as real banks write them:
they name the answer.
"""

from __future__ import annotations

import json
import random
import re
from itertools import product
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from studyapp.cards.models import Card
from studyapp.quizzes import attempts
from studyapp.quizzes.models import Attempt, Question, QuestionVersion
from studyapp.topics.models import Topic
from tests.plugins.courses import bank_import

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
NOT_LEARNER_FACING = {"admin"}  # the instructors' pages are walked too: a learner may try them
CORRECT_MARKERS = ("is-correct", "Correct answer", "badge-good", "Why:", "EXPLAINS")

BANK = """---
course: amazon-s3
---

## throttling-reserved-limit-too-low
topics: buckets-and-objects
domain: D3
tags: reserved-concurrency-cap, throttles-at-limit

A function returns 429 errors at peak while the account has spare concurrency. What is the
most likely cause?

### Options

- [ ] The deployment package is larger than 50 MB.
  Why: EXPLAINS package size.
- [x] Its reserved concurrency setting caps it below the peak.
  Why: EXPLAINS reserved concurrency.
- [ ] The function's memory is set to 128 MB.
  Why: EXPLAINS memory.
- [ ] The function's timeout is 3 seconds.
  Why: EXPLAINS timeout.

## destinations-instead-of-dlq
topics: storage-classes
domain: D2
tags: on-failure-destination-wins

An asynchronous invocation fails after all retries; the team wants the whole invocation
record with the error. What should they configure?

### Options

- [ ] A dead-letter queue on the function.
  Why: EXPLAINS dead-letter queues.
- [ ] A CloudWatch alarm on the Errors metric.
  Why: EXPLAINS alarms.
- [x] An on-failure destination on the function.
  Why: EXPLAINS destinations.
- [ ] A larger maximum event age.
  Why: EXPLAINS event age.

## provisioned-concurrency-removes-cold-starts
topics: buckets-and-objects, storage-classes
domain: D1
tags: keep-environments-initialised

A latency-sensitive API has slow first requests after quiet periods. Which change helps?

### Options

- [x] Configure provisioned concurrency on an alias.
  Why: EXPLAINS provisioned concurrency.
- [ ] Raise the function's timeout.
  Why: EXPLAINS timeouts again.
- [ ] Put the function in a VPC.
  Why: EXPLAINS VPCs.
- [ ] Turn on X-Ray active tracing.
  Why: EXPLAINS tracing.
"""

TITLES = {
    "throttling-reserved-limit-too-low": "Reserved concurrency set too low",
    "destinations-instead-of-dlq": "On-failure destination over a DLQ",
    "provisioned-concurrency-removes-cold-starts": "Provisioned concurrency for cold starts",
}


@pytest.fixture
def secret_bank(content_dir: Path) -> list[Question]:
    bank_import(content_dir, BANK)
    for key, title in TITLES.items():  # titles come from GIFT and Moodle XML files
        QuestionVersion.objects.filter(question__key=key).update(title=title)
    return list(Question.objects.select_related("current_version"))


@pytest.fixture
def open_exam(secret_bank, learner, learner_client) -> Attempt:
    exam = attempts.exam_start(user=learner, now=timezone.now(), rng=random.Random(7))
    first = exam.items.get(position=1)
    correct = [o.id for o in first.version.options.all() if o.is_correct]
    attempts.attempt_answer(attempt=exam, position=1, option_ids=correct, now=timezone.now())
    return exam


def secrets_of(exam: Attempt, *, unanswered_only: bool = False) -> dict[str, list[str]]:
    """What no response may carry while the attempt is open, by kind."""
    found: dict[str, list[str]] = {"keys": [], "titles": [], "tags": [], "topics": []}
    items = exam.items.select_related("version__question").prefetch_related("version__topics")
    for item in items.filter(answered_at__isnull=True) if unanswered_only else items:
        version = item.version
        found["keys"].append(version.question.key)
        found["titles"].append(version.title)
        found["tags"].extend(version.tags)
        for topic in version.topics.all():
            found["topics"].extend([topic.title, f"/{topic.slug}/"])
    return found


def option_texts(exam: Attempt) -> list[tuple[str, list[str]]]:
    """Each question's correct option text with all of its option texts."""
    rows = []
    for item in exam.items.prefetch_related("version__options"):
        options = list(item.version.options.all())
        texts = [o.text_md.rstrip(".") for o in options]
        rows.extend((o.text_md.rstrip("."), texts) for o in options if o.is_correct)
    return rows


def learner_urls(exam: Attempt) -> list[str]:
    """Every GET-able learner URL with its parameters filled from the database."""
    values: dict[str, list] = {
        "attempt_id": [exam.pk],
        "position": list(range(1, exam.question_count + 1)),
        "card_id": list(Card.objects.values_list("pk", flat=True)[:3]) or [1],
        "name": ["hello-python"],
        "batch": ["00000000-0000-0000-0000-000000000000"],
        "area": ["questiontext"],
        "file": ["diagram.png"],
    }
    topics = [(t.course.slug, t.slug) for t in Topic.objects.select_related("course")]
    found: list[str] = []

    def walk(resolver: URLResolver, namespaces: tuple[str, ...]) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace in NOT_LEARNER_FACING:
                    continue
                walk(entry, (*namespaces, entry.namespace) if entry.namespace else namespaces)
            elif isinstance(entry, URLPattern) and entry.name:
                found.extend(reversed_urls(entry, ":".join((*namespaces, entry.name))))

    def reversed_urls(entry: URLPattern, name: str) -> list[str]:
        params = list(entry.pattern.regex.groupindex)
        if {"course_slug", "topic_slug"} <= set(params):
            choices = [
                dict(zip(("course_slug", "topic_slug"), pair, strict=True)) for pair in topics
            ]
        elif "course_slug" in params:
            choices = [{"course_slug": slug} for slug in {course for course, _ in topics}]
        else:
            pools = [values.get(param, [1]) for param in params]
            choices = [dict(zip(params, combo, strict=True)) for combo in product(*pools)]
        return [reverse(name, kwargs=kwargs) for kwargs in choices]

    walk(get_resolver(), ())
    return sorted(set(found))


def body(response) -> str:
    content = (
        b"".join(response.streaming_content)
        if getattr(response, "streaming", False)
        else response.content
    )
    return content.decode("utf-8", errors="replace") + response.get("Location", "")


def responses_during(exam: Attempt, client, *, answer: bool = True) -> dict[str, str]:
    """Every learner-facing response while the attempt is open, by request (``answer`` False:
    no answers are posted, which in practice would disclose the question)."""
    seen = {}
    for url in learner_urls(exam):
        if url == reverse("accounts:logout"):
            continue
        seen[f"GET {url}"] = body(client.get(url))
        seen[f"GET {url} (htmx)"] = body(client.get(url, **HTMX))
    for position in range(1, exam.question_count + 1):
        posts = [("answer", {"option": ["B"]})] if answer else []
        for name, data in [*posts, ("flag", {"flagged": "1"})]:
            url = reverse(f"quizzes:{name}", args=[exam.pk, position])
            seen[f"POST {url} (htmx)"] = body(client.post(url, data, **HTMX))
            seen[f"POST {url}"] = body(client.post(url, data))
    exam.refresh_from_db()
    assert not exam.is_submitted
    return seen


def about_the_attempt(request: str, exam: Attempt) -> bool:
    return f"/attempts/{exam.pk}/" in request or "export.json" in request


def test_the_walk_covers_every_learner_page_and_the_exam_itself(open_exam, learner_client):
    urls = learner_urls(open_exam)
    for name in ("progress:export", "quizzes:index", "home", "topics:index", "cards:index"):
        assert reverse(name) in urls
    assert reverse("quizzes:check", args=[open_exam.pk]) in urls
    assert reverse("quizzes:review", args=[open_exam.pk]) in urls
    assert reverse("teach:question_list") in urls
    assert not [url for url in urls if url.startswith("/admin/")]


def test_no_response_during_an_open_exam_names_its_questions(open_exam, learner_client):
    secrets = secrets_of(open_exam)
    leaked = [
        (request, kind, secret)
        for request, text in responses_during(open_exam, learner_client).items()
        for kind in ("keys", "titles", "tags")
        for secret in secrets[kind]
        if secret in text
    ]
    assert leaked == []


def test_no_response_about_an_open_exam_names_the_topics_of_its_questions(
    open_exam, learner_client
):
    topics = secrets_of(open_exam)["topics"]
    leaked = [
        (request, topic)
        for request, text in responses_during(open_exam, learner_client).items()
        if about_the_attempt(request, open_exam)
        for topic in topics
        if topic in text
    ]
    assert leaked == []


def test_no_response_during_an_open_exam_marks_the_correct_options(open_exam, learner_client):
    rows = option_texts(open_exam)
    for request, text in responses_during(open_exam, learner_client).items():
        assert [marker for marker in CORRECT_MARKERS if marker in text] == [], request
        for correct, every_option in rows:
            if correct in text:  # only where the question itself is shown, beside the others
                assert all(option in text for option in every_option), request


def test_the_export_names_an_open_exams_questions_only_after_it_ends(open_exam, learner_client):
    before = learner_client.get(reverse("progress:export")).content.decode()
    answers = json.loads(before)["attempt_answers"]
    assert [row["position"] for row in answers] == [1, 2, 3]
    assert {row.get("disclosed") for row in answers} == {False}
    assert answers[0]["answered"] is True
    assert not any(key in before for key in secrets_of(open_exam)["keys"])

    attempts.attempt_submit(attempt=open_exam, now=timezone.now())
    after = json.loads(learner_client.get(reverse("progress:export")).content)
    keys = {row["version__question__key"] for row in after["attempt_answers"]}
    assert keys == set(TITLES)


def test_the_export_of_an_open_practice_session_names_only_the_answered_questions(
    secret_bank, learner, learner_client
):
    practice = attempts.practice_start(
        user=learner, now=timezone.now(), count=3, rng=random.Random(2)
    )
    first = practice.items.select_related("version__question").get(position=1)
    wrong = next(o.id for o in first.version.options.all() if not o.is_correct)
    attempts.attempt_answer(attempt=practice, position=1, option_ids=[wrong], now=timezone.now())
    data = json.loads(learner_client.get(reverse("progress:export")).content)
    named = [row.get("version__question__key") for row in data["attempt_answers"]]
    assert named == [first.version.question.key, None, None]


def test_options_are_posted_by_their_letter_on_the_screen_not_their_id(open_exam, learner_client):
    html = learner_client.get(open_exam.get_absolute_url(), {"q": 2}).content.decode()
    values = re.findall(r'name="option" value="([^"]*)"', html)
    assert values == ["A", "B", "C", "D"]


def test_no_response_during_an_open_practice_session_names_its_unanswered_questions(
    secret_bank, learner, learner_client
):
    practice = attempts.practice_start(
        user=learner, now=timezone.now(), count=3, rng=random.Random(2)
    )
    first = practice.items.get(position=1)
    wrong = next(o.id for o in first.version.options.all() if not o.is_correct)
    attempts.attempt_answer(attempt=practice, position=1, option_ids=[wrong], now=timezone.now())
    secrets = secrets_of(practice, unanswered_only=True)
    assert len(secrets["keys"]) == 2
    leaked = [
        (request, secret)
        for request, text in responses_during(practice, learner_client, answer=False).items()
        for kind in ("keys", "titles", "tags")
        for secret in secrets[kind]
        if secret in text
    ]
    assert leaked == []
