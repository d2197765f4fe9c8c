"""What a shared link says: the message the share button hands to KakaoTalk (or any app), and
the link preview's title and description, in the memorial's own language (not the sharer's:
the people who receive it read the family's language).

Written here once, so that the funeral notice (부고) can plug its own wording in later: a
function registered with ``register_wording`` is asked first, and its text (or None: "not
mine") wins over the plain lines below.

* Korean memorial, death recent (``RECENT_DAYS``, the date known to the day or the month):
  "[부고] 故 홍길동님께서 별세하셨기에 삼가 알려드립니다."
* otherwise a gentle line: "홍길동님을 기억하는 공간입니다."
* the same two in English for English memorials.

These are fixed sentences in the memorial's language, chosen by its ``language`` field, not
translated through the interface's catalogue.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation

from memorial import timezones
from memorial.dates import Precision

RECENT_DAYS = 30

_wording: list[Callable] = []


@dataclass(frozen=True)
class ShareText:
    title: str  # the link preview's title, and the share sheet's
    message: str  # the text shared with the link
    description: str  # the link preview's description


def register_wording(wording: Callable) -> None:
    """``wording(memorial, *, recent: bool) -> ShareText | None``: asked before the plain lines
    (the funeral notice's own: the hall, the 발인 time)."""
    _wording.append(wording)


def is_korean(memorial) -> bool:
    return (memorial.language or "").split("-")[0] == "ko"


def locale_of(memorial) -> str:
    """og:locale: ko_KR or en_US."""
    return "ko_KR" if is_korean(memorial) else "en_US"


def died_recently(memorial, *, today: datetime.date | None = None) -> bool:
    if memorial.died_on is None or memorial.died_precision == Precision.YEAR:
        return False
    today = today or timezones.today_for(memorial)
    return 0 <= (today - memorial.died_on).days <= RECENT_DAYS


def life_dates(memorial) -> str:
    """Born – died, written as the memorial's language writes dates."""
    with translation.override(memorial.language or settings.LANGUAGE_CODE):
        born, died = memorial.born_display, memorial.died_display
    if born and died:
        return f"{born} – {died}"
    if died:
        return f"– {died}"
    return born


def share_text(memorial, *, today: datetime.date | None = None) -> ShareText:
    recent = died_recently(memorial, today=today)
    for wording in _wording:
        text = wording(memorial, recent=recent)
        if text is not None:
            return text
    name = memorial.full_name
    dates = life_dates(memorial)
    if is_korean(memorial):
        title = f"故 {name}님을 기억하며"
        message = (
            f"[부고] 故 {name}님께서 별세하셨기에 삼가 알려드립니다."
            if recent
            else f"{name}님을 기억하는 공간입니다. 함께 추억을 나누어 주세요."
        )
    else:
        title = f"In memory of {name}"
        message = (
            f"With great sadness we share that {name} has passed away."
            if recent
            else f"A place to remember {name}. Please share your memories with us."
        )
    parts = [dates, memorial.place] if dates else [memorial.place]
    description = " · ".join(part for part in parts if part) or message
    return ShareText(title=title, message=message, description=description)
