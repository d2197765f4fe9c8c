"""A calendar of the days of remembrance to subscribe to: public memorials link theirs from the
page; private and unlisted ones give each member a private address that can be revoked."""

import datetime
from datetime import UTC

import icalendar
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from memorial import lunar, membership, services
from memorial.models import Membership

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def december_2026(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: datetime.datetime(2026, 12, 1, 3, 0, tzinfo=UTC))


def died_lunar(family, visibility, **fields):
    memorial = family.memorial(visibility, language="ko", **fields)
    services.update_memorial(
        memorial=memorial,
        died_on=lunar.to_solar(lunar.LunarDate(2024, 1, 25)),
        died_calendar="lunar",
        died_lunar="2024-01-25",
    )
    return memorial


def events(response):
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    return [component for component in calendar.walk("VEVENT")]


def private_address(client, user, memorial) -> str:
    client.force_login(user)
    page = client.get(reverse("memorial:remembrance", args=[memorial.slug]))
    assert page.status_code == 200
    client.logout()
    return page.context["calendar"]["https"].split("://", 1)[1].split("/", 1)[1]


def test_a_guest_subscribes_to_a_public_memorials_calendar_from_its_page(client, family):
    memorial = died_lunar(family, "public")
    page = client.get(memorial.get_absolute_url()).content.decode()
    feed = reverse("memorial:calendar_feed", args=[memorial.slug])
    assert f'href="webcal://{settings.SITE_URL.split("://", 1)[1]}{feed}"' in page
    response = client.get(feed)
    assert response.status_code == 200 and "max-age" in response["Cache-Control"]
    found = events(response)
    giil = [event for event in found if "기일" in str(event["SUMMARY"])]
    # 2027 to 2031: five years of 기일, all-day, each with its lunar date.
    assert [event.decoded("DTSTART") for event in giil][:2] == [datetime.date(2027, 3, 3), datetime.date(2028, 2, 20)]
    assert len(giil) == 5
    assert not any(isinstance(event.decoded("DTSTART"), datetime.datetime) for event in giil)  # all-day
    assert all(event.decoded("DTEND") - event.decoded("DTSTART") == datetime.timedelta(days=1) for event in giil)
    with translation.override("ko"):  # the memorial's language
        assert lunar.format_lunar(lunar.LunarDate(2027, 1, 25)) in str(giil[0]["DESCRIPTION"])
    # Read again, each day keeps its UID: a calendar app updates instead of adding it twice.
    again = events(client.get(feed))
    assert [str(event["UID"]) for event in again] == [str(event["UID"]) for event in found]
    assert len({str(event["UID"]) for event in found}) == len(found)


def test_a_single_day_downloads_as_its_own_ics(client, family):
    memorial = died_lunar(family, "public")
    response = client.get(reverse("memorial:remembrance_event", args=[memorial.slug, "giil-lunar", "2027-03-03"]))
    assert response.status_code == 200
    (event,) = events(response)
    assert event.decoded("DTSTART") == datetime.date(2027, 3, 3)
    not_a_day = reverse("memorial:remembrance_event", args=[memorial.slug, "giil-lunar", "2027-03-04"])
    assert client.get(not_a_day).status_code == 404


@pytest.mark.parametrize("visibility", ["private", "unlisted"])
def test_a_memorial_that_is_not_public_has_no_calendar_without_a_members_token(client, family, visibility):
    memorial = died_lunar(family, visibility)
    assert client.get(reverse("memorial:calendar_feed", args=[memorial.slug])).status_code == 404
    address = private_address(client, family.viewer, memorial)
    assert address.startswith("calendar/")
    response = client.get("/" + address)  # a calendar app: signed out, no cookie
    assert response.status_code == 200 and response["Cache-Control"].startswith("private")
    assert any(event.decoded("DTSTART") == datetime.date(2027, 3, 3) for event in events(response))
    if visibility == "private":
        single = reverse("memorial:remembrance_event", args=[memorial.slug, "giil-lunar", "2027-03-03"])
        assert client.get(single).status_code == 404


def test_a_revoked_address_is_refused_and_the_new_one_works(client, family):
    memorial = died_lunar(family, "private")
    old = private_address(client, family.viewer, memorial)
    client.force_login(family.viewer)
    assert client.post(reverse("memorial:calendar_revoke", args=[memorial.slug])).status_code == 302
    client.logout()
    new = private_address(client, family.viewer, memorial)
    assert new != old
    assert client.get("/" + old).status_code == 404
    assert client.get("/" + new).status_code == 200


def test_a_removed_members_address_stops_working(client, family):
    memorial = died_lunar(family, "private")
    address = private_address(client, family.contributor, memorial)
    membership.remove_member(membership=Membership.objects.get(user=family.contributor), by=family.owner)
    assert client.get("/" + address).status_code == 404


def test_a_feed_read_too_often_from_one_network_is_refused_for_a_while_and_sets_no_cookie(client, family, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "calendar": {"person": 120, "network": 100, "cookieless": 2}}
    memorial = died_lunar(family, "public")
    feed = reverse("memorial:calendar_feed", args=[memorial.slug])
    first = client.get(feed)
    assert first.status_code == 200 and not first.cookies
    assert client.get(feed).status_code == 200
    refused = client.get(feed)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
