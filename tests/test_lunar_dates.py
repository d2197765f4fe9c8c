"""Birth and death dates by the solar or the lunar calendar (음력, with the leap month 윤달)."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from memorial import lunar
from memorial.models import Memorial

pytestmark = pytest.mark.django_db


def test_known_dates_convert_both_ways():
    assert lunar.to_lunar(datetime.date(2024, 3, 5)) == lunar.LunarDate(2024, 1, 25)
    assert lunar.to_solar(lunar.LunarDate(2024, 1, 25)) == datetime.date(2024, 3, 5)
    # 2023 repeated its second month: 윤2월 1일 is solar 2023-03-22, a month after the ordinary 2월 1일.
    assert lunar.to_solar(lunar.LunarDate(2023, 2, 1, leap=True)) == datetime.date(2023, 3, 22)
    assert lunar.to_solar(lunar.LunarDate(2023, 2, 1)) == datetime.date(2023, 2, 20)
    assert lunar.to_lunar(datetime.date(2023, 3, 22)) == lunar.LunarDate(2023, 2, 1, leap=True)
    assert lunar.leap_month_of(2023) == 2


def test_a_date_beyond_2050_is_refused_with_a_message_never_guessed():
    with pytest.raises(lunar.LunarDateError, match="beyond the lunar calendar's table"):
        lunar.to_solar(lunar.LunarDate(2051, 1, 1))
    with pytest.raises(lunar.LunarDateError, match="beyond the lunar calendar's table"):
        lunar.to_lunar(datetime.date(2051, 1, 1))
    assert lunar.to_lunar(datetime.date(2050, 12, 31)) == lunar.LunarDate(2050, 11, 18)


def test_lunar_dates_that_do_not_exist_are_refused():
    with pytest.raises(lunar.LunarDateError, match="no leap month"):
        lunar.to_solar(lunar.LunarDate(2024, 2, 1, leap=True))
    with pytest.raises(lunar.LunarDateError, match="29 days"):
        lunar.to_solar(lunar.LunarDate(2024, 1, 30))


def memorial_form(**changes):
    data = {"full_name": "김순자", "language": "ko", "visibility": "public", "condolence_policy": "open"}
    data.update(changes)
    return data


def test_a_family_member_enters_a_lunar_death_date_and_sees_it_in_both_calendars(client, family):
    client.force_login(family.owner)
    with translation.override("en"):
        response = client.post(
            reverse("memorial:create"),
            memorial_form(born="1942-01-19", born_calendar="lunar", died="2024-01-25", died_calendar="lunar"),
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    memorial = Memorial.objects.get()
    assert memorial.died_on == datetime.date(2024, 3, 5)
    assert memorial.born_on == datetime.date(1942, 3, 5)
    # (In Korean: "1942년 3월 5일 (음력 1월 19일)", once the lead's translations are in.)
    page = client.get(memorial.get_absolute_url()).content.decode()
    assert "March 5, 1942 (lunar month 1, day 19)" in page
    assert "March 5, 2024 (lunar month 1, day 25)" in page
    # The edit form shows it back as entered: the lunar date, in the lunar calendar.
    form = client.get(reverse("memorial:edit", args=[memorial.slug])).content.decode()
    assert 'value="2024-01-25"' in form
    assert re.search(r'name="died_calendar" value="lunar"[^>]*checked', form)


def test_a_leap_month_date_is_kept_as_a_leap_month(client, family):
    memorial = family.memorial("public")
    client.force_login(family.owner)
    client.post(
        reverse("memorial:edit", args=[memorial.slug]),
        memorial_form(died="2023-02-01", died_calendar="lunar", died_leap_month="on", version=memorial.edit_version),
    )
    memorial.refresh_from_db()
    assert memorial.died_on == datetime.date(2023, 3, 22)
    assert (memorial.died_lunar, memorial.died_leap_month) == ("2023-02-01", True)
    with translation.override("en"):
        assert memorial.died_display.endswith("(lunar leap month 2, day 1)")


def test_a_lunar_date_that_does_not_exist_is_refused_on_the_form_and_nothing_changes(client, family):
    memorial = family.memorial("public")
    client.force_login(family.owner)
    response = client.post(
        reverse("memorial:edit", args=[memorial.slug]),
        memorial_form(died="2024-02-01", died_calendar="lunar", died_leap_month="on", version=memorial.edit_version),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "has no leap month 2" in response.content.decode()
    response = client.post(
        reverse("memorial:edit", args=[memorial.slug]),
        memorial_form(died="2051-01-01", died_calendar="lunar", version=memorial.edit_version),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "beyond the lunar calendar" in response.content.decode()
    memorial.refresh_from_db()
    assert memorial.died_on is None


def test_the_api_takes_a_lunar_date_and_gives_it_back_as_entered(family):
    api = APIClient()
    api.force_authenticate(family.owner)
    response = api.post(
        "/api/v1/memorials/",
        {"full_name": "박영자", "died": "2023-02-01", "died_calendar": "lunar", "died_leap_month": True},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["died"], body["died_calendar"], body["died_leap_month"]) == ("2023-02-01", "lunar", True)
    assert body["died_on"] == "2023-03-22"
    assert body["died_lunar"]["date"] == "2023-02-01" and body["died_lunar"]["leap_month"] is True
    # A date sent without its calendar is a solar one, as it always was.
    response = api.patch(f"/api/v1/memorials/{body['slug']}/", {"died": "2024-03-05"}, format="json")
    body = response.json()
    assert (body["died"], body["died_calendar"], body["died_on"]) == ("2024-03-05", "solar", "2024-03-05")
    assert body["died_lunar"]["date"] == "2024-01-25"
    refused = api.patch(
        f"/api/v1/memorials/{body['slug']}/", {"died": "2024-01-30", "died_calendar": "lunar"}, format="json"
    )
    assert refused.status_code == 400 and "died" in refused.json()
    assert Memorial.objects.get().died_on == datetime.date(2024, 3, 5)
