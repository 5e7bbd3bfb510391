"""Options shown in an order of each attempt's own, stable for that attempt, with pinned options.

The order is stored with the attempt's question, so reloads, resumes and the review show the
same letters; grading, statistics and exports keep the author's option identities.
"""

from __future__ import annotations

import io
import json
import random
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studyapp.quizzes import attempts, question_import, quizbuilder
from studyapp.quizzes.attempts import option_is_pinned, option_order_shuffle
from studyapp.quizzes.banks import questions_export
from studyapp.quizzes.formats import markdown, moodle_xml
from studyapp.quizzes.item_analysis import quiz_analysis
from studyapp.quizzes.models import Attempt, Option, QuestionVersion, Quiz
from studyapp.topics.models import Course
from tests.plugins.courses import bank_import

pytestmark = pytest.mark.django_db

SHOWN = re.compile(
    r'name="option" value="([A-Z])"[^>]*>\s*<span[^>]*>[A-Z]</span>\s*<span>(.*?)</span>'
)

PINNED_BANK = """---
course: amazon-s3
---

## pinned-all-of-the-above
topics: buckets-and-objects
domain: D2

Which of these does a bucket policy control?

### Options

- [ ] Who can read objects.
  Why: Part of the answer.
- [ ] Who can write objects.
  Why: Part of the answer.
- [ ] Which accounts may list the bucket.
  Why: Part of the answer.
- [ ] Whether requests must use TLS.
  Why: Part of the answer.
- [x] All of the above.
  Why: Each one is a bucket policy statement.

## written-order-kept
topics: storage-classes
domain: D3
shuffle: no

Order the storage classes by retrieval time: which comes first?

### Options

- [x] S3 Standard.
  Why: Milliseconds.
- [ ] S3 Glacier Instant Retrieval.
  Why: Milliseconds too, but billed per retrieval.
- [ ] S3 Glacier Flexible Retrieval.
  Why: Minutes to hours.
- [ ] S3 Glacier Deep Archive.
  Why: Hours.
"""


def shown_texts(client: Client, attempt: Attempt, position: int) -> list[str]:
    html = client.get(attempt.get_absolute_url(), {"q": position}).content.decode()
    return [text for _, text in SHOWN.findall(html)]


def orders(attempt: Attempt) -> list[list[int]]:
    return [item.option_order for item in attempt.items.order_by("position")]


@pytest.fixture
def pinned_bank(content_dir: Path) -> None:
    bank_import(content_dir, PINNED_BANK)


def test_an_attempt_shows_the_same_order_on_every_reload_and_after_a_resume(
    bank, learner, learner_client, client
):
    exam = attempts.exam_start(user=learner, now=timezone.now(), count=5, rng=random.Random(1))
    first = [shown_texts(learner_client, exam, position) for position in range(1, 6)]
    again = [shown_texts(learner_client, exam, position) for position in range(1, 6)]
    client.force_login(learner)  # a new session: the exam resumed on another device
    resumed = [shown_texts(client, exam, position) for position in range(1, 6)]
    assert first == again == resumed
    assert all(len(texts) == 4 for texts in first)


def test_the_review_shows_the_options_in_the_attempts_order(bank, learner, learner_client):
    exam = attempts.exam_start(user=learner, now=timezone.now(), count=3, rng=random.Random(1))
    during = [shown_texts(learner_client, exam, position) for position in range(1, 4)]
    attempts.attempt_submit(attempt=exam, now=timezone.now())
    html = learner_client.get(f"/quizzes/attempts/{exam.pk}/review/").content.decode()
    reviewed = re.findall(r'<p class="quiz-option-text">.*?<span>(.*?)</span></p>', html, re.S)
    assert reviewed == [text for texts in during for text in texts]


def test_the_order_differs_across_attempts_of_one_learner(bank, learner):
    now = timezone.now()
    one = attempts.practice_start(user=learner, now=now, count=10, rng=random.Random(4))
    two = attempts.practice_start(user=learner, now=now, count=10, rng=random.Random(4))
    assert [i.version_id for i in one.items.all()] == [i.version_id for i in two.items.all()]
    assert orders(one) != orders(two)


def test_the_order_differs_across_learners(bank, learner, django_user_model):
    other = django_user_model.objects.create_user(username="bo", password="correct-horse-42")
    now = timezone.now()
    mine = attempts.practice_start(user=learner, now=now, count=10, rng=random.Random(4))
    theirs = attempts.practice_start(user=other, now=now, count=10, rng=random.Random(4))
    assert orders(mine) != orders(theirs)


def test_shuffled_attempts_do_not_keep_the_written_order(bank, learner):
    now = timezone.now()
    written = {
        version.pk: [o.pk for o in version.options.order_by("position")]
        for version in QuestionVersion.objects.all()
    }
    kept = [
        item.option_order == written[item.version_id]
        for _ in range(5)
        for item in attempts.practice_start(user=learner, now=now, count=10).items.all()
    ]
    assert kept.count(True) < len(kept) / 2  # 1 in 24 by chance for four options


def test_all_of_the_above_keeps_its_place_and_the_others_move(pinned_bank, learner):
    now = timezone.now()
    version = QuestionVersion.objects.get(question__key="pinned-all-of-the-above")
    written = [o.pk for o in version.options.order_by("position")]
    seen = set()
    for _ in range(12):
        exam = attempts.exam_start(user=learner, now=now)
        order = exam.items.get(version=version).option_order
        assert order[-1] == written[-1]
        seen.add(tuple(order))
    assert len(seen) > 1


def test_a_question_its_author_marked_not_to_shuffle_keeps_the_written_order(pinned_bank, learner):
    version = QuestionVersion.objects.get(question__key="written-order-kept")
    assert version.shuffle_options is False
    written = [o.pk for o in version.options.order_by("position")]
    for _ in range(6):
        exam = attempts.exam_start(user=learner, now=timezone.now())
        assert exam.items.get(version=version).option_order == written


def test_an_answer_by_letter_is_stored_and_graded_by_the_authors_options(bank, learner):
    exam = attempts.exam_start(user=learner, now=timezone.now(), count=10, rng=random.Random(8))
    item = exam.items.get(position=1)
    correct = [o for o in item.shown_options() if o.is_correct]
    letters = [o.shown_letter for o in correct]
    attempts.attempt_answer(attempt=exam, position=1, letters=letters, now=timezone.now())
    attempts.attempt_submit(attempt=exam, now=timezone.now())
    item.refresh_from_db()
    assert item.chosen == sorted(o.pk for o in correct)
    assert item.correct is True


def test_an_unknown_letter_is_refused_and_changes_nothing(bank, learner):
    exam = attempts.exam_start(user=learner, now=timezone.now(), count=3, rng=random.Random(8))
    with pytest.raises(attempts.AttemptError, match="does not belong"):
        attempts.attempt_answer(attempt=exam, position=1, letters=["Q"], now=timezone.now())
    assert exam.items.get(position=1).chosen == []


@pytest.mark.parametrize(
    "text",
    ["All of the above.", "None of the above", "Both A and B", "A and C", "Neither of these."],
)
def test_options_that_refer_to_the_others_are_pinned(text):
    assert option_is_pinned(text)


@pytest.mark.parametrize(
    "text",
    ["Allow all principals above the account", "Use a DLQ and a destination", "A Lambda layer"],
)
def test_ordinary_options_are_not_pinned(text):
    assert not option_is_pinned(text)


option_texts = st.lists(
    st.one_of(st.sampled_from(["All of the above", "None of these"]), st.text(max_size=30)),
    min_size=2,
    max_size=8,
)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a busy machine
@given(texts=option_texts, seed=st.text(max_size=20), shuffle=st.booleans())
def test_an_option_order_is_a_permutation_that_keeps_pinned_options_in_place(texts, seed, shuffle):
    options = [
        Option(id=100 + i, position=i, text_md=text, is_correct=False)
        for i, text in enumerate(texts)
    ]
    order = option_order_shuffle(seed=seed, options=options, shuffle=shuffle)
    assert sorted(order) == [option.id for option in options]
    assert order == option_order_shuffle(seed=seed, options=options, shuffle=shuffle)
    for option in options:
        if option_is_pinned(option.text_md) or not shuffle:
            assert order[option.position] == option.id


def test_moodle_xml_shuffleanswers_is_read_and_written(pinned_bank):
    exported = questions_export(format_name="moodle-xml").text
    assert exported.count("<shuffleanswers>false</shuffleanswers>") == 1
    assert exported.count("<shuffleanswers>true</shuffleanswers>") == 1
    parsed = moodle_xml.parse(exported)
    assert {q.key: q.shuffle for q in parsed.questions} == {
        "pinned-all-of-the-above": True,
        "written-order-kept": False,
    }


def test_the_markdown_format_carries_shuffle_no(pinned_bank):
    written = markdown.write(markdown.parse(PINNED_BANK).questions, course="amazon-s3")
    assert written.count("shuffle: no") == 1
    assert [q.shuffle for q in markdown.parse(written).questions] == [True, False]


def test_a_bad_shuffle_value_is_a_clear_error():
    result = markdown.parse(PINNED_BANK.replace("shuffle: no", "shuffle: sometimes"))
    assert [str(error) for error in result.errors] == [
        "line 27: shuffle must be yes or no (got 'sometimes')"
    ]


def test_item_statistics_count_the_authors_options_whatever_letter_they_were_shown_under(
    bank, instructor, django_user_model
):
    now = timezone.now()
    quiz = quizbuilder.quiz_create(owner=instructor, title="Week 1", now=now)
    quiz.status, quiz.shuffle_options, quiz.mode = Quiz.Status.PUBLISHED, True, Quiz.Mode.TIMED
    quiz.save()
    quizbuilder.quiz_item_add(quiz=quiz, question=bank["q2"])  # written: C is right
    letters_shown = set()
    for n in range(6):
        user = django_user_model.objects.create_user(username=f"l{n}", password="x-horse-42")
        attempt = attempts.attempt_create(
            user=user,
            mode=Attempt.Mode.EXAM,
            title=quiz.title,
            questions=[bank["q2"]],
            config={},
            now=now,
            deadline=None,
        )
        attempt.quiz = quiz
        attempt.save(update_fields=["quiz"])
        item = attempt.items.get()
        right = next(o for o in item.shown_options() if o.is_correct)
        letters_shown.add(right.shown_letter)
        attempts.attempt_answer(attempt=attempt, position=1, letters=[right.shown_letter], now=now)
        attempts.attempt_submit(attempt=attempt, now=now)
    assert len(letters_shown) > 1  # the right option moved between learners
    [row] = quiz_analysis(quiz).items
    assert [(option.letter, option.count) for option in row.options] == [
        ("A", 0),
        ("B", 0),
        ("C", 6),
        ("D", 0),
    ]


# -- options the author pinned -------------------------------------------------------------------

AUTHOR_PINNED_BANK = """---
course: amazon-s3
---

## pinned-by-the-author
topics: buckets-and-objects
domain: D2

A team stores build artefacts. Which service keeps them durably at the lowest cost?

### Options

- [ ] Amazon EBS volumes.
  Why: Block storage, attached to one instance.
- [ ] Amazon EFS.
  Why: A shared file system, dearer per GB.
- [ ] Keep the artefacts on the build hosts and copy them as needed between hosts.
  Pinned: yes
  Why: Not durable.
- [x] Amazon S3.
  Why: Durable object storage at the lowest cost.
- [ ] Amazon ElastiCache.
  Why: A cache, not storage.
"""


@pytest.fixture
def author_pinned_bank(content_dir: Path) -> None:
    bank_import(content_dir, AUTHOR_PINNED_BANK)


def test_the_markdown_format_reads_and_writes_a_pinned_option():
    [question] = markdown.parse(AUTHOR_PINNED_BANK).questions
    assert [option.pinned for option in question.options] == [False, False, True, False, False]
    assert question.options[2].text == (
        "Keep the artefacts on the build hosts and copy them as needed between hosts."
    )
    assert question.options[2].feedback == "Not durable."
    written = markdown.write([question], course="amazon-s3")
    assert written == AUTHOR_PINNED_BANK.replace("domain: D2\n", "domain: D2\ndifficulty: medium\n")
    assert markdown.parse(written).questions == [question]


def test_an_option_the_author_pinned_keeps_its_place_over_many_attempts_while_the_others_move(
    author_pinned_bank, learner, django_user_model
):
    version = QuestionVersion.objects.get(question__key="pinned-by-the-author")
    written = [o.pk for o in version.options.order_by("position")]
    assert [o.pinned for o in version.options.order_by("position")] == [0, 0, 1, 0, 0]
    other = django_user_model.objects.create_user(username="bo", password="correct-horse-42")
    seen: set[tuple[int, ...]] = set()
    first_places: set[int] = set()
    for n in range(30):
        exam = attempts.exam_start(user=learner if n % 2 else other, now=timezone.now())
        order = exam.items.get(version=version).option_order
        assert sorted(order) == sorted(written)
        assert order[2] == written[2]  # the pinned option, always third
        seen.add(tuple(order))
        first_places.add(order[0])
        # stable for that attempt: the order is stored and served again on a reload
        assert exam.items.get(version=version).option_order == order
    assert len(seen) > 5
    assert first_places == {written[0], written[1], written[3], written[4]}  # every other moves


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pins=st.lists(st.booleans(), min_size=2, max_size=8),
    seeds=st.lists(st.text(max_size=12), min_size=1, max_size=5),
)
def test_every_pinned_option_keeps_its_place_for_any_seed(pins, seeds):
    options = [
        Option(id=200 + i, position=i, text_md=f"Option {i}", is_correct=False, pinned=pinned)
        for i, pinned in enumerate(pins)
    ]
    for seed in seeds:
        order = option_order_shuffle(seed=seed, options=options, shuffle=True)
        assert sorted(order) == [option.id for option in options]
        assert order == option_order_shuffle(seed=seed, options=options, shuffle=True)
        for option in options:
            if option.pinned:
                assert order[option.position] == option.id


def test_the_unpinned_options_of_a_pinned_question_reach_every_free_place():
    options = [
        Option(id=300 + i, position=i, text_md=f"Option {i}", is_correct=False, pinned=i == 0)
        for i in range(4)
    ]
    orders_seen = {
        tuple(option_order_shuffle(seed=str(n), options=options, shuffle=True)) for n in range(200)
    }
    assert {order[0] for order in orders_seen} == {300}
    assert len(orders_seen) == 6  # 3! orders of the three free options, all reached


def test_the_markdown_export_and_import_round_trip_keeps_the_pin(author_pinned_bank):
    exported = questions_export(format_name="markdown").text
    assert exported.count("Pinned: yes") == 1
    [question] = markdown.parse(exported).questions
    assert [option.pinned for option in question.options] == [False, False, True, False, False]
    report = question_import.questions_import(
        text=exported, format_name="markdown", bank=Course.objects.get().slug, now=timezone.now()
    )
    assert [q.action for q in report.questions] == ["unchanged"]


def test_a_pin_written_after_why_or_with_another_value_is_a_clear_error():
    after = AUTHOR_PINNED_BANK.replace(
        "  Pinned: yes\n  Why: Not durable.", "  Why: Not durable.\n  Pinned: yes"
    )
    maybe = AUTHOR_PINNED_BANK.replace("Pinned: yes", "Pinned: perhaps")
    assert [str(e) for e in markdown.parse(after).errors] == [
        "line 19: write 'Pinned: yes' before the option's 'Why:' line"
    ]
    assert [str(e) for e in markdown.parse(maybe).errors] == [
        "line 18: Pinned: must be yes or no (got 'perhaps')"
    ]


@pytest.mark.parametrize("format_name", ["gift", "aiken", "moodle-xml"])
def test_formats_that_cannot_hold_a_pin_say_so_per_question_on_stderr(
    author_pinned_bank, format_name, tmp_path
):
    err = io.StringIO()
    call_command(
        "export_questions", "--format", format_name, "--out", str(tmp_path / "out"), stderr=err
    )
    assert (
        "written without: question 1 (pinned-by-the-author): "
        f"{format_name} cannot pin an option: C is shuffled with the others after an import "
        "(only the Markdown format keeps a pin)"
    ) in err.getvalue().splitlines()


def test_the_markdown_export_says_nothing_is_lost(author_pinned_bank, tmp_path):
    err = io.StringIO()
    call_command(
        "export_questions", "--format", "markdown", "--out", str(tmp_path / "out"), stderr=err
    )
    assert "written without" not in err.getvalue()


def test_moodle_xml_keeps_question_level_shuffleanswers_only(author_pinned_bank):
    exported = questions_export(format_name="moodle-xml").text
    assert exported.count("<shuffleanswers>true</shuffleanswers>") == 1
    assert exported.count("<shuffleanswers>") == 1


@pytest.mark.parametrize("format_name", ["gift", "moodle-xml"])
def test_importing_a_format_without_pins_over_the_bank_keeps_the_pin(
    author_pinned_bank, format_name
):
    exported = questions_export(format_name=format_name).text
    report = question_import.questions_import(
        text=exported, format_name=format_name, bank=Course.objects.get().slug, now=timezone.now()
    )
    assert report.saved and [q.action for q in report.questions] == ["unchanged"]
    version = QuestionVersion.objects.get(
        question__key="pinned-by-the-author", question__current_version=F("id")
    )
    assert [o.pinned for o in version.options.order_by("position")] == [0, 0, 1, 0, 0]


def test_the_export_names_the_authors_options_not_the_letters_they_were_shown_under(
    bank, learner, learner_client
):
    now = timezone.now()
    exam = attempts.exam_start(user=learner, now=now, count=6, rng=random.Random(3))
    picked: dict[int, Option] = {}
    for item in exam.items.all():
        last_shown = item.shown_options()[-1]  # the option shown under the last letter
        attempts.attempt_answer(
            attempt=exam, position=item.position, letters=[last_shown.shown_letter], now=now
        )
        picked[item.position] = last_shown
    attempts.attempt_submit(attempt=exam, now=now)

    rows = json.loads(learner_client.get(reverse("progress:export")).content)["attempt_answers"]
    assert len(rows) == 6
    for row in rows:
        item = exam.items.get(position=row["position"])
        assert row["chosen"] == [picked[row["position"]].pk]
        assert row["option_order"] == item.option_order
    written_last = {
        row["position"]: max(
            Option.objects.filter(version__question__key=row["version__question__key"]),
            key=lambda option: option.position,
        ).pk
        for row in rows
    }
    # the shuffle moved the author's last option away from the last letter somewhere
    assert any(picked[p].pk != written_last[p] for p in picked)
