"""What of an attempt's questions may leave the server, and when.

The rule (issue 16): nothing about a question that is not answered yet leaves the server while
its attempt is open: not its key, title, tags or topics (keys such as
``throttling-reserved-limit-too-low`` name the answer), not which option is correct, not the
explanations. A timed exam discloses nothing of any of its questions until it is submitted (an
answer saved in an exam can still change); a practice session discloses a question once it is
answered (the learner sees the feedback at once).

Pages, htmx fragments and the learner's JSON export all ask these functions; a question of an
attempt is named outside the server only by the attempt and its position (an opaque id that
says nothing about the question), and its options by the letters they are shown under.
"""

from __future__ import annotations

from studyapp.quizzes.models import Attempt, AttemptQuestion

#: The letters options are shown under (and posted back as): the option's place on the screen,
#: never its database id (ids follow the order the author wrote the options in).
OPTION_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def item_is_disclosed(*, attempt: Attempt, answered: bool) -> bool:
    """True when a question of ``attempt`` may be shown with its identity, correct options and
    explanations: after submission, or in practice once it is answered."""
    if attempt.submitted_at is not None:
        return True
    return attempt.mode == Attempt.Mode.PRACTICE and answered


def item_reveals(*, attempt: Attempt, item: AttemptQuestion) -> bool:
    """Correctness and explanations go out only after the answer (practice) or submission."""
    return item_is_disclosed(attempt=attempt, answered=item.answered_at is not None)


def option_letter(index: int) -> str:
    return OPTION_LETTERS[index] if index < len(OPTION_LETTERS) else str(index + 1)


def attempt_answers_export(*, user) -> list[dict]:
    """The learner's answers, one row per question of each attempt, for the JSON export.

    A question that is not disclosed yet (see :func:`item_is_disclosed`) is exported by its
    opaque id (attempt and position) with whether it is answered and flagged, nothing more:
    no key, no version, no choice and no grade, so the export of an open exam names none of its
    questions until the exam ends.
    """
    items = (
        AttemptQuestion.objects.filter(attempt__user=user)
        .select_related("attempt", "version__question")
        .order_by("attempt_id", "position")
    )
    rows = []
    for item in items:
        row = {
            "attempt_id": item.attempt_id,
            "position": item.position,
            "answered": item.is_answered,
            "flagged": item.flagged,
        }
        if item_is_disclosed(attempt=item.attempt, answered=item.answered_at is not None):
            row.update(
                {
                    "version__question__key": item.version.question.key,
                    "version__number": item.version.number,
                    "chosen": item.chosen,
                    "response": item.response,
                    "option_order": item.option_order,
                    "shown_at": item.shown_at,
                    "answered_at": item.answered_at,
                    "correct": item.correct,
                    "mark": item.mark,
                }
            )
        else:
            row["disclosed"] = False
        rows.append(row)
    return rows
