"""Pages for what the Lambda-compatible API does behind the scenes: asynchronous events and their
timelines, destination and DLQ records, concurrency and environments, the SQS event source, and
the learner's account settings (concurrency limit, study time factor)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from studyapp.engine import client
from studyapp.engine.hosts import routing_key
from studyapp.sandbox import async_invoke, concurrency, sqs
from studyapp.sandbox.models import Function
from studyapp.sandbox.runs import engine_account, sandbox_error_message
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
    }
    template = "sandbox/async_events.html"
    if request.htmx:
        template += "#events"
    return render(request, template, context)


@require_GET
def async_event(request: HttpRequest, name: str, request_id: str) -> HttpResponse:
    function = function_for_name(user=request.user, name=name)
    event = async_invoke.event_for(user=request.user, request_id=request_id)
    if event.function_id != function.pk:
        raise Http404("No such event.")
    return render(request, "sandbox/async_event.html", {"function": function, "event": event})


@require_GET
def concurrency_page(request: HttpRequest, name: str) -> HttpResponse:
    function = function_for_name(user=request.user, name=name)
    context: dict[str, Any] = {
        "function": function,
        "config": concurrency.invoke_config_for(user=request.user, function=function),
        "account": concurrency.account_for(request.user),
        "in_use": concurrency.concurrency_in_use(user=request.user, function=function),
        "unreserved": concurrency.unreserved_available(user=request.user),
    }
    account = engine_account(request.user)
    try:
        answer = client.environments(
            base_url=settings.SANDBOX_URL,
            secret=settings.SANDBOX_SECRET,
            route=routing_key({"account": account, "name": function.name}),
        )
    except client.SandboxServiceError as error:
        context["unavailable"] = sandbox_error_message(error)
    else:
        context["environments"] = [
            env
            for env in answer["environments"]
            if env["function_name"] == function.name and env.get("account") == account
        ]
        context["stats"] = answer["stats"]
    template = "sandbox/concurrency.html"
    if request.htmx:
        template += "#environments"
    return render(request, template, context)


@require_GET
def queue_page(request: HttpRequest, name: str) -> HttpResponse:
    function = function_for_name(user=request.user, name=name)
    queue = sqs.event_source_queue(user=request.user, function=function)
    context = {
        "function": function,
        "main": sqs.queue_snapshot(queue),
        "dead": sqs.queue_snapshot(queue.dead_letter_queue) if queue.dead_letter_queue else None,
        "account": concurrency.account_for(request.user),
    }
    template = "sandbox/queues.html"
    if request.htmx:
        template += "#messages"
    return render(request, template, context)


@require_POST
def queue_send(request: HttpRequest, name: str) -> HttpResponse:
    function = function_for_name(user=request.user, name=name)
    queue = sqs.event_source_queue(user=request.user, function=function)
    count = _int(request.POST.get("count"), default=1, low=1, high=50)
    try:
        for _ in range(count):
            sqs.message_send(queue=queue, body=request.POST.get("body", ""), now=timezone.now())
    except sqs.QueueError as error:
        messages.error(request, str(error))
    return redirect("lambda_pages:queue", name=function.name)


@require_POST
def queue_poll_now(request: HttpRequest, name: str) -> HttpResponse:
    """Deliver one batch now (the worker does this by itself while messages wait)."""
    function = function_for_name(user=request.user, name=name)
    queue = sqs.event_source_queue(user=request.user, function=function)
    if sqs.queue_poll(queue=queue) is None:
        messages.info(request, "No batch was ready: no visible messages, or the window is open.")
    return redirect("lambda_pages:queue", name=function.name)


@require_POST
def queue_settings(request: HttpRequest, name: str) -> HttpResponse:
    function = function_for_name(user=request.user, name=name)
    queue = sqs.event_source_queue(user=request.user, function=function)
    receive = request.POST.get("max_receive_count", "").strip()
    try:
        sqs.queue_update(
            queue=queue,
            batch_size=_int(request.POST.get("batch_size"), default=10),
            batching_window_s=_int(request.POST.get("batching_window_s"), default=0),
            visibility_timeout_s=_int(request.POST.get("visibility_timeout_s"), default=30),
            max_receive_count=_int(receive, default=3) if receive else None,
            report_batch_item_failures=request.POST.get("report_batch_item_failures") == "on",
        )
    except sqs.QueueError as error:
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
                concurrency_limit=_int(
                    request.POST.get("concurrency_limit"), default=account.concurrency_limit
                ),
                time_factor=1 / _int(request.POST.get("speed"), default=60, low=1, high=3600),
            )
        except concurrency.ConcurrencyError as error:
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


def _int(value: Any, *, default: int, low: int = 0, high: int = 1_000_000) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return max(low, min(high, number))
