"""A function's runtime on the web side: the model, the form (picker, handler, bootstrap), the
spec sent to the engine, and runs of each runtime through the real sandbox service."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from django.urls import reverse

from studyapp.engine.runtimes import node_runtime_name
from studyapp.sandbox import invoking, runs
from studyapp.sandbox.forms import RunForm
from studyapp.sandbox.function_settings import FunctionSettings
from studyapp.sandbox.functions import function_copy, function_update
from studyapp.sandbox.models import Function, handler_default, handler_file, runtime_names
from studyapp.sandbox.starters import STARTERS, starter_code
from tests.plugins.task_worker import invocation_tasks_run

NODE = node_runtime_name()
NODE_CODE = (
    "export const handler = async (event, context) => {\n"
    '  console.log("hello from node", event.n);\n'
    "  return { doubled: event.n * 2, requestId: context.awsRequestId };\n"
    "};\n"
)


def sample(name: str) -> Function:
    return Function.objects.samples().get(name=name)


def own_copy(learner, name: str = "cold-start-vs-warm") -> Function:
    return function_copy(function=sample(name), user=learner)


def form_data(function: Function, **changes) -> dict[str, str]:
    data = {
        "name": function.name,
        "runtime": function.runtime,
        "handler": function.handler,
        "code": function.main_source,
        "memory_mb": str(function.memory_mb),
        "timeout_s": str(function.timeout_s),
        "ephemeral_storage_mb": str(function.ephemeral_storage_mb),
        "log_format": function.log_format,
        "environment": "",
        "event": "{}",
    }
    data.update(changes)
    return data


def run_once(function: Function, user, *, event=None, **changes):
    settings = FunctionSettings(**{**FunctionSettings.of(function).__dict__, **changes})
    started = invoking.run_start(
        function=function, user=user, run_settings=settings, event=event or {}, count=1
    )
    assert invocation_tasks_run() == 1
    [invocation] = runs.batch_invocations(user=user, batch=started.batch)
    return invocation


# -- the model ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_new_function_runs_python_with_the_python_handler():
    function = Function()
    assert (function.runtime, function.handler, function.module_path) == (
        "python3.13",
        "handler.handler",
        "handler.py",
    )


def test_the_runtimes_are_python_the_hosts_node_and_provided():
    assert runtime_names() == ["python3.13", NODE, "provided.al2023"]
    assert re.fullmatch(r"nodejs\d+\.x", NODE)


@pytest.mark.parametrize(
    ("runtime", "handler", "files", "expected"),
    [
        ("python3.13", "app.main", {}, "app.py"),
        ("python3.13", "pkg.app.main", {}, "pkg/app.py"),
        (NODE, "index.handler", {}, "index.mjs"),
        (NODE, "index.handler", {"index.js": ""}, "index.js"),
        (NODE, "index.handler", {"index.cjs": "", "index.mjs": ""}, "index.mjs"),
        (NODE, "src/app.handler", {"src/app.cjs": ""}, "src/app.cjs"),
        ("provided.al2023", "anything at all", {}, "bootstrap"),
    ],
)
def test_the_handlers_file_is_where_the_runtime_looks_for_it(runtime, handler, files, expected):
    assert handler_file(runtime=runtime, handler=handler, code=files) == expected


@pytest.mark.django_db
def test_a_copy_keeps_the_samples_runtime_and_handler(samples, learner):
    copy = own_copy(learner, "nodejs-sqs-partial-batch")
    assert (copy.runtime, copy.handler, copy.module_path) == (NODE, "index.handler", "index.mjs")


# -- the form -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_picking_node_with_an_empty_handler_gives_index_handler(samples, learner):
    copy = own_copy(learner)
    form = RunForm(
        form_data(copy, runtime=NODE, handler="", code=NODE_CODE), function=copy, editable=True
    )
    assert form.is_valid(), form.errors
    settings = form.run_settings()
    assert (settings.runtime, settings.handler) == (NODE, "index.handler")


@pytest.mark.django_db
def test_picking_a_custom_runtime_with_an_empty_handler_gives_function_handler(samples, learner):
    copy = own_copy(learner)
    data = form_data(copy, runtime="provided.al2023", handler="", code=STARTERS["provided"])
    form = RunForm(data, function=copy, editable=True)
    assert form.is_valid(), form.errors
    assert form.run_settings().handler == "function.handler"


@pytest.mark.django_db
def test_a_post_without_runtime_or_handler_keeps_the_functions(samples, learner):
    copy = own_copy(learner, "nodejs-api-gateway-proxy")
    data = form_data(copy)
    del data["runtime"], data["handler"]
    form = RunForm(data, function=copy, editable=True)
    assert form.is_valid(), form.errors
    settings = form.run_settings()
    assert (settings.runtime, settings.handler) == (NODE, "index.handler")


@pytest.mark.django_db
def test_an_unknown_runtime_is_refused_beside_the_picker(samples, learner):
    copy = own_copy(learner)
    form = RunForm(form_data(copy, runtime="python2.7"), function=copy, editable=True)
    assert not form.is_valid()
    assert form.errors["runtime"] == [
        "Select a valid choice. python2.7 is not one of the available choices."
    ]


@pytest.mark.django_db
def test_a_python_handler_must_be_file_dot_function(samples, learner):
    copy = own_copy(learner)
    form = RunForm(form_data(copy, handler="handler"), function=copy, editable=True)
    assert not form.is_valid()
    assert form.errors["handler"] == [
        "A Python handler is file.function, such as handler.handler "
        "(the function handler in handler.py)."
    ]


@pytest.mark.django_db
def test_a_node_handler_must_be_file_dot_export(samples, learner):
    copy = own_copy(learner)
    data = form_data(copy, runtime=NODE, handler="index", code=NODE_CODE)
    form = RunForm(data, function=copy, editable=True)
    assert not form.is_valid()
    assert form.errors["handler"] == [
        "A Node.js handler is file.export, such as index.handler "
        "(the export handler of index.mjs, index.js or index.cjs)."
    ]


@pytest.mark.django_db
def test_a_custom_runtimes_handler_is_any_text_without_spaces(samples, learner):
    copy = own_copy(learner)
    code = STARTERS["provided"]
    good = RunForm(
        form_data(copy, runtime="provided.al2023", handler="report:build/v2", code=code),
        function=copy,
        editable=True,
    )
    bad = RunForm(
        form_data(copy, runtime="provided.al2023", handler="two words", code=code),
        function=copy,
        editable=True,
    )
    assert good.is_valid(), good.errors
    assert bad.errors["handler"] == ["A custom runtime's handler is text without spaces."]


@pytest.mark.django_db
def test_a_bootstrap_without_an_interpreter_line_is_not_executable(samples, learner):
    copy = own_copy(learner)
    data = form_data(copy, runtime="provided.al2023", handler="", code="echo hello\n")
    form = RunForm(data, function=copy, editable=True)
    assert not form.is_valid()
    assert form.errors["code"] == [
        "The file bootstrap must be executable: start it with the interpreter that runs it, "
        "such as #!/bin/sh or #!/usr/bin/env python3."
    ]


@pytest.mark.django_db
def test_a_samples_form_has_no_runtime_or_handler_to_change(samples, learner):
    form = RunForm(
        initial=RunForm.initial_for(sample("nodejs-cold-start-vs-warm")),
        function=sample("nodejs-cold-start-vs-warm"),
        editable=False,
    )
    assert "runtime" not in form.fields and "handler" not in form.fields


# -- saving -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_saving_node_code_writes_the_handlers_js_file_beside_the_python_one(samples, learner):
    copy = own_copy(learner)
    python_source = copy.main_source
    settings = FunctionSettings(
        **{
            **FunctionSettings.of(copy).__dict__,
            "runtime": NODE,
            "handler": "index.handler",
            "code": NODE_CODE,
        }
    )
    function_update(function=copy, user=learner, settings=settings)
    copy.refresh_from_db()
    assert (copy.runtime, copy.handler, copy.module_path) == (NODE, "index.handler", "index.mjs")
    assert copy.code == {"handler.py": python_source, "index.mjs": NODE_CODE}


@pytest.mark.django_db
def test_the_save_page_stores_the_picked_runtime(samples, learner, client):
    client.force_login(learner)
    copy = own_copy(learner)
    response = client.post(
        reverse("sandbox:save", args=[copy.pk]),
        form_data(copy, runtime=NODE, handler="", code=NODE_CODE),
    )
    assert response.status_code == 302
    copy.refresh_from_db()
    assert (copy.runtime, copy.handler, copy.code["index.mjs"]) == (
        NODE,
        "index.handler",
        NODE_CODE,
    )


@pytest.mark.django_db
def test_an_invalid_bootstrap_comes_back_with_the_editor_in_shell_mode(samples, learner, client):
    client.force_login(learner)
    copy = own_copy(learner)
    response = client.post(
        reverse("sandbox:save", args=[copy.pk]),
        form_data(copy, runtime="provided.al2023", handler="", code="echo hi\n"),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-language="shell"' in html
    assert '<span class="muted code-file" data-code-file>bootstrap</span>' in html
    copy.refresh_from_db()
    assert copy.runtime == "python3.13"


@pytest.mark.django_db
def test_the_page_offers_each_runtimes_starting_point_to_the_editor(samples, learner, client):
    client.force_login(learner)
    copy = own_copy(learner, "nodejs-sqs-partial-batch")
    response = client.get(reverse("sandbox:function", args=[copy.pk]))
    editor = response.context["runtime_editor"]
    assert 'data-language="javascript"' in response.content.decode()
    assert editor[NODE] == {
        "language": "javascript",
        "handler": "index.handler",
        "file": "index.mjs",
        "code": copy.code["index.mjs"],
    }
    assert editor["python3.13"] == {
        "language": "python",
        "handler": "handler.handler",
        "file": "handler.py",
        "code": STARTERS["python"],
    }
    assert editor["provided.al2023"]["file"] == "bootstrap"
    assert editor["provided.al2023"]["language"] == "shell"


@pytest.mark.django_db
def test_a_samples_page_shows_its_runtime_and_handler(samples, learner, client):
    client.force_login(learner)
    response = client.get(reverse("sandbox:sample", args=["custom-runtime-bootstrap"]))
    html = response.content.decode()
    assert "<dt>Runtime</dt><dd><code>provided.al2023</code></dd>" in html
    assert "<dt>Handler</dt><dd><code>function.handler</code></dd>" in html
    assert '<span class="muted code-file" data-code-file>bootstrap</span>' in html


@pytest.mark.django_db
def test_the_function_list_names_each_functions_runtime(samples, learner, client):
    client.force_login(learner)
    own_copy(learner, "nodejs-cold-start-vs-warm")
    html = client.get(reverse("sandbox:index")).content.decode()
    assert "<td><code>" + NODE + "</code></td>" in html
    assert (
        html.count('<span class="muted sample-runtime">Runtime <code>provided.al2023</code>') == 1
    )
    assert html.count(f'<span class="muted sample-runtime">Runtime <code>{NODE}</code>') == 3


# -- the spec and real runs ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_engines_spec_carries_the_runtime_and_the_edited_file(samples, learner):
    copy = own_copy(learner)
    settings = FunctionSettings(
        **{
            **FunctionSettings.of(copy).__dict__,
            "runtime": NODE,
            "handler": "app.main",
            "code": NODE_CODE,
        }
    )
    spec = runs.function_spec(copy, learner, settings)
    assert (spec["runtime"], spec["handler"]) == (NODE, "app.main")
    assert spec["code"]["app.mjs"] == NODE_CODE


@pytest.mark.django_db(transaction=True)
def test_a_learners_node_function_runs_with_nodes_log_lines(samples, learner, full_isolation):
    copy = own_copy(learner)
    invocation = run_once(
        copy, learner, event={"n": 21}, runtime=NODE, handler="index.handler", code=NODE_CODE
    )
    result = invocation.result
    assert invocation.status == "success", result
    assert result["payload"] == {"doubled": 42, "requestId": invocation.request_id}
    assert invocation.config["runtime"] == NODE
    assert "INIT_START Runtime Version: nodejs:" in result["logs"]
    assert re.search(
        rf"^\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}Z\t{invocation.request_id}\tINFO\t"
        r"hello from node 21$",
        result["logs"],
        re.M,
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("runtime", runtime_names())
def test_each_runtimes_starter_runs_as_it_is(samples, learner, full_isolation, runtime):
    copy = own_copy(learner)
    invocation = run_once(
        copy,
        learner,
        event={"hello": "world"},
        runtime=runtime,
        handler=handler_default(runtime),
        code=starter_code(runtime),
    )
    assert invocation.status == "success", invocation.result
    payload = invocation.result["payload"]
    if runtime == "provided.al2023":
        assert payload == {"message": "Hello from a custom runtime"}
        assert "handler function.handler got: {" in invocation.result["logs"]
    else:
        language = "Python" if runtime.startswith("python") else "Node.js"
        assert payload["statusCode"] == 200
        assert json.loads(payload["body"]) == {"message": f"Hello from {language}"}


@pytest.mark.django_db(transaction=True)
def test_a_node_function_requires_a_package_from_its_layers_node_modules(
    samples, learner, full_isolation, settings, tmp_path
):
    content = tmp_path / "content"
    shutil.copytree(settings.CONTENT_DIR / "layers", content / "layers")
    package = content / "layers" / "node-tools" / "nodejs" / "node_modules" / "node-tools"
    package.mkdir(parents=True)
    (package / "index.js").write_text("exports.shout = (text) => text.toUpperCase() + '!';\n")
    settings.CONTENT_DIR = content
    copy = own_copy(learner)
    copy.runtime, copy.handler, copy.layers = NODE, "index.handler", ["node-tools"]
    copy.code = {
        "index.js": "const { shout } = require('node-tools');\n"
        "exports.handler = async (event) => ({\n"
        "  said: shout(event.word),\n"
        "  from: require.resolve('node-tools'),\n"
        "});\n"
    }
    copy.save()
    invocation = run_once(copy, learner, event={"word": "layers"})
    assert invocation.status == "success", invocation.result
    assert invocation.result["payload"] == {
        "said": "LAYERS!",
        "from": "/opt/nodejs/node_modules/node-tools/index.js",
    }
