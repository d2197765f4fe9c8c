"""Edits of a memorial that do not overwrite each other.

Every edit of a memorial's own fields (the edit page's form, the API's PATCH and PUT) carries the
version it started from (``Memorial.edit_version``: the page's form holds it in a hidden field,
the API gives it as the ETag and the ``version`` field). A save that started from an older version
is refused, changing nothing (``EditConflict``): the person is shown what changed since, field by
field and by whom ("visibility: public → private, by Owner"), and keeps what they typed.

Each saved edit leaves a ``MemorialEdit`` (the fields' values before and after), which is what
those changes are read from; a change of visibility is also recorded in the audit trail
(``moderation.record``).
"""

from __future__ import annotations

from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from memorial.dates import entered_input
from memorial.models import Memorial, MemorialEdit

# What a person edits, each as the text the edit form holds: the two partial dates are one field each.
FIELDS = (
    "full_name",
    "name_other_script",
    "born",
    "born_calendar",
    "born_leap_month",
    "died",
    "died_calendar",
    "died_leap_month",
    "remembrance_calendar",
    "place",
    "life_story",
    "language",
    "visibility",
    "condolence_policy",
)
LABELS = {
    "full_name": gettext_lazy("full name"),
    "name_other_script": gettext_lazy("name in another script"),
    "born": gettext_lazy("born"),
    "died": gettext_lazy("died"),
    "born_calendar": gettext_lazy("birth date's calendar"),
    "born_leap_month": gettext_lazy("born in a leap month (윤달)"),
    "died_calendar": gettext_lazy("date of death's calendar"),
    "died_leap_month": gettext_lazy("died in a leap month (윤달)"),
    "remembrance_calendar": gettext_lazy("remembrance days by"),
    "place": gettext_lazy("place"),
    "life_story": gettext_lazy("life story"),
    "language": gettext_lazy("language"),
    "visibility": gettext_lazy("visibility"),
    "condolence_policy": gettext_lazy("condolences"),
}
SHORT = 120  # longer values (a life story) are shown cut to this many characters


class EditConflict(Exception):
    """The edit started from an older version: nothing was saved. ``changes`` are the edits made
    since, ``memorial`` is the memorial as it is now."""

    def __init__(self, memorial: Memorial, changes: list[MemorialEdit], base_version: int):
        self.memorial = memorial
        self.changes = changes
        self.base_version = base_version
        super().__init__(_("Someone else saved changes to this memorial while you were editing it."))

    @property
    def current_version(self) -> int:
        return self.memorial.edit_version

    def lines(self) -> list[str]:
        return describe(self.changes)


def snapshot(memorial: Memorial) -> dict[str, str]:
    """The memorial's editable fields, each as text."""
    values = {}
    for name in FIELDS:
        if name in ("born", "died"):
            values[name] = entered_input(memorial, name)  # a lunar date as it was entered
        elif name.endswith("_leap_month"):
            values[name] = "on" if getattr(memorial, name) else ""  # as a checkbox posts it
        else:
            values[name] = _text(getattr(memorial, name))
    return values


def _text(value) -> str:
    return "" if value is None else str(value).replace("\r\n", "\n").strip()


def parse_version(value) -> int | None:
    """A version as a client sent it (``3``, ``"3"``, an ETag ``"\\"3\\""`` or ``W/"3"``); None when absent or unreadable."""
    if value is None:
        return None
    text = str(value).strip()
    if text.startswith("W/"):
        text = text[2:]
    text = text.strip('"')
    return int(text) if text.isdigit() and len(text) <= 9 else None


def etag(memorial: Memorial) -> str:
    return f'"{memorial.edit_version}"'


def changes_since(memorial: Memorial, version: int) -> list[MemorialEdit]:
    return list(MemorialEdit.objects.filter(memorial=memorial, version__gt=version).order_by("version", "pk"))


def describe(edits: list[MemorialEdit]) -> list[str]:
    """ "visibility: public → private, by Owner" for each field each edit changed."""
    lines = []
    for edit in edits:
        for name, (before, after) in edit.changes.items():
            lines.append(
                _("%(field)s: %(before)s → %(after)s, by %(who)s")
                % {
                    "field": LABELS.get(name, name),
                    "before": _short(before, around=_first_difference(before, after)) or _("(empty)"),
                    "after": _short(after, around=_first_difference(before, after)) or _("(empty)"),
                    "who": edit.by_name or _("someone"),
                }
            )
    return lines


def _flat(value) -> str:
    return " ".join((value or "").split())


def _first_difference(before, after) -> int:
    """Where two values (as shown, on one line) first differ."""
    before, after = _flat(before), _flat(after)
    index = 0
    for a, b in zip(before, after, strict=False):
        if a != b:
            break
        index += 1
    return index


def _short(value, *, around: int = 0) -> str:
    """A value cut to SHORT characters around where the change is, so that two long versions of a
    life story that start alike do not look the same."""
    value = _flat(value)
    if len(value) <= SHORT:
        return value
    start = max(0, min(around - SHORT // 3, len(value) - SHORT))
    end = start + SHORT
    return ("…" if start else "") + value[start:end].strip() + ("…" if end < len(value) else "")


def base_values(memorial: Memorial, edits: list[MemorialEdit]) -> dict[str, str]:
    """What the editable fields held at the version before ``edits``: now's values, each change undone."""
    values = snapshot(memorial)
    for edit in reversed(edits):
        for name, (before, _after) in edit.changes.items():
            values[name] = before
    return values


def reapply(conflict: EditConflict, typed: dict[str, str]) -> dict[str, str]:
    """The form to show after a conflict: the fields the person changed keep what they typed; the
    others show what they hold now (so saving again applies only their own changes)."""
    base = base_values(conflict.memorial, conflict.changes)
    now = snapshot(conflict.memorial)
    merged = {}
    for name in FIELDS:
        mine = _text(typed.get(name, ""))
        merged[name] = typed.get(name, "") if mine != base.get(name, "") else now[name]
    return merged


def record_outside_edit(*, memorial: Memorial, before: dict[str, str], by, audit: bool = True) -> MemorialEdit | None:
    """A change saved another way (the admin): it makes the edits started before it stale too
    (``edit_version`` is bumped) and is recorded like the others."""
    if snapshot(memorial) == before:
        return None
    Memorial.objects.filter(pk=memorial.pk).update(edit_version=F("edit_version") + 1)
    memorial.refresh_from_db(fields=["edit_version"])
    return record(memorial=memorial, before=before, by=by, audit=audit)


def record(*, memorial: Memorial, before: dict[str, str], by, audit: bool = True) -> MemorialEdit | None:
    """After a save: leave a MemorialEdit of what changed (None when nothing did), and an audit
    record for a change of visibility (unless ``audit`` is False: the caller records its own).
    The caller has bumped ``memorial.edit_version``."""
    from memorial import moderation

    after = snapshot(memorial)
    changes = {name: [before[name], after[name]] for name in FIELDS if before[name] != after[name]}
    if not changes:
        return None
    signed_in = getattr(by, "is_authenticated", False)
    edit = MemorialEdit.objects.create(
        memorial=memorial,
        version=memorial.edit_version,
        by=by if signed_in else None,
        by_name=(str(by) if signed_in else "")[:200],
        changes=changes,
    )
    if audit and "visibility" in changes:
        moderation.record(
            moderator=by,
            action="change_visibility",
            target=memorial,
            memorial=memorial,
            note=f"visibility {changes['visibility'][0]} -> {changes['visibility'][1]}",
        )
    return edit
