"""The days a family keeps after a death: 삼우제, 49재, 100일, and 기일 and 생신 every year, by the
lunar calendar, the solar one or both; shown on the memorial page, with a banner on the day."""

import datetime
from datetime import UTC

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from memorial import lunar, remembrance, services

pytestmark = pytest.mark.django_db


def at(monkeypatch, *moment):
    monkeypatch.setattr(timezone, "now", lambda: datetime.datetime(*moment, tzinfo=UTC))


def died_lunar(family, text, *, leap=False, visibility="public", **fields):
    """A memorial whose date of death was entered by the lunar calendar."""
    memorial = family.memorial(visibility, **fields)
    services.update_memorial(
        memorial=memorial,
        died_on=lunar.to_solar(lunar.parse(text, leap=leap)),
        died_calendar="lunar",
        died_lunar=text,
        died_leap_month=leap,
    )
    return memorial


def days(memorial, start, end, kind=None):
    found = remembrance.remembrance_days(memorial, start=start, end=end)
    return [day for day in found if kind is None or day.kind == kind]


def test_the_first_days_count_the_day_of_death_as_the_first(family):
    memorial = family.memorial("public", died_on=datetime.date(2024, 3, 5))
    found = {day.kind: day.on for day in days(memorial, datetime.date(2024, 3, 1), datetime.date(2024, 12, 31))}
    assert found["samuje"] == datetime.date(2024, 3, 9)  # no 발인 given: the third day after a 삼일장's burial
    assert found["49jae"] == datetime.date(2024, 4, 22)  # death + 48 days: the 49th day
    assert found["100il"] == datetime.date(2024, 6, 12)  # death + 99 days


def test_a_lunar_giil_follows_the_lunar_date_in_later_years(family):
    memorial = died_lunar(family, "2024-01-25")  # solar 2024-03-05
    giil = days(memorial, datetime.date(2024, 1, 1), datetime.date(2027, 12, 31), "giil")
    assert [(day.on, day.number) for day in giil] == [
        (datetime.date(2025, 2, 22), 1),
        (datetime.date(2026, 3, 13), 2),
        (datetime.date(2027, 3, 3), 3),
    ]
    assert all(day.lunar == lunar.LunarDate(day.on.year, 1, 25) for day in giil)


def test_the_30th_of_a_month_that_later_has_29_days_falls_on_the_29th(family):
    memorial = died_lunar(family, "2024-02-30")
    giil = days(memorial, datetime.date(2025, 1, 1), datetime.date(2027, 12, 31), "giil")
    assert [day.lunar for day in giil] == [
        lunar.LunarDate(2025, 2, 29),
        lunar.LunarDate(2026, 2, 29),
        lunar.LunarDate(2027, 2, 30),
    ]
    assert giil[0].on == datetime.date(2025, 3, 28)


def test_a_death_in_a_leap_month_is_kept_on_the_ordinary_month(family):
    memorial = died_lunar(family, "2023-02-01", leap=True)  # 윤2월, solar 2023-03-22
    (giil,) = days(memorial, datetime.date(2024, 1, 1), datetime.date(2024, 12, 31), "giil")
    assert giil.on == datetime.date(2024, 3, 10) and giil.lunar == lunar.LunarDate(2024, 2, 1)


def test_no_lunar_giil_is_guessed_beyond_the_table(family):
    memorial = died_lunar(family, "2024-01-25")
    giil = days(memorial, datetime.date(2049, 1, 1), datetime.date(2053, 12, 31), "giil")
    assert [day.on.year for day in giil] == [2049, 2050]


def test_the_family_may_keep_the_giil_by_both_calendars_and_the_birthday_too(family):
    memorial = died_lunar(family, "2024-01-25", born_on=datetime.date(1942, 3, 5), remembrance_calendar="both")
    found = days(memorial, datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))
    assert [(day.kind, day.calendar, day.on) for day in found] == [
        ("saengsin", "lunar", datetime.date(2025, 2, 16)),  # born lunar 1942-01-19
        ("giil", "lunar", datetime.date(2025, 2, 22)),
        ("giil", "solar", datetime.date(2025, 3, 5)),
        ("saengsin", "solar", datetime.date(2025, 3, 5)),
    ]
    assert found[1].title.endswith("by the lunar calendar")


def test_the_memorial_page_shows_the_next_giil_in_both_calendars(client, family, monkeypatch):
    memorial = died_lunar(family, "2024-01-25")
    at(monkeypatch, 2026, 12, 1, 3, 0)  # 1 December 2026 in Seoul
    page = client.get(memorial.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Next Anniversary of death (기일), year 3:" in page
    assert "March 3, 2027" in page and "(lunar month 1, day 25)" in page
    assert "Today is" not in page


def test_on_the_day_the_page_has_a_banner_and_asks_for_a_candle_even_when_kept_from_yesterday(
    client, family, monkeypatch
):
    memorial = died_lunar(family, "2024-01-25", language="ko")
    at(monkeypatch, 2027, 3, 2, 14, 0)  # 23:00 on 2 March in Seoul: the day before
    before = client.get(memorial.get_absolute_url()).content.decode()  # a guest: the page is kept
    assert "remembrance-banner" not in before
    at(monkeypatch, 2027, 3, 2, 15, 30)  # 00:30 on 3 March in Seoul (still the 2nd in UTC)
    page = client.get(memorial.get_absolute_url()).content.decode()
    assert "remembrance-banner" in page
    assert 'href="#offerings"' in page and 'name="kind" value="candle"' in page


def test_the_api_gives_the_days_with_their_lunar_dates_and_an_ics_each(family, monkeypatch):
    memorial = died_lunar(family, "2024-01-25")
    at(monkeypatch, 2026, 12, 1, 3, 0)
    body = APIClient().get(f"/api/v1/memorials/{memorial.slug}/remembrance/").json()
    assert body["today"] == "2026-12-01"
    giil = next(day for day in body["days"] if day["kind"] == "giil")
    assert (giil["date"], giil["calendar"], giil["number"]) == ("2027-03-03", "lunar", 3)
    assert giil["lunar"]["date"] == "2027-01-25"
    assert giil["ics_url"].endswith(
        reverse("memorial:remembrance_event", args=[memorial.slug, "giil-lunar", "2027-03-03"])
    )
    assert body["calendar_url"].endswith(reverse("memorial:calendar_feed", args=[memorial.slug]))
    assert body["reminders"] is None  # a guest: no reminders to speak of


def test_a_hwangap_kept_by_the_lunar_calendar_goes_on_the_timeline_by_page_and_api(client, family):
    memorial = family.memorial("public", language="en")
    client.force_login(family.manager)
    response = client.post(
        reverse("memorial:timeline_add", args=[memorial.slug]),
        {"kind": "hwangap", "when": "2002-01-19", "when_calendar": "lunar", "title": ""},
    )
    assert response.status_code == 302
    page = client.get(memorial.get_absolute_url()).content.decode()
    assert "환갑 (60th birthday)" in page
    assert "(lunar month 1, day 19)" in page
    api = APIClient()
    api.force_authenticate(family.manager)
    created = api.post(
        f"/api/v1/memorials/{memorial.slug}/timeline/",
        {"kind": "dol", "when": "1943-01-19", "when_calendar": "lunar"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    refused = api.post(
        f"/api/v1/memorials/{memorial.slug}/timeline/",
        {"kind": "chilsun", "when": "2024-02-01", "when_calendar": "lunar", "when_leap_month": True},
        format="json",
    )
    assert refused.status_code == 400 and "when" in refused.json()
    events = APIClient().get(f"/api/v1/memorials/{memorial.slug}/timeline/").json()["results"]
    assert [(e["kind"], e["date"], e["calendar"]) for e in events] == [
        ("dol", "1943-01-19", "lunar"),
        ("hwangap", "2002-01-19", "lunar"),
    ]
    assert events[1]["happened_on"] == lunar.to_solar(lunar.LunarDate(2002, 1, 19)).isoformat()


def test_the_samuje_is_the_third_day_counting_the_burial_given_in_the_bugo(family):
    from memorial import bugo

    memorial = family.memorial("public", died_on=datetime.date(2024, 3, 5), language="ko")
    # A five-day funeral: the 발인 at 07:00 on 9 March in Seoul (22:00 on the 8th in UTC).
    bugo.save_funeral(
        memorial=memorial,
        departure_at=datetime.datetime(2024, 3, 8, 22, 0, tzinfo=datetime.UTC),
        hall_name="장례식장",
    )
    memorial.refresh_from_db()
    found = {day.kind: day.on for day in days(memorial, datetime.date(2024, 3, 1), datetime.date(2024, 4, 1))}
    assert found["samuje"] == datetime.date(2024, 3, 11)  # 9 March is the first day, 11 March the third
