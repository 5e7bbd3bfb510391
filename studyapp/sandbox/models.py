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

# What the sandbox engine accepts as a function name is [A-Za-z0-9_-]{1,64}; the web app keeps
# 48 of those for the name and uses the rest to keep each learner's environments apart.
NAME_MAX_LENGTH = 48
NAME_PATTERN = r"^[A-Za-z0-9_-]{1,48}$"


class ArchivableQuerySet(models.QuerySet):
    def active(self):
        return self.filter(archived_at__isnull=True)


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
        """Active samples and the user's own active functions."""
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
    handler = models.CharField(max_length=128, default="handler.handler")
    memory_mb = models.PositiveIntegerField(default=128)
    timeout_s = models.PositiveIntegerField(default=3)
    ephemeral_storage_mb = models.PositiveIntegerField(default=512)
    environment = models.JSONField(default=dict, blank=True)
    log_format = models.CharField(max_length=4, choices=LogFormat.choices, default=LogFormat.TEXT)
    layers = models.JSONField(default=list, blank=True, help_text="Layer names, in order.")
    code = models.JSONField(default=dict, help_text="Relative path -> source text.")
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
        """The file that holds the handler function (``handler.handler`` -> ``handler.py``)."""
        return self.handler.rsplit(".", 1)[0].replace(".", "/") + ".py"

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
    event = models.JSONField(null=True, blank=True)
    config = models.JSONField(default=dict, help_text="The settings it ran with.")
    result = models.JSONField(null=True, blank=True, help_text="The engine's result object.")
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
