"""Platform staff start a training from the admin with a zip, and watch its loss curve."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import User
from generation.models import Style
from generation.tasks import train_style as train_style_task
from generation.training.records import TrainingRun
from tests.training.test_trainer import RES, dataset_entries, zip_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = User.objects.create_superuser(email="staff@example.com", password="a-long-and-kind-passphrase")
    client.force_login(user)
    return user


def form(name="Circles", data=None, **changes):
    payload = {
        "name": name,
        "trigger_words": "crcl",
        "rank": 4,
        "learning_rate": 1e-3,
        "batch_size": 2,
        "optimizer": "adamw8bit",
        "max_steps": 4,
        "resolution": RES,
        "seed": 0,
    }
    payload.update(changes)
    payload["dataset"] = SimpleUploadedFile(
        "circles.zip", (data or zip_of(dataset_entries(n=4))).getvalue(), "application/zip"
    )
    return payload


def test_staff_train_a_style_from_an_uploaded_zip_and_see_its_loss_curve(
    client, staff, settings, tiny_models, django_capture_on_commit_callbacks
):
    settings.ARTWORK_MODELS = tiny_models.artwork_models
    settings.TRAINING_PREVIEW = {"preview_steps": 2, "preview_prompts": ("a circle",)}
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(reverse("admin:generation_trainingrun_add"), form())
    run = TrainingRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "admin:generation_trainingrun_change", args=[run.pk]
    )
    assert len(queued) == 1 and run.status == "queued"

    assert train_style_task(run.pk).startswith("succeeded")
    run.refresh_from_db()
    assert run.status == "succeeded" and len(run.losses) == 4 and run.optimizer_used
    page = client.get(reverse("admin:generation_trainingrun_change", args=[run.pk])).content.decode()
    assert "<polyline" in page and "4 / 4 (100%)" in page
    style = Style.objects.get(name="Circles")
    assert style.lora_file and style.trigger_words == "crcl"


def test_an_unsafe_zip_is_refused_in_the_admin_with_a_message(client, staff):
    import io
    import zipfile

    evil = io.BytesIO()
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../../escape.txt", "x")
    response = client.post(reverse("admin:generation_trainingrun_add"), form(data=evil))
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not TrainingRun.objects.exists()
