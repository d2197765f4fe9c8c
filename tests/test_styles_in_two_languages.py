"""A style is named in Korean for a Korean visitor and in English for an English one: on the
request form, the artwork page, the gallery, the API, and in the words written for a painting."""

import dataclasses
import datetime
import importlib

import pytest
from django.apps import apps
from django.urls import reverse
from rest_framework.test import APIClient

from generation.defaults import ensure_default_styles
from generation.models import Style
from generation.text.builtin import BuiltinWriter
from generation.worker.tribute import facts_for
from tests.conftest import add_photo, paint

pytestmark = pytest.mark.django_db


@pytest.fixture
def style(db):
    return Style.objects.create(
        name="Watercolor",
        name_ko="수채화",
        slug="watercolor",
        description="Soft washes of colour on paper",
        description_ko="종이 위에 부드럽게 번지는 물감",
    )


@pytest.fixture
def korean_memorial(family):
    return family.memorial("public", full_name="김순자", born_on=datetime.date(1942, 1, 1), language="ko")


@pytest.fixture
def photo(korean_memorial, family):
    return add_photo(korean_memorial, family.contributor, caption="바닷가에서")


def in_korean(user):
    user.preferred_language = "ko"
    user.save(update_fields=["preferred_language"])
    return user


def test_a_korean_member_chooses_among_styles_named_in_korean(client, family, photo, style):
    client.force_login(in_korean(family.contributor))
    page = client.get(reverse("generation:request", args=[photo.pk])).content.decode()
    assert "수채화" in page and "종이 위에 부드럽게 번지는 물감" in page
    assert "Watercolor" not in page and "Soft washes" not in page


def test_an_english_member_chooses_among_styles_named_in_english(client, family, photo, style):
    client.force_login(family.contributor)
    page = client.get(reverse("generation:request", args=[photo.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Watercolor" in page and "Soft washes of colour on paper" in page
    assert "수채화" not in page


def test_a_style_without_korean_shows_its_english_name_to_a_korean_member(client, family, photo):
    Style.objects.create(name="Charcoal", slug="charcoal", description="Smudged black on grey")
    client.force_login(in_korean(family.contributor))
    page = client.get(reverse("generation:request", args=[photo.pk])).content.decode()
    assert "Charcoal" in page and "Smudged black on grey" in page


def test_a_korean_guest_sees_the_korean_style_name_on_the_painting_and_in_the_gallery(client, family, photo, style):
    artwork = paint(photo, style, family.contributor)
    artwork.published = True
    artwork.save(update_fields=["published"])
    page = client.get(artwork.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "수채화" in page and "Watercolor" not in page
    gallery = client.get(artwork.memorial.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "수채화" in gallery and "Watercolor" not in gallery
    english = client.get(artwork.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Watercolor" in english


def test_the_api_names_each_style_in_both_languages_and_in_the_one_asked_for(style):
    api = APIClient()
    korean = api.get("/api/v1/styles/", HTTP_ACCEPT_LANGUAGE="ko").json()["results"][0]
    assert korean["name"] == "수채화" and korean["description"] == "종이 위에 부드럽게 번지는 물감"
    assert (korean["name_en"], korean["name_ko"]) == ("Watercolor", "수채화")
    assert (korean["description_en"], korean["description_ko"]) == (
        "Soft washes of colour on paper",
        "종이 위에 부드럽게 번지는 물감",
    )
    english = api.get("/api/v1/styles/", HTTP_ACCEPT_LANGUAGE="en").json()["results"][0]
    assert english["name"] == "Watercolor" and english["name_ko"] == "수채화"


def test_the_api_names_an_artworks_style_in_the_language_asked_for(family, photo, style):
    artwork = paint(photo, style, family.contributor)
    artwork.published = True
    artwork.save(update_fields=["published"])
    url = f"/api/v1/memorials/{artwork.memorial.slug}/artworks/{artwork.pk}/"
    api = APIClient()
    assert api.get(url, HTTP_ACCEPT_LANGUAGE="ko").json()["style"] == "수채화"
    assert api.get(url, HTTP_ACCEPT_LANGUAGE="en").json()["style"] == "Watercolor"


def test_a_korean_tribute_names_the_style_in_korean(family, photo, style):
    artwork = paint(photo, style, family.contributor)
    assert artwork.tribute.language == "ko"
    assert "수채화" in artwork.tribute.text and "Watercolor" not in artwork.tribute.text


def test_a_korean_tribute_says_painted_in_watercolour_in_korean(family, photo, style):
    from generation import services

    job = services.request_artwork(photo=photo, style=style, by=family.contributor)
    facts = facts_for(job)
    assert facts.style_name == "수채화"
    texts = [BuiltinWriter().write(dataclasses.replace(facts, variant_seed=n)).text for n in range(40)]
    assert any("수채화로 그린" in text for text in texts)
    assert not any("Watercolor" in text for text in texts)


def test_an_english_tribute_names_the_style_in_english(family, style):
    memorial = family.memorial("public", full_name="Kim Sun-ja", language="en")
    artwork = paint(add_photo(memorial, family.contributor), style, family.contributor)
    assert artwork.tribute.language == "en" and "Watercolor" in artwork.tribute.text


def test_a_new_site_offers_its_default_styles_in_korean_too():
    by_slug = {style.slug: style for style in ensure_default_styles()}
    assert by_slug["watercolor"].name_ko == "수채화"
    assert by_slug["oil-painting"].name_ko == "유화"
    assert by_slug["ink-wash"].name_ko == "수묵화"
    assert all(style.description_ko for style in by_slug.values())


def test_existing_default_styles_get_their_korean_names_and_a_renamed_one_keeps_its_own():
    Style.objects.create(name="Watercolor", slug="watercolor", description="Soft washes of colour on paper")
    Style.objects.create(name="Oils by our studio", slug="oil-painting", description="Warm, rich brushstrokes")
    Style.objects.create(name="Ink wash", slug="ink-wash", name_ko="먹그림", description="Our own words")
    migration = importlib.import_module("generation.migrations.0010_style_in_korean")
    migration.fill_korean(apps, None)
    watercolor, oil, ink = (Style.objects.get(slug=s) for s in ("watercolor", "oil-painting", "ink-wash"))
    assert (watercolor.name_ko, watercolor.description_ko) == ("수채화", "종이 위에 부드럽게 번지는 물감")
    assert (oil.name_ko, oil.description_ko) == (
        "",
        "따뜻하고 풍성한 붓질",
    )  # the staff's own name has no default Korean
    assert (ink.name_ko, ink.description_ko) == ("먹그림", "")  # what the staff wrote stays


def test_the_admin_edits_the_name_and_description_in_both_languages(admin_client, style):
    page = admin_client.get(reverse("admin:generation_style_change", args=[style.pk])).content.decode()
    for field in ("name", "name_ko", "description", "description_ko"):
        assert f'name="{field}"' in page
