"""An author may pin any single option: it keeps its written position while the others move."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("quizzes", "0010_question_types_typed_answers_partial_credit"),
    ]

    operations = [
        migrations.AddField(
            model_name="option",
            name="pinned",
            field=models.BooleanField(
                default=False,
                help_text="Keep this option at its written position when the others are shuffled (options that refer to the others, such as 'All of the above', keep theirs anyway).",
            ),
        ),
    ]
