"""QuestionSchedule.state: from the names "learning"/"review"/"relearning" to the FSRS state
numbers cards store (1, 2, 3), keeping every row's state; QuestionReview.rating gets choices."""

from django.db import migrations, models

NUMBERS = {"learning": 1, "review": 2, "relearning": 3}
NAMES = {number: name for name, number in NUMBERS.items()}


def states_to_numbers(apps, schema_editor):
    QuestionSchedule = apps.get_model("quizzes", "QuestionSchedule")
    for schedule in QuestionSchedule.objects.only("id", "state", "fsrs_state").iterator():
        # A blank name (never written by the app, allowed by the old field) takes the state of
        # the stored FSRS card, which is the truth.
        number = NUMBERS.get(schedule.state) or int((schedule.fsrs_state or {}).get("state") or 1)
        QuestionSchedule.objects.filter(pk=schedule.pk).update(state_number=number)


def numbers_to_states(apps, schema_editor):
    QuestionSchedule = apps.get_model("quizzes", "QuestionSchedule")
    for number, name in NAMES.items():
        QuestionSchedule.objects.filter(state_number=number).update(state=name)


class Migration(migrations.Migration):
    dependencies = [
        ("quizzes", "0002_authoring"),
    ]

    operations = [
        migrations.AddField(
            model_name="questionschedule",
            name="state_number",
            field=models.PositiveSmallIntegerField(null=True),
        ),
        migrations.RunPython(states_to_numbers, numbers_to_states),
        migrations.RemoveField(model_name="questionschedule", name="state"),
        migrations.RenameField(
            model_name="questionschedule", old_name="state_number", new_name="state"
        ),
        migrations.AlterField(
            model_name="questionschedule",
            name="state",
            field=models.PositiveSmallIntegerField(
                choices=[(1, "Learning"), (2, "Review"), (3, "Relearning")]
            ),
        ),
        migrations.AlterField(
            model_name="questionreview",
            name="rating",
            field=models.PositiveSmallIntegerField(
                choices=[(1, "Again"), (2, "Hard"), (3, "Good"), (4, "Easy")]
            ),
        ),
    ]
