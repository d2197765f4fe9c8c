"""The years after, in real Chromium: a family member enters the date of death by the lunar
calendar, sees the next 기일 in both calendars, and subscribes to the calendar of the days."""

import datetime
import os
from urllib.parse import urlsplit

import icalendar
import pytest
from korean_lunar_calendar import KoreanLunarCalendar

from memorial.models import Memorial, ReminderSubscription
from tests.conftest import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base, email):
    page.goto(base + "/accounts/login/")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url(base + "/")


def next_lunar_giil(month: int, day: int) -> datetime.date:
    """The next solar date of lunar ``month``/``day`` from today in Seoul, by the KASI tables."""
    today = datetime.datetime.now(datetime.UTC).astimezone(datetime.timezone(datetime.timedelta(hours=9))).date()
    for year in (today.year - 1, today.year, today.year + 1):
        calendar = KoreanLunarCalendar()
        assert calendar.setLunarDate(year, month, day, False)
        solar = datetime.date.fromisoformat(calendar.SolarIsoFormat())
        if solar >= today:
            return solar
    raise AssertionError("no 기일 within a year")


def test_a_family_member_enters_a_lunar_death_date_and_subscribes_to_the_days(live_server, new_page, artifacts_dir):
    base = live_server.url
    make_user("daughter@example.com", "김미영", preferred_language="ko")
    page = new_page(viewport={"width": 390, "height": 844}, locale="ko-KR")
    sign_in(page, base, "daughter@example.com")

    page.goto(base + "/memorials/new/")
    page.locator("#id_full_name").fill("김순자")
    page.locator("#id_language").select_option("ko")
    page.locator("#id_died").fill("2024-01-25")  # 음력: solar 2024-03-05
    page.locator("input[name=died_calendar][value=lunar]").check()
    page.locator("input[name=visibility][value=private]").check()
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(lambda url: "/m/" in url)
    memorial = Memorial.objects.get()
    assert memorial.died_on == datetime.date(2024, 3, 5) and memorial.died_calendar == "lunar"

    giil = next_lunar_giil(1, 25)
    days = page.locator("#remembrance")
    line = days.locator("li", has=page.locator(f"time[datetime='{giil.isoformat()}']")).first
    assert line.count() == 1
    text = line.inner_text()
    assert "기일" in text and "음력 1월 25일" in text
    assert f"{giil.year}년 {giil.month}월 {giil.day}일" in text
    page.screenshot(path=os.path.join(artifacts_dir, "remembrance-ko-390.png"), full_page=True)

    page.locator("#remembrance a[href$='/remembrance/']").first.click()
    page.locator("form[action$='/remembrance/reminders/'] button[type=submit]").click()
    page.wait_for_load_state()
    assert ReminderSubscription.objects.filter(memorial=memorial, user__email="daughter@example.com").exists()
    address = page.locator("#calendar-address").input_value()
    assert address.endswith(".ics") and memorial.slug not in address  # a private memorial: a private address
    page.screenshot(path=os.path.join(artifacts_dir, "remembrance-page-ko-390.png"), full_page=True)

    feed = page.request.get(base + urlsplit(address).path)  # the address names SITE_URL
    assert feed.status == 200
    calendar = icalendar.Calendar.from_ical(feed.body())
    starts = {event.get("dtstart").dt for event in calendar.walk("VEVENT")}
    assert giil in starts
