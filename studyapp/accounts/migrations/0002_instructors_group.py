"""Create the Instructors group with the teach permission."""

from django.db import migrations


def create_instructors_group(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    user_type, _ = ContentType.objects.get_or_create(app_label="accounts", model="user")
    teach, _ = Permission.objects.get_or_create(
        content_type=user_type,
        codename="teach",
        defaults={"name": "Can author questions, build quizzes and run cohorts"},
    )
    group, _ = Group.objects.get_or_create(name="Instructors")
    group.permissions.add(teach)


def remove_instructors_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Instructors").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_instructors_group, remove_instructors_group)]
