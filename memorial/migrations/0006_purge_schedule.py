from django.db import migrations


def create_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name="purge-deleted-memorials",
        defaults={"func": "memorial.services.purge_deleted_memorials", "schedule_type": "D", "repeats": -1},
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name="purge-deleted-memorials").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("memorial", "0005_soft_delete"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(create_schedule, remove_schedule)]
