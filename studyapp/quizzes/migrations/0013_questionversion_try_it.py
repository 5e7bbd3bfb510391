from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("quizzes", "0012_multiple_response_distractors_negative"),
    ]

    operations = [
        migrations.AddField(
            model_name="questionversion",
            name="try_it",
            field=models.CharField(
                blank=True,
                help_text="A sample function and the settings that show the behaviour the "
                "question is about ('sample key=value ...'); the review screen links to it once "
                "answered.",
                max_length=500,
            ),
        ),
    ]
