"""The offline page inside the zip opens in real Chromium from file://, with no server and no network."""

import zipfile

import pytest

from memorial import export as exporting
from memorial import tasks as export_tasks
from tests.test_export import make_large_memorial

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def test_the_offline_page_shows_every_photo_and_plays_every_recording(family, browser, tmp_path, artifacts_dir):  # noqa: F811
    memorial = make_large_memorial(family, photos=50, artworks=10)
    export = exporting.request_export(memorial=memorial, by=family.owner)
    assert export_tasks.build_export(export.pk) == "succeeded"
    export.refresh_from_db()
    folder = tmp_path / "unzipped"
    with export.file.open("rb") as f, zipfile.ZipFile(f) as archive:
        archive.extractall(folder)

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR")
    page = context.new_page()
    page.set_default_timeout(20000)
    elsewhere = []
    page.on("request", lambda request: None if request.url.startswith("file://") else elsewhere.append(request.url))
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto((folder / "index.html").as_uri())
    page.wait_for_load_state("load")

    assert page.locator("h1").inner_text() == "이순자"
    assert page.locator("img").count() == 60  # 50 photos and 10 paintings
    assert page.locator("audio").count() == 10
    page.wait_for_function("Array.from(document.images).every(i => i.complete)")
    broken = page.evaluate("Array.from(document.images).filter(i => !(i.naturalWidth > 0)).map(i => i.src)")
    assert broken == []
    page.wait_for_function("Array.from(document.querySelectorAll('audio')).every(a => a.readyState >= 1 || a.error)")
    audio = page.evaluate(
        "Array.from(document.querySelectorAll('audio')).map(a => [a.readyState, a.duration, a.error && a.error.code])"
    )
    assert all(ready >= 1 and duration > 0.3 and error is None for ready, duration, error in audio), audio
    assert elsewhere == [] and failed == []

    # A photo links to its original, which opens from the folder too.
    first = page.locator(".album figure a").first
    href = first.get_attribute("href")
    assert href.startswith("originals/photo-") and (folder / href).exists()

    page.screenshot(path=f"{artifacts_dir}/export-offline.png", full_page=False)
    page.evaluate("document.querySelector('.album').scrollIntoView()")
    page.screenshot(path=f"{artifacts_dir}/export-offline-photos.png", full_page=False)
    context.close()


@pytest.mark.django_db(transaction=True)
def test_the_progress_bar_follows_the_export_and_shows_the_link_without_a_reload(
    live_server, family, browser, artifacts_dir, monkeypatch
):  # noqa: F811
    from django.test import Client

    from memorial.models import MemorialExport

    queued = []
    monkeypatch.setattr(exporting, "enqueue", queued.append)  # no broker message left behind; the test is the worker

    memorial = make_large_memorial(family, photos=3, artworks=1)
    client = Client()
    client.force_login(family.manager)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{live_server.url}/m/{memorial.slug}/export/")
    page.get_by_role("button", name="Prepare a download").click()
    page.wait_for_selector(".export progress")
    export = MemorialExport.objects.get()
    assert queued == [export.pk] and page.locator(".export-status").inner_text() == "Waiting"
    page.evaluate("window.notReloaded = true")

    assert export_tasks.build_export(export.pk) == "succeeded"  # the worker, meanwhile
    page.wait_for_selector(".export-link:visible")
    assert page.evaluate("window.notReloaded") is True
    assert page.locator(".export progress").count() == 0 and page.locator(".export-status").inner_text() == "Ready"
    page.screenshot(path=f"{artifacts_dir}/export-page.png")
    with page.expect_download() as download:
        page.locator(".export-link").click()
    assert download.value.suggested_filename.endswith(".zip")
    with zipfile.ZipFile(download.value.path()) as archive:
        assert "index.html" in archive.namelist()
    context.close()
