"""What other apps add to a memorial, registered by them: memorial imports none of them.

The generation app registers its paintings here from its ``AppConfig.ready()``:

- **a gallery**: ``(memorial, user, *, photo=None, limit=None) -> list`` of the items the
  memorial page (and a photo's page, with ``photo``) shows beside the photos, already
  filtered for what ``user`` may see;
- **export parts**: ``(memorial, collector) -> None``, adding their data and files to
  "Download all memories" through ``memorial.export.Collector``;
- **bin kinds**: a ``memorial.bin.BinKind`` each: what the app's people delete (paintings) goes
  into the memorial's bin, is listed there for its managers to restore, and is purged with it.
- **members-page parts**: ``(request, memorial) -> dict | None``, a part of the members page
  (``{"template": ..., **context}``, included with the dict as ``part``), such as the studio keys;
- **storage users**: ``(memorial) -> int``, the bytes their files of the memorial take, counted
  with the photos against the memorial's storage quota (``memorial.quota``).
- **face boxes**: ``(photo) -> list`` of ``(left, top, right, bottom)`` shares (0..1) of the
  photo where faces were found (the painter's likeness check stores them): the link preview's
  card keeps them in frame (``memorial.link_preview``).

Without a registration the memorial shows and exports its own things only.
"""

from __future__ import annotations

from collections.abc import Callable

_galleries: dict[str, Callable] = {}
_export_parts: dict[str, Callable] = {}
_storage_users: dict[str, Callable] = {}


def register_gallery(name: str, items: Callable) -> None:
    _galleries[name] = items


def register_export_part(name: str, part: Callable) -> None:
    _export_parts[name] = part


def register_storage_user(name: str, used_bytes: Callable) -> None:
    _storage_users[name] = used_bytes


def storage_used(memorial) -> int:
    """The bytes every other app's files of this memorial take (0 when none registered)."""
    return sum(int(used(memorial) or 0) for used in _storage_users.values())


def gallery(name: str, memorial, user, *, photo=None, limit: int | None = None) -> list:
    """The items of the gallery ``name`` (an empty list when no app provides it)."""
    items = _galleries.get(name)
    return list(items(memorial, user, photo=photo, limit=limit)) if items else []


def export_parts() -> list[Callable]:
    return list(_export_parts.values())


_bin_kinds: dict[str, object] = {}


def register_bin_kind(kind) -> None:
    """A ``memorial.bin.BinKind``: what the app's people delete goes into the memorial's bin."""
    _bin_kinds[kind.name] = kind


def bin_kinds() -> list:
    return list(_bin_kinds.values())


_face_boxes: dict[str, Callable] = {}


def register_face_boxes(name: str, boxes: Callable) -> None:
    _face_boxes[name] = boxes


def face_boxes(photo) -> list:
    """The faces of ``photo`` some app knows of, as shares of the photo (empty when none does)."""
    for boxes in _face_boxes.values():
        found = list(boxes(photo) or [])
        if found:
            return found
    return []


_members_parts: dict[str, Callable] = {}


def register_members_part(name: str, part: Callable) -> None:
    _members_parts[name] = part


def members_parts(request, memorial) -> list[dict]:
    """The parts other apps add to the members page (those answering None are left out)."""
    parts = (part(request, memorial) for part in _members_parts.values())
    return [part for part in parts if part]
