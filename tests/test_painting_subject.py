"""A member may say in a few English words what the painting shows ("an old woman smiling"):
the painter's prompt is English, so the photo's caption (often Korean) is never given to it.
Here the web side: the request form and the API take the phrase, and refuse anything else
with a clear message and no job. The prompt itself is built by the worker: tests/pipeline/test_prompts.py.
"""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from generation import services
from generation.models import Style, StylizationJob
from generation.subjects import MAX_SUBJECT_CHARS

pytestmark = pytest.mark.django_db


@pytest.fixture
def style(db):
    return Style.objects.create(name="Watercolor", slug="watercolor", trigger_words="wtrclr")


def ask(client, user, photo, **data):
    client.force_login(user)
    return client.post(reverse("generation:request", args=[photo.pk]), {"style": "watercolor", **data})


def test_a_member_says_in_english_what_the_painting_shows(client, family, photo, style):
    response = ask(client, family.contributor, photo, subject="  an old   woman smiling ")
    assert response.status_code == 302
    assert StylizationJob.objects.get().subject == "an old woman smiling"


def test_a_member_who_says_nothing_gets_a_job_without_a_subject(client, family, photo, style):
    assert ask(client, family.contributor, photo).status_code == 302
    assert StylizationJob.objects.get().subject == ""


def test_the_request_form_offers_the_subject_in_english_with_an_example(client, family, photo, style):
    client.force_login(family.contributor)
    page = client.get(reverse("generation:request", args=[photo.pk])).content.decode()
    assert 'name="subject"' in page and "an old woman smiling" in page and f'maxlength="{MAX_SUBJECT_CHARS}"' in page


@pytest.mark.parametrize("subject", ["바닷가에서 웃는 할머니", "a woman {trigger}", "grand-mère souriante", "!!! ..."])
def test_a_subject_that_is_not_plain_english_is_refused_with_a_clear_message(client, family, photo, style, subject):
    response = ask(client, family.contributor, photo, subject=subject)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Describe the subject in a few English words" in page
    assert not StylizationJob.objects.exists()


def test_a_long_subject_is_refused_with_its_limit(client, family, photo, style):
    response = ask(client, family.contributor, photo, subject="a very " * 20 + "old woman")
    assert response.status_code == 400
    assert f"at most {MAX_SUBJECT_CHARS} characters" in response.content.decode()
    assert not StylizationJob.objects.exists()


def test_a_refused_subject_keeps_the_chosen_style_checked(client, family, photo, style):
    Style.objects.create(name="Aardvark ink", slug="aardvark")  # listed first
    page = ask(client, family.contributor, photo, subject="할머니").content.decode()
    assert 'value="watercolor" checked' in page and 'value="aardvark" checked' not in page


def test_a_phones_curly_apostrophe_is_read_as_a_plain_one(family, photo, style):
    job = services.request_artwork(photo=photo, style=style, by=family.contributor, subject="my father\u2019s smile")
    assert job.subject == "my father's smile"


def test_the_service_refuses_a_korean_subject_for_any_caller(family, photo, style):
    with pytest.raises(services.ArtworkRefused, match="English words"):
        services.request_artwork(photo=photo, style=style, by=family.contributor, subject="할머니")
    assert not StylizationJob.objects.exists()


def api_ask(family, photo, **data):
    api = APIClient()
    api.force_authenticate(family.contributor)
    url = f"/api/v1/memorials/{photo.album.memorial.slug}/photos/{photo.pk}/artworks/"
    return api.post(url, {"style": "watercolor", **data}, format="json")


def test_the_api_takes_a_subject_and_shows_it_on_the_job(family, photo, style):
    response = api_ask(family, photo, subject="an old woman smiling")
    assert response.status_code == 202
    assert response.json()["subject"] == "an old woman smiling"
    assert StylizationJob.objects.get().subject == "an old woman smiling"


@pytest.mark.parametrize("subject", [None, ""])
def test_the_api_without_a_subject_paints_a_neutral_one(family, photo, style, subject):
    assert api_ask(family, photo, subject=subject).status_code == 202
    assert StylizationJob.objects.get().subject == ""


@pytest.mark.parametrize("subject", ["웃는 할머니", "x" * (MAX_SUBJECT_CHARS + 1), 42, ["a", "b"]])
def test_the_api_refuses_a_subject_it_cannot_give_the_painter(family, photo, style, subject):
    response = api_ask(family, photo, subject=subject)
    assert response.status_code == 400
    assert response.json()["subject"][0]
    assert not StylizationJob.objects.exists()
