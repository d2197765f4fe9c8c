"""Paintings, downloads of all memories and training runs live one lifecycle (core.work).

Each kind is claimed once, beats while it runs, writes its progress a few times a second, stops
when cancelled, fails with a reason a person can read, and, when its worker dies, is queued
again and sent again by name, until its last attempt fails it with a reason. Never "running"
forever. (Killed real workers: tests/test_live_background_work.py.)
"""

import datetime
import socket
import time

import pytest
from django.utils import timezone

from core import tasks as core_tasks
from core import work
from generation.models import Style, StylizationJob
from generation.training.records import TrainingRun
from memorial import photos as photo_service
from memorial.models import MemorialExport
from tests.conftest import jpeg_upload

KINDS = ["painting", "export", "training"]
TASKS = {
    "painting": "generation.tasks.run_stylization",
    "export": "memorial.tasks.build_export",
    "training": "generation.tasks.train_style",
}


def queued_item(kind, family):
    """A queued record of the kind, as its service makes it (its message not sent here)."""
    if kind == "training":
        return TrainingRun.objects.create(name="Circles", dataset_path="/nowhere")
    memorial = family.memorial("private")
    if kind == "export":
        return MemorialExport.objects.create(memorial=memorial, requested_by=family.manager)
    photo, _ = photo_service.add_photo(album=memorial.albums.get(), upload=jpeg_upload(), by=family.contributor)
    style, _ = Style.objects.get_or_create(name="Watercolor", slug="watercolor")
    return StylizationJob.objects.create(
        photo=photo, memorial=memorial, style=style, requested_by=family.contributor, seed=1
    )


@pytest.fixture
def sent(monkeypatch):
    """The messages sent, as (task, id, options): django_q2's async_task, recorded."""
    import django_q.tasks

    messages = []
    monkeypatch.setattr(django_q.tasks, "async_task", lambda func, *args, **kw: messages.append((func, args, kw)))
    return messages


def reload(item):
    return type(item).objects.get(pk=item.pk)


def long_ago(item, **delta):
    type(item).objects.filter(pk=item.pk).update(heartbeat_at=timezone.now() - datetime.timedelta(**delta))


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_work_is_claimed_once_by_one_worker_that_signs_it(kind, family):
    item = queued_item(kind, family)
    claimed = work.claim(kind, item.pk)
    assert claimed is not None and work.claim(kind, item.pk) is None  # a second delivery finds nothing
    item = reload(item)
    assert (item.status, item.attempts, item.progress) == ("running", 1, 0)
    assert item.worker == work.worker_name() and item.started_at and item.heartbeat_at
    assert work.kind_of(item).name == kind and work.kind_of(item).task == TASKS[kind]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", KINDS)
def test_running_work_beats_in_the_background(kind, family):
    item = work.claim(kind, queued_item(kind, family).pk)
    first = reload(item).heartbeat_at
    with work.heartbeat(item, interval=0.05):
        deadline = time.monotonic() + 10
        while reload(item).heartbeat_at == first:
            assert time.monotonic() < deadline, "no heartbeat written"
            time.sleep(0.02)
    assert work.beat(item)
    type(item).objects.filter(pk=item.pk).update(worker="another-machine:1")
    assert not work.beat(item)  # no longer this worker's: it does not beat for another


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_progress_is_written_at_most_a_few_times_a_second(kind, family):
    item = work.claim(kind, queued_item(kind, family).pk)
    now = [0.0]
    progress = work.Progress(item, clock=lambda: now[0])
    for step in range(100):  # a hundred steps within one second
        now[0] = step / 100
        progress.write(step)
    assert progress.writes <= work.PROGRESS_WRITES_PER_SECOND + 1
    assert 0 < reload(item).progress < 100 and not progress.should_stop()


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_cancelled_work_ends_at_once_when_queued_and_at_its_next_write_when_running(kind, family):
    waiting = queued_item(kind, family)
    assert work.cancel(kind, waiting.pk)
    assert reload(waiting).status == "cancelled" and work.claim(kind, waiting.pk) is None

    item = work.claim(kind, queued_item(kind, family).pk)
    progress = work.Progress(item)
    progress.write(10)
    assert work.cancel(kind, item.pk) and reload(item).status == "running"
    progress.write(20, force=True)
    assert progress.should_stop()
    with work.failure_recorded(item):
        raise work.Stopped()
    assert reload(item).status == "cancelled" and not work.finish(item)
    assert not work.cancel(kind, item.pk)  # it has ended


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_failed_work_says_why(kind, family):
    item = work.claim(kind, queued_item(kind, family).pk)
    with pytest.raises(OSError), work.failure_recorded(item):
        raise OSError("No space left on device")
    item = reload(item)
    assert item.status == "failed" and item.error == "No space left on device" and item.finished_at


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_work_finishes_once(kind, family):
    item = work.claim(kind, queued_item(kind, family).pk)
    made = []
    assert work.finish(item, lambda: made.append(1))
    assert not work.finish(item, lambda: made.append(2))  # delivered twice: stored once
    item = reload(item)
    assert made == [1] and (item.status, item.progress) == ("succeeded", 100) and item.finished_at


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_work_whose_worker_died_is_queued_again_then_failed_with_a_reason_after_the_last_attempt(
    kind, family, settings, sent
):
    settings.JOB_MAX_ATTEMPTS = 2
    item = queued_item(kind, family)
    claimed = work.claim(kind, item.pk)
    assert core_tasks.take_back_stale_work()[kind] == {"requeued": [], "resent": [], "failed": []}  # it beats

    long_ago(item, hours=1)  # silent for longer than JOB_STALE_AFTER_SECONDS
    assert core_tasks.take_back_stale_work()[kind] == {"requeued": [item.pk], "resent": [], "failed": []}
    again = reload(item)
    assert (again.status, again.progress, again.worker, again.attempts) == ("queued", 0, "", 1)
    assert again.enqueued_at is not None
    assert [(func, args) for func, args, _ in sent] == [(TASKS[kind], (item.pk,))]
    if kind == "training":
        assert again.resume  # the next attempt continues from the last checkpoint

    # The old worker wakes up: the item is not its own any more, it stops and stores nothing.
    late = work.Progress(claimed)
    late.write(50)
    assert late.should_stop() and not work.finish(claimed) and not work.fail(claimed, "late")

    assert work.claim(kind, item.pk) is not None
    long_ago(item, hours=1)
    assert core_tasks.take_back_stale_work()[kind] == {"requeued": [], "resent": [], "failed": [item.pk]}
    item = reload(item)
    assert item.status == "failed" and "2 times" in item.error and item.finished_at
    assert len(sent) == 1  # not sent again after the last attempt


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_work_of_a_dead_process_on_this_machine_is_taken_back_as_a_worker_starts(kind, family, settings, sent):
    from django_q.signals import post_spawn

    settings.JOB_HEARTBEAT_SECONDS, settings.JOB_STALE_AFTER_SECONDS = 10, 3600
    item = queued_item(kind, family)
    work.claim(kind, item.pk)
    type(item).objects.filter(pk=item.pk).update(worker=f"{socket.gethostname()}:999999999")
    long_ago(item, seconds=5)  # within two beats: it may still be alive elsewhere
    post_spawn.send(sender="django_q", proc_name="Process-1")
    assert reload(item).status == "running"
    long_ago(item, seconds=25)  # two beats missed, and no such process here
    post_spawn.send(sender="django_q", proc_name="Process-1")  # what django-q2 sends as a worker starts
    assert reload(item).status == "queued" and [args for _, args, _ in sent] == [(item.pk,)]


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_queued_work_whose_message_went_unanswered_is_sent_again(kind, family, settings, sent):
    settings.JOB_RESEND_AFTER_SECONDS = 60
    item = queued_item(kind, family)
    work.enqueue(kind, item.pk)
    assert core_tasks.take_back_stale_work()[kind]["resent"] == []  # it may just be waiting its turn
    type(item).objects.filter(pk=item.pk).update(enqueued_at=timezone.now() - datetime.timedelta(minutes=5))
    assert core_tasks.take_back_stale_work()[kind]["resent"] == [item.pk]
    assert [args for _, args, _ in sent] == [(item.pk,), (item.pk,)]


@pytest.mark.django_db
def test_a_training_run_is_sent_to_its_own_queue_with_its_own_timeout(settings, sent):
    settings.TRAINING_QUEUE, settings.TRAINING_TIMEOUT = "trainers", 7200
    run = TrainingRun.objects.create(name="Circles", dataset_path="/nowhere")
    work.enqueue("training", run.pk)
    ((func, args, options),) = sent
    assert options == {"task_name": f"training-{run.pk}", "group": "training", "timeout": 7200, "cluster": "trainers"}
