"""Import the sandbox content: sample functions (content/handlers/) and events (content/events/).

Two phases, as for the rest of the content (see studyapp/content/importing.py):
``sandbox_content_read`` reads and checks every file and returns the problems as
``(path, line, message)``; only when no part of the content has a problem does
``sandbox_content_save`` write, inside the import's transaction. Samples are keyed by folder
name and events by file name, so importing twice changes nothing; a sample or event whose file
is gone is archived, never deleted (learners' copies and invocations keep pointing at it).
"""

from __future__ import annotations

import json
import re
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.db import transaction

from studyapp.core.upserts import archive_missing, row_upsert
from studyapp.engine.config import (
    MAX_EPHEMERAL_MB,
    MAX_LAYERS,
    MAX_MEMORY_MB,
    MAX_TIMEOUT_S,
    MIN_EPHEMERAL_MB,
    MIN_MEMORY_MB,
    MIN_TIMEOUT_S,
    ConfigError,
    check_environment,
)
from studyapp.sandbox.concurrency import provisioned_refresh
from studyapp.sandbox.models import (
    BOOTSTRAP,
    NAME_PATTERN,
    NODE_EXTENSIONS,
    PYTHON_RUNTIME,
    EventTemplate,
    Function,
    FunctionInvokeConfig,
    runtime_family,
    runtime_names,
)
from studyapp.topics.models import Topic

COURSE_SLUG = "aws-lambda"  # the course whose topics the samples teach
REQUIRED_KEYS = ("title", "topic", "handler", "memory", "timeout", "ephemeral_storage", "event")
OPTIONAL_KEYS = ("runtime", "layers", "log_format", "environment", "lesson")
HANDLER_PATTERN = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)$")
# What a layer holds for each runtime family (mounted under /opt): python/ is on sys.path,
# nodejs/node_modules/ on Node's module path; a custom runtime's layer may hold anything.
LAYER_FOLDERS = {
    "python": ("python",),
    "nodejs": ("nodejs",),
    "provided": ("python", "nodejs", "bin"),
}
EVENT_SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
MAX_CODE_BYTES = 256 * 1024
TITLE_WORDS = {
    "api": "API",
    "s3": "S3",
    "sqs": "SQS",
    "sns": "SNS",
    "dynamodb": "DynamoDB",
    "eventbridge": "EventBridge",
    "v1": "v1",
    "v2": "v2",
}

Problem = tuple[str, int, str]


@dataclass
class EventData:
    slug: str
    title: str
    body: Any
    source: str


@dataclass
class FunctionData:
    name: str
    source: str
    title: str
    summary: str
    lesson_md: str
    topic: str
    runtime: str
    handler: str
    memory_mb: int
    timeout_s: int
    ephemeral_storage_mb: int
    event: str
    layers: list[str]
    log_format: str
    environment: dict[str, str]
    code: dict[str, str]


@dataclass
class SandboxReading:
    functions: list[FunctionData] = field(default_factory=list)
    events: list[EventData] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def event_title(slug: str) -> str:
    """``api-gateway-v1`` -> ``API Gateway v1``."""
    return " ".join(TITLE_WORDS.get(word, word.capitalize()) for word in slug.split("-"))


def sample_topics_from_outlines(outlines: Iterable) -> frozenset[str]:
    """The topic slugs samples may name: those of the aws-lambda course read from the notes."""
    return frozenset(
        topic.slug
        for outline in outlines
        if outline.slug == COURSE_SLUG
        for topic in outline.topics
    )


def sandbox_content_read(
    source: Path, *, topics: frozenset[str], display: Callable[[Path], str] = str
) -> SandboxReading:
    """Read events, then samples (which refer to events, layers and ``topics``)."""
    reading = SandboxReading()
    for path in sorted((source / "events").glob("*.json")):
        event = _event_read(path, display(path), reading.problems)
        if event is not None:
            reading.events.append(event)
    events = {event.slug for event in reading.events}
    layers_dir = source / "layers"
    handlers_dir = source / "handlers"
    for folder in sorted(handlers_dir.iterdir()) if handlers_dir.is_dir() else []:
        if folder.is_dir() and not folder.name.startswith((".", "_")):
            function = _function_read(
                folder,
                display=display,
                topics=topics,
                events=events,
                layers_dir=layers_dir,
                problems=reading.problems,
            )
            if function is not None:
                reading.functions.append(function)
    return reading


def _event_read(path: Path, shown: str, problems: list[Problem]) -> EventData | None:
    if not EVENT_SLUG_PATTERN.match(path.stem):
        problems.append((shown, 1, "an event file name must be lower-case letters, digits, -"))
        return None
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        problems.append((shown, 1, "not UTF-8 text"))
        return None
    except json.JSONDecodeError as error:
        message = f"not valid JSON: {error.msg} (column {error.colno})"
        problems.append((shown, error.lineno, message))
        return None
    return EventData(slug=path.stem, title=event_title(path.stem), body=body, source=shown)


def _key_line(text: str, key: str) -> int:
    """The line where ``key = ...`` is set (tomllib does not report positions of values)."""
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return number
    return 1


def _function_read(
    folder: Path,
    *,
    display: Callable[[Path], str],
    topics: frozenset[str],
    events: set[str],
    layers_dir: Path,
    problems: list[Problem],
) -> FunctionData | None:
    toml_path = folder / "function.toml"
    shown = display(toml_path)
    if not toml_path.is_file():
        problems.append((display(folder), 0, "a sample needs a function.toml"))
        return None
    try:
        text = toml_path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError:
        problems.append((shown, 1, "not UTF-8 text"))
        return None
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"\(at line (\d+), column (\d+)\)", str(error))
        line = int(found.group(1)) if found else 1
        problems.append((shown, line, f"not valid TOML: {error}"))
        return None

    found_problems: list[Problem] = []

    def problem(key: str, message: str) -> None:
        found_problems.append((shown, _key_line(text, key), message))

    if not re.match(NAME_PATTERN, folder.name):
        problem("title", f"the folder name {folder.name!r} must be 1-48 letters, digits, - or _")
    for key in REQUIRED_KEYS:
        if key not in data:
            found_problems.append((shown, 1, f"missing required key {key!r}"))
    for key in sorted(set(data) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS)):
        problem(key, f"unknown key {key!r}")
    lesson = data.get("lesson")
    if not isinstance(lesson, dict) or not isinstance(lesson.get("summary"), str):
        problem("lesson", "[lesson] needs a summary (one line) and a body (Markdown)")
        lesson = {}
    for key in ("title", "topic", "handler", "event"):
        if key in data and not (isinstance(data[key], str) and data[key].strip()):
            problem(key, f"{key} must be a non-empty string")
    ranges = {
        "memory": (MIN_MEMORY_MB, MAX_MEMORY_MB, "MB"),
        "timeout": (MIN_TIMEOUT_S, MAX_TIMEOUT_S, "seconds"),
        "ephemeral_storage": (MIN_EPHEMERAL_MB, MAX_EPHEMERAL_MB, "MB"),
    }
    for key, (low, high, unit) in ranges.items():
        value = data.get(key)
        if key in data and (type(value) is not int or not low <= value <= high):
            problem(key, f"{key} must be a whole number from {low} to {high} {unit}, not {value!r}")
    topic = data.get("topic")
    if isinstance(topic, str) and topic not in topics:
        problem("topic", f"unknown topic {topic!r} in course {COURSE_SLUG!r}")
    event = data.get("event")
    if isinstance(event, str) and event not in events:
        problem("event", f"unknown event {event!r} (no events/{event}.json)")
    runtime = _runtime_read(data.get("runtime", PYTHON_RUNTIME))
    if runtime is None:
        problem(
            "runtime",
            f"runtime must be one of {', '.join(runtime_names())} (or nodejs: the sandbox's "
            f"Node.js), not {data.get('runtime')!r}",
        )
        runtime = PYTHON_RUNTIME
    family = runtime_family(runtime)
    layers = data.get("layers", [])
    if not isinstance(layers, list) or not all(isinstance(name, str) for name in layers):
        problem("layers", "layers must be a list of layer names")
        layers = []
    elif len(layers) > MAX_LAYERS:
        problem("layers", f"a function can use at most {MAX_LAYERS} layers")
    for name in layers:
        folders = LAYER_FOLDERS[family]
        if not re.match(NAME_PATTERN, name) or not any(
            (layers_dir / name / folder).is_dir() for folder in folders
        ):
            problem("layers", f"unknown layer {name!r} (no layers/{name}/{folders[0]}/)")
    log_format = data.get("log_format", "Text")
    if log_format not in Function.LogFormat.values:
        problem("log_format", "log_format must be Text or JSON")
    environment = data.get("environment", {})
    if not isinstance(environment, dict) or not all(
        isinstance(value, str) for value in environment.values()
    ):
        problem("environment", "[environment] values must be strings")
        environment = {}
    else:
        try:
            check_environment(environment)
        except ConfigError as error:
            problem("environment", str(error))
    handler = data.get("handler")
    code = _code_read(folder, shown, found_problems)
    if isinstance(handler, str):
        _handler_check(handler, family=family, code=code, problem=problem)
    problems.extend(found_problems)
    if found_problems:
        return None
    return FunctionData(
        name=folder.name,
        source=display(folder),
        title=data["title"].strip(),
        summary=str(lesson.get("summary", "")).strip(),
        lesson_md=str(lesson.get("body", "")).strip(),
        topic=data["topic"],
        runtime=runtime,
        handler=data["handler"],
        memory_mb=data["memory"],
        timeout_s=data["timeout"],
        ephemeral_storage_mb=data["ephemeral_storage"],
        event=data["event"],
        layers=list(layers),
        log_format=log_format,
        environment=dict(environment),
        code=code,
    )


def _runtime_read(value: Any) -> str | None:
    """The runtime a sample names: one of the sandbox's, or ``nodejs`` for its Node.js runtime
    (named after the host's Node.js major, so the content need not know it); None otherwise."""
    if value == "nodejs":
        return runtime_names()[1]
    return value if isinstance(value, str) and value in runtime_names() else None


def _handler_check(
    handler: str, *, family: str, code: dict[str, str], problem: Callable[[str, str], None]
) -> None:
    """The handler names a file of the sample, as its runtime would look for it."""
    if family == "provided":
        source = code.get(BOOTSTRAP)
        if source is None:
            problem("handler", f"a custom runtime needs an executable file {BOOTSTRAP} here")
        elif not source.startswith("#!"):
            problem("handler", f"{BOOTSTRAP} must start with an interpreter line (#!/bin/sh)")
        return
    match = HANDLER_PATTERN.match(handler)
    if match is None:
        problem("handler", f"handler {handler!r} must look like module.function")
        return
    module = match.group(1)
    files = [f"{module}.py"] if family == "python" else [module + ext for ext in NODE_EXTENSIONS]
    if not any(name in code for name in files):
        problem("handler", f"handler {handler!r}: there is no {' or '.join(files)} here")


def _code_read(folder: Path, shown: str, problems: list[Problem]) -> dict[str, str]:
    """Every file of the sample except function.toml, as relative path -> text."""
    code: dict[str, str] = {}
    total = 0
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if not path.is_file() or relative == "function.toml" or "__pycache__" in path.parts:
            continue
        try:
            code[relative] = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            problems.append((f"{shown.rsplit('/', 1)[0]}/{relative}", 1, "not UTF-8 text"))
            continue
        total += len(code[relative].encode())
    if total > MAX_CODE_BYTES:
        problems.append((shown, 1, f"the sample's code is over {MAX_CODE_BYTES // 1024} KB"))
    return code


def sandbox_content_save(reading: SandboxReading, *, now: datetime) -> Counter:
    """Create, update or archive events and samples; call inside the import's transaction."""
    changes: Counter = Counter()
    events: dict[str, EventTemplate] = {}
    for event in reading.events:
        events[event.slug] = row_upsert(
            EventTemplate,
            changes,
            lookup={"slug": event.slug},
            values={
                "title": event.title,
                "body": event.body,
                "source": event.source,
                "archived_at": None,
            },
        )
    archive_missing(
        EventTemplate.objects,
        changes,
        keep_ids={event.pk for event in events.values()},
        now=now,
    )
    topics = {
        topic.slug: topic for topic in Topic.objects.active().filter(course__slug=COURSE_SLUG)
    }
    kept = set()
    changed = set()
    for function in reading.functions:
        updated_before = changes["updated"]
        row = row_upsert(
            Function,
            changes,
            lookup={"owner": None, "name": function.name},
            values={
                "source": function.source,
                "title": function.title,
                "summary": function.summary,
                "lesson_md": function.lesson_md,
                "topic": topics.get(function.topic),
                "runtime": function.runtime,
                "handler": function.handler,
                "memory_mb": function.memory_mb,
                "timeout_s": function.timeout_s,
                "ephemeral_storage_mb": function.ephemeral_storage_mb,
                "default_event": events.get(function.event),
                "layers": function.layers,
                "log_format": function.log_format,
                "environment": function.environment,
                "code": function.code,
                "archived_at": None,
            },
        )
        kept.add(row.pk)
        if changes["updated"] > updated_before:
            changed.add(row.pk)
    changed |= set(
        Function.objects.samples().active().exclude(pk__in=kept).values_list("pk", flat=True)
    )
    archive_missing(Function.objects.samples(), changes, keep_ids=kept, now=now)
    if changed:
        transaction.on_commit(lambda: samples_provisioning_refresh(changed))
    return changes


def samples_provisioning_refresh(sample_ids: Iterable[int]) -> None:
    """Once the import is saved: learners' provisioned concurrency on a changed sample moves to
    its new version (and is released on an archived one). The task worker does it; the import
    does not wait for it (it may run before any worker has started)."""
    provisioned = FunctionInvokeConfig.objects.filter(
        function_id__in=sample_ids, provisioned_concurrency__gt=0
    ).values_list("function_id", flat=True)
    for function in Function.objects.filter(pk__in=set(provisioned)):
        provisioned_refresh(function=function, wait=False)


def sandbox_content_counts() -> dict[str, int]:
    return {
        "functions": Function.objects.samples().active().count(),
        "events": EventTemplate.objects.active().count(),
    }
