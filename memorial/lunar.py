"""The Korean lunar calendar (음력), as Korean families keep 기일 and 생신 by it.

Conversion follows ``korean-lunar-calendar``, which carries the Korea Astronomy and Space Science
Institute's tables: lunar 1000-01-01 (solar 1000-02-13) to lunar 2050-11-18 (solar 2050-12-31).
A date outside them is said to be outside, never guessed; a lunar date that does not exist (the
30th of a 29-day month, a leap month the year does not have) is refused.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from korean_lunar_calendar import KoreanLunarCalendar


class Calendar(models.TextChoices):
    SOLAR = "solar", gettext_lazy("Solar (양력)")
    LUNAR = "lunar", gettext_lazy("Lunar (음력)")


class LunarDateError(ValueError):
    """A lunar date that cannot be converted, with a message a person can act on."""


@dataclass(frozen=True, order=True)
class LunarDate:
    year: int
    month: int
    day: int
    leap: bool = False  # 윤달: the leap month that follows the ordinary month of the same number

    @property
    def iso(self) -> str:
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"


_ISO = re.compile(r"^\s*(\d{4})[-./](\d{1,2})[-./](\d{1,2})\s*$")


def parse(text: str, *, leap: bool = False) -> LunarDate:
    """'1942-01-19' as a lunar date (the whole date: a lunar year or month alone is not a day)."""
    match = _ISO.match(text or "")
    if not match:
        raise LunarDateError(_("Enter the lunar date in full, such as 1942-01-19."))
    year, month, day = (int(part) for part in match.groups())
    return LunarDate(year, month, day, leap)


def _beyond(text: str) -> LunarDateError:
    return LunarDateError(
        _("%(date)s is beyond the lunar calendar's table (from 1000 up to 2050): it cannot be converted.")
        % {"date": text}
    )


def to_solar(lunar: LunarDate) -> datetime.date:
    """The solar date of a lunar one; LunarDateError when it is beyond the table or does not exist."""
    if not 1 <= lunar.month <= 12 or not 1 <= lunar.day <= 30:
        raise LunarDateError(_("That lunar date does not exist: months run from 1 to 12, days from 1 to 30."))
    if not KoreanLunarCalendar.KOREAN_LUNAR_MIN_VALUE <= _number(lunar) <= KoreanLunarCalendar.KOREAN_LUNAR_MAX_VALUE:
        raise _beyond(_("Lunar %(date)s") % {"date": lunar.iso})
    calendar = KoreanLunarCalendar()
    if not calendar.setLunarDate(lunar.year, lunar.month, lunar.day, lunar.leap):
        if lunar.leap and leap_month_of(lunar.year) != lunar.month:
            raise LunarDateError(
                _("Lunar %(year)s has no leap month %(month)s (윤%(month)s월).")
                % {"year": lunar.year, "month": lunar.month}
            )
        raise LunarDateError(
            _("Lunar %(date)s does not exist: that month has 29 days.") % {"date": lunar.iso}
            if lunar.day == 30
            else _("Lunar %(date)s does not exist.") % {"date": lunar.iso}
        )
    return datetime.date.fromisoformat(calendar.SolarIsoFormat())


def to_lunar(day: datetime.date) -> LunarDate:
    """The lunar date of a solar one; LunarDateError when it is beyond the table."""
    calendar = KoreanLunarCalendar()
    if not calendar.setSolarDate(day.year, day.month, day.day):
        raise _beyond(day.isoformat())
    return LunarDate(calendar.lunarYear, calendar.lunarMonth, calendar.lunarDay, bool(calendar.isIntercalation))


def in_table(day: datetime.date) -> bool:
    return (
        KoreanLunarCalendar.KOREAN_SOLAR_MIN_VALUE
        <= day.year * 10000 + day.month * 100 + day.day
        <= KoreanLunarCalendar.KOREAN_SOLAR_MAX_VALUE
    )


def leap_month_of(year: int) -> int | None:
    """The month a lunar year repeats as its leap month (윤달), or None."""
    for month in range(1, 13):
        if KoreanLunarCalendar().setLunarDate(year, month, 1, True):
            return month
    return None


def days_in_month(year: int, month: int, *, leap: bool = False) -> int:
    return 30 if KoreanLunarCalendar().setLunarDate(year, month, 30, leap) else 29


def _number(lunar: LunarDate) -> int:
    return lunar.year * 10000 + lunar.month * 100 + lunar.day


def format_lunar(lunar: LunarDate | None, *, with_year: bool = False) -> str:
    """'음력 1월 19일' / 'lunar 1/19'; with the leap month '음력 윤2월 1일' / 'lunar leap 2/1'."""
    if lunar is None:
        return ""
    values = {"year": lunar.year, "month": lunar.month, "day": lunar.day}
    if with_year:
        if lunar.leap:
            return _("lunar %(year)s, leap month %(month)s, day %(day)s") % values
        return _("lunar %(year)s, month %(month)s, day %(day)s") % values
    if lunar.leap:
        return _("lunar leap month %(month)s, day %(day)s") % values
    return _("lunar month %(month)s, day %(day)s") % values
