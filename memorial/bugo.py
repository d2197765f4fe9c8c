"""The 부고 (funeral notice): what a family sends within hours of a death, to hundreds of people.

A memorial carries at most one (``Funeral``): the wording of the death the family chose (별세,
영면, 소천, 선종, 귀천, or none), the 빈소 (hall, room, address, phone), the 입관 and 발인 times, the
장지, the 상주 and family with their relation to the deceased, and a short message. Its words are
written in the memorial's language, whatever the language of the person reading the page; its
times are the memorial's time zone's (memorial/timezones.py).

``notice_line`` is the first line of the notice ("故 홍길동님께서 2026년 12월 1일 별세하셨기에 삼가
알려드립니다."): share messages and link previews reuse it.

While the funeral is near (``is_near``: until the day after the 발인) the notice stands at the top
of the memorial's page; afterwards it moves below the life story and stays.
"""

from __future__ import annotations

import datetime
import re
import urllib.parse
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from memorial import timezones
from memorial.dates import Precision
from memorial.models import Funeral, Memorial
from memorial.share_text import ShareText

# --- Words ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Wording:
    key: str
    korean: str  # the noun: 별세 -> "별세하셨기에"
    english: object  # lazy: "passed away"


WORDINGS = {
    w.key: w
    for w in (
        Wording("byeolse", "별세", gettext_lazy("passed away")),
        Wording("yeongmyeon", "영면", gettext_lazy("entered into rest")),
        Wording("socheon", "소천", gettext_lazy("went home to the Lord")),  # Protestant
        Wording("seonjong", "선종", gettext_lazy("died in the grace of God")),  # Catholic
        Wording("gwicheon", "귀천", gettext_lazy("returned to heaven")),
    )
}
WORDING_NOTES = {"socheon": gettext_lazy("Protestant"), "seonjong": gettext_lazy("Catholic")}


def wording_choices() -> list[tuple[str, object]]:
    choices = [("", gettext_lazy("No particular word"))]
    for w in WORDINGS.values():
        note = WORDING_NOTES.get(w.key)
        label = format_lazy("{} · {}{}", w.korean, w.english, format_lazy(" ({})", note) if note else "")
        choices.append((w.key, label))
    return choices


@dataclass(frozen=True)
class Relation:
    key: str
    korean: str
    english: object


RELATIONS = {
    r.key: r
    for r in (
        Relation("spouse", "배우자", gettext_lazy("spouse")),
        Relation("wife", "아내", gettext_lazy("wife")),
        Relation("husband", "남편", gettext_lazy("husband")),
        Relation("son", "아들", gettext_lazy("son")),
        Relation("daughter", "딸", gettext_lazy("daughter")),
        Relation("daughter_in_law", "며느리", gettext_lazy("daughter-in-law")),
        Relation("son_in_law", "사위", gettext_lazy("son-in-law")),
        Relation("grandson", "손자", gettext_lazy("grandson")),
        Relation("granddaughter", "손녀", gettext_lazy("granddaughter")),
        Relation("grandson_in_law", "손서", gettext_lazy("grandson-in-law")),
        Relation("granddaughter_in_law", "손부", gettext_lazy("granddaughter-in-law")),
        Relation("brother", "형제", gettext_lazy("brother")),
        Relation("sister", "자매", gettext_lazy("sister")),
        Relation("father", "부친", gettext_lazy("father")),
        Relation("mother", "모친", gettext_lazy("mother")),
        Relation("nephew", "조카", gettext_lazy("nephew or niece")),
    )
}
OTHER = "other"
MAX_MOURNERS = 30


def _relation_label_now(relation) -> str:
    """ "아들" on a Korean page; "아들 · son" elsewhere (the Korean word is what a 부고 prints)."""
    if (translation.get_language() or "").split("-")[0] == "ko":
        return relation.korean
    return f"{relation.korean} · {relation.english}"


_relation_label = lazy(_relation_label_now, str)


def relation_choices() -> list[tuple[str, object]]:
    return [
        ("", "—"),
        *((r.key, _relation_label(r)) for r in RELATIONS.values()),
        (OTHER, gettext_lazy("Other (write it)")),
    ]


def _korean(memorial: Memorial) -> bool:
    return memorial.language == "ko"


def relation_display(memorial: Memorial, mourner: dict) -> str:
    """A mourner's relation to the deceased, in the memorial's language."""
    relation = RELATIONS.get(mourner.get("relation", ""))
    if relation is None:
        return mourner.get("relation_other", "")
    if _korean(memorial):
        return relation.korean
    with translation.override(memorial.language):
        return str(relation.english)


# --- Dates and times, as the memorial's family writes them --------------------------------------

KOREAN_WEEKDAYS = "월화수목금토일"


def date_display(memorial: Memorial, value: datetime.date | None, precision: str = Precision.DAY) -> str:
    if value is None:
        return ""
    if _korean(memorial):
        if precision == Precision.YEAR:
            return f"{value.year}년"
        if precision == Precision.MONTH:
            return f"{value.year}년 {value.month}월"
        return f"{value.year}년 {value.month}월 {value.day}일"
    from django.utils import formats

    with translation.override(memorial.language):
        if precision == Precision.YEAR:
            return str(value.year)
        if precision == Precision.MONTH:
            return formats.date_format(value, "F Y")
        return formats.date_format(value, "j F Y")


def when_display(memorial: Memorial, moment: datetime.datetime | None) -> str:
    """An aware time on the memorial's wall clock: "2026년 12월 3일 (목) 오전 7:00", "Thu 3 December 2026, 07:00"."""
    if moment is None:
        return ""
    local = timezones.local(memorial, moment)
    if _korean(memorial):
        half = "오전" if local.hour < 12 else "오후"
        hour = local.hour % 12 or 12
        weekday = KOREAN_WEEKDAYS[local.weekday()]
        return f"{local.year}년 {local.month}월 {local.day}일 ({weekday}) {half} {hour}:{local.minute:02d}"
    from django.utils import formats

    with translation.override(memorial.language):
        return formats.date_format(local, "D j F Y, H:i")


def notice_line(memorial: Memorial, funeral: Funeral | None = None) -> str:
    """The first line of the notice, in the memorial's language.

    "故 홍길동님께서 2026년 12월 1일 별세하셨기에 삼가 알려드립니다." / "Hong Gildong passed away on 1 December 2026."
    Empty when the memorial has no notice: ``notice_line(memorial) or <the dates>`` (share messages,
    link previews, the printed card).
    """
    if funeral is None:
        funeral = funeral_of(memorial)
        if funeral is None:
            return ""
    wording = WORDINGS.get(funeral.wording)
    name = memorial.full_name
    died = date_display(memorial, memorial.died_on, memorial.died_precision)
    if _korean(memorial):
        when = f" {died}" if died else ""
        if wording is None:
            return f"故 {name}님께서{when} 세상을 떠나셨기에 삼가 알려드립니다."
        return f"故 {name}님께서{when} {wording.korean}하셨기에 삼가 알려드립니다."
    with translation.override(memorial.language):
        verb = str(wording.english) if wording else _("died")
        if not died:
            return _("%(name)s %(verb)s.") % {"name": name, "verb": verb}
        on = (
            pgettext("before a date", "on")
            if memorial.died_precision == Precision.DAY
            else pgettext("before a month or year", "in")
        )
        return _("%(name)s %(verb)s %(on)s %(date)s.") % {"name": name, "verb": verb, "on": on, "date": died}


# --- Where, and how to get there -----------------------------------------------------------------


def map_links(address: str) -> dict[str, str]:
    """The address in Kakao Map and Naver Map, through their plain web links (no SDK)."""
    if not address.strip():
        return {}
    query = urllib.parse.quote(address.strip(), safe="")
    return {
        "kakao": f"https://map.kakao.com/?q={query}",
        "naver": f"https://map.naver.com/p/search/{query}",
    }


def tel_link(phone: str) -> str:
    digits = re.sub(r"[^0-9+]", "", phone or "")
    return f"tel:{digits}" if digits else ""


# --- When the funeral is near ------------------------------------------------------------------

# Without a 발인, a Korean funeral's three days from the notice.
DAYS_WITHOUT_DEPARTURE = 3


def near_until(memorial: Memorial, funeral: Funeral) -> datetime.date:
    """The last day (in the memorial's time zone) the notice stands at the top: the day after the 발인."""
    if funeral.departure_at is not None:
        return timezones.local(memorial, funeral.departure_at).date() + datetime.timedelta(days=1)
    return timezones.local(memorial, funeral.created_at).date() + datetime.timedelta(days=DAYS_WITHOUT_DEPARTURE)


def is_near(memorial: Memorial, funeral: Funeral, *, today: datetime.date | None = None) -> bool:
    today = today or timezones.today_for(memorial)
    return today <= near_until(memorial, funeral)


# --- Reading -----------------------------------------------------------------------------------


def funeral_of(memorial: Memorial) -> Funeral | None:
    try:
        return memorial.funeral
    except Funeral.DoesNotExist:
        return None


def mourners_display(memorial: Memorial, funeral: Funeral) -> list[dict]:
    return [
        {"relation": relation_display(memorial, m), "name": m.get("name", ""), "chief": bool(m.get("chief"))}
        for m in funeral.mourners
    ]


def page_context(memorial: Memorial) -> dict:
    """What the memorial page shows of the notice (nothing when there is none)."""
    funeral = funeral_of(memorial)
    if funeral is None:
        return {"funeral": None, "funeral_near": False}
    return {
        "funeral": funeral,
        "funeral_near": is_near(memorial, funeral),
        "funeral_line": notice_line(memorial, funeral),
        "funeral_maps": map_links(funeral.hall_address),
        "funeral_tel": tel_link(funeral.hall_phone),
        "funeral_encoffining": when_display(memorial, funeral.encoffining_at),
        "funeral_departure": when_display(memorial, funeral.departure_at),
        "funeral_mourners": mourners_display(memorial, funeral),
        "funeral_korean": _korean(memorial),
    }


def _local_iso(memorial: Memorial, moment: datetime.datetime | None) -> str | None:
    return timezones.local(memorial, moment).isoformat() if moment else None


def export_data(memorial: Memorial) -> dict | None:
    """The notice as data, for "Download all memories"."""
    funeral = funeral_of(memorial)
    if funeral is None:
        return None
    return {
        "notice": notice_line(memorial, funeral),
        "wording": funeral.wording,
        "hall": {
            "name": funeral.hall_name,
            "room": funeral.hall_room,
            "address": funeral.hall_address,
            "phone": funeral.hall_phone,
        },
        "encoffining_at": _local_iso(memorial, funeral.encoffining_at),
        "encoffining_display": when_display(memorial, funeral.encoffining_at),
        "departure_at": _local_iso(memorial, funeral.departure_at),
        "departure_display": when_display(memorial, funeral.departure_at),
        "time_zone": str(timezones.zone_of(memorial)),
        "burial_place": funeral.burial_place,
        "mourners": [
            {**{k: m.get(k, "") for k in ("relation", "relation_other", "name")}, "chief": bool(m.get("chief"))}
            | {"relation_display": relation_display(memorial, m)}
            for m in funeral.mourners
        ],
        "message": funeral.message,
    }


# --- Checking and writing ----------------------------------------------------------------------

FIELDS = (
    "wording",
    "hall_name",
    "hall_room",
    "hall_address",
    "hall_phone",
    "encoffining_at",
    "departure_at",
    "burial_place",
    "mourners",
    "message",
)
_PHONE = re.compile(r"^\+?[0-9][0-9-]{5,22}[0-9]$")


def clean_phone(value: str) -> str:
    value = (value or "").strip().replace(" ", "-")
    if value and not _PHONE.match(value):
        raise ValidationError(_("Write the phone number with digits and hyphens only, such as 02-1234-5678."))
    return value


def clean_mourners(rows) -> list[dict]:
    """The family's rows, in their order, without the empty ones. Each has a name; its relation
    is one of RELATIONS, or "other" with the relation written out."""
    if not isinstance(rows, list):
        raise ValidationError(_("The family must be a list of people."))
    cleaned = []
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise ValidationError(_("Person %(number)d is not written as a person.") % {"number": number})
        name = str(row.get("name") or "").strip()
        relation = str(row.get("relation") or "").strip()
        other = str(row.get("relation_other") or "").strip()
        if not (name or relation or other):
            continue
        if not name:
            raise ValidationError(_("Person %(number)d has no name.") % {"number": number})
        if relation and relation != OTHER and relation not in RELATIONS:
            raise ValidationError(
                _("Person %(number)d: “%(relation)s” is not one of the relations offered.")
                % {"number": number, "relation": relation}
            )
        if other and not relation:
            relation = OTHER
        if relation == OTHER and not other:
            raise ValidationError(_("Person %(number)d: write how they are related.") % {"number": number})
        if len(name) > 100 or len(other) > 50 or "\n" in name + other:
            raise ValidationError(_("Person %(number)d: the name or relation is too long.") % {"number": number})
        cleaned.append(
            {
                "relation": relation,
                "relation_other": other if relation == OTHER else "",
                "name": name,
                "chief": bool(row.get("chief")),
            }
        )
    if len(cleaned) > MAX_MOURNERS:
        raise ValidationError(_("At most %(limit)d people can be listed.") % {"limit": MAX_MOURNERS})
    return cleaned


def check_times(
    *,
    memorial: Memorial | None,
    died_on: datetime.date | None,
    encoffining_at: datetime.datetime | None,
    departure_at: datetime.datetime | None,
    zone=None,
) -> dict[str, str]:
    """The funeral's times against each other and the date of death: field -> what is wrong."""
    errors = {}
    zone = zone or (timezones.zone_of(memorial) if memorial is not None else timezone.get_current_timezone())
    if departure_at is not None and died_on is not None:
        if timezone.localtime(departure_at, zone).date() < died_on:
            errors["departure_at"] = _("The 발인 (departure) is before the date of death: please check the date.")
    if encoffining_at is not None and died_on is not None and "departure_at" not in errors:
        if timezone.localtime(encoffining_at, zone).date() < died_on:
            errors["encoffining_at"] = _("The 입관 (encoffining) is before the date of death: please check the date.")
    if encoffining_at is not None and departure_at is not None and encoffining_at > departure_at:
        errors["encoffining_at"] = _("The 입관 (encoffining) is after the 발인 (departure): it comes before it.")
    return errors


def clean_fields(memorial: Memorial, fields: dict) -> dict:
    """The notice's fields checked and tidied; ValidationError (field -> message) when any is wrong."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"Unknown funeral fields: {', '.join(sorted(unknown))}")
    errors = {}
    if fields.get("wording") and fields["wording"] not in WORDINGS:
        errors["wording"] = _("Choose one of the words offered, or none.")
    try:
        fields["hall_phone"] = clean_phone(fields.get("hall_phone", ""))
    except ValidationError as exc:
        errors["hall_phone"] = exc.messages[0]
    try:
        fields["mourners"] = clean_mourners(fields.get("mourners") or [])
    except ValidationError as exc:
        errors["mourners"] = exc.messages[0]
    errors.update(
        check_times(
            memorial=memorial,
            died_on=memorial.died_on if memorial.died_precision == Precision.DAY else None,
            encoffining_at=fields.get("encoffining_at"),
            departure_at=fields.get("departure_at"),
        )
    )
    if errors:
        raise ValidationError(errors)
    for name in ("hall_name", "hall_room", "hall_address", "burial_place", "message", "wording"):
        fields[name] = (fields.get(name) or "").strip()
    return fields


def save_funeral(*, memorial: Memorial, **fields) -> Funeral:
    """Write the memorial's notice (made when it has none); the fields left out are emptied.
    Bad input raises ValidationError (field -> message) and changes nothing."""
    fields = clean_fields(memorial, {name: fields.get(name) for name in FIELDS} | fields)
    funeral, _created = Funeral.objects.update_or_create(memorial=memorial, defaults=fields)
    memorial.funeral = funeral
    return funeral


@transaction.atomic
def create_memorial_from_bugo(
    *,
    by,
    full_name: str,
    died_on: datetime.date,
    language: str,
    visibility: str = "unlisted",
    time_zone: str = "",
    **funeral_fields,
) -> Memorial:
    """The memorial and its notice at once: what a family does on a phone within hours."""
    from memorial import services

    memorial = services.create_memorial(
        by=by,
        full_name=full_name,
        died_on=died_on,
        died_precision=Precision.DAY,
        language=language,
        visibility=visibility,
        time_zone=time_zone or timezones.default_for(language),
    )
    save_funeral(memorial=memorial, **funeral_fields)
    return memorial


def delete_funeral(*, memorial: Memorial) -> None:
    """Take the notice off the memorial (the signal bumps the page's rendering)."""
    for funeral in Funeral.objects.filter(memorial=memorial):
        funeral.delete()
    if Memorial.funeral.related.is_cached(memorial):
        Memorial.funeral.related.delete_cached_value(memorial)


# --- The 발인 in a calendar ------------------------------------------------------------------


def location(funeral: Funeral) -> str:
    hall = " ".join(part for part in (funeral.hall_name, funeral.hall_room) if part)
    return ", ".join(part for part in (hall, funeral.hall_address) if part)


def departure_calendar(memorial: Memorial, funeral: Funeral) -> bytes:
    """The 발인 as an iCalendar file: DTSTART in the memorial's time zone (TZID), a UID that stays
    the same for the memorial (a second download updates the event instead of adding one)."""
    import icalendar

    if funeral.departure_at is None:
        raise ValueError("This notice has no 발인.")
    start = timezones.local(memorial, funeral.departure_at)
    host = urllib.parse.urlsplit(settings.SITE_URL).hostname or "localhost"
    if _korean(memorial):
        summary = f"故 {memorial.full_name}님 발인"
    else:
        with translation.override(memorial.language):
            summary = _("Funeral of %(name)s (departure)") % {"name": memorial.full_name}
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//{settings.SITE_NAME}//bugo//")
    calendar.add("version", "2.0")
    event = icalendar.Event()
    event.add("uid", f"balin-{memorial.pk}@{host}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", start)
    event.add("duration", datetime.timedelta(hours=1))
    event.add("summary", summary)
    where = location(funeral)
    if where:
        event.add("location", where)
    event.add("description", f"{notice_line(memorial, funeral)}\n{settings.SITE_URL}{memorial.get_absolute_url()}")
    event.add("url", settings.SITE_URL + memorial.get_absolute_url())
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


# --- What a shared link says while the funeral is near ----------------------------------------


def share_wording(memorial: Memorial, *, recent: bool):
    """The share message and link preview of a memorial whose 부고 stands at the top: the notice's
    first line, the 빈소 and the 발인, as a KakaoTalk 부고 reads (``memorial.share_text``). None
    when there is no notice, or its funeral has passed: the plain lines answer then."""
    funeral = funeral_of(memorial)
    if funeral is None or not is_near(memorial, funeral):
        return None
    line = notice_line(memorial, funeral)
    hall = location(funeral)
    departure = when_display(memorial, funeral.departure_at)
    if _korean(memorial):
        title = f"[부고] 故 {memorial.full_name}님"
        details = [f"빈소: {hall}" if hall else "", f"발인: {departure}" if departure else ""]
    else:
        with translation.override(memorial.language):
            title = _("Funeral notice: %(name)s") % {"name": memorial.full_name}
            details = [
                _("Funeral hall: %(place)s") % {"place": hall} if hall else "",
                _("Departure: %(when)s") % {"when": departure} if departure else "",
            ]
    details = [detail for detail in details if detail]
    message = "\n".join([f"[부고] {line}" if _korean(memorial) else line, *details])
    return ShareText(title=title, message=message, description=" · ".join([line, *details]))
