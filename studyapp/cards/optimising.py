"""Fit a learner's own FSRS parameters to their review history, as a background task.

The fitting is fsrs-rs's (through ``fsrs-rs-python``), the Rust optimiser Anki itself uses: a
small wheel with no PyTorch, so it is an ordinary dependency and always available. As in Anki,
each answer a day or more after the card's previous one is a training item (the card's history up
to that answer), and the result is judged the way Anki's "Evaluate" does: the log loss and RMSE
of the predicted recall on this learner's own reviews, with the parameters used until now and
with the fitted ones. The fitted parameters are kept only when they predict better.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import fsrs
import fsrs_rs_python
from django.tasks import task
from django.utils import timezone

from studyapp.cards.models import ReviewLog, StudySettings
from studyapp.cards.scheduling import utc

if TYPE_CHECKING:
    from studyapp.accounts.models import User

# fsrs-rs trains in mini-batches of 512 items (TrainingConfig's default batch size): with fewer
# answers a day or more apart there is not one full batch of the learner's own history to fit.
MINIMUM_REVIEWS = 512
DEFAULT_PARAMETERS = [float(value) for value in fsrs.Scheduler().parameters]


def reviews_counted(user: User) -> int:
    """Answers given a day or more after the card's previous answer (what the optimiser uses)."""
    return ReviewLog.objects.filter(user=user, elapsed_days__gte=1).count()


@dataclass(frozen=True)
class OptimiserStatus:
    available: bool
    reason: str  # why not, or what pressing the button does
    reviews: int
    needed: int


def optimiser_status(user: User) -> OptimiserStatus:
    reviews = reviews_counted(user)
    if reviews < MINIMUM_REVIEWS:
        reason = (
            f"The optimiser needs at least {MINIMUM_REVIEWS} reviews that came a day or more "
            f"after the previous one; you have {reviews}. Until then the default parameters "
            "are used."
        )
        return OptimiserStatus(False, reason, reviews, MINIMUM_REVIEWS)
    reason = "Fits FSRS to your own review history in the background; it takes a minute or two."
    return OptimiserStatus(True, reason, reviews, MINIMUM_REVIEWS)


def optimisation_request(*, user: User, now: datetime) -> OptimiserStatus:
    """Queue the optimisation when it is available; the status says what happened."""
    status = optimiser_status(user)
    if status.available:
        StudySettings.objects.update_or_create(
            user=user, defaults={"optimisation_requested_at": utc(now)}
        )
        parameters_optimise.enqueue(user_id=user.pk)
    return status


def review_items(user_id: int) -> list[fsrs_rs_python.FSRSItem]:
    """The learner's training items: for every answer a day or more after the previous one, the
    card's history up to and including it (ratings with whole days between answers)."""
    histories: dict[int, list[fsrs_rs_python.FSRSReview]] = defaultdict(list)
    items = []
    rows = ReviewLog.objects.filter(user_id=user_id).order_by("card_id", "reviewed_at", "pk")
    for card_id, rating, elapsed_days in rows.values_list("card_id", "rating", "elapsed_days"):
        history = histories[card_id]
        days = max(elapsed_days or 0, 0) if history else 0
        history.append(fsrs_rs_python.FSRSReview(rating, days))
        if days > 0:
            items.append(fsrs_rs_python.FSRSItem(list(history)))
    return items


@dataclass(frozen=True)
class Evaluation:
    log_loss: float
    rmse: float

    def to_dict(self) -> dict[str, float]:
        return {"log_loss": self.log_loss, "rmse": self.rmse}


def parameters_evaluate(
    parameters: list[float], items: list[fsrs_rs_python.FSRSItem]
) -> Evaluation:
    """How well ``parameters`` predict the answers of ``items`` (lower is better for both)."""
    result = fsrs_rs_python.FSRS(parameters).evaluate(items)
    return Evaluation(log_loss=float(result.log_loss), rmse=float(result.rmse_bins))


def parameters_fit(items: list[fsrs_rs_python.FSRSItem]) -> list[float]:
    fitted = fsrs_rs_python.FSRS(DEFAULT_PARAMETERS).compute_parameters(items)
    return [float(value) for value in fitted]


@task
def parameters_optimise(*, user_id: int) -> str:
    """Fit, evaluate and (when better) store a learner's FSRS parameters; says what happened."""
    items = review_items(user_id)
    settings, _ = StudySettings.objects.get_or_create(user_id=user_id)
    if len(items) < MINIMUM_REVIEWS:
        return f"skipped: {len(items)} reviews a day or more apart, {MINIMUM_REVIEWS} needed"
    current = settings.parameters or DEFAULT_PARAMETERS
    fitted = parameters_fit(items)
    fsrs.Scheduler(parameters=fitted)  # validates the bounds before anything is stored
    before = parameters_evaluate(current, items)
    after = parameters_evaluate(fitted, items)
    kept = after.log_loss < before.log_loss
    settings.parameters_evaluation = {
        "before": before.to_dict(),
        "after": after.to_dict(),
        "reviews": len(items),
        "kept": kept,
    }
    settings.parameters_optimised_at = timezone.now()
    if kept:
        settings.parameters = fitted
    settings.save(update_fields=["parameters", "parameters_evaluation", "parameters_optimised_at"])
    return "optimised" if kept else "kept the current parameters: the fitted ones were no better"
