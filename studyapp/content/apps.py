from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "studyapp.content"
    label = "content"
    verbose_name = "Content import"
