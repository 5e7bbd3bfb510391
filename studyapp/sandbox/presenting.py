"""What the result panel shows for an invocation: payload, REPORT figures, cost, isolation.

Plain data for the templates (which escape everything); the figures come from the engine's
result object, the cost from its billing module.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.utils.safestring import SafeString
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import BashLexer, JavascriptLexer, PythonLexer

from studyapp.engine import billing
from studyapp.sandbox.models import Function, Invocation
from studyapp.sandbox.runs import EnvironmentSummary, batch_environments, batch_signature
from studyapp.sandbox.versions import LATEST, alias_shares, aliases_for, versions_for


def usd(value: float) -> str:
    """Dollars with enough digits to see a fraction of a cent."""
    if value >= 0.01:
        return f"${value:,.2f}"
    text = f"{value:.10f}".rstrip("0").rstrip(".")
    return f"${text}" if text != "0" else "$0"


@dataclass(frozen=True)
class Figure:
    label: str
    value: str


@dataclass
class InvocationView:
    invocation: Invocation
    payload_json: str = ""
    logs: str = ""
    report: list[Figure] = field(default_factory=list)
    cost: list[Figure] = field(default_factory=list)
    free_tier: str = ""
    isolation: list[Figure] = field(default_factory=list)
    isolation_full: bool | None = None
    isolation_missing: list[str] = field(default_factory=list)
    error_type: str = ""


def invocation_view(invocation: Invocation) -> InvocationView:
    view = InvocationView(invocation=invocation)
    result = invocation.result
    if not result:
        return view
    view.payload_json = json.dumps(result.get("payload"), indent=2, ensure_ascii=False)
    view.logs = result.get("logs") or ""
    view.error_type = result.get("error_type") or ""
    view.report = [
        Figure("Duration", f"{result.get('duration_ms', 0):.2f} ms"),
        Figure("Billed Duration", f"{result.get('billed_duration_ms', 0)} ms"),
        Figure("Memory Size", f"{result.get('memory_size_mb', 0)} MB"),
        Figure("Max Memory Used", f"{result.get('max_memory_used_mb', 0)} MB"),
    ]
    if result.get("init_duration_ms") is not None:
        view.report.append(Figure("Init Duration", f"{result['init_duration_ms']:.2f} ms"))
    cost = result.get("cost")
    if cost:
        view.cost = [
            Figure("GB-seconds", f"{cost['gb_seconds']:.6f}"),
            Figure("This invocation, x86_64", usd(cost["x86_64_usd"])),
            Figure("This invocation, arm64", usd(cost["arm64_usd"])),
            Figure("A million like it, x86_64", usd(cost["x86_64_per_million_usd"])),
            Figure("A million like it, arm64", usd(cost["arm64_per_million_usd"])),
        ]
        view.free_tier = (
            f"The free tier ({billing.FREE_TIER_REQUESTS_PER_MONTH:,} requests and "
            f"{billing.FREE_TIER_GB_SECONDS_PER_MONTH:,} GB-seconds a month) covers about "
            f"{cost['free_tier_invocations_per_month']:,} invocations like this one a month; "
            "the figures above are before the free tier."
        )
    isolation = result.get("isolation") or {}
    if isolation:
        view.isolation_full = bool(isolation.get("full"))
        view.isolation_missing = list(isolation.get("missing") or [])
        view.isolation = [
            Figure("Namespaces (bubblewrap)", _yes(isolation.get("namespaces"))),
            Figure("Network", "none" if not isolation.get("network") else "reachable"),
            Figure("Memory limit (cgroup)", _yes(isolation.get("memory_cgroup"))),
            Figure("CPU share (cgroup)", _yes(isolation.get("cpu_cgroup"))),
            Figure("Process limit", str(isolation.get("pids_limit") or "none")),
            Figure("Open files limit", str(isolation.get("nofile", "?"))),
            Figure("/tmp size", _tmp_size(isolation)),  # noqa: S108 - a label, not a path
            Figure("Read-only file system", _yes(isolation.get("readonly_root"))),
        ]
    return view


def _tmp_size(isolation: dict[str, Any]) -> str:
    """The temporary directory's bound, and whether it is memory (a tmpfs); `tmpfs_mb` is what
    runs stored before it was apart from memory."""
    size = isolation.get("ephemeral_storage_mb") or isolation.get("tmpfs_mb")
    if not size:
        return "unbounded"
    if isolation.get("tmp_apart_from_memory"):
        return f"{size} MB, apart from memory"
    return f"{size} MB, counted as memory"


def _yes(value: Any) -> str:
    return "yes" if value else "no"


@dataclass
class BatchView:
    invocations: list[InvocationView]
    environments: EnvironmentSummary
    finished: bool
    signature: str  # how far the run had got (runs.batch_signature): the poll sends it back

    @property
    def single(self) -> InvocationView | None:
        return self.invocations[0] if len(self.invocations) == 1 else None

    @property
    def batch(self):
        return self.invocations[0].invocation.batch


def batch_view(invocations: list[Invocation]) -> BatchView:
    return BatchView(
        invocations=[invocation_view(invocation) for invocation in invocations],
        environments=batch_environments(invocations),
        finished=all(invocation.finished for invocation in invocations),
        signature=batch_signature([invocation.status for invocation in invocations]),
    )


LEXERS = {"python": PythonLexer, "javascript": JavascriptLexer, "shell": BashLexer}


@lru_cache(maxsize=256)
def code_highlighted(source: str, *, language: str = "python") -> SafeString:
    """Read-only view of code (python, javascript or shell): Pygments escapes the source; line
    numbers in a gutter. Kept per source (a sample's page shows the same code to everyone, and
    highlighting it took about 2 ms)."""
    lexer = LEXERS.get(language, PythonLexer)()
    html = highlight(
        source, lexer, HtmlFormatter(linenos="table", cssclass="highlight", wrapcode=True)
    )
    return SafeString(html)  # Pygments escapes every character of the source it renders


# -- versions and aliases -----------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class AliasView:
    name: str
    description: str
    routes: list[Figure]  # "version 1" -> "90 %"


def _version_label(version: str) -> str:
    return version if version == LATEST else f"version {version}"


def function_versions_view(*, function: Function) -> dict[str, Any]:
    """The function's published versions and its aliases with their weights (page context)."""
    aliases = [
        AliasView(
            name=alias.name,
            description=alias.description,
            routes=[
                Figure(_version_label(version), f"{share * 100:g} %")
                for version, share in alias_shares(alias)
            ],
        )
        for alias in aliases_for(function=function)
    ]
    published = versions_for(function=function)
    qualifiers = [
        Choice(LATEST, LATEST),
        *(Choice(str(v.number), f"version {v.number}") for v in published),
        *(Choice(a.name, f"alias {a.name}") for a in aliases),
    ]
    return {
        "versions": published,
        "aliases": aliases,
        "qualifiers": qualifiers,
        "chosen_qualifier": aliases[0].name if aliases else LATEST,
        "max_batch": settings.SANDBOX_MAX_BATCH,
    }


@dataclass(frozen=True)
class QualifiedRun:
    executed_version: str
    status: str
    payload_json: str
    request_id: str
    duration_ms: float | None


@dataclass(frozen=True)
class QualifiedRunsView:
    qualifier: str
    runs: list[QualifiedRun]
    tally: list[Figure]  # "version 1" -> "9 of 10"


def qualified_runs_view(
    *, qualifier: str, results: list[tuple[dict[str, Any], str]]
) -> QualifiedRunsView:
    """Invocations of one qualifier, each with the version that answered, and the count each
    version answered."""
    runs = [
        QualifiedRun(
            executed_version=version,
            status=str(result.get("status") or ""),
            payload_json=json.dumps(result.get("payload"), ensure_ascii=False),
            request_id=str(result.get("request_id") or ""),
            duration_ms=result.get("duration_ms"),
        )
        for result, version in results
    ]
    counts: dict[str, int] = {}
    for run in runs:
        counts[run.executed_version] = counts.get(run.executed_version, 0) + 1
    tally = [
        Figure(_version_label(version), f"{count} of {len(runs)}")
        for version, count in sorted(counts.items(), key=lambda item: (item[0] != LATEST, item[0]))
    ]
    return QualifiedRunsView(qualifier=qualifier, runs=runs, tally=tally)
