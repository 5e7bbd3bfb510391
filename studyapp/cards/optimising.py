"""Fit a learner's own FSRS parameters to their review history, as a background task.

This needs the optional ``fsrs[optimizer]`` extra (it pulls in torch). Without it, or with too few
reviews, the settings page says why the button is unavailable. The library only changes the
default parameters once it has at least 512 reviews that came a day or more after the card's
previous review (``fsrs.optimizer``'s mini-batch size); the same count is used here, from
``ReviewLog.elapsed_days``, so the button appears only when optimising can make a difference.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import fsrs
from django.tasks import task
from django.utils import timezone

from studyapp.cards.models import ReviewLog, StudySettings
from studyapp.cards.scheduling import utc

if TYPE_CHECKING:
    from studyapp.accounts.models import User

LIBRARY_MINIMUM_REVIEWS = 512  # fsrs.optimizer.mini_batch_size, readable only with the extra


def optimizer_installed() -> bool:
    """True when ``fsrs.Optimizer`` is the real one (the extra's packages import)."""
    try:
        fsrs.Optimizer([])
    except ImportError:
        return False
    return True


def minimum_reviews() -> int:
    try:
        from fsrs.optimizer import mini_batch_size
    except ImportError:
        return LIBRARY_MINIMUM_REVIEWS
    return int(mini_batch_size)


def reviews_counted(user: User) -> int:
    """Answers given a day or more after the card's previous answer (what the optimizer uses)."""
    return ReviewLog.objects.filter(user=user, elapsed_days__gte=1).count()


@dataclass(frozen=True)
class OptimiserStatus:
    available: bool
    reason: str  # why not, or what pressing the button does
    reviews: int
    needed: int


def optimiser_status(user: User) -> OptimiserStatus:
    needed = minimum_reviews()
    reviews = reviews_counted(user)
    if not optimizer_installed():
        reason = (
            "The optimiser is not installed on this server (the optional fsrs[optimizer] "
            "extra, which needs PyTorch). Your cards use FSRS's default parameters, which "
            "work well for most people."
        )
        return OptimiserStatus(False, reason, reviews, needed)
    if reviews < needed:
        reason = (
            f"The optimiser needs at least {needed} reviews that came a day or more after the "
            f"previous one; you have {reviews}. Until then the default parameters are used."
        )
        return OptimiserStatus(False, reason, reviews, needed)
    reason = "Fits FSRS to your own review history in the background; it takes a minute or two."
    return OptimiserStatus(True, reason, reviews, needed)


def optimisation_request(*, user: User, now: datetime) -> OptimiserStatus:
    """Queue the optimisation when it is available; the status says what happened."""
    status = optimiser_status(user)
    if status.available:
        StudySettings.objects.update_or_create(
            user=user, defaults={"optimisation_requested_at": utc(now)}
        )
        parameters_optimise.enqueue(user_id=user.pk)
    return status


def fsrs_review_logs(user_id: int) -> list[fsrs.ReviewLog]:
    rows = ReviewLog.objects.filter(user_id=user_id).order_by("reviewed_at", "pk")
    return [
        fsrs.ReviewLog(
            card_id=card_id,
            rating=fsrs.Rating(rating),
            review_datetime=utc(reviewed_at),
            review_duration=duration_ms,
        )
        for card_id, rating, reviewed_at, duration_ms in rows.values_list(
            "card_id", "rating", "reviewed_at", "duration_ms"
        )
    ]


@task
def parameters_optimise(*, user_id: int) -> str:
    """Compute and store a learner's FSRS parameters; returns what happened, in words."""
    try:
        optimizer = fsrs.Optimizer(fsrs_review_logs(user_id))
    except ImportError:
        return "skipped: the fsrs[optimizer] extra is not installed"
    parameters = list(optimizer.compute_optimal_parameters())
    fsrs.Scheduler(parameters=parameters)  # validates the bounds before anything is stored
    StudySettings.objects.update_or_create(
        user_id=user_id,
        defaults={"parameters": parameters, "parameters_optimised_at": timezone.now()},
    )
    return "optimised"
