"""Memorials, their timeline and albums: the writes."""

from __future__ import annotations

import datetime
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from memorial import timezones
from memorial.models import Album, Membership, Memorial, Role, TimelineEvent

MEMORIAL_FIELDS = (
    "full_name",
    "name_other_script",
    "born_on",
    "born_precision",
    "died_on",
    "died_precision",
    "born_calendar",
    "born_lunar",
    "born_leap_month",
    "died_calendar",
    "died_lunar",
    "died_leap_month",
    "remembrance_calendar",
    "place",
    "life_story",
    "language",
    "time_zone",
    "visibility",
    "condolence_policy",
)


@transaction.atomic
def create_memorial(*, by, full_name: str, **fields) -> Memorial:
    unknown = set(fields) - set(MEMORIAL_FIELDS)
    if unknown:
        raise TypeError(f"Unknown memorial fields: {', '.join(sorted(unknown))}")
    if not fields.get("time_zone"):
        fields["time_zone"] = timezones.default_for(fields.get("language") or settings.LANGUAGE_CODE)
    memorial = Memorial.objects.create(full_name=full_name.strip(), created_by=by, **fields)
    Membership.objects.create(memorial=memorial, user=by, role=Role.OWNER)
    Album.objects.create(memorial=memorial, title=default_album_title(memorial), created_by=by)
    return memorial


def default_album_title(memorial: Memorial) -> str:
    return "사진" if memorial.language == "ko" else "Photos"


def update_memorial(*, memorial: Memorial, by=None, base_version: int | None = None, **fields) -> Memorial:
    """Change the memorial's fields. With ``base_version`` (the ``edit_version`` the edit started
    from), an edit that started before someone else's saved edit is refused, changing nothing
    (``editing.EditConflict``, which says what changed since). Every edit that changes something
    bumps ``edit_version`` and is recorded (memorial/editing.py)."""
    from memorial import editing

    allowed = set(MEMORIAL_FIELDS) | {"cover_photo"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"Unknown memorial fields: {', '.join(sorted(unknown))}")
    if "cover_photo" in fields and fields["cover_photo"] is not None:
        if fields["cover_photo"].album.memorial_id != memorial.pk:
            raise ValueError("The cover photo must come from this memorial.")
    with transaction.atomic():
        current = Memorial.objects.select_for_update().get(pk=memorial.pk)  # one edit at a time
        if base_version is not None and base_version != current.edit_version:
            raise editing.EditConflict(current, editing.changes_since(current, base_version), base_version)
        before = editing.snapshot(current)
        for name, value in fields.items():
            setattr(current, name, value)
        if editing.snapshot(current) != before:
            current.edit_version += 1
        current.save()
        editing.record(memorial=current, before=before, by=by)
    memorial.refresh_from_db()
    return memorial


def add_timeline_event(
    *,
    memorial: Memorial,
    kind: str,
    happened_on: datetime.date,
    precision: str,
    title: str = "",
    description: str = "",
    calendar: str = "solar",
    lunar: str = "",
    leap_month: bool = False,
) -> TimelineEvent:
    """One event of a life; ``lunar`` is the lunar date as entered when ``calendar`` is lunar
    (``happened_on`` its solar date: memorial/dates.entered_date gives both)."""
    return TimelineEvent.objects.create(
        memorial=memorial,
        kind=kind,
        happened_on=happened_on,
        precision=precision,
        title=title,
        description=description,
        calendar=calendar,
        lunar=lunar if calendar == "lunar" else "",
        leap_month=leap_month if calendar == "lunar" else False,
    )


def create_album(*, memorial: Memorial, title: str, by, description: str = "") -> Album:
    return Album.objects.create(memorial=memorial, title=title.strip(), description=description, created_by=by)


def update_album(*, album: Album, title: str | None = None, description: str | None = None) -> Album:
    changed = []
    if title is not None:
        album.title, changed = title.strip(), changed + ["title"]
    if description is not None:
        album.description, changed = description.strip(), changed + ["description"]
    if changed:
        album.save(update_fields=changed)
    return album


def delete_album(*, album: Album, by=None) -> Album:
    """Into the memorial's bin with its photos: hidden from everyone, restorable for MEMORIAL_RESTORE_DAYS."""
    from memorial import bin

    return bin.move_to_bin(item=album, by=by)


def delete_memorial(*, memorial: Memorial, by=None) -> Memorial:
    """Hide the memorial at once; purge_deleted_memorials destroys it after MEMORIAL_RESTORE_DAYS."""
    if memorial.deleted_at is None:
        memorial.deleted_at = timezone.now()
        memorial.deleted_by = by
        memorial.save(update_fields=["deleted_at", "deleted_by"])
    return memorial


def restore_memorial(*, memorial: Memorial, by=None) -> Memorial:
    """Bring a deleted memorial back, as it was. When it has no owner any more (its owner deleted
    their account), the person restoring it becomes its owner (a manager of it, or, through the
    admin, the highest-ranking member left)."""
    from memorial import moderation
    from memorial.permissions import RANK

    with transaction.atomic():
        Memorial.objects.select_for_update().filter(pk=memorial.pk).first()  # waits for a purge running on it
        memorial.deleted_at = None
        memorial.deleted_by = None
        memorial.save(update_fields=["deleted_at", "deleted_by"])
        if not Membership.objects.filter(memorial=memorial, role=Role.OWNER).exists():
            members = Membership.objects.filter(memorial=memorial)
            heir = members.filter(user=by).first() if getattr(by, "is_authenticated", False) else None
            if heir is None:
                heir = max(members, key=lambda m: (RANK.get(m.role, 0), -m.pk), default=None)
            if heir is not None:
                heir.role = Role.OWNER
                heir.save(update_fields=["role"])
        moderation.record(moderator=by, action="restore_memorial", target=memorial, memorial=memorial)
    return memorial


def destroy_memorial(*, memorial: Memorial) -> None:
    memorial.delete()  # everything it holds, files included, goes after the commit


def purge_candidates(*, now=None) -> list[int]:
    limit = (now or timezone.now()) - timedelta(days=settings.MEMORIAL_RESTORE_DAYS)
    return list(Memorial.objects.filter(deleted_at__lt=limit).values_list("pk", flat=True))


def purge_memorial(memorial_id: int, *, now=None) -> bool:
    """Destroy one deleted memorial if it is still deleted and its time is up: read again under a
    row lock right before, so one restored since the purge chose it survives."""
    limit = (now or timezone.now()) - timedelta(days=settings.MEMORIAL_RESTORE_DAYS)
    with transaction.atomic():
        memorial = Memorial.objects.select_for_update().filter(pk=memorial_id, deleted_at__lt=limit).first()
        if memorial is None:
            return False
        destroy_memorial(memorial=memorial)
    return True


def purge_deleted_memorials(*, now=None) -> list[int]:
    """Scheduled daily: destroy the memorials deleted more than MEMORIAL_RESTORE_DAYS ago."""
    return [pk for pk in purge_candidates(now=now) if purge_memorial(pk, now=now)]
