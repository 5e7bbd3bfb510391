from django.db import migrations


def distractors_negative(apps, schema_editor):
    """Multiple-response questions written with plain correct marks (the shipped Markdown files,
    the editor's "correct" boxes) had each distractor at 0, so choosing every option scored full
    marks in practice. Their distractors now take -1/k, the weights such a question derives
    (``derived_fractions``). Imported questions are left as they are: their file's weights may
    have said 0 for a distractor explicitly, and Moodle's math grades them as written."""
    Option = apps.get_model("quizzes", "Option")
    options: dict[int, list] = {}
    rows = (
        Option.objects.filter(version__kind="multiple")
        .exclude(version__question__origin="imported")
        .only("id", "version_id", "is_correct", "fraction")
        .order_by("version_id", "position")
    )
    for option in rows:
        options.setdefault(option.version_id, []).append(option)
    changed = []
    for version_options in options.values():
        keys = sum(option.is_correct for option in version_options)
        share = round(1 / keys, 7) if keys else 0.0
        plain = keys >= 2 and all(
            abs(option.fraction - (share if option.is_correct else 0.0)) < 1e-9
            for option in version_options
        )
        if not plain:
            continue
        for option in version_options:
            if not option.is_correct:
                option.fraction = -share
                changed.append(option)
    Option.objects.bulk_update(changed, ["fraction"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("quizzes", "0011_option_pinned")]

    operations = [migrations.RunPython(distractors_negative, migrations.RunPython.noop)]
