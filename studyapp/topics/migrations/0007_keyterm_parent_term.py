"""A key term nested under another in the notes remembers it: its card asks in that context."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("topics", "0006_course_uploaded_by"),
    ]

    operations = [
        migrations.AddField(
            model_name="keyterm",
            name="parent_term",
            field=models.CharField(
                blank=True,
                help_text="The key term this one is nested under in the notes (its card asks in that context); empty for a term of the topic's own list.",
                max_length=200,
            ),
        ),
    ]
