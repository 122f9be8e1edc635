from django.db import migrations


def create_groups(apps, schema_editor):
    from accounts.groups import ensure_region_groups

    ensure_region_groups(
        group_model=apps.get_model("auth", "Group"),
        permission_model=apps.get_model("auth", "Permission"),
        content_type_model=apps.get_model("contenttypes", "ContentType"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_adviser_request"),
        ("catalogue", "0005_programme_criteria"),
        ("organisms", "0002_decide_permission"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
