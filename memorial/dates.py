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
