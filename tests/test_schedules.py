"""The worker's schedules come from settings.SCHEDULES, written by `manage.py sync_schedules`."""

import pytest
from django.core.management import call_command
from django_q.models import Schedule

from core.schedules import sync_schedules

pytestmark = pytest.mark.django_db


def test_a_fresh_site_gets_every_declared_schedule_from_the_command(settings, capsys):
    assert not Schedule.objects.exists()  # no migration writes schedules any more
    call_command("sync_schedules")
    rows = {row.name: row for row in Schedule.objects.all()}
    assert set(rows) == {entry["name"] for entry in settings.SCHEDULES}
    sweep = rows["take-back-stale-work"]
    assert (sweep.func, sweep.schedule_type, sweep.minutes, sweep.repeats) == (
        "core.tasks.take_back_stale_work",
        "I",
        1,
        -1,
    )
    assert "Schedules created" in capsys.readouterr().out


def test_every_declared_schedule_names_a_task_that_exists(settings):
    from django.utils.module_loading import import_string

    for entry in settings.SCHEDULES:
        assert callable(import_string(entry["func"])), entry


def test_syncing_again_changes_nothing_and_keeps_the_next_run():
    sync_schedules()
    before = {row.name: row.next_run for row in Schedule.objects.all()}
    result = sync_schedules()
    assert result.created == result.updated == result.deleted == []
    assert {row.name: row.next_run for row in Schedule.objects.all()} == before


def test_an_old_schedule_is_brought_in_step_and_a_retired_one_removed():
    Schedule.objects.create(
        name="clean-up-memorial-exports", func="memorial.export_tasks.clean_up_exports", schedule_type="H", repeats=-1
    )
    Schedule.objects.create(
        name="requeue-stale-stylization-jobs",
        func="generation.tasks.requeue_stale_jobs",
        schedule_type="I",
        minutes=1,
        repeats=-1,
    )
    retry = Schedule.objects.create(
        name="webhook-7-2", func="generation.tasks.deliver_webhook", schedule_type="O", repeats=1
    )
    someone_elses = Schedule.objects.create(name="theirs", func="othersite.tasks.x", schedule_type="D", repeats=-1)

    result = sync_schedules()

    assert result.updated == ["clean-up-memorial-exports"]
    assert result.deleted == ["requeue-stale-stylization-jobs"]
    assert Schedule.objects.get(name="clean-up-memorial-exports").func == "memorial.tasks.clean_up_exports"
    assert Schedule.objects.filter(pk__in=[retry.pk, someone_elses.pk]).count() == 2  # not ours to judge


def test_a_wrong_declaration_names_itself_and_changes_nothing(settings):
    settings.SCHEDULES = [*settings.SCHEDULES, {"name": "broken", "func": "memorial.tasks.x", "schedule_type": "Z"}]
    with pytest.raises(ValueError, match="broken"):
        sync_schedules()
    assert not Schedule.objects.exists()
