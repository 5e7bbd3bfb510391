"""A question's key is unique within its bank (its course), no longer across all banks.

Every row stays as it is: keys were globally unique, so they are unique per course too. Also
records the true/false kind and Moodle's auto-format as text format.
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("quizzes", "0006_quiz_shuffle_options_by_default"),
        ("topics", "0003_search_fts"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="question",
            name="key",
            field=models.CharField(
                help_text="Stable id across imports; unique within its bank (course).",
                max_length=200,
            ),
        ),
        migrations.AlterField(
            model_name="questionversion",
            name="kind",
            field=models.CharField(
                choices=[
                    ("single", "Single answer"),
                    ("multiple", "Multiple response"),
                    ("truefalse", "True/false"),
                ],
                max_length=10,
            ),
        ),
        migrations.AlterField(
            model_name="questionversion",
            name="text_format",
            field=models.CharField(
                choices=[
                    ("markdown", "Markdown"),
                    ("html", "HTML"),
                    ("plain", "Plain text"),
                    ("moodle", "Moodle auto-format"),
                ],
                default="markdown",
                help_text="How the texts were written, and so how they are shown.",
                max_length=10,
            ),
        ),
        migrations.AddConstraint(
            model_name="question",
            constraint=models.UniqueConstraint(
                fields=("course", "key"), name="question_key_unique_in_bank"
            ),
        ),
    ]
