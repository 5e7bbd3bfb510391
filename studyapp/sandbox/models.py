"""Sandbox functions (shipped samples and learners' own), event templates and invocations.

A shipped sample has no owner: it is imported from ``content/handlers/<name>/`` (keyed by the
folder name), read-only to everyone, and archived when its folder goes away. A learner's function
is a copy of a sample that only its owner can see and edit. An Invocation is one run of a function
by one learner; "run N at once" makes N invocations sharing a ``batch`` id.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from studyapp.core.archiving import ArchivableQuerySet
from studyapp.core.fields import AnyTextJSONField
from studyapp.engine.config import DEFAULT_RUNTIME
from studyapp.engine.runtimes import PROVIDED, node_major, node_runtime_name

# What the sandbox engine accepts as a function name is [A-Za-z0-9_-]{1,64}; the web app keeps
# 48 of those for the name and uses the rest to keep each learner's environments apart.
NAME_MAX_LENGTH = 48
NAME_PATTERN = r"^[A-Za-z0-9_-]{1,48}$"

# The runtimes a function can have: those the sandbox engine runs (engine/runtimes.py). The
# Node.js runtime is named after the host's Node.js major (nodejs20.x with Node.js 20).
PYTHON_RUNTIME = DEFAULT_RUNTIME
NODE_EXTENSIONS = (".js", ".mjs", ".cjs")  # the order Node's runtime looks for a handler's file
BOOTSTRAP = "bootstrap"  # the file a custom runtime (provided.al2023) runs
HANDLER_DEFAULTS = {
    "python": "handler.handler",
    "nodejs": "index.handler",
    "provided": "function.handler",
}


# A function's configuration: what a learner's save writes and what a published version keeps.
CONFIGURATION_FIELDS = (
    "runtime",
    "handler",
    "memory_mb",
    "timeout_s",
    "ephemeral_storage_mb",
    "environment",
    "log_format",
    "code",
)


def runtime_family(runtime: str) -> str:
    """python, nodejs or provided: what decides the handler's file and the editor's language."""
    if runtime.startswith("python"):
        return "python"
    if runtime.startswith("nodejs"):
        return "nodejs"
    return "provided"


def runtime_names() -> list[str]:
    return [PYTHON_RUNTIME, node_runtime_name(), PROVIDED]


def runtime_choices() -> list[tuple[str, str]]:
    """The runtime picker's choices (a callable, so the Node.js name follows the host)."""
    python = PYTHON_RUNTIME.removeprefix("python")
    return [
        (PYTHON_RUNTIME, f"Python {python} ({PYTHON_RUNTIME})"),
        (node_runtime_name(), f"Node.js {node_major() or 20} ({node_runtime_name()})"),
        (PROVIDED, f"Custom runtime on Amazon Linux 2023 ({PROVIDED})"),
    ]


def handler_default(runtime: str) -> str:
    """A new handler setting for ``runtime``: handler.handler, index.handler, function.handler."""
    return HANDLER_DEFAULTS[runtime_family(runtime)]


def handler_file(*, runtime: str, handler: str, code: dict[str, str]) -> str:
    """The file that holds the handler, as the runtime finds it: ``a.b.handler`` -> ``a/b.py``
    (Python); ``src/index.handler`` -> ``src/index.js``, ``.mjs`` or ``.cjs``, whichever exists
    in that order, else ``.mjs`` (Node.js); ``bootstrap`` for a custom runtime."""
    family = runtime_family(runtime)
    if family == "provided":
        return BOOTSTRAP
    if family == "python":
        return handler.rsplit(".", 1)[0].replace(".", "/") + ".py"
    directory, _, name = handler.rpartition("/")
    base = (f"{directory}/" if directory else "") + name.split(".", 1)[0]
    for extension in NODE_EXTENSIONS:
        if base + extension in code:
            return base + extension
    return base + ".mjs"


class EventTemplate(models.Model):
    """A realistic event (content/events/<slug>.json) offered in the sandbox's event picker."""

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    body = models.JSONField()
    source = models.CharField(max_length=300, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = ArchivableQuerySet.as_manager()

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class FunctionQuerySet(ArchivableQuerySet):
    def samples(self):
        return self.filter(owner__isnull=True)

    def owned_by(self, user):
        return self.filter(owner=user)

    def visible_to(self, user):
        """Active samples and the user's own active functions (the same rule is written in SQL
        for the page and run's read: functions.VISIBLE_FUNCTION_SQL; change both together)."""
        return self.active().filter(Q(owner__isnull=True) | Q(owner=user))


class Function(models.Model):
    class LogFormat(models.TextChoices):
        TEXT = "Text", "Text"
        JSON = "JSON", "JSON"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sandbox_functions",
        help_text="Empty for a shipped sample.",
    )
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=500, blank=True)
    lesson_md = models.TextField(blank=True)
    runtime = models.CharField(max_length=32, choices=runtime_choices, default=PYTHON_RUNTIME)
    handler = models.CharField(max_length=128, default=HANDLER_DEFAULTS["python"])
    memory_mb = models.PositiveIntegerField(default=128)
    timeout_s = models.PositiveIntegerField(default=3)
    ephemeral_storage_mb = models.PositiveIntegerField(default=512)
    environment = AnyTextJSONField(default=dict, blank=True)
    log_format = models.CharField(max_length=4, choices=LogFormat.choices, default=LogFormat.TEXT)
    layers = models.JSONField(default=list, blank=True, help_text="Layer names, in order.")
    code = AnyTextJSONField(default=dict, help_text="Relative path -> source text.")
    topic = models.ForeignKey(
        "topics.Topic",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="functions",
    )
    default_event = models.ForeignKey(
        EventTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    copied_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies"
    )
    source = models.CharField(max_length=300, blank=True, help_text="A sample's folder.")
    last_version_number = models.PositiveIntegerField(
        default=0,
        help_text="The highest version number ever published: Lambda never gives a number "
        "twice, even after that version is deleted (written only by versions.version_publish).",
    )
    deployed = models.BooleanField(
        default=False,
        help_text="Created through the Lambda API from a package: its code changes only by a "
        "new package, as on Lambda (the page shows it read-only and offers a copy to edit).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = FunctionQuerySet.as_manager()

    class Meta:
        ordering = ["title", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "name"],
                condition=Q(owner__isnull=False),
                name="function_name_unique_per_owner",
            ),
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(owner__isnull=True),
                name="sample_function_name_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.name

    def get_absolute_url(self) -> str:
        if self.is_sample:
            return reverse("sandbox:sample", args=[self.name])
        return reverse("sandbox:function", args=[self.pk])

    @property
    def is_sample(self) -> bool:
        return self.owner_id is None

    @property
    def module_path(self) -> str:
        """The file that holds the handler (``handler.handler`` -> ``handler.py``; ``index.mjs``
        for Node.js; ``bootstrap`` for a custom runtime)."""
        return handler_file(runtime=self.runtime, handler=self.handler, code=self.code)

    @property
    def runtime_family(self) -> str:
        return runtime_family(self.runtime)

    @property
    def main_source(self) -> str:
        return self.code.get(self.module_path, "")


class InvocationQuerySet(models.QuerySet):
    def in_flight(self):
        return self.filter(status__in=Invocation.IN_FLIGHT)


class Invocation(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCESS = "success", "Success"
        ERROR = "error", "Error"
        TIMEOUT = "timeout", "Timed out"
        OOM = "oom", "Out of memory"
        THROTTLED = "throttled", "Throttled"

    IN_FLIGHT = (Status.QUEUED, Status.RUNNING)

    function = models.ForeignKey(Function, on_delete=models.CASCADE, related_name="invocations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sandbox_invocations"
    )
    batch = models.UUIDField(default=uuid.uuid4, db_index=True)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order within the batch.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    request_id = models.CharField(max_length=64, blank=True)
    event = AnyTextJSONField(null=True, blank=True)
    config = models.JSONField(default=dict, help_text="The settings it ran with.")
    result = AnyTextJSONField(null=True, blank=True, help_text="The engine's result object.")
    message = models.TextField(
        blank=True, help_text="Why the sandbox could not run it (service down, refused...)."
    )
    runner = models.CharField(max_length=120, blank=True, help_text="The web process running it.")
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = InvocationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "status"]),
            models.Index(fields=["function", "user", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.function} · {self.request_id or self.pk} · {self.status}"

    @property
    def finished(self) -> bool:
        return self.status not in self.IN_FLIGHT

    @property
    def cold_start(self) -> bool | None:
        return (self.result or {}).get("cold_start")

    @property
    def duration_ms(self) -> float | None:
        return (self.result or {}).get("duration_ms")


# -- The Lambda-compatible API: account settings, concurrency, asynchronous events, SQS ----------
# (studyapp/sandbox/api/, async_invoke.py, concurrency.py, sqs.py). Every row belongs to one
# learner: a learner's settings for a shipped sample are theirs alone, as if each learner had
# their own AWS account with a copy of the samples.


class LambdaAccount(models.Model):
    """A learner's sandbox "account": its concurrency limit and the study time factor.

    ``time_factor`` scales every delay of the asynchronous machinery (retry delays, maximum event
    age, throttle back-off, SQS visibility timeouts and batching windows): 1 is real time, the
    default 1/60 turns Lambda's minutes into seconds so that a learner can watch a retry happen.
    """

    DEFAULT_CONCURRENCY_LIMIT = 10
    DEFAULT_TIME_FACTOR = 1 / 60

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lambda_account"
    )
    concurrency_limit = models.PositiveIntegerField(default=DEFAULT_CONCURRENCY_LIMIT)
    time_factor = models.FloatField(default=DEFAULT_TIME_FACTOR)

    def __str__(self) -> str:
        return f"Lambda account of {self.user}"


class FunctionInvokeConfig(models.Model):
    """One learner's concurrency and asynchronous-invocation settings for one function, or for
    one of its versions or aliases (``qualifier``), as Lambda keeps them: reserved concurrency
    and the dead-letter queue belong to the function (the row with no qualifier, which is also
    ``$LATEST``'s); event invoke settings to ``$LATEST``, a version or an alias each;
    provisioned concurrency to a version or an alias (the sandbox's pages also keep it on the
    function itself)."""

    class ProvisionedStatus(models.TextChoices):
        IN_PROGRESS = "IN_PROGRESS", "In progress"
        READY = "READY", "Ready"
        FAILED = "FAILED", "Failed"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    function = models.ForeignKey(Function, on_delete=models.CASCADE, related_name="+")
    qualifier = models.CharField(
        max_length=128, blank=True, help_text="A version or alias; empty: the function ($LATEST)."
    )
    reserved_concurrency = models.PositiveIntegerField(null=True, blank=True)
    provisioned_concurrency = models.PositiveIntegerField(default=0)
    provisioned_allocated = models.PositiveIntegerField(default=0)
    provisioned_status = models.CharField(
        max_length=12, choices=ProvisionedStatus.choices, blank=True
    )
    provisioned_status_reason = models.TextField(blank=True)
    provisioned_modified_at = models.DateTimeField(null=True, blank=True)
    event_config_set = models.BooleanField(default=False)
    max_retry_attempts = models.PositiveSmallIntegerField(default=2)
    max_event_age_s = models.PositiveIntegerField(default=21600)
    on_success = models.CharField(max_length=300, blank=True)
    on_failure = models.CharField(max_length=300, blank=True)
    dead_letter = models.CharField(max_length=300, blank=True)
    event_config_modified_at = models.DateTimeField(null=True, blank=True)
    # Which of the two error-handling settings the learner gave (the rest are defaults, which
    # Lambda's EventInvokeConfig answers leave out).
    max_retry_attempts_given = models.BooleanField(default=False)
    max_event_age_given = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "function", "qualifier"], name="invoke_config_per_qualifier"
            )
        ]

    def __str__(self) -> str:
        return f"{self.function} settings of {self.user}"


class ConcurrencyLease(models.Model):
    """One invocation in flight, counted against reserved concurrency and the account limit."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    function = models.ForeignKey(Function, on_delete=models.CASCADE, related_name="+")
    acquired_at = models.DateTimeField()
    expires_at = models.DateTimeField(help_text="When a crashed holder's lease stops counting.")

    class Meta:
        indexes = [models.Index(fields=["user", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.function} in flight since {self.acquired_at}"


class EnvironmentsSnapshot(models.Model):
    """The execution environments the sandbox service last listed for one learner's concurrency
    page of one function (``GET /environments`` of the host that serves the function), recorded
    by the task worker with the time it answered: the web process never asks the service. A
    learner's list holds their own environments; an instructor's every one on that host, with
    its counters (``stats``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    function = models.ForeignKey(Function, on_delete=models.CASCADE, related_name="+")
    requested_at = models.DateTimeField(
        null=True, blank=True, help_text="When a page last asked the worker for a newer list."
    )
    taken_at = models.DateTimeField(
        null=True, blank=True, help_text="When the service answered (or failed to)."
    )
    environments = models.JSONField(default=list, blank=True)
    stats = models.JSONField(default=dict, blank=True)
    error = models.TextField(
        blank=True, help_text="The learner's words for why the service gave no list at taken_at."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "function"], name="environments_snapshot_per_page"
            )
        ]

    def __str__(self) -> str:
        return f"environments of {self.function} for {self.user} at {self.taken_at}"


class AsyncEvent(models.Model):
    """An event accepted with InvocationType=Event (HTTP 202), queued durably until it is done."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        WAITING = "waiting", "Waiting to retry"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    FINISHED = (Status.SUCCEEDED, Status.FAILED)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    function = models.ForeignKey(Function, on_delete=models.CASCADE, related_name="+")
    request_id = models.CharField(max_length=64, unique=True)
    qualifier = models.CharField(
        max_length=128, blank=True, help_text="The version or alias invoked; empty: $LATEST."
    )
    payload = AnyTextJSONField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    condition = models.CharField(
        max_length=40,
        blank=True,
        help_text="RetriesExhausted, EventAgeExceeded or ZeroReservedConcurrency when it failed.",
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    function_errors = models.PositiveSmallIntegerField(default=0)
    throttles = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    next_run_at = models.DateTimeField()
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_result = AnyTextJSONField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "function", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.function} event {self.request_id} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED


class AsyncAttempt(models.Model):
    """One try of an asynchronous event: a line of the event's timeline."""

    class Outcome(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCESS = "success", "Succeeded"
        FUNCTION_ERROR = "function_error", "Function error"
        THROTTLED = "throttled", "Throttled"
        INTERRUPTED = "interrupted", "Interrupted (the worker stopped)"
        UNAVAILABLE = "unavailable", "Sandbox unavailable"
        EXPIRED = "expired", "Event too old"

    event = models.ForeignKey(AsyncEvent, on_delete=models.CASCADE, related_name="timeline")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.RUNNING)
    result = AnyTextJSONField(null=True, blank=True)
    runner = models.CharField(max_length=120, blank=True)
    next_step = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["event", "number"]
        constraints = [
            models.UniqueConstraint(fields=["event", "number"], name="async_attempt_number")
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.event_id}: {self.outcome}"


class DestinationRecord(models.Model):
    """What an asynchronous event sent to its on-success or on-failure destination or its DLQ."""

    class Kind(models.TextChoices):
        ON_SUCCESS = "on_success", "On success"
        ON_FAILURE = "on_failure", "On failure"
        DEAD_LETTER = "dead_letter", "Dead-letter queue"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    function = models.ForeignKey(Function, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(
        AsyncEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="records"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    target = models.CharField(max_length=300, blank=True)
    record = AnyTextJSONField()
    attributes = AnyTextJSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} record of {self.function}"


class Queue(models.Model):
    """A simulated SQS queue; with ``function`` set, an event source mapping polls it."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sandbox_queues"
    )
    name = models.CharField(max_length=80)
    function = models.ForeignKey(
        Function, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    batch_size = models.PositiveIntegerField(default=10)
    batching_window_s = models.PositiveIntegerField(default=0)
    visibility_timeout_s = models.PositiveIntegerField(default=30)
    max_receive_count = models.PositiveIntegerField(null=True, blank=True)
    dead_letter_queue = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="sources"
    )
    report_batch_item_failures = models.BooleanField(default=True)
    enabled = models.BooleanField(default=True)
    next_poll_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="queue_name_per_owner")
        ]

    def __str__(self) -> str:
        return self.name


class QueueMessage(models.Model):
    """A message on a queue; deleted messages are kept (``deleted_at``) for the page's history."""

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="messages")
    message_id = models.UUIDField(default=uuid.uuid4, unique=True)
    body = models.TextField()
    attributes = AnyTextJSONField(default=dict, blank=True)
    sent_at = models.DateTimeField()
    visible_at = models.DateTimeField()
    receive_count = models.PositiveIntegerField(default=0)
    first_received_at = models.DateTimeField(null=True, blank=True)
    receipt_handle = models.CharField(max_length=64, blank=True)
    moved_from = models.CharField(max_length=80, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["sent_at", "id"]
        indexes = [models.Index(fields=["queue", "deleted_at", "visible_at"])]

    def __str__(self) -> str:
        return str(self.message_id)


class QueueBatch(models.Model):
    """One batch the poller delivered to the function, and what came of each message."""

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="batches")
    function = models.ForeignKey(Function, on_delete=models.CASCADE, related_name="+")
    delivered_at = models.DateTimeField()
    message_ids = models.JSONField(default=list)
    failed_ids = models.JSONField(default=list)
    moved_ids = models.JSONField(default=list, help_text="Redriven to the dead-letter queue.")
    outcome = models.CharField(max_length=16)
    result = AnyTextJSONField(null=True, blank=True)

    class Meta:
        ordering = ["-delivered_at", "-id"]

    def __str__(self) -> str:
        return f"batch of {len(self.message_ids)} from {self.queue}: {self.outcome}"


class FunctionVersion(models.Model):
    """A published version: an immutable snapshot of a function's code and configuration."""

    function = models.ForeignKey(Function, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    description = models.CharField(max_length=256, blank=True)
    runtime = models.CharField(max_length=32, choices=runtime_choices, default=PYTHON_RUNTIME)
    handler = models.CharField(max_length=128)
    memory_mb = models.PositiveIntegerField()
    timeout_s = models.PositiveIntegerField()
    ephemeral_storage_mb = models.PositiveIntegerField()
    environment = AnyTextJSONField(default=dict, blank=True)
    log_format = models.CharField(max_length=4)
    code = AnyTextJSONField(default=dict)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["function", "number"]
        constraints = [
            models.UniqueConstraint(fields=["function", "number"], name="version_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.function.name}:{self.number}"


class FunctionAlias(models.Model):
    """A name for a version, optionally sending a share of invocations to a second version."""

    function = models.ForeignKey(Function, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=128)
    function_version = models.CharField(max_length=16, help_text='"$LATEST" or a number.')
    description = models.CharField(max_length=256, blank=True)
    additional_weights = models.JSONField(
        default=dict, blank=True, help_text='{"<version>": share from 0 to 1}'
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["function", "name"]
        constraints = [
            models.UniqueConstraint(fields=["function", "name"], name="alias_name_unique")
        ]

    def __str__(self) -> str:
        return f"{self.function.name}:{self.name}"
