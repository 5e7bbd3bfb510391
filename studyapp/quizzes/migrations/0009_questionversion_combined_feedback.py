"""Keep Moodle's correct, partially correct and incorrect feedback of imported questions."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("quizzes", "0008_question_in_course_pool"),
    ]

    operations = [
        migrations.AddField(
            model_name="questionversion",
            name="combined_feedback",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="Moodle's feedback for a right, partly right and wrong answer, by its element name (correctfeedback, partiallycorrectfeedback, incorrectfeedback).",
            ),
        ),
    ]
