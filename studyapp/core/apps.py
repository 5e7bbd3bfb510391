from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "studyapp.core"
    label = "core"
    verbose_name = "Shared core"
