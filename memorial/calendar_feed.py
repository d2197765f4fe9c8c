"""A memorial's remembrance days as an iCalendar (.ics) a family subscribes to.

All-day events of the coming years (memorial/remembrance.py), titled in the memorial's language,
with the lunar date in the description. Each event's UID is its day's kind, calendar and date,
with the memorial, so a calendar app that reads the feed again updates, never duplicates.
"""

from __future__ import annotations

import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from memorial import remembrance, timezones
from memorial.models import Memorial

YEARS = 5
PAST_DAYS = 30  # the days just past stay, so a calendar does not lose them the next morning
REFRESH = datetime.timedelta(hours=12)


def _host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def _calendar(memorial: Memorial) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.SITE_NAME}//Remembrance days//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _("In memory of %(name)s") % {"name": memorial.full_name})
    calendar.add("x-wr-timezone", str(timezones.zone_of(memorial)))
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})  # RFC 7986
    calendar.add("x-published-ttl", REFRESH)
    return calendar


def _event(memorial: Memorial, day: remembrance.RemembranceDay, stamp: datetime.datetime) -> Event:
    event = Event()
    event.add("uid", f"{day.uid}.memorial-{memorial.pk}@{_host()}")
    event.add("dtstamp", stamp)
    event.add("dtstart", day.on)
    event.add("dtend", day.on + datetime.timedelta(days=1))
    event.add("summary", f"{day.title} · {memorial.full_name}")
    lines = []
    if day.lunar is not None:
        lines.append(day.lunar_display)
    page = settings.SITE_URL + memorial.get_absolute_url()
    lines.append(page)
    event.add("description", "\n".join(lines))
    event.add("url", page)
    event.add("transp", "TRANSPARENT")
    return event


def feed(memorial: Memorial, *, today: datetime.date | None = None, years: int = YEARS) -> bytes:
    """The memorial's calendar: from a month ago to ``years`` years ahead."""
    today = today or timezones.today_for(memorial)
    end = datetime.date(min(today.year + years, 9999), today.month, min(today.day, 28))
    stamp = timezone.now()
    with translation.override(memorial.language):
        calendar = _calendar(memorial)
        for day in remembrance.remembrance_days(memorial, start=today - datetime.timedelta(days=PAST_DAYS), end=end):
            calendar.add_component(_event(memorial, day, stamp))
    return calendar.to_ical()


def find_day(memorial: Memorial, *, event: str, on: datetime.date) -> remembrance.RemembranceDay | None:
    return next((day for day in remembrance.days_on(memorial, on) if day.event == event), None)


def single(memorial: Memorial, day: remembrance.RemembranceDay) -> bytes:
    """One remembrance day as its own .ics (the same UID as in the feed)."""
    with translation.override(memorial.language):
        calendar = _calendar(memorial)
        calendar.add_component(_event(memorial, day, timezone.now()))
    return calendar.to_ical()


# --- members' private addresses (memorials that are not public) ------------------------------------


def token_for(*, memorial: Memorial, user):
    from memorial.models import CalendarToken

    token, _ = CalendarToken.objects.get_or_create(memorial=memorial, user=user)
    return token


def revoke(*, memorial: Memorial, user):
    """A new private address: the old one answers nothing any more."""
    from memorial.models import CalendarToken, new_calendar_token

    token = token_for(memorial=memorial, user=user)
    CalendarToken.objects.filter(pk=token.pk).update(token=new_calendar_token(), created_at=timezone.now())
    token.refresh_from_db()
    return token
