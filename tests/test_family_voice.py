"""The family's own voice: a manager records or uploads the words, and that recording is played
with the painting instead of the synthetic voice; either can be chosen back."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from generation import family_voice
from generation.models import FamilyRecording, Narration
from generation.speech import recording
from tests.audio_files import listen, sine, upload

pytestmark = pytest.mark.django_db

API = "/api/v1"


def page_url(artwork, name):
    return reverse(f"generation:memorial_artwork_{name}", args=[artwork.memorial.slug, artwork.pk])


def stored_files():
    folders, files = default_storage.listdir("narrations")
    names = []
    for folder in folders:
        names += [f"{folder}/{name}" for name in default_storage.listdir(f"narrations/{folder}")[1]]
    return sorted(names + files)


def played_bytes(client, artwork, **query):
    response = client.get(
        reverse("generation:memorial_narration_audio", args=[artwork.memorial.slug, artwork.pk]), query
    )
    assert response.status_code == 200, response.status_code
    return response["Content-Type"], b"".join(response.streaming_content)


# --- The recording module: really decoded, made into MP3, measured --------------------------------


@pytest.mark.parametrize(
    ("kind", "channels", "rate"),
    [
        ("wav", 1, 44_100),
        ("wav", 2, 22_050),
        ("ogg", 1, 48_000),
        ("mp3", 2, 44_100),
        ("m4a", 1, 44_100),
        ("webm", 2, 48_000),
    ],
)
def test_a_recording_in_each_format_becomes_an_mp3_of_the_same_length(kind, channels, rate):
    made = recording.transcode(
        io.BytesIO(sine(kind, 1.0, rate=rate, channels=channels)), max_bytes=10**7, max_seconds=300
    )
    heard = listen(made.data)
    assert heard["format"] == "mp3" and heard["codec"].startswith("mp3")
    assert heard["channels"] == made.channels == channels  # mono or stereo as recorded
    expected_rate = 48_000 if rate == 48_000 else 44_100
    assert heard["sample_rate"] == made.sample_rate == expected_rate
    assert abs(heard["seconds"] - 1.0) < 0.06 and abs(made.duration_s - heard["seconds"]) < 0.001
    assert 100_000 <= heard["bit_rate"] <= 160_000  # 128 kbit/s
    assert made.source_format == {"m4a": "mp4"}.get(kind, kind)


def test_safari_s_recording_fragmented_mp4_with_aac_is_taken():
    import av
    import numpy as np

    out = io.BytesIO()  # what Safari's MediaRecorder writes: fragmented MP4, AAC, 48 kHz
    with av.open(out, "w", format="mp4", options={"movflags": "frag_keyframe+empty_moov+default_base_moof"}) as mp4:
        stream = mp4.add_stream("aac", rate=48_000, layout="mono")
        wave = (0.3 * np.sin(2 * np.pi * 330 * np.arange(96_000) / 48_000)).astype(np.float32)[None]
        frame = av.AudioFrame.from_ndarray(wave, format="fltp", layout="mono")
        frame.sample_rate = 48_000
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            mp4.mux(packet)
    made = recording.transcode(io.BytesIO(out.getvalue()), max_bytes=10**7, max_seconds=300)
    heard = listen(made.data)
    assert (heard["sample_rate"], heard["channels"], made.source_codec) == (48_000, 1, "aac")
    assert abs(heard["seconds"] - 2.0) < 0.06


# --- Pages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["wav", "ogg", "mp3", "m4a"])
def test_a_manager_uploads_the_family_s_recording_and_it_is_played_instead_of_the_synthetic_voice(
    client, family, artwork, kind
):
    synthetic = artwork.tribute.narration
    client.force_login(family.manager)
    response = client.post(page_url(artwork, "recording"), {"audio": upload(kind, 1.0)})
    assert response.status_code == 302 and response["Location"] == artwork.get_absolute_url()

    kept = FamilyRecording.objects.get(artwork=artwork)
    assert kept.in_use and kept.recorded_by == family.manager and kept.content_type == "audio/mpeg"
    assert abs(kept.duration_s - 1.0) < 0.06 and kept.sample_rate in (44_100, 48_000)
    content_type, data = played_bytes(client, artwork)
    assert content_type == "audio/mpeg" and data == kept.audio.read()
    assert abs(listen(data)["seconds"] - 1.0) < 0.06
    assert Narration.objects.get() == synthetic  # kept, to be chosen back

    page = client.get(artwork.get_absolute_url()).content.decode()
    assert "The family&#x27;s recording is now played with the painting." in page
    assert f"?v=f{kept.pk}" in page  # a new address: no browser plays the old voice from its cache
    assert "A recording of 1 seconds." in page


def test_switching_back_to_the_synthetic_voice_and_to_the_family_s_again(client, family, artwork):
    client.force_login(family.manager)
    client.post(page_url(artwork, "recording"), {"audio": upload("wav", 1.0)})
    synthetic_bytes = artwork.tribute.narration.audio.read()

    response = client.post(page_url(artwork, "voice"), {"voice": "synthetic"}, follow=True)
    assert "The synthetic voice is now played with the painting." in response.content.decode()
    assert not FamilyRecording.objects.get().in_use
    assert played_bytes(client, artwork)[1] == synthetic_bytes
    # The manager can still hear the family's recording before choosing it again; a guest cannot.
    family_bytes = FamilyRecording.objects.get().audio.read()
    assert played_bytes(client, artwork, voice="family")[1] == family_bytes
    client.post(page_url(artwork, "voice"), {"voice": "family"})
    assert played_bytes(client, artwork)[1] == family_bytes

    response = client.post(page_url(artwork, "recording_delete"), follow=True)
    assert "the synthetic voice is played again" in response.content.decode()
    assert not FamilyRecording.objects.exists()
    assert played_bytes(client, artwork)[1] == synthetic_bytes


def test_a_guest_of_a_published_painting_hears_only_the_chosen_voice(client, family, artwork):
    from generation.services import publish_artwork

    publish_artwork(artwork=artwork, by=family.manager)
    family_voice.add_recording(artwork=artwork, upload=upload("wav", 1.0), by=family.manager)
    family_voice.choose_voice(artwork=artwork, voice="synthetic", by=family.manager)
    synthetic_bytes = artwork.tribute.narration.audio.read()
    content_type, data = played_bytes(client, artwork, voice="family")  # asked for, not given
    assert data == synthetic_bytes
    page = client.get(artwork.get_absolute_url()).content.decode()
    assert "family-voice" not in page and "Use this recording" not in page


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: SimpleUploadedFile("tribute.mp3", b"this is not a recording" * 50),
            "is not a recording the site can play",
        ),
        (
            lambda: SimpleUploadedFile("tribute.wav", b"\x89PNG\r\n\x1a\n" + b"\0" * 500),
            "is not a recording the site can play",
        ),
        (lambda: upload("ogg", 7.0), "longer than 5 seconds"),  # its length is in its header
        (lambda: upload("webm", 7.0), "longer than 5 seconds"),  # not in a browser's: decoding stops
        (lambda: upload("wav", 1.0, channels=2), "the largest the site accepts is"),
        (lambda: upload("wav", 0.1), "too short to hear"),
        (lambda: SimpleUploadedFile("tribute.wav", b""), "nothing was recorded"),
    ],
    ids=["text", "image", "too-long", "too-long-webm", "too-large", "too-short", "empty"],
)
def test_a_file_that_cannot_be_the_narration_is_refused_with_a_clear_message_and_nothing_changes(
    client, family, artwork, settings, make, message
):
    settings.NARRATION_RECORDING_MAX_SECONDS = 5
    settings.NARRATION_RECORDING_MAX_BYTES = 100_000  # a second of 44.1 kHz mono WAV fits, stereo does not
    client.force_login(family.manager)
    before = stored_files()
    response = client.post(page_url(artwork, "recording"), {"audio": make()})
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not FamilyRecording.objects.exists() and stored_files() == before


def test_a_refused_upload_keeps_the_family_s_earlier_recording(client, family, artwork):
    client.force_login(family.manager)
    client.post(page_url(artwork, "recording"), {"audio": upload("wav", 1.0)})
    kept = FamilyRecording.objects.get()
    before = stored_files()
    response = client.post(
        page_url(artwork, "recording"), {"audio": SimpleUploadedFile("x.ogg", b"OggS" + b"\1" * 900)}
    )
    assert response.status_code == 400
    assert FamilyRecording.objects.get() == kept and kept.in_use and stored_files() == before


def test_a_second_recording_replaces_the_first_and_its_file(
    client, family, artwork, django_capture_on_commit_callbacks
):
    client.force_login(family.manager)
    client.post(page_url(artwork, "recording"), {"audio": upload("wav", 1.0)})
    first = FamilyRecording.objects.get().audio.name
    with django_capture_on_commit_callbacks(execute=True):
        client.post(page_url(artwork, "recording"), {"audio": upload("ogg", 2.0)})
    second = FamilyRecording.objects.get()
    assert second.audio.name != first and not default_storage.exists(first)
    assert abs(second.duration_s - 2.0) < 0.06


@pytest.mark.parametrize("who", ["contributor", "viewer", "stranger"])
def test_only_those_who_may_change_the_words_record_or_choose_the_voice(client, family, artwork, who):
    client.force_login(family.user(who))
    assert client.post(page_url(artwork, "recording"), {"audio": upload("wav", 1.0)}).status_code in (403, 404)
    assert client.post(page_url(artwork, "voice"), {"voice": "synthetic"}).status_code in (403, 404)
    assert not FamilyRecording.objects.exists()
    assert "Use this recording" not in client.get(artwork.get_absolute_url()).content.decode()


def test_choosing_the_family_s_voice_without_a_recording_is_refused(client, family, artwork):
    client.force_login(family.manager)
    response = client.post(page_url(artwork, "voice"), {"voice": "family"})
    assert response.status_code == 400
    assert "There is no recording of the family yet" in response.content.decode()


def test_the_page_offers_recording_and_upload_to_a_manager(client, family, artwork):
    client.force_login(family.manager)
    page = client.get(artwork.get_absolute_url()).content.decode()
    assert 'id="family-voice"' in page and 'name="audio"' in page and "js/recorder.js" in page
    assert "This browser cannot record here" in page  # said by the script where it cannot


def test_a_full_memorial_takes_no_recording(client, family, artwork, settings):
    settings.MEMORIAL_STORAGE_QUOTA_BYTES = 1
    client.force_login(family.manager)
    response = client.post(page_url(artwork, "recording"), {"audio": upload("wav", 1.0)})
    assert response.status_code == 400 and "storage is full" in response.content.decode()
    assert not FamilyRecording.objects.exists()


def test_the_family_s_recording_counts_in_the_memorial_s_storage(family, artwork):
    from memorial import quota

    before = quota.used_bytes(artwork.memorial)
    kept = family_voice.add_recording(artwork=artwork, upload=upload("wav", 1.0), by=family.manager)
    assert quota.used_bytes(artwork.memorial) == before + kept.audio_bytes


# --- The API -------------------------------------------------------------------------------------


def test_the_api_takes_a_recording_chooses_the_voice_and_deletes_it(family, artwork):
    api = APIClient()
    api.force_login(family.manager)
    base = f"{API}/memorials/{artwork.memorial.slug}/artworks/{artwork.pk}/"
    response = api.post(base + "recording/", {"audio": upload("m4a", 1.0)}, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["narration_voice"] == "family" and body["narration"]["source"] == "family"
    assert body["narration"]["engine"] == "family" and abs(body["narration"]["duration_s"] - 1.0) < 0.06
    assert body["family_recording"]["in_use"] and body["family_recording"]["source_format"] == "mp4"
    heard = api.get(body["narration"]["audio_url"])
    assert heard["Content-Type"] == "audio/mpeg"
    assert abs(listen(b"".join(heard.streaming_content))["seconds"] - 1.0) < 0.06

    response = api.patch(base, {"narration_voice": "synthetic"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["narration_voice"] == "synthetic" and body["narration"]["engine"] == "espeak-ng"
    assert body["family_recording"]["in_use"] is False

    refused = api.patch(base, {"narration_voice": "robot"}, format="json")
    assert refused.status_code == 400 and "Choose" in str(refused.json())

    assert api.delete(base + "recording/").status_code == 204
    assert api.get(base).json()["family_recording"] is None
    refused = api.patch(base, {"narration_voice": "family"}, format="json")
    assert refused.status_code == 400 and "no recording of the family" in refused.json()["detail"]


def test_the_api_refuses_what_is_not_a_recording_with_a_detail(family, artwork, settings):
    settings.NARRATION_RECORDING_MAX_SECONDS = 5
    api = APIClient()
    api.force_login(family.owner)
    url = f"{API}/artworks/{artwork.pk}/recording/"
    for sent, message in [
        (SimpleUploadedFile("a.mp3", b"ID3" + b"\0" * 2000), "not a recording"),
        (upload("ogg", 6.0), "longer than 5 seconds"),
    ]:
        response = api.post(url, {"audio": sent}, format="multipart")
        assert response.status_code == 400 and message in response.json()["detail"]
    response = api.post(url, {}, format="multipart")
    assert response.status_code == 400 and response.json()["detail"]
    assert not FamilyRecording.objects.exists()


def test_others_see_the_played_voice_but_not_the_family_s_unchosen_recording(family, artwork):
    from generation.services import publish_artwork

    publish_artwork(artwork=artwork, by=family.manager)
    family_voice.add_recording(artwork=artwork, upload=upload("wav", 1.0), by=family.manager)
    api = APIClient()
    url = f"{API}/memorials/{artwork.memorial.slug}/artworks/{artwork.pk}/"
    guest = api.get(url).json()
    assert guest["narration_voice"] == "family" and guest["family_recording"] is None
    api.force_login(family.contributor)
    assert api.post(url + "recording/", {"audio": upload("wav", 1.0)}, format="multipart").status_code == 403
    assert api.patch(url, {"narration_voice": "synthetic"}, format="json").status_code == 403


def test_download_all_memories_keeps_the_voice_the_family_chose(family, artwork):
    import json
    import zipfile

    from memorial import export as exporting
    from memorial import tasks as export_tasks

    kept = family_voice.add_recording(artwork=artwork, upload=upload("ogg", 1.0), by=family.manager)
    export = exporting.request_export(memorial=artwork.memorial, by=family.owner)
    assert export_tasks.build_export(export.pk) == "succeeded"
    export.refresh_from_db()
    with export.file.open("rb") as stored, zipfile.ZipFile(stored) as archive:
        data = json.loads(archive.read("memorial.json"))
        (art,) = data["artworks"]
        assert art["narration"]["source"] == "family" and art["narration"]["engine"] == "family"
        assert archive.read(art["narration"]["file"]) == kept.audio.read()


def test_a_painting_deleted_for_good_takes_the_family_s_recording_with_it(
    family, artwork, django_capture_on_commit_callbacks
):
    from generation.services import destroy_artwork

    kept = family_voice.add_recording(artwork=artwork, upload=upload("wav", 1.0), by=family.manager)
    name = kept.audio.name
    with django_capture_on_commit_callbacks(execute=True):
        destroy_artwork(artwork=artwork, by=family.owner)
    assert not FamilyRecording.objects.exists() and not default_storage.exists(name)


def test_a_site_moderator_removes_a_recording_that_should_not_be_heard(admin_client, family, artwork):
    family_voice.add_recording(artwork=artwork, upload=upload("wav", 1.0), by=family.manager)
    url = reverse("admin:generation_artwork_change", args=[artwork.pk])
    page = admin_client.get(url).content.decode()
    assert "family_recording-0-DELETE" in page
    recording_id = FamilyRecording.objects.get().pk
    response = admin_client.post(
        url,
        {
            "tribute-TOTAL_FORMS": "1",
            "tribute-INITIAL_FORMS": "1",
            "tribute-MIN_NUM_FORMS": "0",
            "tribute-MAX_NUM_FORMS": "1",
            "tribute-0-id": artwork.tribute.pk,
            "tribute-0-artwork": artwork.pk,
            "family_recording-TOTAL_FORMS": "1",
            "family_recording-INITIAL_FORMS": "1",
            "family_recording-MIN_NUM_FORMS": "0",
            "family_recording-MAX_NUM_FORMS": "1",
            "family_recording-0-id": recording_id,
            "family_recording-0-artwork": artwork.pk,
            "family_recording-0-DELETE": "on",
        },
    )
    assert response.status_code == 302, response.content
    assert not FamilyRecording.objects.exists()
