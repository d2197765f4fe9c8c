"""Each memorial keeps the time of the place where the family mourns: its 부고's times, its
messages' times and "one candle a day" follow it, whatever the server's own time zone is.

Korean memorials start in Asia/Seoul; others in the site's ``TIME_ZONE`` (the family chooses
another on the memorial's form, where the browser suggests its own)."""

from __future__ import annotations

import datetime
import zoneinfo
from functools import cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

KOREAN_TIME_ZONE = "Asia/Seoul"


@cache
def choices() -> list[tuple[str, str]]:
    """The IANA zones people live in (no "Etc/GMT+3" or legacy aliases), sorted by name."""
    names = {
        name
        for name in zoneinfo.available_timezones()
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/", "Brazil/", "Canada/", "Mexico/", "Chile/"))
    }
    names.add("UTC")
    return [(name, name.replace("_", " ")) for name in sorted(names)]


def validate_time_zone(value: str) -> None:
    if value not in dict(choices()):
        raise ValidationError(
            _("“%(value)s” is not a time zone: choose one such as Asia/Seoul."), params={"value": value}
        )


def default_for(language: str | None) -> str:
    return KOREAN_TIME_ZONE if language == "ko" else settings.TIME_ZONE


def zone_of(memorial) -> zoneinfo.ZoneInfo:
    name = getattr(memorial, "time_zone", "") or default_for(getattr(memorial, "language", None))
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(default_for(getattr(memorial, "language", None)))


def today_for(memorial) -> datetime.date:
    """The date it is now where the memorial's family is."""
    return timezone.localdate(timezone=zone_of(memorial))


def local(memorial, moment: datetime.datetime) -> datetime.datetime:
    """``moment`` (aware) as the clock on the memorial's wall shows it."""
    return timezone.localtime(moment, timezone=zone_of(memorial))
