"""The AUTOMATIC1111-compatible API (/sdapi/v1/, /controlnet/) with a memorial's studio key, by
hand-made requests: making and revoking keys, access, errors in AUTOMATIC1111's shapes, and what a
painting sent this way becomes (a photo of the family-only Studio album, an ordinary job).

The web process here waits for no worker (SDAPI_WAIT_SECONDS is 0): img2img answers with the
job's address, the worker's own function paints it, and /sdapi/v1/jobs/<id> answers as img2img
does. tests/test_sdapi_live.py drives the whole of it with webuiapi against a running site.
"""

import base64
import hashlib
import io
import json

import pytest
from PIL import Image
from rest_framework.test import APIClient

from generation import tasks
from generation.models import Artwork, JobStatus, StudioKey, StylizationJob
from memorial.models import Album, Photo

API = "/api/v1"


@pytest.fixture(autouse=True)
def _no_waiting(settings):
    settings.SDAPI_WAIT_SECONDS = 0
    settings.SDAPI_POLL_SECONDS = 0


@pytest.fixture
def api():
    return APIClient()


def make_key(api, family, memorial, who="manager", label="my script"):
    api.force_login(family.user(who))
    response = api.post(f"{API}/memorials/{memorial.slug}/studio-keys/", {"label": label}, format="json")
    api.logout()
    return response


@pytest.fixture
def key(api, family, memorial, style):
    response = make_key(api, family, memorial)
    assert response.status_code == 201, response.content
    return response.json()


def basic(key) -> dict:
    token = base64.b64encode(f"{key['username']}:{key['password']}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


def png_b64(size=(96, 64), color=(200, 150, 100), prefix=True) -> str:
    buffer = io.BytesIO()
    image = Image.new("RGB", size, color)
    image.putpixel((3, 3), (0, 0, 255))
    image.save(buffer, "PNG")
    text = base64.b64encode(buffer.getvalue()).decode()
    return f"data:image/png;base64,{text}" if prefix else text


def img2img(api, key, **fields):
    body = {"init_images": [png_b64()], "prompt": "an old woman smiling", "steps": 20, **fields}
    return api.post("/sdapi/v1/img2img", data=json.dumps(body), content_type="application/json", **basic(key))


def openpose_unit(**fields):
    # As webuiapi sends a unit: processor_res 512 and thresholds 64 mean "the module's own".
    unit = {
        "image": "",
        "module": "openpose_full",
        "model": "control_v11p_sd15_openpose [cab727d4]",
        "weight": 0.8,
        "processor_res": 512,
        "threshold_a": 64,
        "threshold_b": 64,
        "guidance_start": 0.0,
        "guidance_end": 0.9,
        "enabled": True,
    }
    return {**unit, **fields}


# --- Keys -------------------------------------------------------------------------------------------


def test_a_studio_key_is_shown_once_and_only_its_hash_is_kept(api, family, memorial, style):
    made = make_key(api, family, memorial)
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["username"].startswith("studio-") and len(body["password"]) >= 40
    assert body["token"] == f"{body['username']}.{body['password']}"

    stored = StudioKey.objects.get(username=body["username"])
    assert stored.memorial == memorial and stored.label == "my script"
    assert body["password"] not in {stored.secret_hash, stored.username}
    assert stored.secret_hash == hashlib.sha256(body["password"].encode()).hexdigest()

    api.force_login(family.manager)
    listed = api.get(f"{API}/memorials/{memorial.slug}/studio-keys/").json()
    assert [row["username"] for row in listed] == [body["username"]]
    assert "password" not in json.dumps(listed) and body["password"] not in json.dumps(listed)
    page = api.get(f"/m/{memorial.slug}/members/").content.decode()
    assert body["username"] in page and body["password"] not in page
    api.logout()

    # The key opens the API as HTTP Basic, as a Bearer "username:password", and as the single token.
    assert api.get("/sdapi/v1/samplers", **basic(body)).status_code == 200
    bearer = f"Bearer {body['username']}:{body['password']}"
    assert api.get("/sdapi/v1/samplers", HTTP_AUTHORIZATION=bearer).status_code == 200
    assert api.get("/sdapi/v1/samplers", HTTP_AUTHORIZATION=f"Bearer {body['token']}").status_code == 200


def test_a_manager_makes_a_key_on_the_members_page_and_sees_its_password_once(client, family, memorial):
    client.force_login(family.manager)
    answer = client.post(f"/m/{memorial.slug}/studio-keys/", {"label": "bot"})
    assert answer.status_code == 200
    key = StudioKey.objects.get()
    assert key.username in answer.content.decode()
    password = answer.content.decode().split('aria-label="Password"')[0].rsplit('value="', 1)[1].split('"')[0]
    assert hashlib.sha256(password.encode()).hexdigest() == key.secret_hash
    assert password not in client.get(f"/m/{memorial.slug}/members/").content.decode()


@pytest.mark.parametrize("who", ["contributor", "viewer", "stranger"])
def test_only_managers_make_studio_keys(api, family, memorial, who):
    assert make_key(api, family, memorial, who=who).status_code == 403
    assert not StudioKey.objects.exists()


def test_a_revoked_key_is_refused(api, family, memorial, key):
    assert api.get("/sdapi/v1/progress", **basic(key)).status_code == 200
    api.force_login(family.manager)
    (row,) = api.get(f"{API}/memorials/{memorial.slug}/studio-keys/").json()
    assert api.delete(f"{API}/memorials/{memorial.slug}/studio-keys/{row['id']}/").status_code == 204
    api.logout()

    for answer in (api.get("/sdapi/v1/progress", **basic(key)), img2img(api, key)):
        assert answer.status_code == 401
        assert answer["WWW-Authenticate"] == "Basic"
        assert answer.json()["detail"] == "Incorrect username or password"
    assert not Photo.objects.filter(album__family_only=True).exists()


def test_a_wrong_password_or_none_is_refused(api, key):
    wrong = {**key, "password": key["password"][:-1] + ("A" if key["password"][-1] != "A" else "B")}
    assert api.get("/sdapi/v1/samplers", **basic(wrong)).status_code == 401
    answer = api.get("/sdapi/v1/samplers")
    assert answer.status_code == 401 and answer["WWW-Authenticate"] == "Basic"


def test_a_key_stops_working_when_its_manager_leaves_the_family(api, family, memorial, key):
    memorial.memberships.filter(user=family.manager).delete()
    assert api.get("/sdapi/v1/samplers", **basic(key)).status_code == 401


def test_a_key_for_one_memorial_cannot_touch_another(api, family, memorial, key, style):
    other = family.memorial("public", full_name="박철수")
    other_key = make_key(api, family, other).json()
    theirs = img2img(api, other_key).json()
    ours = img2img(api, key).json()

    # Each painting is its own memorial's, in its own Studio album.
    assert StylizationJob.objects.get(pk=ours["job_id"]).memorial == memorial
    assert StylizationJob.objects.get(pk=theirs["job_id"]).memorial == other
    assert Album.objects.get(family_only=True, memorial=memorial).photos.count() == 1

    # Our key reads, waits for and interrupts only our paintings.
    assert api.get(f"/sdapi/v1/jobs/{theirs['job_id']}", **basic(key)).status_code == 404
    assert api.get("/sdapi/v1/progress", **basic(key)).json()["state"]["job"] == f"job {ours['job_id']}"
    assert api.post("/sdapi/v1/interrupt", **basic(key)).json() == {"interrupted": [ours["job_id"]]}
    assert StylizationJob.objects.get(pk=theirs["job_id"]).status == JobStatus.QUEUED

    # Its manager cannot revoke the other memorial's key through their own memorial's address.
    api.force_login(family.manager)
    theirs_key = StudioKey.objects.get(username=other_key["username"])
    answer = api.delete(f"{API}/memorials/{memorial.slug}/studio-keys/{theirs_key.pk}/")
    assert answer.status_code == 404
    assert StudioKey.objects.get(pk=theirs_key.pk).revoked_at is None


# --- img2img ------------------------------------------------------------------------------------------


def test_img2img_becomes_an_ordinary_job_with_the_settings_as_understood(api, key, memorial, style, family):
    answer = img2img(
        api,
        key,
        prompt="<lora:watercolor:0.7> an old man, smiling",
        denoising_strength=0.5,
        cfg_scale=6.5,
        seed=1234,
        sampler_name="DPM++ 2M",
        scheduler="Karras",
        batch_size=2,
        negative_prompt="blurry",
        unknown_field="ignored as AUTOMATIC1111 ignores it",
        alwayson_scripts={"ControlNet": {"args": [openpose_unit()]}},
    )
    assert answer.status_code == 504, answer.content  # no worker waits here: it answers where to fetch it
    body = answer.json()
    assert body["error"] == "Timeout" and f"/sdapi/v1/jobs/{body['job_id']}" in body["detail"]

    job = StylizationJob.objects.get(pk=body["job_id"])
    assert job.style == style and job.subject == "an old man, smiling" and job.seed == 1234
    assert job.requested_by == family.manager and job.photo.album.family_only
    settings = job.settings
    assert (settings["denoising_strength"], settings["steps"], settings["cfg_scale"]) == (0.5, 20, 6.5)
    assert settings["sampler_name"] == "DPM++ 2M Karras" and settings["candidates"] == 2
    assert settings["negative_prompt"] == "blurry"
    openpose = settings["controlnet"]["openpose"]
    assert openpose["enabled"] and openpose["weight"] == 0.8 and openpose["guidance_end"] == 0.9
    assert openpose["processor_res"] is None  # webuiapi's 512 is "unset": the painting's own size
    assert not settings["controlnet"]["depth"]["enabled"] and not settings["controlnet"]["mlsd"]["enabled"]

    # The worker paints it as any job; the key fetches it in AUTOMATIC1111's answer.
    tasks.run_stylization(job.pk)
    result = api.get(f"/sdapi/v1/jobs/{job.pk}", **basic(key))
    assert result.status_code == 200, result.content
    images = result.json()["images"]
    assert images and Image.open(io.BytesIO(base64.b64decode(images[0]))).format == "PNG"
    parameters = result.json()["parameters"]
    assert parameters["prompt"] == "<lora:watercolor:0.7> an old man, smiling" and parameters["init_images"] is None
    assert "unknown_field" not in parameters and parameters["settings"]["seed"] == 1234
    info = json.loads(result.json()["info"])
    artwork = Artwork.objects.get(job=job)
    assert info["seed"] == artwork.seed and info["all_seeds"][0] == artwork.seed
    assert info["job_id"] == job.pk and info["artwork_url"].endswith(artwork.get_absolute_url())
    assert info["built_in_painter"] is True and "no diffusion weights are configured" in info["painter"]
    assert info["sampler_name"] == "DPM++ 2M Karras" and info["steps"] == 20 and info["cfg_scale"] == 6.5


def test_a_wrong_type_is_a_422_naming_the_field(api, key):
    answer = img2img(api, key, steps="many", cfg_scale=[7])
    assert answer.status_code == 422
    detail = answer.json()["detail"]
    assert {"loc": ["body", "steps"], "msg": "value is not a valid integer", "type": "type_error.integer"} in detail
    assert ["body", "cfg_scale"] in [error["loc"] for error in detail]
    unit = img2img(api, key, alwayson_scripts={"controlnet": {"args": [openpose_unit(weight="heavy")]}})
    assert unit.status_code == 422
    assert unit.json()["detail"][0]["loc"] == ["body", "alwayson_scripts", "controlnet", "args", 0, "weight"]
    assert not Photo.objects.exists() and not StylizationJob.objects.exists()


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"steps": 500}, "steps"),
        ({"sampler_name": "Heun"}, "Heun"),
        ({"scheduler": "Exponential", "sampler_name": "Euler"}, "Exponential"),
        ({"batch_size": 4, "n_iter": 3}, "batch_size × n_iter"),
        ({"prompt": "<lora:oil_on_canvas:1> a man"}, "oil_on_canvas"),
        ({"alwayson_scripts": {"ControlNet": {"args": [openpose_unit(module="canny", model="None")]}}}, "canny"),
        (
            {"alwayson_scripts": {"ControlNet": {"args": [openpose_unit(module="none", model="t2i_color")]}}},
            "t2i_color",
        ),
        ({"init_images": [base64.b64encode(b"<svg onload=alert(1)>").decode()]}, "init_images[0]"),
        ({"init_images": ["not base64 at all!"]}, "init_images[0]"),
    ],
)
def test_what_the_site_cannot_paint_is_a_422_naming_it_and_nothing_is_stored(api, key, fields, named):
    answer = img2img(api, key, **fields)
    assert answer.status_code == 422, answer.content
    body = answer.json()
    assert body["error"] == "HTTPException" and named in body["detail"]
    assert not Photo.objects.exists() and not StylizationJob.objects.exists()


def test_a_painting_refused_after_its_photo_arrived_leaves_no_photo(api, key):
    for shade in range(5):  # the manager's five paintings on the way: as many as one person may have
        assert img2img(api, key, init_images=[png_b64(color=(10 * shade, 90, 90))]).status_code == 504
    refused = img2img(api, key, init_images=[png_b64(color=(250, 250, 0))])
    assert refused.status_code == 422 and "5 paintings on the way" in refused.json()["detail"]
    assert Photo.objects.count() == 5 and StylizationJob.objects.count() == 5


def test_a_guest_sees_nothing_made_in_the_studio_before_a_manager_publishes_it(api, client, family, memorial, key):
    job_id = img2img(api, key).json()["job_id"]
    tasks.run_stylization(job_id)
    artwork = Artwork.objects.get(job_id=job_id)
    photo = artwork.photo
    studio = photo.album
    assert studio.family_only and not artwork.published

    def guest_sees():
        api.logout()
        albums = api.get(f"{API}/memorials/{memorial.slug}/albums/").json()
        album_ids = [row["id"] for row in albums.get("results", albums)]
        artworks = api.get(f"{API}/memorials/{memorial.slug}/artworks/").json()
        artwork_ids = [row["id"] for row in artworks.get("results", artworks)]
        return {
            "album listed": studio.pk in album_ids,
            "album": api.get(f"{API}/memorials/{memorial.slug}/albums/{studio.pk}/").status_code,
            "photo": api.get(f"{API}/memorials/{memorial.slug}/photos/{photo.pk}/").status_code,
            "artwork listed": artwork.pk in artwork_ids,
            "artwork": client.get(artwork.get_absolute_url()).status_code,
            "page": "Studio" in client.get(memorial.get_absolute_url()).content.decode(),
        }

    assert guest_sees() == {
        "album listed": False,
        "album": 404,
        "photo": 404,
        "artwork listed": False,
        "artwork": 404,
        "page": False,
    }
    api.force_login(family.viewer)  # the family sees its studio
    assert api.get(f"{API}/memorials/{memorial.slug}/albums/{studio.pk}/").status_code == 200

    api.force_login(family.manager)
    published = api.patch(f"{API}/memorials/{memorial.slug}/artworks/{artwork.pk}/", {"published": True}, format="json")
    assert published.status_code == 200
    seen = guest_sees()
    assert seen["artwork listed"] and seen["artwork"] == 200  # the painting, once published
    assert (seen["album listed"], seen["album"], seen["photo"]) == (False, 404, 404)  # never the studio's photo


def test_img2img_is_rate_limited_per_key(api, key, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "sdapi": {"person": 1, "window": 3600}}
    assert img2img(api, key).status_code == 504
    again = img2img(api, key)
    assert again.status_code == 429 and again.has_header("Retry-After")
    assert "studio key" in again.json()["detail"]


def test_interrupt_cancels_the_key_s_painting_through_the_ordinary_cancel_path(api, key):
    job_id = img2img(api, key).json()["job_id"]
    assert api.get("/sdapi/v1/progress", **basic(key)).json()["state"]["job_count"] == 1
    assert api.post("/sdapi/v1/interrupt", **basic(key)).json() == {"interrupted": [job_id]}
    assert StylizationJob.objects.get(pk=job_id).status == JobStatus.CANCELLED
    progress = api.get("/sdapi/v1/progress", **basic(key)).json()
    assert progress["progress"] == 0 and progress["state"]["job_count"] == 0 and progress["current_image"] is None
    interrupted = json.loads(api.get(f"/sdapi/v1/jobs/{job_id}", **basic(key)).json()["info"])
    assert interrupted["interrupted"] is True


# --- What the site paints with -----------------------------------------------------------------------


def test_the_lists_say_what_the_site_paints_with(api, key, style):
    samplers = api.get("/sdapi/v1/samplers", **basic(key)).json()
    assert {"Euler a", "DPM++ 2M Karras", "UniPC", "DDIM", "LCM"} <= {row["name"] for row in samplers}
    assert all(set(row) == {"name", "aliases", "options"} for row in samplers)
    assert [row["name"] for row in api.get("/sdapi/v1/schedulers", **basic(key)).json()] == ["automatic", "karras"]
    (lora,) = api.get("/sdapi/v1/loras", **basic(key)).json()
    assert lora["name"] == "watercolor" and lora["alias"] == "Watercolor" and "metadata" in lora
    (model,) = api.get("/sdapi/v1/sd-models", **basic(key)).json()
    assert model["model_name"] == "watercolor" and model["title"].startswith("watercolor [")
    assert set(model) == {"title", "model_name", "hash", "sha256", "filename", "config"}
    modules = api.get("/controlnet/module_list?alias_list=true", **basic(key)).json()["module_list"]
    assert {"openpose_full", "dw_openpose_full", "depth_leres", "depth_leres++", "mlsd"} <= set(modules)
    assert len(api.get("/controlnet/model_list", **basic(key)).json()["model_list"]) == 3
    assert api.get("/controlnet/version", **basic(key)).json() == {"version": 2}


def test_a_key_chooses_its_style_through_the_options(api, key, style):
    from generation.models import Style

    Style.objects.create(name="Ink", slug="ink")
    assert api.get("/sdapi/v1/options", **basic(key)).json()["sd_model_checkpoint"].startswith("ink [")
    saved = api.post(
        "/sdapi/v1/options",
        data=json.dumps({"sd_model_checkpoint": "watercolor", "CLIP_stop_at_last_layers": 2}),
        content_type="application/json",
        **basic(key),
    )
    assert saved.status_code == 200 and saved.json()["ignored"] == ["CLIP_stop_at_last_layers"]
    assert api.get("/sdapi/v1/options", **basic(key)).json()["sd_model_checkpoint"].startswith("watercolor [")
    job = StylizationJob.objects.get(pk=img2img(api, key).json()["job_id"])
    assert job.style == style
    refused = api.post(
        "/sdapi/v1/options",
        data=json.dumps({"sd_model_checkpoint": "v1-5-pruned.ckpt"}),
        content_type="application/json",
        **basic(key),
    )
    assert refused.status_code == 422 and "v1-5-pruned.ckpt" in refused.json()["detail"]


def test_the_site_s_team_sees_keys_without_their_secret_and_revokes_them_in_the_admin(admin_client, api, key):
    stored = StudioKey.objects.get(username=key["username"])
    listing = admin_client.get("/admin/generation/studiokey/")
    assert listing.status_code == 200 and key["username"] in listing.text
    page = admin_client.get(f"/admin/generation/studiokey/{stored.pk}/change/")
    assert page.status_code == 200 and stored.secret_hash not in page.text and key["password"] not in page.text
    admin_client.post("/admin/generation/studiokey/", {"action": "revoke", "_selected_action": [stored.pk]})
    assert StudioKey.objects.get(pk=stored.pk).revoked_at is not None
    assert api.get("/sdapi/v1/samplers", **basic(key)).status_code == 401


def test_a_painting_the_family_moved_to_the_bin_is_not_answered_any_more(api, family, key):
    from generation import services

    job_id = img2img(api, key).json()["job_id"]
    tasks.run_stylization(job_id)
    assert api.get(f"/sdapi/v1/jobs/{job_id}", **basic(key)).status_code == 200
    services.delete_artwork(artwork=Artwork.objects.get(job_id=job_id), by=family.manager)
    answer = api.get(f"/sdapi/v1/jobs/{job_id}", **basic(key))
    assert answer.status_code == 404 and "bin" in answer.json()["detail"]


def test_the_memorial_s_storage_quota_applies(api, key, settings):
    settings.MEMORIAL_STORAGE_QUOTA_BYTES = 100
    answer = img2img(api, key)
    assert answer.status_code == 422 and "storage" in answer.json()["detail"]
    assert not Photo.objects.exists() and not StylizationJob.objects.exists()
