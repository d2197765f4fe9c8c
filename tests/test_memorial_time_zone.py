"""A memorial keeps the time of the place where the family mourns (memorial/timezones.py): a
Korean family's day starts at midnight in Seoul, whatever the server's clock says."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from memorial.models import Condolence, Memorial, Offering

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def at(monkeypatch, *moment):
    monkeypatch.setattr(timezone, "now", lambda: datetime.datetime(*moment, tzinfo=UTC))


def test_a_korean_memorial_keeps_seoul_time_and_an_english_one_the_sites(client, family, settings):
    settings.TIME_ZONE = "UTC"
    client.force_login(family.owner)
    for language, expected in (("ko", "Asia/Seoul"), ("en", "UTC")):
        response = client.post(
            reverse("memorial:create"),
            {
                "full_name": f"이름 {language}",
                "language": language,
                "visibility": "private",
                "condolence_policy": "open",
            },
        )
        assert response.status_code == 302, response.content
        assert Memorial.objects.get(full_name=f"이름 {language}").time_zone == expected


def test_the_form_offers_the_familys_own_time_zone(client, family):
    memorial = family.memorial(language="en")
    client.force_login(family.owner)
    page = client.get(reverse("memorial:edit", args=[memorial.slug]))
    assert b'<option value="America/Los_Angeles"' in page.content
    response = client.post(
        reverse("memorial:edit", args=[memorial.slug]),
        {
            "full_name": memorial.full_name,
            "language": "en",
            "time_zone": "America/Los_Angeles",
            "visibility": "public",
            "condolence_policy": "open",
            "version": memorial.edit_version,
        },
    )
    assert response.status_code == 302, response.content
    memorial.refresh_from_db()
    assert memorial.time_zone == "America/Los_Angeles"


def test_a_candle_lit_after_midnight_in_seoul_counts_for_the_new_day(client, family, monkeypatch):
    memorial = family.memorial(language="ko")
    client.force_login(family.viewer)
    url = reverse("memorial:offer", args=[memorial.slug])
    at(monkeypatch, 2026, 12, 1, 14, 30)  # 23:30 in Seoul, 1 December
    client.post(url, {"kind": "candle"})
    client.post(url, {"kind": "candle"})  # the same day: counted once
    at(monkeypatch, 2026, 12, 1, 15, 30)  # 00:30 in Seoul, 2 December (still the 1st in UTC)
    client.post(url, {"kind": "candle"})
    days = sorted(Offering.objects.filter(memorial=memorial, kind="candle").values_list("day", flat=True))
    assert days == [datetime.date(2026, 12, 1), datetime.date(2026, 12, 2)]


def test_a_message_shows_the_date_on_the_familys_clock(client, family):
    memorial = family.memorial(language="ko")
    Condolence.objects.create(
        memorial=memorial,
        guest_name="이웃",
        message="삼가 고인의 명복을 빕니다",
        created_at=datetime.datetime(2026, 12, 1, 20, 0, tzinfo=UTC),  # 2 December, 05:00 in Seoul
    )
    page = client.get(memorial.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    assert 'datetime="2026-12-02T05:00:00+09:00"' in page.content.decode()


def test_an_unknown_time_zone_is_refused_and_nothing_changes(family):
    memorial = family.memorial(language="ko", place="Seoul")
    api = APIClient()
    api.force_authenticate(family.owner)
    response = api.patch(
        f"/api/v1/memorials/{memorial.slug}/", {"time_zone": "Mars/Olympus", "place": "Busan"}, format="json"
    )
    assert response.status_code == 400
    assert "Mars/Olympus" in str(response.json()["time_zone"])
    memorial.refresh_from_db()
    assert (memorial.time_zone, memorial.place) == ("Asia/Seoul", "Seoul")
    assert (
        api.patch(f"/api/v1/memorials/{memorial.slug}/", {"time_zone": "Europe/Berlin"}, format="json").json()[
            "time_zone"
        ]
        == "Europe/Berlin"
    )


def test_every_page_of_a_memorial_shows_its_times_on_the_familys_clock(client, family):
    from memorial import comments
    from tests.conftest import add_photo

    memorial = family.memorial(language="ko")
    photo = add_photo(memorial, family.owner)
    comment = comments.leave_comment(target=photo, memorial=memorial, message="그립습니다", guest_name="이웃")
    type(comment).objects.filter(pk=comment.pk).update(created_at=datetime.datetime(2026, 12, 1, 20, 0, tzinfo=UTC))
    page = client.get(photo.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert 'datetime="2026-12-02T05:00:00+09:00"' in page.content.decode()
    # A page of no memorial keeps the site's clock.
    assert client.get("/").status_code == 200
