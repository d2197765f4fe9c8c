"""A member chooses every parameter of a painting (AUTOMATIC1111's names), the style's by default:
in the request form's "Advanced" part and in the API; a bad value is refused naming it, and
nothing is queued. From a painting's page the family paints it again, or varies it.

No diffusion weights here: the built-in painter paints (it uses the seed). The settings reaching
the real pipeline are tested in tests/pipeline/test_painting_settings_pipeline.py.
"""

import pytest
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from generation import painting_settings as ps
from generation import services, tasks
from generation.models import Artwork, StylizationJob
from tests.conftest import paint

pytestmark = pytest.mark.django_db

API = "/api/v1"


def pixels(artwork):
    with artwork.image.open("rb") as handle:
        return Image.open(handle).convert("RGB").tobytes()


def form_post(client, user, photo, **fields):
    client.force_login(user)
    return client.post(reverse("generation:request", args=[photo.pk]), {"style": "watercolor", **fields})


def api_post(user, photo, **fields):
    api = APIClient()
    api.force_login(user)
    slug = photo.album.memorial.slug
    return api.post(
        f"{API}/memorials/{slug}/photos/{photo.pk}/artworks/", {"style": "watercolor", **fields}, format="json"
    )


# --- the settings themselves ---------------------------------------------------------------------


def test_a_job_without_choices_paints_with_the_styles_settings(style):
    style.strength, style.steps, style.guidance_scale, style.depth_scale = 0.5, 20, 6.5, 0.0
    chosen = ps.clean({}, style)
    assert chosen["seed"] is None
    assert (chosen["denoising_strength"], chosen["steps"], chosen["cfg_scale"]) == (0.5, 20, 6.5)
    assert chosen["sampler_name"] == "" and chosen["negative_prompt"] == ""
    assert chosen["controlnet"]["openpose"]["enabled"] is True
    assert chosen["controlnet"]["depth"]["enabled"] is False  # a unit at weight 0 in the style is off
    assert chosen["controlnet"]["mlsd"]["threshold_a"] == 0.1 and chosen["controlnet"]["mlsd"]["threshold_b"] == 0.1
    assert chosen["controlnet"]["openpose"]["threshold_a"] is None  # OpenPose has no thresholds


@pytest.mark.parametrize(
    "values, field, named",
    [
        ({"seed": 2**32}, "seed", "4294967296"),
        ({"seed": "soon"}, "seed", "'soon'"),
        ({"denoising_strength": 0}, "denoising_strength", "denoising_strength"),
        ({"denoising_strength": 1.5}, "denoising_strength", "1.5"),
        ({"steps": 0}, "steps", "steps"),
        ({"steps": 2.5}, "steps", "2.5"),
        ({"steps": 151}, "steps", "151"),
        ({"cfg_scale": float("nan")}, "cfg_scale", "cfg_scale"),
        ({"cfg_scale": 31}, "cfg_scale", "31"),
        ({"sampler_name": "k_dpm_fast"}, "sampler_name", "'k_dpm_fast'"),
        ({"negative_prompt": "x" * 501}, "negative_prompt", "501"),
        ({"negative_prompt": 5}, "negative_prompt", "5"),
        ({"candidates": 9}, "candidates", "9"),
        ({"candidates": 0}, "candidates", "candidates"),
        ({"controlnet": {"depth": {"weight": 2.5}}}, "controlnet.depth.weight", "2.5"),
        ({"controlnet": {"depth": {"enabled": "yes"}}}, "controlnet.depth.enabled", "'yes'"),
        (
            {"controlnet": {"mlsd": {"guidance_start": 0.8, "guidance_end": 0.2}}},
            "controlnet.mlsd.guidance_start",
            "0.8",
        ),
        ({"controlnet": {"openpose": {"guidance_end": 1.2}}}, "controlnet.openpose.guidance_end", "1.2"),
        ({"controlnet": {"openpose": {"processor_res": 32}}}, "controlnet.openpose.processor_res", "32"),
        ({"controlnet": {"openpose": {"processor_res": 4096}}}, "controlnet.openpose.processor_res", "4096"),
        ({"controlnet": {"depth": {"processor_res": 100}}}, "controlnet.depth.processor_res", "multiple of 8"),
        ({"controlnet": {"mlsd": {"threshold_a": 0.0}}}, "controlnet.mlsd.threshold_a", "0.0"),
        ({"controlnet": {"mlsd": {"threshold_b": 25}}}, "controlnet.mlsd.threshold_b", "25"),
        ({"controlnet": {"depth": {"threshold_a": 101}}}, "controlnet.depth.threshold_a", "101"),
        ({"controlnet": {"canny": {"enabled": True}}}, "controlnet.canny", "canny"),
        ({"controlnet": {"depth": {"strength": 1}}}, "controlnet.depth.strength", "strength"),
        ({"steps": 2, "denoising_strength": 0.3}, "steps", "denoising_strength=0.3"),
        ({"hires_fix": True}, "hires_fix", "hires_fix"),
    ],
)
def test_a_bad_setting_is_refused_with_its_name_and_value(style, values, field, named):
    with pytest.raises(ps.SettingsError) as caught:
        ps.clean(values, style)
    assert caught.value.field == field
    assert named in str(caught.value) and field.split(".")[-1] in str(caught.value)


def test_a_styles_sampler_is_its_default_and_the_api_lists_each_styles_settings(client, style):
    style.sampler = "DDIM"
    style.save()
    assert ps.clean({}, style)["sampler_name"] == "DDIM"
    listed = client.get("/api/v1/styles/").json()
    listed = listed.get("results", listed)
    assert listed[0]["settings"]["sampler_name"] == "DDIM" and listed[0]["settings"]["steps"] == style.steps
    assert listed[0]["settings"]["controlnet"]["mlsd"]["weight"] == style.mlsd_scale


def test_samplers_are_named_as_automatic1111_names_them(style):
    for name in ("Euler a", "Euler", "DPM++ 2M Karras", "DPM++ SDE Karras", "UniPC", "DDIM", "LCM"):
        assert ps.clean({"sampler_name": name}, style)["sampler_name"] == name
    assert ps.clean({"sampler_name": "euler A"}, style)["sampler_name"] == "Euler a"


def test_vary_and_minus_one_ask_for_a_new_seed(style):
    assert ps.clean({"seed": "vary"}, style)["seed"] is None
    assert ps.clean({"seed": -1}, style)["seed"] is None
    assert ps.clean({"seed": "42"}, style)["seed"] == 42
    assert ps.clean({"seed": ps.MAX_SEED}, style)["seed"] == ps.MAX_SEED


# --- the request form ----------------------------------------------------------------------------


def test_the_request_form_has_an_advanced_part_showing_the_styles_values(client, family, photo, style):
    client.force_login(family.contributor)
    page = client.get(reverse("generation:request", args=[photo.pk])).content.decode()
    assert '<details class="advanced"' in page
    for name in ("seed", "denoising_strength", "steps", "cfg_scale", "sampler_name", "negative_prompt", "candidates"):
        assert f'name="{name}"' in page
    for unit in ("openpose", "depth", "mlsd"):
        for key in ("enabled", "weight", "guidance_start", "guidance_end", "processor_res"):
            assert f'name="{unit}_{key}"' in page
    assert 'name="mlsd_threshold_a"' in page and 'name="depth_threshold_b"' in page
    assert 'name="openpose_threshold_a"' not in page
    assert 'placeholder="0.6"' in page and 'placeholder="30"' in page  # the style's strength and steps
    assert "DPM++ 2M Karras" in page
    assert "uses only the seed" in page  # the built-in painter says what it uses


def test_a_member_chooses_every_setting_in_the_form_and_the_job_keeps_them(client, family, photo, style):
    response = form_post(
        client,
        family.contributor,
        photo,
        seed="1234",
        denoising_strength="0.45",
        steps="25",
        cfg_scale="5.5",
        sampler_name="DPM++ 2M Karras",
        negative_prompt="  hats,\nsunglasses ",
        candidates="2",
        openpose_weight="0.8",
        openpose_guidance_end="0.7",
        depth_enabled="off",
        mlsd_processor_res="512",
        mlsd_threshold_a="0.2",
        mlsd_threshold_b="5",
    )
    job = StylizationJob.objects.get()
    assert response.status_code == 302 and response.url == job.get_absolute_url()
    assert job.seed == 1234
    s = job.settings
    assert (s["denoising_strength"], s["steps"], s["cfg_scale"]) == (0.45, 25, 5.5)
    assert s["sampler_name"] == "DPM++ 2M Karras" and s["negative_prompt"] == "hats, sunglasses"
    assert s["candidates"] == 2 and "seed" not in s
    assert s["controlnet"]["openpose"] == {
        "enabled": True,
        "weight": 0.8,
        "guidance_start": 0.0,
        "guidance_end": 0.7,
        "processor_res": None,
        "threshold_a": None,
        "threshold_b": None,
    }
    assert s["controlnet"]["depth"]["enabled"] is False
    assert s["controlnet"]["mlsd"]["processor_res"] == 512
    assert (s["controlnet"]["mlsd"]["threshold_a"], s["controlnet"]["mlsd"]["threshold_b"]) == (0.2, 5.0)


def test_an_empty_advanced_part_is_the_styles_settings_and_a_new_seed(client, family, photo, style):
    form_post(client, family.contributor, photo)
    job = StylizationJob.objects.get()
    assert job.settings == ps.for_job(ps.clean({}, style))
    assert 0 <= job.seed <= ps.MAX_SEED


@pytest.mark.parametrize(
    "fields, field, named",
    [
        ({"seed": "-5"}, "seed", "-5"),
        ({"denoising_strength": "abc"}, "denoising_strength", "'abc'"),
        ({"steps": "999"}, "steps", "999"),
        ({"cfg_scale": "40"}, "cfg_scale", "40"),
        ({"candidates": "12"}, "candidates", "12"),
        ({"depth_weight": "3"}, "depth_weight", "3"),
        ({"mlsd_guidance_start": "0.9", "mlsd_guidance_end": "0.1"}, "mlsd_guidance_start", "0.9"),
        ({"openpose_processor_res": "100"}, "openpose_processor_res", "100"),
        ({"mlsd_threshold_b": "50"}, "mlsd_threshold_b", "50"),
        ({"negative_prompt": "x" * 600}, "negative_prompt", "600"),
    ],
)
def test_a_bad_setting_in_the_form_is_shown_beside_its_field_and_nothing_is_queued(
    client, family, photo, style, fields, field, named, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = form_post(client, family.contributor, photo, **fields)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors and named in errors[field][0]
    assert named in response.content.decode().replace("&#x27;", "'")
    assert not StylizationJob.objects.exists() and not callbacks
    assert '<details class="advanced" open>' in response.content.decode()


def test_every_bad_setting_in_the_form_is_shown_at_once(client, family, photo, style):
    response = form_post(
        client, family.contributor, photo, steps="0", cfg_scale="99", depth_weight="-1", mlsd_threshold_b="50"
    )
    errors = response.context["form"].errors
    assert {"steps", "cfg_scale", "depth_weight", "mlsd_threshold_b"} <= set(errors)
    assert "99" in errors["cfg_scale"][0] and "-1" in errors["depth_weight"][0]
    assert not StylizationJob.objects.exists()


def test_a_bad_sampler_in_the_form_is_refused(client, family, photo, style):
    response = form_post(client, family.contributor, photo, sampler_name="Karras9000")
    assert response.status_code == 400 and "sampler_name" in response.context["form"].errors
    assert not StylizationJob.objects.exists()


# --- the API ---------------------------------------------------------------------------------


def test_the_api_takes_every_setting_with_automatic1111s_names(family, photo, style):
    response = api_post(
        family.contributor,
        photo,
        seed=77,
        denoising_strength=0.4,
        steps=12,
        cfg_scale=4,
        sampler_name="UniPC",
        negative_prompt="text",
        candidates=3,
        controlnet={"depth": {"enabled": False}, "mlsd": {"weight": 0.3, "guidance_start": 0.1, "processor_res": -1}},
    )
    assert response.status_code == 202, response.content
    body = response.json()
    job = StylizationJob.objects.get()
    assert body["seed"] == job.seed == 77 and body["settings"] == job.settings
    assert job.settings["sampler_name"] == "UniPC" and job.settings["cfg_scale"] == 4.0
    assert job.settings["controlnet"]["depth"]["enabled"] is False
    assert (
        job.settings["controlnet"]["mlsd"]["weight"] == 0.3
        and job.settings["controlnet"]["mlsd"]["processor_res"] is None
    )


@pytest.mark.parametrize(
    "fields, key, named",
    [
        ({"seed": "tomorrow"}, "seed", "'tomorrow'"),
        ({"seed": 2**40}, "seed", str(2**40)),
        ({"denoising_strength": "strong"}, "denoising_strength", "'strong'"),
        ({"steps": True}, "steps", "True"),
        ({"cfg_scale": -1}, "cfg_scale", "-1"),
        ({"sampler_name": "Euler b"}, "sampler_name", "'Euler b'"),
        ({"candidates": 100}, "candidates", "100"),
        ({"controlnet": {"openpose": {"weight": -0.5}}}, "controlnet", "controlnet.openpose.weight"),
        ({"controlnet": {"depth": {"guidance_start": 0.5, "guidance_end": 0.4}}}, "controlnet", "guidance_start"),
        ({"controlnet": {"mlsd": {"threshold_a": 3}}}, "controlnet", "threshold_a"),
        ({"controlnet": ["openpose"]}, "controlnet", "['openpose']"),
    ],
)
def test_a_bad_setting_in_the_api_is_a_400_naming_it_and_nothing_is_queued(
    family, photo, style, fields, key, named, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = api_post(family.contributor, photo, **fields)
    assert response.status_code == 400
    assert named in response.json()[key][0]
    assert not StylizationJob.objects.exists() and not callbacks


def test_the_api_schema_documents_every_setting(client):
    body = client.get("/api/schema/?format=json").json()
    request = body["components"]["schemas"]["ArtworkRequest"]["properties"]
    for name in ("seed", "denoising_strength", "steps", "cfg_scale", "sampler_name", "negative_prompt", "candidates"):
        assert name in request and request[name].get("description")
    assert "DPM++ 2M Karras" in body["components"]["schemas"]["SamplerNameEnum"]["enum"]
    assert set(request["controlnet"]["properties"]) == {"openpose", "depth", "mlsd"}
    assert "threshold_a" in request["controlnet"]["properties"]["mlsd"]["properties"]


# --- paint again, vary -----------------------------------------------------------------------


@pytest.fixture
def chosen_artwork(family, photo, style):
    job = services.request_artwork(
        photo=photo,
        style=style,
        by=family.contributor,
        seed=4321,
        subject="an old man",
        settings={"steps": 20, "sampler_name": "Euler a", "controlnet": {"mlsd": {"enabled": False}}},
    )
    assert tasks.run_stylization(job.pk) == "succeeded"
    return Artwork.objects.get(job=job)


def test_the_family_paints_a_painting_again_with_its_settings_and_seed(client, family, chosen_artwork):
    client.force_login(family.contributor)
    page = client.get(chosen_artwork.get_absolute_url()).content.decode()
    assert "Paint again with these settings" in page and "Vary" in page
    assert "Euler a" in page and "4321" in page
    assert "The built-in painter used only the seed" in page

    slug = chosen_artwork.memorial.slug
    response = client.post(reverse("generation:memorial_artwork_again", args=[slug, chosen_artwork.pk]))
    again = StylizationJob.objects.exclude(pk=chosen_artwork.job_id).get()
    assert response.status_code == 302 and response.url == again.get_absolute_url()
    assert again.seed == 4321 and again.settings == chosen_artwork.job.settings
    assert (again.photo, again.style, again.subject) == (chosen_artwork.photo, chosen_artwork.style, "an old man")
    assert tasks.run_stylization(again.pk) == "succeeded"
    # The built-in painter with the same seed paints the same picture.
    assert pixels(Artwork.objects.get(job=again)) == pixels(chosen_artwork)


def test_vary_keeps_the_settings_with_a_new_seed(client, family, chosen_artwork):
    client.force_login(family.contributor)
    slug = chosen_artwork.memorial.slug
    response = client.post(reverse("generation:memorial_artwork_vary", args=[slug, chosen_artwork.pk]))
    varied = StylizationJob.objects.exclude(pk=chosen_artwork.job_id).get()
    assert response.status_code == 302
    assert varied.settings == chosen_artwork.job.settings and varied.seed != 4321


def test_a_viewer_or_a_guest_cannot_paint_again(client, family, chosen_artwork):
    slug = chosen_artwork.memorial.slug
    for user in (family.viewer, None):
        client.logout()
        if user is not None:
            client.force_login(user)
        page = client.get(chosen_artwork.get_absolute_url())
        assert b"Paint again" not in page.content
        for name in ("generation:memorial_artwork_again", "generation:memorial_artwork_vary"):
            response = client.post(reverse(name, args=[slug, chosen_artwork.pk]))
            assert response.status_code in (302, 403, 404)
            if response.status_code == 302:
                assert "login" in response.url
    assert StylizationJob.objects.count() == 1


def test_the_built_in_painter_records_the_settings_and_the_seed(family, photo, style):
    artwork = paint(photo, style, family.contributor)
    assert artwork.parameters["settings_used"] == ["seed"]
    assert artwork.parameters["settings"]["steps"] == style.steps
    assert artwork.parameters["seed"] == artwork.seed == artwork.job.seed
