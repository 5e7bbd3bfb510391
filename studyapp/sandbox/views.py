"""The sandbox pages: the function list, a function's workbench, runs followed by polling."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import retarget

from studyapp.accounts.sandbox_access import NO_SANDBOX_ACCESS, sandbox_access_allowed
from studyapp.core.errors import Conflict, Invalid
from studyapp.markdown import render_markdown
from studyapp.sandbox import functions as sandbox_functions
from studyapp.sandbox.forms import RunForm, event_templates, event_text
from studyapp.sandbox.invoking import run_start
from studyapp.sandbox.models import EventTemplate, Function, Invocation, runtime_names
from studyapp.sandbox.presenting import batch_view, code_highlighted, function_versions_view
from studyapp.sandbox.runs import (
    RunRefused,
    batch_invocations,
    batch_unchanged,
    function_history,
)
from studyapp.sandbox.selectors import function_list
from studyapp.sandbox.starters import editor_language, runtime_editor_view
from studyapp.sandbox.trying import run_initial_from_query

PAGE = "sandbox/function.html"


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    context = function_list(user=request.user, topic_key=request.GET.get("topic", "")[:250])
    context["sandbox_access"] = sandbox_access_allowed(request.user)
    return render(request, "sandbox/index.html", context)


def _page_context(
    request: HttpRequest, function: Function, form: RunForm | None = None, **extra: Any
) -> dict[str, Any]:
    owned = function.owner_id == request.user.pk
    editable = owned and not function.deployed
    templates = event_templates()
    if form is None:
        initial = run_initial_from_query(
            request.GET,
            initial=RunForm.initial_for(function),
            events={template.slug: template.body for template in templates},
        )
        form = RunForm(initial=initial, function=function, editable=editable)
    runtime = function.runtime
    if editable and form["runtime"].value() in runtime_names():
        runtime = form["runtime"].value()  # as picked, when a changed form comes back invalid
    editor = runtime_editor_view(function=function, runtimes=runtime_names()) if editable else {}
    return {
        "function": function,
        "owned": owned,
        "editable": editable,
        **(function_versions_view(function=function) if owned else {}),
        "form": form,
        "lesson": render_markdown(function.lesson_md),
        "code_view": None
        if editable
        else code_highlighted(function.main_source, language=editor_language(function.runtime)),
        "editor_language": editor_language(runtime),
        "code_file": editor[runtime]["file"] if editor else function.module_path,
        "runtime_editor": editor,
        "other_files": sorted(path for path in function.code if path != function.module_path),
        "templates": templates,
        "selected_template": form.initial.get("event_template")
        or (function.default_event.slug if function.default_event else ""),
        "history": function_history(function=function, user=request.user),
        "run_limit": settings.SANDBOX_MAX_RUNNING_PER_LEARNER,
        "sandbox_access": sandbox_access_allowed(request.user),
        **extra,
    }


def _function_page(request: HttpRequest, function: Function) -> HttpResponse:
    run = None
    if batch := request.GET.get("run"):
        try:
            run = batch_view(batch_invocations(user=request.user, batch=uuid.UUID(batch)))
        except ValueError:
            raise Http404("No such run.") from None
    return render(request, PAGE, _page_context(request, function, run=run, show=run is not None))


@require_GET
def sample(request: HttpRequest, name: str) -> HttpResponse:
    function = sandbox_functions.function_for_user(user=request.user, sample=name)
    return _function_page(request, function)


@require_GET
def function(request: HttpRequest, pk: int) -> HttpResponse:
    function = sandbox_functions.function_for_user(user=request.user, pk=pk)
    if function.is_sample:
        return redirect(function)
    return _function_page(request, function)


@require_POST
def copy(request: HttpRequest, pk: int) -> HttpResponse:
    original = sandbox_functions.function_for_user(user=request.user, pk=pk)
    function = sandbox_functions.function_copy(function=original, user=request.user)
    messages.success(request, f"This is your own copy, “{function.name}”: edit it and run it.")
    return redirect(function)


@require_POST
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    function = sandbox_functions.owned_function_for_user(user=request.user, pk=pk)
    sandbox_functions.function_archive(function=function, user=request.user)
    messages.success(request, f"“{function.name}” was deleted.")
    return redirect("sandbox:index")


@require_POST
def save(request: HttpRequest, pk: int) -> HttpResponse:
    function = sandbox_functions.owned_function_for_user(user=request.user, pk=pk)
    form = RunForm(request.POST, function=function, editable=True)
    if not form.is_valid() or not _renamed(request, function, form):
        return _form_invalid(request, function, form)
    sandbox_functions.function_update(
        function=function, user=request.user, settings=form.run_settings(), write_unchanged=False
    )
    if request.htmx:
        context = _page_context(request, function, form=form, saved=True)
        return render(request, f"{PAGE}#workbench", context)
    messages.success(request, "Saved.")
    return redirect(function)


@require_POST
def run(request: HttpRequest, pk: int) -> HttpResponse:
    function = sandbox_functions.function_for_user(user=request.user, pk=pk)
    editable = function.owner_id == request.user.pk and not function.deployed
    form = RunForm(request.POST, function=function, editable=editable)
    if not form.is_valid() or (editable and not _renamed(request, function, form)):
        return _form_invalid(request, function, form)
    run_settings = form.run_settings()
    if editable:
        sandbox_functions.function_update(
            function=function, user=request.user, settings=run_settings, write_unchanged=False
        )
    try:
        if not sandbox_access_allowed(request.user):
            raise RunRefused(NO_SANDBOX_ACCESS)
        started = run_start(
            function=function,
            user=request.user,
            run_settings=run_settings,
            event=form.cleaned_data["event"],
            count=form.cleaned_data["count"],
        )
    except RunRefused as refusal:
        if request.htmx:
            return render(request, f"{PAGE}#result", {"refusal": str(refusal), "show": True})
        messages.error(request, str(refusal))
        return redirect(function)
    if not request.htmx:
        return redirect(f"{function.get_absolute_url()}?run={started.batch}")
    context = _result_context(request, function, started.invocations)
    return render(request, f"{PAGE}#result", {**context, "show": True})


def _renamed(request: HttpRequest, function: Function, form: RunForm) -> bool:
    """Apply the name field (own functions) before anything else is saved; False, with the
    reason beside the field and nothing changed, when the name is refused. A form without the
    field (a script's post) keeps the name."""
    if "name" not in form.data:
        return True
    name = form.cleaned_data.get("name", "")
    try:
        sandbox_functions.function_rename(function=function, user=request.user, name=name)
    except (Invalid, Conflict) as refusal:
        form.add_error("name", refusal.message)
        return False
    return True


def _form_invalid(request: HttpRequest, function: Function, form: RunForm) -> HttpResponse:
    context = _page_context(request, function, form=form)
    if request.htmx:
        response = render(request, f"{PAGE}#workbench", context)
        return retarget(response, "#workbench")
    return render(request, PAGE, context, status=400)


@require_GET
def run_result(request: HttpRequest, batch: uuid.UUID) -> HttpResponse:
    """The result panel, polled by htmx every second while the run is in flight. A poll whose
    run has not moved since the panel it polls from (``seen``) gets 204 No Content: htmx keeps
    the panel, and the server read one row per invocation and rendered nothing."""
    seen = request.GET.get("seen", "")
    if request.htmx and batch_unchanged(user=request.user, batch=batch, seen=seen):
        return HttpResponse(status=204)
    invocations = batch_invocations(user=request.user, batch=batch)
    function = invocations[0].function
    if not request.htmx:
        return redirect(f"{function.get_absolute_url()}?run={batch}")
    return render(request, f"{PAGE}#result", _result_context(request, function, invocations))


def _result_context(
    request: HttpRequest, function: Function, invocations: list[Invocation]
) -> dict[str, Any]:
    """The result panel; once the run is over, the history table is refreshed beside it."""
    view = batch_view(invocations)
    context: dict[str, Any] = {
        "function": function,
        "run": view,
        "run_limit": settings.SANDBOX_MAX_RUNNING_PER_LEARNER,
    }
    if view.finished:
        context["history"] = function_history(function=function, user=request.user)
        context["history_oob"] = True
    return context


@require_GET
def event_template(request: HttpRequest) -> HttpResponse:
    """The event field filled with a template (the event picker's choice)."""
    template = EventTemplate.objects.active().filter(slug=request.GET.get("template")).first()
    if template is None:
        raise Http404("No such event template.")
    if not request.htmx:
        return JsonResponse(template.body, safe=False)
    form = RunForm(
        initial={"event": event_text(template.body)},
        function=Function(),
        editable=False,
    )
    return render(request, f"{PAGE}#event-field", {"form": form})
