"""Exams of one question were titled "Timed exam: 1 questions"; say "1 question"."""

from django.db import migrations


def one_question(apps, schema_editor):
    Attempt = apps.get_model("quizzes", "Attempt")
    Attempt.objects.filter(title="Timed exam: 1 questions").update(title="Timed exam: 1 question")


def one_questions(apps, schema_editor):
    Attempt = apps.get_model("quizzes", "Attempt")
    Attempt.objects.filter(title="Timed exam: 1 question").update(title="Timed exam: 1 questions")


class Migration(migrations.Migration):
    dependencies = [("quizzes", "0004_questionversion_shuffle_options")]

    operations = [migrations.RunPython(one_question, one_questions)]
