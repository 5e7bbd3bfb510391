from django.apps import AppConfig
from django.core.checks import register
from django.urls import register_converter

from studyapp.core.converters import Int64Converter
from studyapp.core.secret_key import secret_key_check


class CoreConfig(AppConfig):
    name = "studyapp.core"
    label = "core"
    verbose_name = "Shared core"

    def ready(self) -> None:
        register(secret_key_check, "security")
        # Before any URLconf is read: every number in the URLs is an int64 (converters.py).
        register_converter(Int64Converter, "int64")
