"""The family's own voice, in real Chromium: a manager records the words with the microphone (a
fake one, Chromium's own test device) or uploads a recording, and plays it back on the artwork page."""

import os

import pytest

from generation.models import FamilyRecording
from tests.audio_files import listen, sine
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def manager_page(media_browser, live_server, family):
    context = media_browser.new_context(viewport={"width": 1100, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(20000)
    page.goto(live_server.url + "/accounts/login/")
    page.locator("#id_login").fill("manager@example.com")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(live_server.url + "/")
    yield page
    context.close()


def plays(page, selector: str) -> dict:
    """Play the audio element from its start; what the browser found in it."""
    return page.eval_on_selector(
        selector,
        """async (audio) => {
            audio.preload = "auto";
            audio.load();
            await audio.play();
            await new Promise((resolve) => setTimeout(resolve, 600));
            const seen = {duration: audio.duration, time: audio.currentTime, paused: audio.paused, error: audio.error && audio.error.code};
            audio.pause();
            return seen;
        }""",
    )


def test_a_manager_records_the_words_in_the_browser_and_plays_them_back(
    live_server, manager_page, artwork, artifacts_dir
):
    page = manager_page
    page.goto(live_server.url + artwork.get_absolute_url())
    page.locator("#family-voice").scroll_into_view_if_needed()
    assert page.locator("#recorder").is_visible()
    page.get_by_role("button", name="Record", exact=True).click()
    page.wait_for_selector("#record-stop:not([disabled])")
    page.wait_for_timeout(2500)
    page.get_by_role("button", name="Stop", exact=True).click()
    page.wait_for_selector("#record-preview:not([hidden])")
    assert "Listen to it" in page.locator("#record-message").inner_text()
    assert page.eval_on_selector("#id_audio", "input => input.files.length") == 1
    page.screenshot(path=os.path.join(artifacts_dir, "family-voice-recorded.png"), full_page=True)
    page.get_by_role("button", name="Use this recording").click()
    page.wait_for_selector("text=The family's recording is now played with the painting.")

    kept = FamilyRecording.objects.get(artwork=artwork)
    heard = listen(kept.audio.read())
    print("recorded in Chromium:", kept.source_format, kept.source_codec, heard)
    assert kept.in_use and kept.source_format == "webm" and kept.source_codec == "opus"
    assert heard["format"] == "mp3" and heard["sample_rate"] == 48_000 and 1.5 < heard["seconds"] < 4.5

    seen = plays(page, "#narration-audio")
    assert seen["error"] is None
    assert abs(seen["duration"] - kept.duration_s) < 0.2 and seen["time"] > 0
    page.screenshot(path=os.path.join(artifacts_dir, "family-voice-in-use.png"), full_page=True)

    # Back to the synthetic voice: the page plays espeak-ng's recording again.
    page.get_by_label("the synthetic voice").check()
    page.get_by_role("button", name="Use this voice").click()
    page.wait_for_selector("text=The synthetic voice is now played with the painting.")
    seen = plays(page, "#narration-audio")
    assert abs(seen["duration"] - artwork.tribute.narration.duration_s) < 0.2 and seen["time"] > 0


def test_a_manager_uploads_a_recording_through_the_page_and_plays_it_back(live_server, manager_page, artwork, tmp_path):
    path = tmp_path / "grandmother.wav"
    path.write_bytes(sine("wav", 1.5, rate=44_100, channels=2))
    page = manager_page
    page.goto(live_server.url + artwork.get_absolute_url())
    page.locator("#id_audio").set_input_files(str(path))
    page.get_by_role("button", name="Use this recording").click()
    page.wait_for_selector("text=The family's recording is now played with the painting.")
    kept = FamilyRecording.objects.get(artwork=artwork)
    assert (kept.sample_rate, kept.channels, kept.source_format) == (44_100, 2, "wav")
    seen = plays(page, "#narration-audio")
    assert abs(seen["duration"] - 1.5) < 0.1 and seen["time"] > 0 and seen["error"] is None


def test_a_browser_that_cannot_record_says_so_and_offers_the_upload(live_server, manager_page, artwork):
    page = manager_page
    page.add_init_script("delete window.MediaRecorder")
    page.goto(live_server.url + artwork.get_absolute_url())
    assert page.locator("#recorder").is_hidden()
    assert "This browser cannot record here" in page.locator("#record-message").inner_text()
    assert page.locator("#id_audio").is_visible()


def test_a_refused_microphone_is_explained_and_the_upload_stays(live_server, manager_page, artwork):
    page = manager_page
    # The person answers "block" to the browser's question (the fake UI always allows).
    page.add_init_script(
        "navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('blocked', 'NotAllowedError'))"
    )
    page.goto(live_server.url + artwork.get_absolute_url())
    page.get_by_role("button", name="Record", exact=True).click()
    page.wait_for_selector("text=The microphone was not allowed.")
    assert page.locator("#record-start").is_enabled() and page.locator("#id_audio").is_visible()
    assert not FamilyRecording.objects.exists()
