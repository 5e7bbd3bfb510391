"""Options shown in an order of each attempt's own, stable for that attempt, with pinned options.

The order is stored with the attempt's question, so reloads, resumes and the review show the
same letters; grading, statistics and exports keep the author's option identities.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studyapp.quizzes import attempts, quizbuilder
from studyapp.quizzes.attempts import option_is_pinned, option_order_shuffle
from studyapp.quizzes.banks import questions_export
from studyapp.quizzes.formats import markdown, moodle_xml
from studyapp.quizzes.item_analysis import quiz_analysis
from studyapp.quizzes.models import Attempt, Option, QuestionVersion, Quiz
from tests.quizzes.conftest import NOTES, import_content

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
def pinned_bank(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "quizzes").mkdir()
    (tmp_path / "notes" / "s3.md").write_text(NOTES, encoding="utf-8")
    (tmp_path / "quizzes" / "bank.md").write_text(PINNED_BANK, encoding="utf-8")
    import_content(tmp_path)


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
