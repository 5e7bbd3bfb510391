"""Each figure of the learner's dashboard against history built for the test, at a fixed now."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import fsrs
import pytest
from django.template.loader import render_to_string

from studyapp.progress.dashboards import learner_dashboard, streak_days
from studyapp.progress.selectors import ScorePoint
from studyapp.quizzes.models import Attempt
from tests.progress.conftest import NOW

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 4)
THIS_MONDAY = date(2026, 3, 2)


def week_of(board, monday: date):
    return next(week for week in board.retention if week.week == monday)


# -- true retention -----------------------------------------------------------------------------


def test_true_retention_counts_review_answers_passed_with_hard_good_or_easy(world, learner):
    at = NOW - timedelta(hours=2)
    for rating in (3, 3, 1, 2):  # young: 3 of 4 passed
        world.review(learner, at=at, rating=rating, interval_days=5)
    for rating in (4, 1):  # mature: 1 of 2 passed
        world.review(learner, at=at, rating=rating, interval_days=30)
    board = learner_dashboard(learner, now=NOW)
    week = week_of(board, THIS_MONDAY)
    assert (week.young_passed, week.young) == (3, 4)
    assert (week.mature_passed, week.mature) == (1, 2)
    assert board.young_rate == 0.75 and board.mature_rate == 0.5


def test_learning_relearning_and_first_answers_do_not_count_towards_retention(world, learner):
    at = NOW - timedelta(hours=2)
    world.review(learner, at=at, rating=1, state_before=None)  # a new card
    world.review(learner, at=at, rating=1, state_before=1)  # learning
    world.review(learner, at=at, rating=1, state_before=3)  # relearning
    world.review(learner, at=at, rating=3, interval_days=8)
    week = week_of(learner_dashboard(learner, now=NOW), THIS_MONDAY)
    assert (week.young_passed, week.young, week.mature) == (1, 1, 0)


def test_a_card_is_mature_from_a_scheduled_interval_of_21_days(world, learner):
    at = NOW - timedelta(hours=2)
    world.review(learner, at=at, interval_days=20)
    world.review(learner, at=at, interval_days=21)
    week = week_of(learner_dashboard(learner, now=NOW), THIS_MONDAY)
    assert (week.young, week.mature) == (1, 1)


def test_maturity_follows_the_scheduled_interval_not_how_late_the_answer_came(world, learner):
    at = NOW - timedelta(hours=2)
    world.review(learner, at=at, interval_days=10, elapsed_days=40)  # very overdue, still young
    world.review(learner, at=at, interval_days=30, elapsed_days=25)  # answered early, mature
    week = week_of(learner_dashboard(learner, now=NOW), THIS_MONDAY)
    assert (week.young, week.mature) == (1, 1)


def test_retention_is_counted_per_monday_to_sunday_week(world, learner):
    world.review(learner, at=datetime(2026, 3, 1, 12, tzinfo=UTC), rating=1)  # Sunday
    world.review(learner, at=datetime(2026, 3, 2, 12, tzinfo=UTC), rating=3)  # Monday
    board = learner_dashboard(learner, now=NOW)
    assert week_of(board, date(2026, 2, 23)).young_rate == 0.0
    assert week_of(board, THIS_MONDAY).young_rate == 1.0
    assert len(board.retention) == 26 and board.retention[-1].week == THIS_MONDAY


# -- forecast -----------------------------------------------------------------------------------


def test_the_forecast_counts_cards_and_questions_due_per_day_with_overdue_ones_today(
    world, learner
):
    cards = world.cards
    world.schedule(learner, cards[0], due=NOW - timedelta(days=3))  # overdue: today
    world.schedule(learner, cards[1], due=NOW + timedelta(hours=6))  # later today
    world.schedule(learner, cards[2], due=NOW + timedelta(days=1))  # tomorrow
    world.schedule(learner, cards[3], due=NOW + timedelta(days=1, hours=2))  # tomorrow
    world.schedule(learner, cards[4], due=NOW + timedelta(days=29))  # the 30th day
    world.schedule(learner, cards[5], due=NOW + timedelta(days=30))  # beyond the forecast
    world.question_due(learner, world.question(), due=NOW + timedelta(days=1))
    forecast = learner_dashboard(learner, now=NOW).forecast
    assert len(forecast) == 30 and forecast[0].day == TODAY
    assert (forecast[0].cards, forecast[0].questions) == (2, 0)
    assert (forecast[1].cards, forecast[1].questions) == (2, 1)
    assert forecast[29].cards == 1
    assert sum(day.cards for day in forecast) == 5


def test_suspended_cards_are_not_forecast(world, learner):
    world.schedule(learner, world.cards[0], due=NOW + timedelta(days=2), suspended=True)
    board = learner_dashboard(learner, now=NOW)
    assert board.forecast[0].cards == board.cards_due  # today: the review queue (new cards)
    assert sum(day.cards for day in board.forecast[1:]) == 0


def test_the_forecast_uses_the_learners_time_zone_and_day_start(world, learner):
    learner.time_zone = "America/New_York"
    learner.save()
    # 5 March 08:30 UTC is 03:30 in New York, before the 4 am day start: still 4 March's day.
    world.schedule(learner, world.cards[0], due=datetime(2026, 3, 5, 8, 30, tzinfo=UTC))
    # 5 March 09:30 UTC is 04:30 in New York: the 5 March study day.
    world.schedule(learner, world.cards[1], due=datetime(2026, 3, 5, 9, 30, tzinfo=UTC))
    board = learner_dashboard(learner, now=NOW)
    assert (board.cards_review, board.forecast[1].cards) == (1, 1)


def test_due_today_counts_the_review_queue_and_due_questions(world, learner):
    world.schedule(learner, world.cards[0], due=NOW - timedelta(days=1))
    world.schedule(learner, world.cards[1], due=NOW + timedelta(days=3))
    world.question_due(learner, world.question(), due=NOW - timedelta(hours=1))
    board = learner_dashboard(learner, now=NOW)
    assert board.cards_review == 1
    assert board.cards_new == 4  # the six cards, two of them already introduced
    assert board.questions_due == 1


# -- heatmap, streak, time ----------------------------------------------------------------------


def test_the_heatmap_counts_card_and_quiz_answers_per_study_day(world, learner):
    world.review(learner, at=datetime(2026, 3, 3, 10, tzinfo=UTC))
    world.review(learner, at=datetime(2026, 3, 3, 11, tzinfo=UTC))
    world.review(learner, at=datetime(2026, 3, 4, 3, tzinfo=UTC))  # before 4 am: 3 March
    world.attempt(
        learner, answers=[(world.question(), True)], at=datetime(2026, 2, 1, 9, tzinfo=UTC)
    )
    world.review(learner, at=datetime(2025, 2, 1, 9, tzinfo=UTC))  # over a year ago
    chart = learner_dashboard(learner, now=NOW).charts["heatmap"]
    assert chart.rows == [("2026-02-01", 1), ("2026-03-03", 3)]
    assert "<title>2026-03-03: 3 reviews</title>" in render_to_string(
        "includes/chart_svg.html", {"chart": chart}
    )


def test_the_streak_runs_back_from_yesterday_when_today_has_no_answer(world, learner):
    for days_ago in (1, 2, 3, 5):
        world.review(learner, at=NOW - timedelta(days=days_ago))
    board = learner_dashboard(learner, now=NOW)
    assert board.streak == 3 and not board.active_today


def test_the_streak_includes_today_once_studied(world, learner):
    for days_ago in (0, 1):
        world.review(learner, at=NOW - timedelta(days=days_ago))
    board = learner_dashboard(learner, now=NOW)
    assert board.streak == 2 and board.active_today


def test_the_streak_is_broken_by_a_missed_day():
    active = {date(2026, 3, 1), date(2026, 3, 2)}
    assert streak_days(active, today=date(2026, 3, 4)) == 0


def test_the_streak_follows_the_learners_day_boundaries(world, learner):
    learner.time_zone = "Asia/Tokyo"
    learner.save()
    # 3 March 20:00 UTC is 4 March 05:00 in Tokyo; 2 March 18:00 UTC is 3 March 03:00 in Tokyo,
    # before 4 am: 2 March's study day. So 2 and 4 March: yesterday (3 March) is missing.
    world.review(learner, at=datetime(2026, 3, 3, 20, tzinfo=UTC))
    world.review(learner, at=datetime(2026, 3, 2, 18, tzinfo=UTC))
    board = learner_dashboard(learner, now=NOW)  # 4 March 21:00 in Tokyo
    assert board.today == TODAY
    assert board.streak == 1


def test_time_studied_adds_up_card_and_quiz_answer_durations(world, learner):
    world.review(learner, at=NOW - timedelta(days=1), duration_ms=90_000)
    world.review(learner, at=NOW - timedelta(days=60), duration_ms=30_000)
    world.attempt(learner, answers=[(world.question(), True)], at=NOW - timedelta(days=2))
    board = learner_dashboard(learner, now=NOW)
    assert board.studied_ms == 180_000
    assert board.studied_ms_30 == 150_000


# -- mastery ------------------------------------------------------------------------------------


def test_topic_recall_is_the_mean_fsrs_retrievability_of_its_reviewed_cards(world, learner):
    layers = world.cards[:3]
    world.schedule(learner, layers[0], due=NOW, stability=4.0, last_review=NOW - timedelta(days=10))
    world.schedule(learner, layers[1], due=NOW, stability=30.0, last_review=NOW - timedelta(days=2))
    scheduler = fsrs.Scheduler()
    expected = [
        scheduler.get_card_retrievability(
            fsrs.Card(state=fsrs.State.Review, stability=s, difficulty=5.0, last_review=last), NOW
        )
        for s, last in ((4.0, NOW - timedelta(days=10)), (30.0, NOW - timedelta(days=2)))
    ]
    mastery = learner_dashboard(learner, now=NOW).masteries[0]
    assert mastery.topic == world.topics[0] and mastery.cards == 2
    assert mastery.recall == pytest.approx(sum(expected) / 2, abs=1e-9)


def test_topic_accuracy_is_the_share_of_right_answers_to_its_questions(world, learner):
    layers, vpc = world.topics
    q1, q2 = world.question(topic=layers), world.question(topic=vpc)
    world.attempt(learner, answers=[(q1, True), (q2, False)], at=NOW - timedelta(days=3))
    world.attempt(learner, answers=[(q1, False), (q1, True)], at=NOW - timedelta(days=2))
    masteries = learner_dashboard(learner, now=NOW).masteries
    assert (masteries[0].right, masteries[0].graded) == (2, 3)
    assert (masteries[1].right, masteries[1].graded) == (0, 1)
    assert masteries[1].score == 0.0 and masteries[1].level == "0"


def test_the_weakest_topics_come_first_in_study_next(world, learner):
    layers, vpc = world.topics
    world.attempt(
        learner,
        answers=[(world.question(topic=layers), True), (world.question(topic=vpc), False)],
        at=NOW - timedelta(days=1),
    )
    study_next = learner_dashboard(learner, now=NOW).study_next
    assert [m.topic for m in study_next] == [vpc, layers]
    assert study_next[0].links.practise == "/quizzes/?topic=aws-lambda/vpc"


# -- scores and readiness -----------------------------------------------------------------------


def test_the_score_history_lists_finished_attempts_oldest_first(world, learner):
    q = world.question()
    world.attempt(learner, answers=[(q, True), (q, False)], at=NOW - timedelta(days=5))
    world.attempt(learner, answers=[(q, True)], at=NOW - timedelta(days=1), mode=Attempt.Mode.EXAM)
    world.attempt(learner, answers=[(q, True)], at=NOW, submitted=False)  # still open
    board = learner_dashboard(learner, now=NOW)
    assert [s["scaled_score"] for s in board.scores] == [550, 1000]
    assert set(board.scores[0]) == set(ScorePoint.__annotations__)
    chart = board.charts["scores"]
    assert [row[1] for row in chart.rows] == ["550", "1000"]
    assert [line.css for line in chart.lines] == ["chart-axis", "chart-reference"]


def test_readiness_scales_a_domains_recent_accuracy_once_it_has_ten_answers(world, learner):
    d1, d2 = world.question(domain="D1"), world.question(domain="D2")
    world.attempt(
        learner, answers=[(d1, True)] * 9 + [(d1, False)] * 3, at=NOW - timedelta(days=10)
    )
    world.attempt(learner, answers=[(d2, True)] * 9, at=NOW - timedelta(days=10))
    world.attempt(learner, answers=[(d2, False)] * 5, at=NOW - timedelta(days=120))  # too old
    board = learner_dashboard(learner, now=NOW)
    by_domain = {d.domain: d for d in board.domains}
    assert by_domain["D1"].estimate == 100 + 900 * 9 // 12 == 775
    assert by_domain["D1"].passes is True
    assert (by_domain["D2"].graded, by_domain["D2"].estimate) == (9, None)
    assert board.overall_readiness is None


def test_overall_readiness_weights_the_domains_as_the_exam_does(world, learner):
    right_share = {"D1": 10, "D2": 5, "D3": 10, "D4": 0}  # of 10 answers each
    for domain, right in right_share.items():
        q = world.question(domain=domain)
        world.attempt(
            learner,
            answers=[(q, True)] * right + [(q, False)] * (10 - right),
            at=NOW - timedelta(days=1),
        )
    board = learner_dashboard(learner, now=NOW)
    # 1000 x 26% + 550 x 29% + 1000 x 25% + 100 x 20% = 689.5
    assert board.overall_readiness == 689
    assert board.charts["readiness"].rows[1] == (
        "D2 Design for New Solutions",
        "550",
        "5 of 10 right",
    )
