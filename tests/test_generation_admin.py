"""Moderators look after styles, jobs and artworks in the Django admin, and every step is on the record."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from generation import services, tasks
from generation.models import Artwork, JobStatus, Narration, Style, StylizationJob
from memorial import photos as photo_service
from memorial.models import ModerationAction, Visibility
from tests.conftest import jpeg_upload


def new_job(photo, style, family, status=JobStatus.QUEUED, **fields):
    job = services.request_artwork(photo=photo, style=style, by=family.contributor)
    if status != JobStatus.QUEUED or fields:
        StylizationJob.objects.filter(pk=job.pk).update(status=status, **fields)
        job.refresh_from_db()
    return job


def changelist(model):
    return reverse(f"admin:generation_{model}_changelist")


def change(model, pk):
    return reverse(f"admin:generation_{model}_change", args=[pk])


def act(client, model, action, objects):
    return client.post(
        changelist(model), {"action": action, "_selected_action": [o.pk for o in objects], "index": 0}, follow=True
    )


def test_every_list_and_change_page_opens_with_its_data(admin_client, artwork, photo, style, family):
    failed = new_job(photo, style, family, JobStatus.FAILED, error="CUDA out of memory", worker="gpu-1:42", attempts=3)
    narration = Narration.objects.get()
    image = reverse("generation:artwork_image", args=[artwork.pk])
    audio = reverse("generation:narration_audio", args=[artwork.pk])

    response = admin_client.get(changelist("style"))
    assert response.status_code == 200 and "Watercolor" in response.text
    response = admin_client.get(change("style", style.pk))
    assert response.status_code == 200 and 'name="lora_scale"' in response.text
    assert "prepopulate" in response.text  # the slug follows the name
    assert admin_client.get(reverse("admin:generation_style_add")).status_code == 200

    response = admin_client.get(changelist("stylizationjob"))
    assert response.status_code == 200 and "김영희" in response.text and "CUDA out of memory" not in response.text
    response = admin_client.get(change("stylizationjob", failed.pk))
    assert response.status_code == 200
    assert "CUDA out of memory" in response.text and "gpu-1:42" in response.text
    assert 'name="status"' not in response.text and 'name="error"' not in response.text  # the worker's to write
    response = admin_client.get(change("stylizationjob", artwork.job_id))
    assert change("artwork", artwork.pk) in response.text
    assert admin_client.get(reverse("admin:generation_stylizationjob_add")).status_code == 403

    response = admin_client.get(changelist("artwork"))
    assert response.status_code == 200 and f'<img src="{image}" width="80"' in response.text
    response = admin_client.get(change("artwork", artwork.pk))
    assert response.status_code == 200
    assert f'<img src="{image}"' in response.text
    assert escape(artwork.tribute.text.splitlines()[0]) in response.text  # shown escaped, as all text
    assert f'<audio controls preload="none" src="{audio}">' in response.text
    assert "espeak-ng" in response.text

    response = admin_client.get(changelist("narration"))
    assert response.status_code == 200 and "espeak-ng" in response.text
    response = admin_client.get(change("narration", narration.pk))
    assert response.status_code == 200 and f'src="{audio}"' in response.text


def test_jobs_are_found_by_number_and_by_memorial(admin_client, photo, style, family):
    job = new_job(photo, style, family)
    other_memorial = family.memorial(Visibility.PRIVATE, full_name="Park Jisoo")
    other_photo, _ = photo_service.add_photo(album=other_memorial.albums.get(), upload=jpeg_upload(), by=family.owner)
    other = services.request_artwork(photo=other_photo, style=style, by=family.owner)

    def found(q):
        response = admin_client.get(changelist("stylizationjob"), {"q": q})
        assert response.status_code == 200
        return {pk for pk in (job.pk, other.pk) if change("stylizationjob", pk) in response.text}

    assert found("영희") == {job.pk}
    assert found("Young-hee") == {job.pk}
    assert found("Jisoo") == {other.pk}
    assert found(f"#{other.pk}") == {other.pk}  # "#" appears in no name, slug or email
    response = admin_client.get(changelist("stylizationjob"), {"status": "queued", "style__id__exact": style.pk})
    assert response.status_code == 200


def test_retrying_jobs_queues_them_again_and_is_recorded(
    admin_client, admin_user, photo, style, family, artwork, django_capture_on_commit_callbacks
):
    failed = new_job(photo, style, family, JobStatus.FAILED, error="CUDA out of memory", attempts=3)
    cancelled = new_job(photo, style, family, JobStatus.CANCELLED, cancel_requested=True)
    with django_capture_on_commit_callbacks() as callbacks:
        response = act(admin_client, "stylizationjob", "retry", [failed, cancelled, artwork.job])
    assert "2 jobs queued again." in response.text and "1 job was not failed or cancelled" in response.text
    assert len(callbacks) == 2  # each queued once, after the commit
    for job in (failed, cancelled):
        job.refresh_from_db()
        assert (job.status, job.error, job.attempts, job.cancel_requested) == (JobStatus.QUEUED, "", 0, False)
    assert StylizationJob.objects.get(pk=artwork.job_id).status == JobStatus.SUCCEEDED
    records = ModerationAction.objects.filter(action="retry_job")
    assert sorted(r.target_id for r in records) == sorted([failed.pk, cancelled.pk])
    assert all(r.moderator == admin_user and r.memorial == failed.memorial for r in records)

    assert tasks.run_stylization(failed.pk) == "succeeded"  # the worker takes it again


def test_cancelling_jobs_stops_them_and_is_recorded(admin_client, admin_user, photo, style, family, artwork):
    queued = new_job(photo, style, family)
    running = new_job(photo, style, family, JobStatus.RUNNING, worker="gpu-1:42")
    response = act(admin_client, "stylizationjob", "cancel", [queued, running, artwork.job])
    assert "2 jobs cancelled." in response.text and "1 job had already ended" in response.text
    queued.refresh_from_db()
    running.refresh_from_db()
    assert queued.status == JobStatus.CANCELLED and queued.finished_at is not None
    assert running.status == JobStatus.RUNNING and running.cancel_requested  # stops at the painter's next step
    assert StylizationJob.objects.get(pk=artwork.job_id).status == JobStatus.SUCCEEDED
    records = ModerationAction.objects.filter(action="cancel_job")
    assert sorted(r.target_id for r in records) == sorted([queued.pk, running.pk])
    assert all(r.moderator == admin_user and r.memorial == queued.memorial for r in records)
    assert ModerationAction.objects.count() == 2

    assert tasks.run_stylization(queued.pk).startswith("not claimed")
    response = admin_client.get(reverse("admin:memorial_moderationaction_changelist"))
    assert response.status_code == 200 and "cancel_job" in response.text


def test_retiring_a_style_stops_offering_it_and_is_recorded(admin_client, admin_user, style, photo, family):
    oil = Style.objects.create(name="Oil", slug="oil")
    response = act(admin_client, "style", "retire", [style])
    assert "1 style retired." in response.text
    style.refresh_from_db()
    oil.refresh_from_db()
    assert style.is_active is False and oil.is_active is True
    record = ModerationAction.objects.get(action="retire_style")
    assert record.moderator == admin_user and record.target_id == style.pk
    with pytest.raises(services.ArtworkRefused):
        services.request_artwork(photo=photo, style=style, by=family.contributor)

    act(admin_client, "style", "make_active", [style, oil])
    style.refresh_from_db()
    assert style.is_active is True
    assert ModerationAction.objects.filter(action="make_style_active").count() == 1  # oil was active already


def test_publishing_and_unpublishing_artworks_is_recorded(admin_client, admin_user, artwork):
    response = act(admin_client, "artwork", "publish", [artwork])
    assert "1 artwork published." in response.text
    artwork.refresh_from_db()
    assert artwork.published and artwork.published_by == admin_user
    act(admin_client, "artwork", "unpublish", [artwork])
    artwork.refresh_from_db()
    assert not artwork.published and artwork.published_at is None
    assert list(ModerationAction.objects.order_by("pk").values_list("action", flat=True)) == [
        "publish_artwork",
        "unpublish_artwork",
    ]


def test_publishing_from_the_change_form_is_recorded(admin_client, admin_user, artwork):
    response = admin_client.post(
        change("artwork", artwork.pk),
        {
            "published": "on",
            "tribute-TOTAL_FORMS": "1",
            "tribute-INITIAL_FORMS": "1",
            "tribute-MIN_NUM_FORMS": "0",
            "tribute-MAX_NUM_FORMS": "1",
            "tribute-0-id": artwork.tribute.pk,
            "tribute-0-artwork": artwork.pk,
            "family_recording-TOTAL_FORMS": "0",  # the family's own recording: none
            "family_recording-INITIAL_FORMS": "0",
            "family_recording-MIN_NUM_FORMS": "0",
            "family_recording-MAX_NUM_FORMS": "1",
        },
    )
    assert response.status_code == 302, response.content
    artwork.refresh_from_db()
    assert artwork.published and artwork.published_by == admin_user
    assert ModerationAction.objects.get().action == "publish_artwork"


def test_deleting_an_artwork_takes_its_words_and_recording_and_is_recorded(admin_client, admin_user, artwork):
    response = admin_client.post(
        changelist("artwork"),
        {"action": "delete_selected", "_selected_action": [artwork.pk], "post": "yes"},
        follow=True,
    )
    assert response.status_code == 200
    assert not Artwork.objects.exists() and not Narration.objects.exists()
    record = ModerationAction.objects.get(action="delete_artwork")
    assert record.moderator == admin_user and record.target_id == artwork.pk


def test_deleting_one_recording_keeps_the_artwork_and_is_recorded(
    admin_client, admin_user, artwork, settings, django_capture_on_commit_callbacks
):
    narration = Narration.objects.get()
    audio_file = settings.MEDIA_ROOT / narration.audio.name
    assert audio_file.exists()
    delete = reverse("admin:generation_narration_delete", args=[narration.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(delete, {"post": "yes"})
    assert response.status_code == 302
    assert not audio_file.exists()  # the file goes once the deletion is committed
    assert Artwork.objects.filter(pk=artwork.pk).exists() and not Narration.objects.exists()
    record = ModerationAction.objects.get(action="delete_narration")
    assert record.moderator == admin_user and record.memorial == artwork.memorial
