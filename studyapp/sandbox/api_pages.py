"""Pages for what the Lambda-compatible API does behind the scenes: asynchronous events and their
timelines, destination and DLQ records, concurrency and environments, the SQS event source, and
the learner's account settings (concurrency limit, study time factor)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from studyapp.accounts.sandbox_access import NO_SANDBOX_ACCESS, sandbox_access_allowed
from studyapp.sandbox import async_invoke, concurrency, environments, invoking, sqs, versions
from studyapp.sandbox.models import EnvironmentsSnapshot, Function
from studyapp.sandbox.presenting import qualified_runs_view
from studyapp.sandbox.runs import EventError, engine_account, event_parse
from studyapp.sandbox.selectors import function_by_name


def function_for_name(*, user, name: str) -> Function:
    """The learner's own function of that name, else the sample (another learner's: 404)."""
    function = function_by_name(user=user, name=name)
    if function is None:
        raise Http404("No such function.")
    return function


@require_GET
def async_events(request: HttpRequest, name: str) -> HttpResponse:
    function = function_for_name(user=request.user, name=name)
    context = {
        "function": function,
        "events": async_invoke.events_for(user=request.user, function=function),
        "records": async_invoke.records_for(user=request.user, function=function),
        "config": concurrency.invoke_config_for(user=request.user, function=function),
        "account": concurrency.account_for(request.user),
        "payload_text": json.dumps(
            function.default_event.body if function.default_event else {}, indent=2
        ),
    }
    template = "sandbox/async_events.html"
    if request.htmx:
        template += "#events"
    return render(request, template, context)


@require_POST
def async_send(request: HttpRequest, name: str) -> HttpResponse:
    """Send one event with InvocationType=Event from the page (as ``aws lambda invoke
    --invocation-type Event`` does): accepted at once, then tried by the task worker."""
    function = function_for_name(user=request.user, name=name)
    try:
        payload = event_parse(request.POST.get("payload", "") or "{}")
    except EventError as error:
        messages.error(request, str(error))
    else:
        event = async_invoke.async_event_accept(
            user=request.user, function=function, payload=payload, request_id=str(uuid.uuid4())
        )
        messages.success(request, f"Accepted (202): request {event.request_id}.")
    return redirect("lambda_pages:async_events", name=function.name)


@require_GET
def async_event(request: HttpRequest, name: str, request_id: str) -> HttpResponse:
    function = function_for_name(user=request.user, name=name)
    event = async_invoke.event_for(user=request.user, request_id=request_id)
    if event.function_id != function.pk:
        raise Http404("No such event.")
    return render(request, "sandbox/async_event.html", {"function": function, "event": event})


@require_GET
def concurrency_page(request: HttpRequest, name: str) -> HttpResponse:
    """The function's concurrency settings and its environments as the task worker last listed
    them (the page asks it for a newer list each time it is shown, and says how old this is)."""
    function = function_for_name(user=request.user, name=name)
    now = timezone.now()
    snapshot = environments.environments_request(user=request.user, function=function, now=now)
    context: dict[str, Any] = {
        "function": function,
        "config": concurrency.invoke_config_for(user=request.user, function=function),
        "account": concurrency.account_for(request.user),
        "in_use": concurrency.concurrency_in_use(user=request.user, function=function),
        "unreserved": concurrency.unreserved_available(user=request.user),
        "listed_at": snapshot.taken_at,
        "listed_age_s": (
            max(0, int((now - snapshot.taken_at).total_seconds())) if snapshot.taken_at else None
        ),
        "refreshing": environments.environments_pending(snapshot, now=now),
    }
    if snapshot.error:
        context["unavailable"] = snapshot.error
    elif snapshot.taken_at is not None:
        context.update(
            environments_seen(request.user, engine_account(request.user), function, snapshot)
        )
    template = "sandbox/concurrency.html"
    if request.htmx:
        template += "#environments"
    return render(request, template, context)


MAX_SEND_AT_ONCE = 50


class FormValueError(ValueError):
    """A number typed into a page's form is not one the field takes; the message says why."""


def environments_seen(
    user, account: str, function: Function, snapshot: EnvironmentsSnapshot
) -> dict[str, Any]:
    """What the concurrency page shows of the recorded environments: a learner's own (this
    function's listed, all of theirs counted); an instructor also sees every environment of the
    sandbox host and its totals."""
    every = snapshot.environments
    mine = [env for env in every if env.get("account") == account]
    seen: dict[str, Any] = {
        "environments": [env for env in mine if env["function_name"] == function.name],
        "own_counts": _state_counts(mine),
    }
    if user.is_instructor:
        seen["sandbox_environments"] = sorted(
            every, key=lambda env: (env.get("account", ""), env["function_name"])
        )
        seen["sandbox_counts"] = _state_counts(every)
        seen["stats"] = snapshot.stats
    return seen


def _state_counts(environments: list[dict[str, Any]]) -> dict[str, int]:
    counts = {"total": len(environments), "busy": 0, "idle": 0, "reset": 0}
    for env in environments:
        if env.get("state") in counts:
            counts[env["state"]] += 1
    return counts


@require_GET
def queue_page(request: HttpRequest, name: str) -> HttpResponse:
    function = function_for_name(user=request.user, name=name)
    template = "sandbox/queues.html"
    if request.htmx:
        template += "#messages"
    return render(request, template, _queue_context(request, function))


def _queue_context(request: HttpRequest, function: Function, **extra: Any) -> dict[str, Any]:
    queue = sqs.event_source_queue(user=request.user, function=function)
    return {
        "function": function,
        "main": sqs.queue_snapshot(queue),
        "dead": sqs.queue_snapshot(queue.dead_letter_queue) if queue.dead_letter_queue else None,
        "account": concurrency.account_for(request.user),
        "max_send": MAX_SEND_AT_ONCE,
        **extra,
    }


@require_POST
def queue_send(request: HttpRequest, name: str) -> HttpResponse:
    """Send "How many" copies of the body; a count out of range sends nothing and says why,
    with what was typed kept in the form. A message runs the function, so an account not
    verified for the sandbox sends nothing and reads how to get access (as SendMessage does)."""
    function = function_for_name(user=request.user, name=name)
    if not sandbox_access_allowed(request.user):
        context = _queue_context(
            request, function, send_denied=NO_SANDBOX_ACCESS, send_body=request.POST.get("body", "")
        )
        return render(request, "sandbox/queues.html", context, status=403)
    queue = sqs.event_source_queue(user=request.user, function=function)
    body = request.POST.get("body", "")
    try:
        count = _whole_number(request.POST.get("count"), "How many", low=1, high=MAX_SEND_AT_ONCE)
        for _ in range(count):
            sqs.message_send(queue=queue, body=body, now=timezone.now())
    except (FormValueError, sqs.QueueError) as error:
        context = _queue_context(
            request,
            function,
            send_error=str(error),
            send_body=body,
            send_count=request.POST.get("count", ""),
        )
        return render(request, "sandbox/queues.html", context, status=400)
    return redirect("lambda_pages:queue", name=function.name)


@require_POST
def queue_poll_now(request: HttpRequest, name: str) -> HttpResponse:
    """Ask the worker to poll now (it does so by itself while messages wait); the function runs
    in the worker, as every invocation does, never in the web process."""
    function = function_for_name(user=request.user, name=name)
    queue = sqs.event_source_queue(user=request.user, function=function)
    sqs.queue_poll_schedule(queue=queue, at=timezone.now())
    messages.info(request, "The poller looks at the queue now: a batch appears here once it ran.")
    return redirect("lambda_pages:queue", name=function.name)


@require_POST
def queue_settings(request: HttpRequest, name: str) -> HttpResponse:
    function = function_for_name(user=request.user, name=name)
    queue = sqs.event_source_queue(user=request.user, function=function)
    data = request.POST
    receive = data.get("max_receive_count", "").strip()
    try:
        sqs.queue_update(
            queue=queue,
            batch_size=_whole_number(data.get("batch_size"), "The batch size"),
            batching_window_s=_whole_number(data.get("batching_window_s"), "The batching window"),
            visibility_timeout_s=_whole_number(
                data.get("visibility_timeout_s"), "The visibility timeout"
            ),
            max_receive_count=_whole_number(receive, "maxReceiveCount") if receive else None,
            report_batch_item_failures=data.get("report_batch_item_failures") == "on",
        )
    except (FormValueError, sqs.QueueError) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Event source settings saved.")
    return redirect("lambda_pages:queue", name=function.name)


def account_page(request: HttpRequest) -> HttpResponse:
    account = concurrency.account_for(request.user)
    if request.method == "POST":
        try:
            concurrency.account_update(
                user=request.user,
                concurrency_limit=_whole_number(
                    request.POST.get("concurrency_limit"), "The account limit"
                ),
                time_factor=1
                / _whole_number(request.POST.get("speed"), "The study speed", low=1, high=3600),
            )
        except (FormValueError, concurrency.ConcurrencyError) as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Account settings saved.")
        return redirect("lambda_pages:account")
    if request.method != "GET":
        return HttpResponse(status=405)
    return render(
        request,
        "sandbox/lambda_account.html",
        {
            "account": account,
            "speed": round(1 / account.time_factor),
            "unreserved": concurrency.unreserved_available(user=request.user),
        },
    )


@require_POST
def qualified_invoke(request: HttpRequest, name: str) -> HttpResponse:
    """Invoke the function N times as a version or alias names it, as Invoke with a Qualifier
    does: each result says which version answered (ExecutedVersion), so a canary alias's split
    shows. Each call goes the one invocation path (the task worker runs it)."""
    function = function_for_name(user=request.user, name=name)
    qualifier = request.POST.get("qualifier") or versions.LATEST
    context: dict[str, Any] = {"function": function}
    try:
        count = request.POST.get("count")
        count = (
            _whole_number(count, "Times", low=1, high=settings.SANDBOX_MAX_BATCH) if count else 1
        )
        event = event_parse(request.POST.get("event") or "{}")
        results = [
            invoking.qualified_call(
                user=request.user,
                function=function,
                qualifier=qualifier,
                event=event,
                source="page",
            )
            for _ in range(count)
        ]
    except (EventError, FormValueError) as error:
        context["alias_refusal"] = str(error)
    except (versions.VersionMissing, versions.AliasMissing):
        context["alias_refusal"] = f"{function.name} has no version or alias {qualifier!r}."
    except invoking.InvocationFailed as failure:
        context["alias_refusal"] = failure.message
    else:
        context["alias_runs"] = qualified_runs_view(qualifier=qualifier, results=results)
    if request.htmx:
        return render(request, "sandbox/function.html#alias-runs", context)
    return render(request, "sandbox/qualified_runs.html", context)


def _whole_number(
    value: Any, label: str, *, low: int | None = None, high: int | None = None
) -> int:
    """`value` as a whole number within [low, high] (when given), else FormValueError saying so;
    never a default or a clamped number in its place."""
    text = str(value if value is not None else "").strip()
    bounds = f" from {low:,} to {high:,}" if low is not None and high is not None else ""
    try:
        number = int(text)
    except ValueError:
        shown = text if len(text) <= 20 else text[:20] + "…"
        raise FormValueError(f"{label} must be a whole number{bounds}; “{shown}” is not.") from None
    if (low is not None and number < low) or (high is not None and number > high):
        raise FormValueError(f"{label} must be a whole number{bounds}; {number:,} is not.")
    return number
