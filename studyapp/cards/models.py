"""Flashcards: a note holds the facts; each note gives one or more cards (Anki's model).

A key term from the notes gives a basic note with one card. Basic-and-reversed notes give two
cards and cloze notes one card per cloze number; cards of one note are siblings.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from studyapp.topics.models import ArchivableQuerySet


class Note(models.Model):
    class Kind(models.TextChoices):
        BASIC = "basic", "Basic"
        REVERSED = "reversed", "Basic and reversed"
        CLOZE = "cloze", "Cloze"

    class Source(models.TextChoices):
        NOTES = "notes", "Key term in the notes"
        CONTENT = "content", "Card file in content/"
        AUTHORED = "authored", "Written in the browser"

    key = models.CharField(max_length=300, unique=True, help_text="Stable id across imports.")
    topic = models.ForeignKey("topics.Topic", on_delete=models.CASCADE, related_name="notes")
    key_term = models.OneToOneField(
        "topics.KeyTerm", null=True, blank=True, on_delete=models.SET_NULL, related_name="note"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.BASIC)
    source = models.CharField(max_length=10, choices=Source.choices)
    front_md = models.TextField(help_text="Front, or the cloze text for cloze notes.")
    back_md = models.TextField(blank=True, help_text="Back, or extra text for cloze notes.")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    archived_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArchivableQuerySet.as_manager()

    def __str__(self) -> str:
        return self.key


class Card(models.Model):
    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="cards")
    ordinal = models.PositiveSmallIntegerField(
        default=1, help_text="1 for basic; 1-2 for reversed; the cloze number for cloze."
    )
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = ArchivableQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["note", "ordinal"], name="card_ordinal_unique_in_note")
        ]

    def __str__(self) -> str:
        return f"{self.note.key}#{self.ordinal}"
