"""import_content reads a sample's runtime: the Node.js and custom-runtime samples, and each
mistake in them reported as path:line with nothing imported."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from studyapp.engine.runtimes import node_runtime_name
from studyapp.sandbox.models import Function

pytestmark = pytest.mark.django_db

NODE_TOML = "content/handlers/nodejs-api-gateway-proxy/function.toml"
CUSTOM_TOML = "content/handlers/custom-runtime-bootstrap/function.toml"


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A copy of the shipped notes, samples, layers and events (no questions, for speed)."""
    source = tmp_path / "content"
    for part in ("notes", "handlers", "layers", "events"):
        shutil.copytree(settings.CONTENT_DIR / part, source / part)
    return source


def import_fails(source: Path) -> list[str]:
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_content", "--source", str(source), stderr=err)
    return err.getvalue().splitlines()


def edit(content: Path, sample: str, name: str, old: str, new: str) -> None:
    path = content / "handlers" / sample / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_samples_are_imported_with_their_runtime_and_files(content):
    call_command("import_content", "--source", str(content), stdout=io.StringIO())
    node = Function.objects.samples().get(name="nodejs-api-gateway-proxy")
    custom = Function.objects.samples().get(name="custom-runtime-bootstrap")
    python = Function.objects.samples().get(name="api-gateway-proxy")
    assert (node.runtime, node.handler, list(node.code)) == (
        node_runtime_name(),
        "index.handler",
        ["index.mjs"],
    )
    assert (custom.runtime, custom.handler, list(custom.code)) == (
        "provided.al2023",
        "function.handler",
        ["bootstrap"],
    )
    assert python.runtime == "python3.13"


def test_an_unknown_runtime_is_reported_on_its_line(content):
    edit(content, "nodejs-api-gateway-proxy", "function.toml", '"nodejs"', '"ruby3.3"')
    problems = import_fails(content)
    assert f"{NODE_TOML}:3: runtime must be one of python3.13, {node_runtime_name()}, " in (
        "\n".join(problems)
    )
    assert Function.objects.count() == 0


def test_a_node_handler_naming_no_module_is_reported(content):
    edit(content, "nodejs-api-gateway-proxy", "function.toml", '"index.handler"', '"app.handler"')
    problems = import_fails(content)
    assert (
        f"{NODE_TOML}:4: handler 'app.handler': there is no app.js or app.mjs or app.cjs here"
        in problems
    ), problems


def test_a_bootstrap_without_an_interpreter_line_is_reported(content):
    edit(content, "custom-runtime-bootstrap", "bootstrap", "#!/bin/sh\n", "")
    problems = import_fails(content)
    assert (
        f"{CUSTOM_TOML}:4: bootstrap must start with an interpreter line (#!/bin/sh)" in problems
    ), problems


def test_a_custom_runtime_sample_without_bootstrap_is_reported(content):
    (content / "handlers" / "custom-runtime-bootstrap" / "bootstrap").rename(
        content / "handlers" / "custom-runtime-bootstrap" / "run.sh"
    )
    problems = import_fails(content)
    assert (
        f"{CUSTOM_TOML}:4: a custom runtime needs an executable file bootstrap here" in problems
    ), problems


def test_a_node_sample_may_use_a_layer_of_node_modules(content):
    package = content / "layers" / "node-tools" / "nodejs" / "node_modules" / "node-tools"
    package.mkdir(parents=True)
    (package / "index.js").write_text("exports.shout = (text) => text.toUpperCase();\n")
    edit(
        content,
        "nodejs-api-gateway-proxy",
        "function.toml",
        'event = "api-gateway-v1"\n',
        'event = "api-gateway-v1"\nlayers = ["node-tools"]\n',
    )
    call_command("import_content", "--source", str(content), stdout=io.StringIO())
    assert Function.objects.samples().get(name="nodejs-api-gateway-proxy").layers == ["node-tools"]


def test_a_node_sample_refuses_a_layer_with_python_modules_only(content):
    edit(
        content,
        "nodejs-api-gateway-proxy",
        "function.toml",
        'event = "api-gateway-v1"\n',
        'event = "api-gateway-v1"\nlayers = ["text-tools"]\n',
    )
    problems = import_fails(content)
    assert f"{NODE_TOML}:9: unknown layer 'text-tools' (no layers/text-tools/nodejs/)" in (
        problems
    ), problems
