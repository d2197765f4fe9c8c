from django.db import migrations

# Schedules are declared in settings.SCHEDULES and written by `manage.py sync_schedules`, not by
# migrations: this step, kept so the migration history stays the same, does nothing.


class Migration(migrations.Migration):
    dependencies = [
        ("memorial", "0005_soft_delete"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
