from django.apps import AppConfig
from django.core.checks import register

from studyapp.core.secret_key import secret_key_check


class CoreConfig(AppConfig):
    name = "studyapp.core"
    label = "core"
    verbose_name = "Shared core"

    def ready(self) -> None:
        register(secret_key_check, "security")
