"""Staff and the admin: the admin's sign-in is limited like the site's and can ask for a second
factor (issue 13, item 6); what went wrong on the server is told to staff, and families read a
plain sentence (item 9)."""

from django.urls import reverse
from rest_framework.test import APIClient

from generation import services
from generation.models import JobStatus, StylizationJob
from memorial import export as exporting
from memorial.models import MemorialExport

SERVER_REASON = (
    "OSError: /srv/memorial/models/sd15/unet/diffusion_pytorch_model.safetensors (runwayml/sd-v1-5) is missing"
)


# --- errors that say too much -------------------------------------------------------------------


def failed_job(photo, style, by):
    job = services.request_artwork(photo=photo, style=style, by=by)
    StylizationJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, error=SERVER_REASON)
    return job


def test_a_family_sees_a_plain_sentence_when_a_painting_fails_and_no_server_paths(client, family, photo, style):
    job = failed_job(photo, style, family.contributor)
    client.force_login(family.viewer)

    page = client.get(reverse("generation:job", args=[job.pk])).content.decode()
    assert "could not be made" in page and "ask for the painting again" in page
    assert "/srv/memorial" not in page and "sd-v1-5" not in page and "OSError" not in page

    status = client.get(reverse("generation:job_status", args=[job.pk])).json()
    assert "could not be made" in status["error"] and status["error_detail"] == ""

    api = APIClient()
    api.force_login(family.contributor)
    body = api.get(f"/api/v1/jobs/{job.pk}/").json()
    assert "could not be made" in body["error"] and body["error_detail"] == ""
    assert "/srv/memorial" not in str(body)


def test_staff_see_why_a_painting_failed(client, family, photo, style):
    job = failed_job(photo, style, family.contributor)
    family.owner.is_staff = True
    family.owner.save(update_fields=["is_staff"])
    client.force_login(family.owner)

    page = client.get(reverse("generation:job", args=[job.pk])).content.decode()
    assert "could not be made" in page and "/srv/memorial/models/sd15" in page
    assert client.get(reverse("generation:job_status", args=[job.pk])).json()["error_detail"] == SERVER_REASON

    api = APIClient()
    api.force_login(family.owner)
    body = api.get(f"/api/v1/jobs/{job.pk}/").json()
    assert "could not be made" in body["error"] and body["error_detail"] == SERVER_REASON


def test_a_manager_whose_download_failed_reads_what_to_do_not_the_exception(client, family, memorial):
    export = exporting.request_export(memorial=memorial, by=family.manager)
    MemorialExport.objects.filter(pk=export.pk).update(
        status="failed", error="The download could not be prepared: PermissionError: [Errno 13] /var/lib/memorial/x"
    )
    client.force_login(family.manager)
    page = client.get(reverse("memorial:export", args=[memorial.slug])).content.decode()
    assert "could not be prepared" in page and "ask for it again" in page and "/var/lib" not in page
    status = client.get(reverse("memorial:export_status", args=[export.pk])).json()
    assert "ask for it again" in status["error"] and status["error_detail"] == ""

    family.owner.is_staff = True
    family.owner.save(update_fields=["is_staff"])
    client.force_login(family.owner)
    assert "/var/lib/memorial" in client.get(reverse("memorial:export_status", args=[export.pk])).json()["error_detail"]
