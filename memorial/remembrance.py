"""The days a family keeps after a death, computed from the memorial's dates: plain functions.

* 기일 (the anniversary of the death) every year, by the lunar date, the solar date, or both, as
  the family chose (``Memorial.remembrance_calendar``; left empty, by the calendar the date of
  death was entered in); each is also the Nth 주기 (1주기 a year after, 2주기 ...).
* 생신 (the birthday) every year after the death, by the same choice (the birth date's calendar
  when left empty).
* 49재, the 49th day; 100일, the 100th: counting the day of death as the first (death + 48 and
  + 99 days).
* 삼우제, the third day after the burial, counting the day of the burial (the 발인) as the first:
  the 부고's 발인 + 2 days where the family gave it; otherwise death + 4, the third day after a
  three-day funeral (삼일장), the custom.

Rules of the lunar calendar, as Korean families keep them:

* A lunar date whose month has only 29 days in a later year (the 30th of a 29-day month) falls
  on the 29th, the month's last day.
* A death (or a birth) in a leap month (윤달) is kept on the ordinary month of the same number in
  later years: leap months come back only every few years, and the day is kept every year.
* A year the lunar table does not reach (after lunar 2050-11-18) has no lunar day: nothing is
  guessed. A solar 29 February falls on the 28th in other years.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from memorial import lunar, timezones
from memorial.dates import Precision, lunar_of
from memorial.models import Memorial


class Kind(models.TextChoices):
    GIIL = "giil", gettext_lazy("기일 (anniversary of death)")
    SAENGSIN = "saengsin", gettext_lazy("생신 (birthday)")
    SAMUJE = "samuje", gettext_lazy("삼우제 (third day)")
    SASIPGUJE = "49jae", gettext_lazy("49재 (49th day)")
    BAEGIL = "100il", gettext_lazy("100일 (100th day)")


# Days after the death, counting the day of death as the first.
AFTER_DEATH = {Kind.SAMUJE: 4, Kind.SASIPGUJE: 48, Kind.BAEGIL: 99}
# 삼우제 counts from the burial: the 발인 + 2 days where the 부고 gives it (samuje_on).
AFTER_BURIAL = 2
ORDER = {kind: index for index, kind in enumerate(Kind)}


@dataclass(frozen=True)
class RemembranceDay:
    kind: str
    on: datetime.date
    calendar: str  # the calendar it is kept by: "lunar" or "solar"
    number: int | None = None  # the Nth 주기 of a 기일, the Nth 생신 since birth
    both: bool = False  # the family keeps this kind by both calendars: say which this one is

    @property
    def lunar(self) -> lunar.LunarDate | None:
        return lunar.to_lunar(self.on) if lunar.in_table(self.on) else None

    @property
    def once(self) -> bool:
        """삼우제, 49재 and 100일 come once; 기일 and 생신 every year."""
        return self.kind in (Kind.SAMUJE, Kind.SASIPGUJE, Kind.BAEGIL)

    @property
    def event(self) -> str:
        """What it is, without its date: ``giil-lunar``, ``49jae``: a reminder's and a calendar's key."""
        return f"{self.kind}-{self.calendar}" if self.kind in (Kind.GIIL, Kind.SAENGSIN) else str(self.kind)

    @property
    def uid(self) -> str:
        return f"{self.event}-{self.on.isoformat()}"

    @property
    def title(self) -> str:
        """In the active language: '기일 (1주기)' / 'Anniversary of death (기일), year 1'."""
        if self.kind == Kind.GIIL:
            title = _("Anniversary of death (기일), year %(number)s") % {"number": self.number}
        elif self.kind == Kind.SAENGSIN:
            title = _("Birthday (생신)")
        elif self.kind == Kind.SAMUJE:
            title = _("Third-day rite (삼우제)")
        elif self.kind == Kind.SASIPGUJE:
            title = _("49th-day rite (49재)")
        else:
            title = _("100th day (100일)")
        if self.both:
            title += " · " + (_("by the lunar calendar") if self.calendar == "lunar" else _("by the solar calendar"))
        return title

    @property
    def lunar_display(self) -> str:
        return lunar.format_lunar(self.lunar)


def calendars_for(memorial, prefix: str) -> list[str]:
    """The calendars a yearly day is kept by: the family's choice, or the date's own calendar."""
    choice = getattr(memorial, "remembrance_calendar", "") or getattr(memorial, f"{prefix}_calendar", "solar")
    return ["lunar", "solar"] if choice == "both" else [choice]


def _full(memorial, prefix: str) -> datetime.date | None:
    value = getattr(memorial, f"{prefix}_on")
    return value if value is not None and getattr(memorial, f"{prefix}_precision") == Precision.DAY else None


def lunar_anniversary(base: lunar.LunarDate, year: int) -> datetime.date | None:
    """The solar date of ``base``'s day in lunar ``year``: the ordinary month (not the leap one),
    the 29th where that month has 29 days; None beyond the table."""
    day = min(base.day, lunar.days_in_month(year, base.month))
    try:
        return lunar.to_solar(lunar.LunarDate(year, base.month, day))
    except lunar.LunarDateError:
        return None


def solar_anniversary(base: datetime.date, year: int) -> datetime.date:
    try:
        return base.replace(year=year)
    except ValueError:  # 29 February in a common year
        return datetime.date(year, 2, 28)


def _yearly(memorial, prefix, kind, start, end, *, after: datetime.date | None):
    base = _full(memorial, prefix)
    if base is None:
        return []
    calendars = calendars_for(memorial, prefix)
    days = []
    for calendar in calendars:
        if calendar == "lunar":
            try:
                base_lunar = lunar_of(memorial, prefix)
            except lunar.LunarDateError:
                base_lunar = None
            if base_lunar is None:
                continue
            # A lunar year starts in January or February: its days reach into the next solar year.
            for year in range(max(start.year - 1, base_lunar.year + 1), end.year + 1):
                on = lunar_anniversary(base_lunar, year)
                if on is not None:
                    days.append(RemembranceDay(kind, on, "lunar", year - base_lunar.year, len(calendars) > 1))
        else:
            for year in range(max(start.year, base.year + 1), end.year + 1):
                on = solar_anniversary(base, year)
                days.append(RemembranceDay(kind, on, "solar", year - base.year, len(calendars) > 1))
    return [day for day in days if start <= day.on <= end and (after is None or day.on > after)]


def remembrance_days(memorial, *, start: datetime.date, end: datetime.date) -> list[RemembranceDay]:
    """Every remembrance day of the memorial from ``start`` to ``end`` (both included), in order."""
    died = _full(memorial, "died")
    days = []
    if died is not None:
        days += _yearly(memorial, "died", Kind.GIIL, start, end, after=died)
        for kind, offset in AFTER_DEATH.items():
            on = died + datetime.timedelta(days=offset)
            if kind == Kind.SAMUJE:
                on = samuje_on(memorial) or on
            if start <= on <= end:
                days.append(RemembranceDay(kind, on, "solar"))
    if died is not None or getattr(memorial, "died_on", None) is None:
        after = getattr(memorial, "died_on", None)
        days += _yearly(memorial, "born", Kind.SAENGSIN, start, end, after=after)
    return sorted(days, key=lambda day: (day.on, ORDER[day.kind], day.calendar))


def samuje_on(memorial) -> datetime.date | None:
    """The 삼우제 by the 부고's 발인 (the burial's day counts as the first), on the family's clock;
    None when there is no 부고 or it gives no 발인."""
    from memorial.bugo import funeral_of

    funeral = funeral_of(memorial) if isinstance(memorial, Memorial) else None
    if funeral is None or funeral.departure_at is None:
        return None
    return timezones.local(memorial, funeral.departure_at).date() + datetime.timedelta(days=AFTER_BURIAL)


def upcoming(memorial, *, today: datetime.date, horizon_days: int = 400) -> list[RemembranceDay]:
    """The next day of each kind (and calendar) from ``today`` on, in order."""
    seen, first = set(), []
    for day in remembrance_days(memorial, start=today, end=today + datetime.timedelta(days=horizon_days)):
        if day.event not in seen:
            seen.add(day.event)
            first.append(day)
    return first


def days_on(memorial, day: datetime.date) -> list[RemembranceDay]:
    return remembrance_days(memorial, start=day, end=day)


def page_summary(memorial, *, today: datetime.date, limit: int = 5) -> dict:
    """What the memorial page shows: today's days (a banner) and the next ones."""
    return {
        "today": days_on(memorial, today),
        "upcoming": [day for day in upcoming(memorial, today=today) if day.on > today][:limit],
    }
