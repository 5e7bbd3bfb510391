"""The review pages over HTTP: session fragments, answers, settings, authoring, export."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from studyapp.cards.models import Card, CardSchedule, Note, ReviewLog, StudySettings
from studyapp.cards.review import study_day_for
from studyapp.topics.models import Course, Topic
from tests.cards.conftest import deck_build

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_the_review_page_shows_the_front_but_not_the_answer(learner_client, deck):
    page = learner_client.get("/review/")
    assert page.status_code == 200
    assert "term 0.0" in page.text
    assert "Definition 0.0." not in page.text
    assert 'data-count="new">4<' in page.text
    assert deck.topics[0].get_absolute_url() in page.text


def test_revealing_shows_the_answer_and_the_interval_of_each_button(learner_client, deck):
    card = deck.cards()[0]
    fragment = learner_client.get(f"/review/cards/{card.pk}/reveal/?version=0", **HTMX)
    assert "Definition 0.0." in fragment.text
    for name, interval in [("Again", "1m"), ("Hard", "6m"), ("Good", "10m")]:
        assert name in fragment.text
        assert f'<span class="rating-interval">{interval}</span>' in fragment.text
    assert "<html" not in fragment.text


def test_answering_records_the_time_taken_and_shows_the_next_card(learner_client, learner, deck):
    first = deck.cards()[0]
    fragment = learner_client.post(
        f"/review/cards/{first.pk}/answer/",
        {"rating": "3", "version": "0", "duration_ms": "2345"},
        **HTMX,
    )
    assert fragment.status_code == 200
    log = ReviewLog.objects.get(user=learner)
    assert (log.card, log.rating, log.duration_ms) == (first, 3, 2345)
    assert 'id="review-session"' in fragment.text
    assert "term 0.1" in fragment.text  # the next new card
    assert 'data-count="learning">1<' in fragment.text


def test_posting_the_same_answer_twice_records_it_once(learner_client, deck):
    card = deck.cards()[0]
    data = {"rating": "4", "version": "0", "duration_ms": "900"}
    learner_client.post(f"/review/cards/{card.pk}/answer/", data, **HTMX)
    learner_client.post(f"/review/cards/{card.pk}/answer/", data, **HTMX)
    assert ReviewLog.objects.count() == 1


def test_an_answer_without_a_valid_rating_is_refused(learner_client, deck):
    card = deck.cards()[0]
    response = learner_client.post(
        f"/review/cards/{card.pk}/answer/", {"rating": "7", "version": "0"}
    )
    assert response.status_code == 400
    assert not ReviewLog.objects.exists()


def test_the_topic_filter_takes_the_key_topic_pages_link_with(learner_client, deck):
    page = learner_client.get("/review/?topic=aws-lambda/topic-1")
    assert "term 1.0" in page.text
    assert 'data-count="new">2<' in page.text
    assert learner_client.get("/review/?topic=aws-lambda/nope").status_code == 404


def test_the_topic_filter_offers_the_visible_topics_by_course_in_order(learner_client, deck):
    """Every visible topic, grouped by course in course order, the chosen one selected; not an
    archived topic, nor the topics of an archived section or course."""
    second = deck_build(topics=3, slug="lambda-two")
    Course.objects.filter(pk=deck.course.pk).update(position=2)
    Course.objects.filter(pk=second.course.pk).update(position=1, title="Lambda first")
    hidden = deck_build(topics=1, slug="lambda-gone")
    Course.objects.filter(pk=hidden.course.pk).update(archived_at=timezone.now())
    Topic.objects.filter(pk=second.topics[1].pk).update(archived_at=timezone.now())
    Topic.objects.filter(pk=deck.topics[0].pk).update(position=5)
    page = learner_client.get("/review/?topic=aws-lambda/topic-1")
    select = page.text[page.text.index('<select id="topic-filter"') :]
    select = select[: select.index("</select>")]
    groups = re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', select, re.S)
    assert [
        (label, re.findall(r'<option value="([^"]+)"( selected)?>([^<]+)<', options))
        for label, options in groups
    ] == [
        (
            "Lambda first",
            [
                ("lambda-two/topic-0", "", "Concurrency and Scaling"),
                ("lambda-two/topic-2", "", "Lambda Layers"),
            ],
        ),
        (
            "AWS Lambda",
            [
                ("aws-lambda/topic-1", " selected", "Memory and Timeout"),
                ("aws-lambda/topic-0", "", "Concurrency and Scaling"),
            ],
        ),
    ]


def test_undo_over_htmx_brings_the_card_back(learner_client, learner, deck):
    card = deck.cards()[0]
    learner_client.post(f"/review/cards/{card.pk}/answer/", {"rating": "3", "version": "0"}, **HTMX)
    fragment = learner_client.post("/review/undo/", **HTMX)
    assert "Undone" in fragment.text
    assert "term 0.0" in fragment.text
    assert not ReviewLog.objects.exists()


def test_undo_touches_only_the_learners_own_answers(client, learner, deck, django_user_model):
    other = django_user_model.objects.create_user(username="bob", password="correct-horse-42")
    card = deck.cards()[0]
    client.force_login(other)
    client.post(f"/review/cards/{card.pk}/answer/", {"rating": "3", "version": "0"}, **HTMX)
    client.force_login(learner)
    client.post("/review/undo/", **HTMX)
    assert ReviewLog.objects.filter(user=other).count() == 1


def test_suspending_from_the_card_moves_on_to_the_next(learner_client, learner, deck):
    card = deck.cards()[0]
    fragment = learner_client.post(f"/review/cards/{card.pk}/suspend/", **HTMX)
    assert "Card suspended." in fragment.text
    assert CardSchedule.objects.get(user=learner, card=card).suspended
    assert 'data-count="new">3<' in fragment.text


def test_the_last_card_leads_to_the_summary(learner_client, deck):
    Note.objects.exclude(pk=deck.notes[0].pk).update(archived_at="2026-01-01T00:00Z")
    card = deck.cards()[0]
    fragment = learner_client.post(
        f"/review/cards/{card.pk}/answer/", {"rating": "4", "version": "0"}, **HTMX
    )
    assert "Done for now" in fragment.text
    assert "Answered today" in fragment.text


def test_the_summary_counts_todays_answers_and_the_cards_due_tomorrow(
    learner_client, learner, deck, django_user_model
):
    """Today's answers by rating and their time (not yesterday's, nor another learner's), and
    the studied cards due on the next study day (not a suspended one, nor a later one)."""
    cards = deck.cards()
    for card, rating, duration in zip(cards, (1, 2, 3, 4), (1500, 2500, 1000, 999), strict=True):
        data = {"rating": str(rating), "version": "0", "duration_ms": str(duration)}
        learner_client.post(f"/review/cards/{card.pk}/answer/", data, **HTMX)
    day = study_day_for(learner, StudySettings(user=learner), now=timezone.now())
    tomorrow, later = day.end + timedelta(hours=1), day.end + timedelta(days=2)
    dues = ((tomorrow, False), (tomorrow, False), (tomorrow, True), (later, False))
    for card, (due, suspended) in zip(cards, dues, strict=True):
        CardSchedule.objects.filter(user=learner, card=card).update(due=due, suspended=suspended)
    other = django_user_model.objects.create_user(username="bob", password="correct-horse-42")
    for user, when in ((learner, day.start - timedelta(hours=1)), (other, timezone.now())):
        ReviewLog.objects.create(
            user=user, card=cards[0], rating=1, reviewed_at=when, duration_ms=7000,
            state_after=1, due_after=when, fsrs_review_log={},
        )  # fmt: skip
    page = learner_client.get("/review/")
    assert "Done for now" in page.text
    assert dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", page.text)) == {
        "Answered today": "4",
        "Again": "1",
        "Hard / Good / Easy": "1 / 1 / 1",
        "Time on answers": "6 s",
        "Due tomorrow": "2",
    }


def test_study_settings_are_validated_with_clear_messages(learner_client, learner):
    response = learner_client.post(
        "/review/settings/",
        {
            "desired_retention": "0.5",
            "new_per_day": "20",
            "reviews_per_day": "200",
            "learning_steps": "1 ten",
            "relearning_steps": "10",
            "day_starts_at_hour": "25",
            "leech_action": "suspend",
        },
    )
    assert response.status_code == 400
    assert "Desired retention must be between 0.70 and 0.97." in response.text
    assert "Write minutes as numbers separated by spaces" in response.text
    assert "less than or equal to 23" in response.text
    assert not StudySettings.objects.exists()


def test_study_settings_are_saved(learner_client, learner):
    response = learner_client.post(
        "/review/settings/",
        {
            "desired_retention": "0.85",
            "new_per_day": "10",
            "reviews_per_day": "100",
            "learning_steps": "2 15 60",
            "relearning_steps": "",
            "day_starts_at_hour": "5",
            "bury_siblings": "on",
            "leech_action": "tag",
        },
    )
    assert response.status_code == 302
    saved = StudySettings.objects.get(user=learner)
    assert (saved.desired_retention, saved.new_per_day, saved.learning_steps) == (
        0.85,
        10,
        [2, 15, 60],
    )
    assert saved.relearning_steps == []
    assert saved.leech_action == "tag"


def test_learners_cannot_write_cards(learner_client, deck):
    assert learner_client.get("/review/author/new/").status_code == 403


def test_an_instructor_writes_a_cloze_card_that_gives_a_card_per_deletion(
    instructor_client, instructor, deck
):
    topic = deck.topics[0]
    preview = instructor_client.post(
        "/review/author/preview/",
        {"kind": "cloze", "front_md": "Timeout is {{c1::900}} s at most, {{c2::3}} s by default."},
        **HTMX,
    )
    assert preview.text.count('class="preview-card"') == 2
    response = instructor_client.post(
        "/review/author/new/",
        {
            "topic": topic.pk,
            "kind": "cloze",
            "front_md": "Timeout is {{c1::900}} s at most, {{c2::3}} s by default.",
            "back_md": "",
        },
    )
    assert response.status_code == 302
    note = Note.objects.get(source=Note.Source.AUTHORED)
    assert (note.topic, note.author) == (topic, instructor)
    assert sorted(note.cards.values_list("ordinal", flat=True)) == [1, 2]


def test_a_cloze_card_without_a_deletion_is_refused(instructor_client, deck):
    response = instructor_client.post(
        "/review/author/new/",
        {"topic": deck.topics[0].pk, "kind": "cloze", "front_md": "No deletion", "back_md": ""},
    )
    assert response.status_code == 400
    assert "needs at least one" in response.text
    assert not Note.objects.filter(source=Note.Source.AUTHORED).exists()


def test_the_preview_escapes_what_the_author_writes(instructor_client, deck):
    preview = instructor_client.post(
        "/review/author/preview/",
        {
            "kind": "basic",
            "front_md": "<script>alert(1)</script>",
            "back_md": "<img src=x onerror=y>",
        },
        **HTMX,
    )
    assert "<script>alert" not in preview.text
    assert "onerror" not in preview.text


def test_the_export_button_downloads_an_anki_package(learner_client, deck):
    response = learner_client.get("/review/export/lambda-study.apkg")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="lambda-study.apkg"'
    assert b"".join(response.streaming_content)[:2] == b"PK"  # a zip file


def test_my_cards_lists_suspended_cards_with_an_unsuspend_button(learner_client, learner, deck):
    card = deck.cards()[0]
    learner_client.post(f"/review/cards/{card.pk}/answer/", {"rating": "3", "version": "0"}, **HTMX)
    learner_client.post(f"/review/cards/{card.pk}/suspend/", {"next": "browse"})
    page = learner_client.get("/review/cards/?show=suspended")
    assert "Suspended" in page.text
    assert f"/review/cards/{card.pk}/unsuspend/" in page.text
    learner_client.post(f"/review/cards/{card.pk}/unsuspend/")
    assert not CardSchedule.objects.get(card=card).suspended


def test_an_archived_card_cannot_be_answered(learner_client, deck):
    card = deck.cards()[0]
    Card.objects.filter(pk=card.pk).update(archived_at="2026-01-01T00:00Z")
    response = learner_client.post(
        f"/review/cards/{card.pk}/answer/", {"rating": "3", "version": "0"}
    )
    assert response.status_code == 404
