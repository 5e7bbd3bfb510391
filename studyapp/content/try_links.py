""""Try it in the sandbox": from an answered question to the sample that shows its behaviour.

A question's ``try:`` line (checked by the content import) names a sample and its settings. The
link is offered only where the question is disclosed (practice once answered, an exam once
submitted: ``quizzes.disclosure``), and following it checks the same rule, so a learner cannot
ask an open question's setup (which would hint at its answer) by guessing the address.
"""

from __future__ import annotations

from studyapp.core.errors import NotFound
from studyapp.quizzes.disclosure import item_reveals
from studyapp.quizzes.models import AttemptQuestion
from studyapp.sandbox.models import EventTemplate, Function
from studyapp.sandbox.trying import TrySetup, try_setup_apply, try_setup_parse


def try_link_follow(*, user, item_id: int) -> tuple[str, TrySetup]:
    """Apply the setup of the user's answered question ``item_id``; the page to open, and it."""
    item = (
        AttemptQuestion.objects.select_related("attempt", "version")
        .filter(pk=item_id, attempt__user=user)
        .first()
    )
    if item is None or not item.version.try_it or not item_reveals(attempt=item.attempt, item=item):
        raise NotFound("No such question.")
    setup = try_setup_parse(item.version.try_it, samples=_sample_names(), events=_event_slugs())
    return try_setup_apply(user=user, setup=setup), setup


def try_line_check(text: str) -> str:
    """A ``try:`` value written in the question editor, checked as the content import checks a
    question file's line (``try_setup_parse``), against the samples and events the sandbox
    holds. Returns it with its spaces tidied ("" for none); TrySetupError names the problem.

    The editor (quizzes) finds this function through ``settings.QUESTION_TRY_CHECK``: quizzes
    and the sandbox are independent layers, so only this higher layer may join them."""
    text = " ".join(text.split())
    if text:
        try_setup_parse(text, samples=_sample_names(), events=_event_slugs())
    return text


def _sample_names() -> set[str]:
    return set(Function.objects.samples().active().values_list("name", flat=True))


def _event_slugs() -> set[str]:
    return set(EventTemplate.objects.active().values_list("slug", flat=True))
