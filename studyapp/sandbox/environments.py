"""The concurrency page's list of execution environments, as the task worker last read it.

Only the sandbox service knows which environments are warm, and the web process never calls the
service (every call is the task worker's, see invoking.py). So a page that shows the list asks
for a newer one (``environments_request``, one request in flight per learner and function); the
worker reads the service's ``GET /environments`` (``environments_refresh``) and records what the
learner may see, with the time the service answered; the page shows that record, says how old
it is, and polls for the next.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings as django_settings
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from studyapp.core.tasks import domain_errors_logged
from studyapp.engine import client
from studyapp.engine.hosts import routing_key
from studyapp.sandbox.messages import sandbox_error_message
from studyapp.sandbox.models import EnvironmentsSnapshot, Function
from studyapp.sandbox.runs import engine_account

ASK_AGAIN_AFTER_S = 10  # a request no worker has answered in this long is queued again


def environments_request(
    *, user, function: Function, now: datetime | None = None
) -> EnvironmentsSnapshot:
    """The list last recorded for this learner and function (empty, with no ``taken_at``, the
    first time), after asking the worker for a newer one unless one is already on its way."""
    now = now or timezone.now()
    snapshot, _ = EnvironmentsSnapshot.objects.get_or_create(user=user, function=function)
    if not environments_pending(snapshot, now=now):
        # Only one of two pages loaded at once wins the row, and queues the refresh.
        asked = EnvironmentsSnapshot.objects.filter(
            pk=snapshot.pk, requested_at=snapshot.requested_at
        ).update(requested_at=now)
        if asked:
            snapshot.requested_at = now
            transaction.on_commit(lambda: environments_refresh.enqueue(snapshot_id=snapshot.pk))
    return snapshot


def environments_pending(snapshot: EnvironmentsSnapshot, *, now: datetime) -> bool:
    """Whether a newer list was asked for and is still to come (not long ago)."""
    requested = snapshot.requested_at
    if requested is None or (snapshot.taken_at is not None and snapshot.taken_at >= requested):
        return False
    return now - requested < timedelta(seconds=ASK_AGAIN_AFTER_S)


def environments_refresh_run(*, snapshot_id: int) -> EnvironmentsSnapshot | None:
    """(The task worker.) Ask the service that serves the function for its environments and
    record what the learner may see: their own (an instructor: all of the host's, and its
    counters), or why the service gave none."""
    snapshot = (
        EnvironmentsSnapshot.objects.select_related("user", "function")
        .filter(pk=snapshot_id)
        .first()
    )
    if snapshot is None:
        return None
    user = snapshot.user
    account = engine_account(user)
    try:
        answer = client.environments(
            base_url=django_settings.SANDBOX_URL,
            secret=django_settings.SANDBOX_SECRET,
            route=routing_key({"account": account, "name": snapshot.function.name}),
        )
    except client.SandboxServiceError as error:
        snapshot.environments, snapshot.stats = [], {}
        snapshot.error = sandbox_error_message(error)
    else:
        every = answer.get("environments", [])
        if user.is_instructor:
            snapshot.environments, snapshot.stats = every, answer.get("stats", {})
        else:
            snapshot.environments = [env for env in every if env.get("account") == account]
            snapshot.stats = {}
        snapshot.error = ""
    snapshot.taken_at = timezone.now()
    snapshot.save(update_fields=["environments", "stats", "error", "taken_at"])
    return snapshot


@task()
@domain_errors_logged
def environments_refresh(snapshot_id: int) -> None:
    """Record the environments the sandbox service lists now, for a concurrency page."""
    environments_refresh_run(snapshot_id=snapshot_id)
