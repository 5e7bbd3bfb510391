"""The course's curated pool: the shipped content questions are in it, nothing else is.

Practice and exam simulations for everyone draw from the pool only; questions an instructor
imported or wrote reach learners through that instructor's quizzes until published to the pool.
"""

from django.db import migrations, models


def content_questions_into_the_pool(apps, schema_editor):
    Question = apps.get_model("quizzes", "Question")
    Question.objects.filter(origin="content").update(in_pool=True)


class Migration(migrations.Migration):
    dependencies = [
        ("quizzes", "0007_question_bank_scoped_key"),
    ]

    operations = [
        migrations.AddField(
            model_name="question",
            name="in_pool",
            field=models.BooleanField(
                default=False,
                help_text="In the course's curated pool (shipped content, or published to it on "
                "purpose): practice and exam simulations for everyone draw from it.",
            ),
        ),
        migrations.RunPython(content_questions_into_the_pool, migrations.RunPython.noop),
    ]
