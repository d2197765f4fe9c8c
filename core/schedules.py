"""The worker's schedules, kept in step with ``settings.SCHEDULES`` (the one place they are declared).

django-q2 keeps its schedules as rows; ``sync_schedules()`` makes the rows say what the code
says: a declared schedule is created, or updated where its task or timing changed (its next
run is kept, so a sync at every start does not run anything early or late); a repeating
schedule of this project's tasks that is no longer declared is deleted. One-off schedules (a
webhook's retry) are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

# Tasks of this project's packages: a repeating schedule of one of them that is not declared is stale.
OWN_PACKAGES = ("config.", "core.", "accounts.", "memorial.", "generation.")
FIELDS = ("func", "schedule_type", "minutes", "repeats", "cluster")


@dataclass
class SyncResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def declared() -> list[dict]:
    """``settings.SCHEDULES`` with defaults filled in, checked: a wrong entry names itself."""
    from django_q.models import Schedule

    kinds = {choice for choice, _ in Schedule.TYPE}
    seen, result = set(), []
    for entry in settings.SCHEDULES:
        name, func, kind = entry.get("name"), entry.get("func"), entry.get("schedule_type")
        if not name or not func or "." not in func:
            raise ValueError(f"SCHEDULES entry {entry!r} needs a name and a dotted task path")
        if name in seen:
            raise ValueError(f"SCHEDULES declares {name!r} twice")
        if kind not in kinds:
            raise ValueError(f"SCHEDULES entry {name!r}: schedule_type {kind!r} is not one of {sorted(kinds)}")
        if kind == Schedule.MINUTES and not entry.get("minutes"):
            raise ValueError(f"SCHEDULES entry {name!r}: schedule_type 'I' needs minutes")
        seen.add(name)
        result.append(
            {
                "name": name,
                "func": func,
                "schedule_type": kind,
                "minutes": entry.get("minutes") if kind == Schedule.MINUTES else None,
                "repeats": -1,
                "cluster": entry.get("cluster"),
            }
        )
    return result


@transaction.atomic
def sync_schedules() -> SyncResult:
    from django_q.models import Schedule

    result = SyncResult()
    wanted = declared()
    names = {entry["name"] for entry in wanted}
    for entry in wanted:
        values = {key: entry[key] for key in FIELDS}
        row = Schedule.objects.select_for_update().filter(name=entry["name"]).first()
        if row is None:
            Schedule.objects.create(name=entry["name"], **values)
            result.created.append(entry["name"])
        elif any(getattr(row, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            row.save()
            result.updated.append(entry["name"])
        else:
            result.unchanged.append(entry["name"])
    stale = Schedule.objects.exclude(name__in=names).filter(repeats__lt=0)  # repeating ones only
    for row in stale:
        if row.func.startswith(OWN_PACKAGES):
            result.deleted.append(row.name or f"#{row.pk}")
            row.delete()
    return result
