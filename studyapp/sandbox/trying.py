""" "Try it": a sample function set up with the settings that show one behaviour.

A question names its setup in one metadata line, ``try: <sample> key=value ...`` (see
content/README.md). ``try_setup_parse`` reads and checks that text (the content import reports
its problems with the question's ``path:line``); ``try_setup_apply`` applies it for one learner
and returns the page to open:

- settings of a run (memory, timeout, /tmp, log format, environment, event template, how many
  at once) go into the function page's form as query parameters, read back by
  ``run_initial_from_query``: nothing is saved, the sample runs as it is with them;
- settings Lambda keeps per function (reserved and provisioned concurrency, the asynchronous
  invocation's retries, destinations and dead-letter queue, the SQS event source) are the
  learner's own settings of the sample, as ``aws lambda put-function-concurrency`` would set
  them. Reserved and provisioned concurrency are always set to what the setup says (none when it
  says nothing), so a "reserved=0" lesson never leaves the next lesson throttled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from studyapp.core.converters import int64_or_none
from studyapp.core.errors import Invalid, NotFound
from studyapp.engine.config import (
    MAX_EPHEMERAL_MB,
    MAX_MEMORY_MB,
    MAX_TIMEOUT_S,
    MIN_EPHEMERAL_MB,
    MIN_MEMORY_MB,
    MIN_TIMEOUT_S,
)
from studyapp.sandbox import async_invoke, concurrency, sqs
from studyapp.sandbox.forms import environment_text, event_text
from studyapp.sandbox.models import Function

MAX_COUNT = 10
PAGES = ("function", "async", "queue", "concurrency")
ARN_PATTERN = re.compile(r"^arn:aws:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}$")
ENV_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")

# setting -> (low, high) for whole numbers
NUMBERS: dict[str, tuple[int, int]] = {
    "memory": (MIN_MEMORY_MB, MAX_MEMORY_MB),
    "timeout": (MIN_TIMEOUT_S, MAX_TIMEOUT_S),
    "ephemeral_storage": (MIN_EPHEMERAL_MB, MAX_EPHEMERAL_MB),
    "count": (1, MAX_COUNT),
    "reserved": (0, 100),
    "provisioned": (1, 100),
    "retries": (0, 2),
    "max_event_age": (60, 21600),
    "batch_size": (1, 10),
    "max_receive_count": (1, 1000),
    "visibility_timeout": (0, 43200),
}
DESTINATIONS = ("on_success", "on_failure", "dlq")
CHOICES: dict[str, tuple[str, ...]] = {
    "log_format": ("Text", "JSON"),
    "report_batch_item_failures": ("yes", "no"),
    "page": PAGES,
}
RUN_SETTINGS = ("memory", "timeout", "ephemeral_storage", "log_format", "event", "count")
ASYNC_SETTINGS = ("retries", "max_event_age", "on_success", "on_failure")
QUEUE_SETTINGS = ("batch_size", "max_receive_count", "visibility_timeout")
KNOWN = (
    *NUMBERS,
    *DESTINATIONS,
    *CHOICES,
    "event",
    "env.NAME",
)
# The function page's form fields a run setting fills.
FORM_FIELDS = {
    "memory": "memory_mb",
    "timeout": "timeout_s",
    "ephemeral_storage": "ephemeral_storage_mb",
    "log_format": "log_format",
    "count": "count",
}


class TrySetupError(Invalid, ValueError):
    """A ``try:`` line that names an unknown sample or setting, or a value out of range."""


@dataclass(frozen=True)
class TrySetup:
    sample: str
    settings: dict[str, Any] = field(default_factory=dict)
    environment: dict[str, str] = field(default_factory=dict)

    @property
    def page(self) -> str:
        if "page" in self.settings:
            return self.settings["page"]
        if any(key in self.settings for key in (*QUEUE_SETTINGS, "report_batch_item_failures")):
            return "queue"
        if any(key in self.settings for key in (*ASYNC_SETTINGS, "dlq")):
            return "async"
        return "function"

    def describe(self) -> list[str]:
        """The settings in the learner's words, for the message shown on arrival."""
        words = [f"{key.replace('_', ' ')} {value}" for key, value in self.settings.items()]
        words += [f"{name}={value}" for name, value in self.environment.items()]
        return [word for word in words if not word.startswith("page ")]


def try_setup_parse(
    text: str, *, samples: frozenset[str] | set[str], events: frozenset[str] | set[str]
) -> TrySetup:
    """Read ``sample key=value ...``; TrySetupError names the first problem."""
    words = text.split()
    if not words:
        raise TrySetupError("try: needs a sample slug, then settings such as memory=1769")
    sample, *pairs = words
    if sample not in samples:
        raise TrySetupError(f"try: unknown sample {sample!r} (no content/handlers/{sample}/)")
    settings: dict[str, Any] = {}
    environment: dict[str, str] = {}
    for pair in pairs:
        key, equals, value = pair.partition("=")
        if not equals or not value:
            raise TrySetupError(f"try: {pair!r} must be written key=value")
        if key in settings or key.removeprefix("env.") in environment:
            raise TrySetupError(f"try: {key!r} is given twice")
        if key.startswith("env."):
            name = key.removeprefix("env.")
            if not ENV_NAME.match(name) or name.startswith("AWS_"):
                raise TrySetupError(f"try: {name!r} is not an environment variable a function sets")
            environment[name] = value
        elif key in NUMBERS:
            low, high = NUMBERS[key]
            number = int64_or_none(value)
            if number is None or not low <= number <= high:
                raise TrySetupError(f"try: {key} must be a whole number from {low} to {high}")
            settings[key] = number
        elif key in CHOICES:
            if value not in CHOICES[key]:
                raise TrySetupError(f"try: {key} must be one of {', '.join(CHOICES[key])}")
            settings[key] = value
        elif key in DESTINATIONS:
            if not ARN_PATTERN.match(value):
                raise TrySetupError(
                    f"try: {key} must be an SQS queue ARN "
                    "(arn:aws:sqs:us-east-1:123456789012:QUEUE_NAME)"
                )
            settings[key] = value
        elif key == "event":
            if value not in events:
                raise TrySetupError(
                    f"try: unknown event {value!r} (no content/events/{value}.json)"
                )
            settings[key] = value
        else:
            raise TrySetupError(f"try: unknown setting {key!r} (known: {', '.join(KNOWN)})")
    if "provisioned" in settings and settings.get("reserved", 10**6) < settings["provisioned"]:
        raise TrySetupError("try: provisioned concurrency cannot be above reserved concurrency")
    return TrySetup(sample=sample, settings=settings, environment=environment)


def try_setup_apply(*, user, setup: TrySetup) -> str:
    """Set the sample up for ``user`` as ``setup`` says; the URL of the page that shows it."""
    function = Function.objects.samples().active().filter(name=setup.sample).first()
    if function is None:
        raise NotFound("That sample is no longer in the sandbox.")
    settings = setup.settings
    if "reserved" in settings:
        concurrency.reserved_concurrency_put(
            user=user, function=function, reserved=settings["reserved"]
        )
    else:
        concurrency.reserved_concurrency_delete(user=user, function=function)
    config = concurrency.invoke_config_for(user=user, function=function)
    if "provisioned" in settings:
        if config.provisioned_concurrency != settings["provisioned"]:
            concurrency.provisioned_put(user=user, function=function, count=settings["provisioned"])
    elif config.provisioned_concurrency:
        concurrency.provisioned_delete(user=user, function=function)
    if any(key in settings for key in ASYNC_SETTINGS):
        async_invoke.event_invoke_config_put(
            user=user,
            function=function,
            max_retry_attempts=settings.get("retries"),
            max_event_age_s=settings.get("max_event_age"),
            on_success=settings.get("on_success"),
            on_failure=settings.get("on_failure"),
        )
    if "dlq" in settings:
        async_invoke.dead_letter_put(user=user, function=function, target_arn=settings["dlq"])
    if any(key in settings for key in (*QUEUE_SETTINGS, "report_batch_item_failures")):
        queue = sqs.event_source_queue(user=user, function=function)
        reporting = settings.get("report_batch_item_failures")
        sqs.queue_update(
            queue=queue,
            batch_size=settings.get("batch_size", queue.batch_size),
            batching_window_s=queue.batching_window_s,
            visibility_timeout_s=settings.get("visibility_timeout", queue.visibility_timeout_s),
            max_receive_count=settings.get("max_receive_count", queue.max_receive_count),
            report_batch_item_failures=(
                queue.report_batch_item_failures if reporting is None else reporting == "yes"
            ),
        )
    page = setup.page
    if page == "function":
        query = {
            FORM_FIELDS[key]: settings[key]
            for key in RUN_SETTINGS
            if key in FORM_FIELDS and key in settings
        }
        if "event" in settings:
            query["event_template"] = settings["event"]
        query.update({f"env.{name}": value for name, value in setup.environment.items()})
        url = function.get_absolute_url()
        return f"{url}?{urlencode(query)}" if query else url
    name = {"async": "async_events", "queue": "queue", "concurrency": "concurrency"}[page]
    return reverse(f"lambda_pages:{name}", args=[function.name])


def run_initial_from_query(query, *, initial: dict[str, Any], events: dict[str, Any]) -> dict:
    """The function page's form initial values with a Try-it link's run settings applied.

    ``query`` is the page's GET parameters (what ``try_setup_apply`` wrote); a value out of
    range or unknown is left out, so the form keeps the sample's own setting. ``events`` maps
    template slugs to their bodies.
    """
    values = dict(initial)
    for key, form_field in FORM_FIELDS.items():
        raw = query.get(form_field)
        if raw is None:
            continue
        if key in NUMBERS:
            low, high = NUMBERS[key]
            number = int64_or_none(raw)
            if number is not None and low <= number <= high:
                values[form_field] = number
        elif raw in CHOICES.get(key, ()):
            values[form_field] = raw
    template = query.get("event_template")
    if template in events:
        values["event"] = event_text(events[template])
        values["event_template"] = template
    overrides = {
        key.removeprefix("env."): value
        for key, value in query.items()
        if key.startswith("env.") and ENV_NAME.match(key.removeprefix("env."))
    }
    if overrides:
        environment = dict(
            line.split("=", 1) for line in values.get("environment", "").splitlines() if "=" in line
        )
        environment.update(overrides)
        values["environment"] = environment_text(environment)
    return values
