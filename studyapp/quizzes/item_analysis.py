"""Item analysis of an instructor's quiz from its real attempts (:mod:`statistics` does the maths).

A question's mark is the app's grade: 1 when the learner chose exactly the correct options, else 0
(all-or-nothing, as on the exam). Only submitted attempts count, and by default only each
learner's first (Moodle's default); ``first_only=False`` counts every submitted attempt.

When the quiz draws questions at random, learners answer different questions: each question's
figures then come from the attempts that asked it (R = the rest of that attempt), and the
quiz-level reliability (Cronbach's alpha and what follows from it) is left undefined with the
reason, since it needs every learner to answer the same questions.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch

from studyapp.core.csv import csv_safe
from studyapp.quizzes import statistics
from studyapp.quizzes.banks import option_fractions
from studyapp.quizzes.models import (
    Attempt,
    AttemptQuestion,
    Option,
    Question,
    QuestionVersion,
    Quiz,
)

DIFFERENT_QUESTIONS = "learners answered different questions (random draws)"

HINTS = {
    statistics.VERY_HARD: "Fewer than 20% got it right: check that the key is right and the "
    "stem is clear.",
    statistics.VERY_EASY: "More than 95% got it right: it tells learners apart little; make the "
    "wrong options more plausible.",
    statistics.WEAK_DISCRIMINATION: "Strong learners did not do better on it than weak ones: check "
    "the wording, the key and whether two options could both be right.",
}


@dataclass(frozen=True)
class OptionRow:
    letter: str
    text: str
    fraction: float
    count: int


@dataclass(frozen=True)
class ItemRow:
    position: int
    question: Question
    version: QuestionVersion
    stats: statistics.ItemStatistics
    options: list[OptionRow]
    hints: list[str]
    learners: int = 0
    waiting: str = ""  # "not enough attempts yet (n of 10)" while the flags would be noise


@dataclass(frozen=True)
class QuizAnalysis:
    quiz: Quiz
    first_only: bool
    stats: statistics.QuizStatistics
    items: list[ItemRow]
    same_questions: bool


def too_few_learners(learners: int, *, minimum: int) -> str:
    """What to say instead of flags while a question has fewer learners than ``minimum``."""
    return f"not enough attempts yet ({learners} of {minimum})" if learners < minimum else ""


def quiz_analysis(
    quiz: Quiz, *, first_only: bool = True, min_learners: int | None = None
) -> QuizAnalysis:
    """The quiz's item analysis. A question is flagged (very hard, very easy, weak
    discrimination) only once ``min_learners`` learners (the QUIZ_STATISTICS_MIN_LEARNERS
    setting, 10) have answered it; until then its row says how many have."""
    if min_learners is None:
        min_learners = settings.QUIZ_STATISTICS_MIN_LEARNERS
    attempts = list(
        Attempt.objects.filter(quiz=quiz, submitted_at__isnull=False)
        .order_by("started_at", "id")
        .prefetch_related(
            Prefetch(
                "items",
                queryset=AttemptQuestion.objects.select_related("version__question")
                .prefetch_related(
                    Prefetch("version__options", queryset=Option.objects.order_by("position"))
                )
                .order_by("position"),
            )
        )
    )
    numbers: dict[int, int] = {}
    rows: list[statistics.Attempt] = []
    versions: dict[str, QuestionVersion] = {}
    order: dict[str, int] = {}
    learners: dict[str, set[int]] = {}
    for attempt in attempts:
        numbers[attempt.user_id] = numbers.get(attempt.user_id, 0) + 1
        marks: dict[str, float] = {}
        choices: dict[str, list[int]] = {}
        for item in attempt.items.all():
            key = item.version.question.key
            versions[key] = item.version  # the latest version asked wins
            order.setdefault(key, len(order))
            learners.setdefault(key, set()).add(attempt.user_id)
            # The mark with partial credit (answers graded before it count as 1 or 0).
            marks[key] = item.mark if item.mark is not None else (1.0 if item.correct else 0.0)
            positions = {
                option.pk: index for index, option in enumerate(item.version.options.all())
            }
            choices[key] = [positions[c] for c in item.chosen if c in positions]
        learner = str(attempt.user_id) if first_only else f"{attempt.user_id}#{attempt.pk}"
        rows.append(statistics.Attempt(learner, marks, choices, numbers[attempt.user_id]))
    keys = sorted(versions, key=lambda k: order[k])
    infos = []
    for key in keys:
        options = list(versions[key].options.all())
        infos.append(
            statistics.ItemInfo(
                key,
                1.0,
                versions[key].kind,
                tuple(option_fractions(options)),
                tuple(option.text_md for option in options),
            )
        )
    kept = statistics.first_attempts(rows)
    same = all(set(row.marks) == set(keys) for row in kept)
    result = statistics.analyse_quiz(infos, kept)
    if not same:
        result.items = [
            statistics.analyse_item(info, [row for row in kept if info.key in row.marks])
            for info in infos
        ]
        for name in ("cronbach_alpha", "error_ratio", "standard_error"):
            setattr(result, name, None)
            result.undefined[name] = DIFFERENT_QUESTIONS
    items = []
    for position, (key, item_stats) in enumerate(zip(keys, result.items, strict=True), start=1):
        version = versions[key]
        options = list(version.options.all())
        waiting = too_few_learners(len(learners[key]), minimum=min_learners)
        items.append(
            ItemRow(
                position=position,
                question=version.question,
                version=version,
                stats=item_stats,
                options=[
                    OptionRow(
                        chr(65 + index) if index < 26 else str(index),
                        option_label(o, kind=version.kind),
                        f,
                        count,
                    )
                    for index, (o, f, count) in enumerate(
                        zip(
                            options,
                            option_fractions(options),
                            item_stats.option_counts,
                            strict=True,
                        )
                    )
                ],
                hints=[] if waiting else [HINTS[f] for f in item_stats.flags if f in HINTS],
                learners=len(learners[key]),
                waiting=waiting,
            )
        )
    return QuizAnalysis(quiz, first_only, result, items, same)


def option_label(option: Option, *, kind: str) -> str:
    """An option as the statistics name it: a numerical answer with its tolerance."""
    if kind == "numerical" and option.text_md != "*" and option.tolerance:
        return f"{option.text_md} ± {option.tolerance:g}"
    return option.text_md


def _number(value: float | None, digits: int = 2) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _percent(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.2f}"


CSV_HEADERS = (
    "position",
    "question key",
    "question",
    "attempts",
    "facility index %",
    "standard deviation %",
    "random guess score %",
    "discrimination index %",
    "discriminative efficiency %",
    "option counts",
    "flags",
)


def analysis_csv(analysis: QuizAnalysis) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADERS)
    for row in analysis.items:
        s = row.stats
        name = row.version.title or " ".join(row.version.stem_md.split())[:120]
        writer.writerow(
            [
                row.position,
                csv_safe(row.question.key),
                csv_safe(name),
                s.attempts,
                _percent(s.facility),
                _percent(s.standard_deviation),
                _percent(s.random_guess_score),
                _number(s.discrimination_index),
                _number(s.discriminative_efficiency),
                "; ".join(f"{o.letter}: {o.count}" for o in row.options),
                row.waiting or "; ".join(s.flags),
            ]
        )
    q = analysis.stats
    writer.writerow([])
    writer.writerow(["quiz", "attempts", q.attempts])
    writer.writerow(["quiz", "mean total", _number(q.mean_total, 4)])
    writer.writerow(
        ["quiz", "standard deviation of totals", _number(q.total_standard_deviation, 4)]
    )
    writer.writerow(["quiz", "Cronbach's alpha %", _number(q.cronbach_alpha)])
    writer.writerow(["quiz", "error ratio %", _number(q.error_ratio)])
    writer.writerow(["quiz", "standard error", _number(q.standard_error, 4)])
    return out.getvalue()
