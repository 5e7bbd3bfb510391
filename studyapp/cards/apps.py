from __future__ import annotations

from django.apps import AppConfig


class CardsConfig(AppConfig):
    name = "studyapp.cards"
    label = "cards"
