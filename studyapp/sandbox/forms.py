"""The function page's form: code, settings, event and how many invocations to run at once.

Every limit is Lambda's (the engine's constants) and every message stands next to its field.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator

from studyapp.engine.config import (
    MAX_CUSTOM_HANDLER_CHARS,
    MAX_EPHEMERAL_MB,
    MAX_MEMORY_MB,
    MAX_TIMEOUT_S,
    MIN_EPHEMERAL_MB,
    MIN_MEMORY_MB,
    MIN_TIMEOUT_S,
    ConfigError,
    check_environment,
)
from studyapp.sandbox.function_settings import FunctionSettings
from studyapp.sandbox.functions import MAX_CODE_BYTES
from studyapp.sandbox.models import (
    BOOTSTRAP,
    EventTemplate,
    Function,
    handler_default,
    runtime_choices,
    runtime_family,
)
from studyapp.sandbox.runs import EventError, event_parse

ENV_LINE = re.compile(r"^\s*([^=\s]+)\s*=(.*)$")
# module.function, as the Python and Node.js runtimes read it (the module may sit in folders).
MODULE_HANDLER = re.compile(
    r"^(?:[A-Za-z0-9_-]+/)*[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+$"
)
PYTHON_HANDLER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+$")


def _range(label: str, low: int, high: int, unit: str) -> dict[str, str]:
    message = f"{label} must be a whole number from {low:,} to {high:,} {unit}."
    return {"min_value": message, "max_value": message, "invalid": message, "required": message}


def environment_text(environment: dict[str, str]) -> str:
    return "\n".join(f"{key}={value}" for key, value in environment.items())


def event_text(body: Any) -> str:
    return json.dumps(body, indent=2, ensure_ascii=False)


# A name or a handler is code, not prose: no spelling marks, capitals or suggestions.
CODE_TEXT_ATTRS = {
    "class": "mono",
    "spellcheck": "false",
    "autocapitalize": "off",
    "autocomplete": "off",
}


class RunForm(forms.Form):
    name = forms.CharField(
        label="Function name",
        required=False,
        strip=True,
        widget=forms.TextInput(attrs=CODE_TEXT_ATTRS),
        help_text="The Lambda API calls it by this name: letters, digits, - and _; "
        "not a sample's name.",
    )
    runtime = forms.ChoiceField(
        label="Runtime",
        required=False,
        choices=runtime_choices,
        help_text="The language the function runs in; the handler and the editor follow it.",
    )
    handler = forms.CharField(
        label="Handler",
        required=False,
        strip=True,
        max_length=MAX_CUSTOM_HANDLER_CHARS,
        widget=forms.TextInput(attrs=CODE_TEXT_ATTRS),
        help_text="Python: file.function (handler.handler runs handler.py's handler); Node.js: "
        "file.export (index.handler runs index.mjs, .js or .cjs); custom runtime: any text, "
        "read by your bootstrap from _HANDLER.",
    )
    code = forms.CharField(
        required=False,
        strip=False,
        widget=forms.Textarea(
            attrs={
                "class": "code-input",
                "spellcheck": "false",
                "autocapitalize": "off",
                "autocomplete": "off",
                "wrap": "off",
                "rows": 22,
            }
        ),
    )
    memory_mb = forms.IntegerField(
        label="Memory (MB)",
        min_value=MIN_MEMORY_MB,
        max_value=MAX_MEMORY_MB,
        error_messages=_range("Memory", MIN_MEMORY_MB, MAX_MEMORY_MB, "MB"),
        help_text="128 to 10,240 MB; CPU grows with memory (1,769 MB = 1 vCPU).",
    )
    timeout_s = forms.IntegerField(
        label="Timeout (s)",
        min_value=MIN_TIMEOUT_S,
        max_value=MAX_TIMEOUT_S,
        error_messages=_range("Timeout", MIN_TIMEOUT_S, MAX_TIMEOUT_S, "seconds"),
        help_text="1 to 900 seconds.",
    )
    ephemeral_storage_mb = forms.IntegerField(
        label="Ephemeral storage /tmp (MB)",
        min_value=MIN_EPHEMERAL_MB,
        max_value=MAX_EPHEMERAL_MB,
        error_messages=_range("Ephemeral storage", MIN_EPHEMERAL_MB, MAX_EPHEMERAL_MB, "MB"),
        help_text="512 to 10,240 MB.",
    )
    log_format = forms.ChoiceField(label="Log format", choices=Function.LogFormat.choices)
    environment = forms.CharField(
        label="Environment variables",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "class": "mono"}),
        help_text="One KEY=value per line; 4 KB in total (names and values), as on Lambda.",
    )
    event = forms.CharField(
        label="Event (JSON)",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false", "class": "mono"}),
    )
    count = forms.IntegerField(
        label="Invocations at once",
        min_value=1,
        initial=1,
        required=False,
        help_text="Run this many at the same time and see how many environments start.",
    )

    def __init__(self, *args: Any, function: Function, editable: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.function = function
        self.editable = editable
        max_batch = settings.SANDBOX_MAX_BATCH
        self.fields["count"].widget.attrs["max"] = max_batch
        self.fields["count"].validators.append(
            MaxValueValidator(max_batch, f"Run at most {max_batch} invocations at once.")
        )
        if not editable:
            del self.fields["code"]
            del self.fields["name"]
            del self.fields["runtime"]
            del self.fields["handler"]

    @classmethod
    def initial_for(cls, function: Function) -> dict[str, Any]:
        event = function.default_event
        return {
            "name": function.name,
            "runtime": function.runtime,
            "handler": function.handler,
            "code": function.main_source,
            "memory_mb": function.memory_mb,
            "timeout_s": function.timeout_s,
            "ephemeral_storage_mb": function.ephemeral_storage_mb,
            "log_format": function.log_format,
            "environment": environment_text(function.environment),
            "event": event_text(event.body if event else {}),
            "event_template": event.slug if event else "",
            "count": 1,
        }

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].replace("\r\n", "\n")
        if len(code.encode()) > MAX_CODE_BYTES:
            raise forms.ValidationError(
                f"The code is over {MAX_CODE_BYTES // 1024} KB; keep a sandbox function small."
            )
        if not code.strip():
            raise forms.ValidationError("The handler's file cannot be empty.")
        return code

    def clean(self) -> dict[str, Any]:
        """The handler follows the runtime: empty (or a runtime changed by a post without a
        handler) takes the runtime's default; the checks are the runtime's own."""
        data = super().clean()
        if not self.editable:
            return data
        runtime = data.get("runtime") or self.function.runtime
        data["runtime"] = runtime
        family = runtime_family(runtime)
        handler = data.get("handler", "")
        if not handler and "handler" not in self.data and runtime == self.function.runtime:
            handler = self.function.handler
        handler = handler or handler_default(runtime)
        data["handler"] = handler
        if family == "provided":
            if any(character.isspace() for character in handler) or not handler.isprintable():
                self.add_error("handler", "A custom runtime's handler is text without spaces.")
            code = data.get("code")
            if code is not None and not code.startswith("#!"):
                self.add_error(
                    "code",
                    f"The file {BOOTSTRAP} must be executable: start it with the interpreter that "
                    "runs it, such as #!/bin/sh or #!/usr/bin/env python3.",
                )
        elif family == "python" and not PYTHON_HANDLER.match(handler):
            self.add_error(
                "handler",
                "A Python handler is file.function, such as handler.handler "
                "(the function handler in handler.py).",
            )
        elif family == "nodejs" and not MODULE_HANDLER.match(handler):
            self.add_error(
                "handler",
                "A Node.js handler is file.export, such as index.handler "
                "(the export handler of index.mjs, index.js or index.cjs).",
            )
        return data

    def clean_environment(self) -> dict[str, str]:
        environment: dict[str, str] = {}
        text = self.cleaned_data["environment"].replace("\r\n", "\n")
        for number, line in enumerate(text.split("\n"), start=1):
            if not line.strip():
                continue
            match = ENV_LINE.match(line)
            if match is None:
                raise forms.ValidationError(f"Line {number}: write KEY=value.")
            environment[match.group(1)] = match.group(2)
        try:
            check_environment(environment)
        except ConfigError as error:
            message = str(error)
            raise forms.ValidationError(message[0].upper() + message[1:] + ".") from None
        return environment

    def clean_event(self) -> Any:
        text = self.cleaned_data["event"]
        if not text.strip():
            return {}
        try:
            return event_parse(text)
        except EventError as error:
            raise forms.ValidationError(str(error)) from None

    def clean_count(self) -> int:
        # The plain Run button runs once; "Run N at once" (mode=batch) runs `count` times.
        if self.data.get("mode") != "batch":
            return 1
        return self.cleaned_data.get("count") or 1

    def run_settings(self) -> FunctionSettings:
        data = self.cleaned_data
        return FunctionSettings(
            memory_mb=data["memory_mb"],
            timeout_s=data["timeout_s"],
            ephemeral_storage_mb=data["ephemeral_storage_mb"],
            environment=data["environment"],
            log_format=data["log_format"],
            code=data.get("code") if self.editable else None,
            runtime=data.get("runtime") if self.editable else None,
            handler=data.get("handler") if self.editable else None,
        )


def event_templates() -> list[EventTemplate]:
    return list(EventTemplate.objects.active().order_by("title"))
