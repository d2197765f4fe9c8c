"""A member asks for a painting and watches it arrive, in real Chromium."""

import os

import pytest

from generation import tasks
from generation.models import StylizationJob
from memorial import photos as photo_service
from tests.conftest import PASSWORD, jpeg_upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_job_page_follows_the_painting_and_leads_to_it(live_server, new_page, family, style, artifacts_dir):
    memorial = family.memorial("public", full_name="김순자", language="ko")
    photo, _ = photo_service.add_photo(
        album=memorial.albums.get(), upload=jpeg_upload(size=(600, 400)), by=family.owner, caption="바닷가에서"
    )
    page = new_page(viewport={"width": 1100, "height": 900})
    page.goto(live_server.url + "/accounts/login/")
    page.locator("#id_login").fill("contributor@example.com")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(live_server.url + "/")

    page.goto(live_server.url + photo.get_absolute_url())
    page.get_by_role("link", name="Make a painting").click()
    page.get_by_role("button", name="Paint it").click()
    page.wait_for_url(lambda url: "/jobs/" in url)
    assert page.locator("#job-progress").is_visible()
    page.screenshot(path=os.path.join(artifacts_dir, "job-waiting.png"))

    tasks.run_stylization(StylizationJob.objects.get().pk)  # the worker, while the page is open
    page.wait_for_selector("#job-done:not([hidden])", timeout=20000)  # no reload: the page polled
    assert page.locator("#job-progress").evaluate("el => el.value") == 100
    page.screenshot(path=os.path.join(artifacts_dir, "job-done.png"))
    page.locator("#job-artwork-link").click()
    page.wait_for_url(lambda url: "/artworks/" in url)
    assert "built-in painter, a filter, not AI" in page.content()
    page.locator("#compare-range").focus()
    page.keyboard.press("ArrowLeft")
    page.screenshot(path=os.path.join(artifacts_dir, "artwork.png"), full_page=True)

    # Published, the painting shows in the memorial page's gallery, as its small JPEG.
    from generation.services import publish_artwork

    artwork = StylizationJob.objects.get().artwork
    publish_artwork(artwork=artwork, by=family.manager)
    guest = new_page(viewport={"width": 390, "height": 844})
    guest.goto(live_server.url + memorial.get_absolute_url() + "#artworks")
    image = guest.locator("#artworks img")
    image.scroll_into_view_if_needed()
    guest.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    assert image.get_attribute("src").endswith("/thumb.jpg")
    assert image.evaluate("img => img.naturalWidth") == 480  # PHOTO_THUMB_SIZE, not the 768 px painting
    guest.locator("#artworks").screenshot(path=os.path.join(artifacts_dir, "memorial-gallery-phone.png"))
