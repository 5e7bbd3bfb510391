"""The architecture README.md describes, checked against the code.

The contracts themselves live in pyproject.toml (``[tool.importlinter]``) and ``make lint`` runs
``lint-imports`` on them; these tests read the same contracts, prove they hold on the code and
that they refuse the imports they are meant to refuse, and check what a contract cannot say:
no import circles, an engine on the standard library alone, no import hidden in a function.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "studyapp"
ENGINE = "studyapp.engine"


def contracts() -> dict[str, dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return {contract["id"]: contract for contract in config["contracts"]}


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("studyapp", include_external_packages=True, cache_dir=None)


def layers_of(contract: dict) -> list[grimp.Layer]:
    return [
        grimp.Layer(*(part.strip() for part in layer.split("|")), independent=True)
        for layer in contract["layers"]
    ]


def layer_violations(graph: grimp.ImportGraph) -> set:
    return graph.find_illegal_dependencies_for_layers(
        layers=layers_of(contracts()["layers"]), containers=set()
    )


def forbidden_chains(graph: grimp.ImportGraph, contract_id: str) -> list[tuple[str, str]]:
    contract = contracts()[contract_id]
    return [
        (source, forbidden)
        for source in contract["source_modules"]
        for forbidden in contract["forbidden_modules"]
        if forbidden in graph.modules
        and graph.chain_exists(importer=source, imported=forbidden, as_packages=True)
    ]


def test_lint_imports_keeps_every_contract():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [lint_imports, "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_every_app_sits_below_the_layers_that_import_it(graph):
    assert layer_violations(graph) == set()


def test_a_lower_layer_importing_a_higher_one_breaks_the_layers_contract(graph):
    graph.add_import(importer="studyapp.topics.selectors", imported="studyapp.cards.models")
    try:
        violations = layer_violations(graph)
    finally:
        graph.remove_import(importer="studyapp.topics.selectors", imported="studyapp.cards.models")
    assert {(v.importer, v.imported) for v in violations} == {("studyapp.topics", "studyapp.cards")}


def test_the_sandbox_does_not_reach_cards_quizzes_or_progress(graph):
    assert forbidden_chains(graph, "sandbox-apart") == []


def test_the_engine_imports_neither_django_nor_the_rest_of_the_project(graph):
    assert forbidden_chains(graph, "engine-alone") == []


def test_an_engine_importing_django_breaks_its_contract(graph):
    graph.add_import(importer=f"{ENGINE}.pool", imported="django")
    try:
        chains = forbidden_chains(graph, "engine-alone")
    finally:
        graph.remove_import(importer=f"{ENGINE}.pool", imported="django")
    assert chains == [(ENGINE, "django")]


WEB_MODULE_NAMES = {"api_pages", "asgi", "forms", "htmx", "middleware", "wsgi"}
ENGINE_SERVICE = {f"{ENGINE}.client", f"{ENGINE}.pool"}


def web_modules(graph: grimp.ImportGraph) -> set[str]:
    """The web process's interface, found by name: URLconfs, views, forms, middleware, template
    tags, the Lambda API package and the pages behind it."""
    return {
        module
        for module in graph.modules
        if module.startswith("studyapp.")
        and not module.startswith(ENGINE)
        and (
            module.rpartition(".")[2].endswith(("views", "urls"))
            or module.rpartition(".")[2] in WEB_MODULE_NAMES
            or ".templatetags." in module
            or module.startswith("studyapp.sandbox.api.")
        )
    }


def contract_sources(graph: grimp.ImportGraph, contract_id: str) -> set[str]:
    """The modules a contract's ``source_modules`` name, wildcards expanded as lint-imports
    expands them."""
    found: set[str] = set()
    for expression in contracts()[contract_id]["source_modules"]:
        found |= graph.find_matching_modules(expression) if "*" in expression else {expression}
    return found


def web_imports_of_the_engine_service(graph: grimp.ImportGraph) -> set[tuple[str, str]]:
    return {
        (module, service)
        for module in contract_sources(graph, "web-never-invokes")
        for service in ENGINE_SERVICE
        if graph.direct_import_exists(importer=module, imported=service)
    }


def test_the_web_never_invokes_contract_names_every_module_of_the_web(graph):
    assert web_modules(graph) - contract_sources(graph, "web-never-invokes") == set()


def test_no_module_of_the_web_imports_the_sandbox_services_client_or_pool(graph):
    assert web_imports_of_the_engine_service(graph) == set()


def test_the_concurrency_page_importing_the_client_breaks_the_web_contract(graph):
    graph.add_import(importer="studyapp.sandbox.api_pages", imported=f"{ENGINE}.client")
    try:
        found = web_imports_of_the_engine_service(graph)
    finally:
        graph.remove_import(importer="studyapp.sandbox.api_pages", imported=f"{ENGINE}.client")
    assert found == {("studyapp.sandbox.api_pages", f"{ENGINE}.client")}


def test_a_new_views_module_outside_the_contract_is_noticed(graph):
    graph.add_module("studyapp.sandbox.admin_views")
    try:
        missing = web_modules(graph) - contract_sources(graph, "web-never-invokes")
    finally:
        graph.remove_module("studyapp.sandbox.admin_views")
    assert missing == {"studyapp.sandbox.admin_views"}


def test_the_engine_needs_only_the_standard_library(graph):
    outside = {
        (module, imported)
        for module in graph.find_descendants(ENGINE) | {ENGINE}
        for imported in graph.find_modules_directly_imported_by(module)
        if not imported.startswith(ENGINE)
        and imported.partition(".")[0] not in sys.stdlib_module_names
    }
    assert outside == set()


def import_circles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    modules = sorted(m for m in graph.modules if m.startswith("studyapp"))
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if not imported.startswith("studyapp"):
                continue
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for module in modules:
        if module not in index:
            visit(module)
    return circles


def test_no_module_imports_itself_through_a_circle(graph):
    assert import_circles(graph) == []


def test_a_circle_is_found(graph):
    graph.add_import(importer="studyapp.sandbox.models", imported="studyapp.sandbox.sqs")
    try:
        circles = import_circles(graph)
    finally:
        graph.remove_import(importer="studyapp.sandbox.models", imported="studyapp.sandbox.sqs")
    assert any({"studyapp.sandbox.models", "studyapp.sandbox.sqs"} <= set(c) for c in circles)


def project_imports_inside_functions() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for inner in ast.walk(node):
                project = (isinstance(inner, ast.ImportFrom) and inner.level > 0) or any(
                    name.startswith("studyapp")
                    for name in (
                        [inner.module or ""]
                        if isinstance(inner, ast.ImportFrom)
                        else [alias.name for alias in getattr(inner, "names", [])]
                        if isinstance(inner, ast.Import)
                        else []
                    )
                )
                if project:
                    found.append(f"{path.relative_to(ROOT)}:{inner.lineno}")
    return found


def test_no_function_imports_project_code_to_dodge_a_circle():
    assert project_imports_inside_functions() == []
