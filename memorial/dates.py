"""Dates that may be known only to the year or the month ("born 1942", "married in May 1968")."""

from __future__ import annotations

import datetime
import re

from django.db import models
from django.utils import formats
from django.utils.translation import gettext_lazy as _


class Precision(models.TextChoices):
    DAY = "day", _("day")
    MONTH = "month", _("month")
    YEAR = "year", _("year")


_PATTERN = re.compile(r"^\s*(\d{4})(?:[-./](\d{1,2}))?(?:[-./](\d{1,2}))?\s*$")


def parse_partial_date(text: str) -> tuple[datetime.date, str]:
    """'1942' -> (1942-01-01, year); '1942-03' -> (1942-03-01, month); '1942-03-05' -> day."""
    match = _PATTERN.match(text or "")
    if not match:
        raise ValueError(_("Enter a year (1942), a month (1942-03) or a full date (1942-03-05)."))
    year, month, day = (int(part) if part else None for part in match.groups())
    if year < 1000:
        raise ValueError(_("Enter a four-digit year."))
    try:
        value = datetime.date(year, month or 1, day or 1)
    except ValueError:
        raise ValueError(_("That date does not exist.")) from None
    precision = Precision.DAY if day else Precision.MONTH if month else Precision.YEAR
    return value, precision


def format_partial_date(value: datetime.date | None, precision: str) -> str:
    if value is None:
        return ""
    if precision == Precision.YEAR:
        return str(value.year)
    if precision == Precision.MONTH:
        return formats.date_format(value, "YEAR_MONTH_FORMAT")
    return formats.date_format(value, "DATE_FORMAT")


def partial_date_input(value: datetime.date | None, precision: str) -> str:
    """The text a form shows for a stored partial date."""
    if value is None:
        return ""
    if precision == Precision.YEAR:
        return f"{value.year:04d}"
    if precision == Precision.MONTH:
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


# --- dates entered by the solar or the lunar calendar ------------------------------------------


def entered_date(text: str, *, calendar: str = "solar", leap_month: bool = False, prefix: str) -> dict:
    """The fields a memorial keeps for a date typed as ``text`` in ``calendar``: the solar date
    (``<prefix>_on``, what everything else reads), its precision, and the lunar date as entered.
    A lunar date must be a whole date, within the table, and exist (memorial/lunar.py); ValueError
    says what is wrong."""
    from memorial import lunar

    if not (text or "").strip():
        return {
            f"{prefix}_on": None,
            f"{prefix}_precision": Precision.DAY,
            f"{prefix}_calendar": lunar.Calendar.SOLAR,
            f"{prefix}_lunar": "",
            f"{prefix}_leap_month": False,
        }
    if calendar == lunar.Calendar.LUNAR:
        entered = lunar.parse(text, leap=leap_month)
        return {
            f"{prefix}_on": lunar.to_solar(entered),
            f"{prefix}_precision": Precision.DAY,
            f"{prefix}_calendar": lunar.Calendar.LUNAR,
            f"{prefix}_lunar": entered.iso,
            f"{prefix}_leap_month": entered.leap,
        }
    if calendar != lunar.Calendar.SOLAR:
        raise ValueError(_("Choose the solar or the lunar calendar."))
    value, precision = parse_partial_date(text)
    return {
        f"{prefix}_on": value,
        f"{prefix}_precision": precision,
        f"{prefix}_calendar": lunar.Calendar.SOLAR,
        f"{prefix}_lunar": "",
        f"{prefix}_leap_month": False,
    }


def entered_input(memorial, prefix: str) -> str:
    """The date as it was entered (the lunar date when it was entered by the lunar calendar)."""
    if getattr(memorial, f"{prefix}_calendar", "solar") == "lunar" and getattr(memorial, f"{prefix}_lunar", ""):
        return getattr(memorial, f"{prefix}_lunar")
    return partial_date_input(getattr(memorial, f"{prefix}_on"), getattr(memorial, f"{prefix}_precision"))


def lunar_of(memorial, prefix: str):
    """The lunar date of a memorial's full date: as entered, or converted; None when there is none."""
    from memorial import lunar

    value, precision = getattr(memorial, f"{prefix}_on"), getattr(memorial, f"{prefix}_precision")
    if value is None or precision != Precision.DAY:
        return None
    if getattr(memorial, f"{prefix}_calendar", "solar") == "lunar" and getattr(memorial, f"{prefix}_lunar", ""):
        return lunar.parse(getattr(memorial, f"{prefix}_lunar"), leap=getattr(memorial, f"{prefix}_leap_month"))
    return lunar.to_lunar(value) if lunar.in_table(value) else None


def format_with_lunar(memorial, prefix: str) -> str:
    """'1942년 3월 5일 (음력 1월 19일)': the solar date, and the lunar one where it was entered so
    (or the memorial is Korean, whose families read both)."""
    from memorial import lunar

    text = format_partial_date(getattr(memorial, f"{prefix}_on"), getattr(memorial, f"{prefix}_precision"))
    entered_lunar = getattr(memorial, f"{prefix}_calendar", "solar") == "lunar"
    if text and (entered_lunar or getattr(memorial, "language", "") == "ko"):
        lunar_date = lunar_of(memorial, prefix)
        if lunar_date is not None:
            return f"{text} ({lunar.format_lunar(lunar_date)})"
    return text
