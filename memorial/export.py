"""Download all memories: one zip of a memorial, packed in the background for its managers.

A manager asks (`request_export`): the export is recorded, then queued once the record is
committed. The worker claims it (queued -> running in one conditional UPDATE) and packs the
zip file by file from storage into a temporary file, so memory stays small however large the
memorial is (`build_export`). The zip lives in the default storage until `expires_at`; the
hourly clean-up deletes it then. Its lifecycle is core.work's: claimed once, beating while it is
packed, taken back when its worker dies (packed again by another, or failed with a reason
after the last attempt).

Layout of the zip (every path inside is made from ids, never from what people typed):

    README.txt            what is in here, and what was left out
    memorial.json         everything as data (format "memoria-export/1")
    index.html            a page that opens in a browser with no server and no network
    originals/photo-<id>.<ext>       the photos exactly as uploaded
    photos/photo-<id>.jpg            screen-size copies, which index.html shows
    artworks/artwork-<id>.png        the paintings
    narrations/artwork-<id>.<ext>    the recorded tribute words
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import shutil
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import work
from memorial import bugo, extensions, permissions
from memorial.comments import exported as exported_comments
from memorial.contributions import approved_stories
from memorial.markdown import render_markdown
from memorial.models import Condolence, Memorial, MemorialExport, Photo, export_path
from memorial.offerings import offering_counts

log = logging.getLogger(__name__)

FORMAT = "memoria-export/1"
HISTORY_SIZE = 10
CHUNK = 1024 * 1024
ACTIVE = (MemorialExport.Status.QUEUED, MemorialExport.Status.RUNNING)
_EXTENSION = re.compile(r"^[a-z0-9]{1,8}$")


def time_to_live() -> timedelta:
    return timedelta(hours=getattr(settings, "EXPORT_TTL_HOURS", 48))


# --- Asking for one ----------------------------------------------------------------------------


def enqueue(export_id: int) -> None:
    """Queue ``memorial.tasks.build_export`` (the "export" kind of core.work, registered in memorial/apps.py)."""
    work.enqueue("export", export_id)


def request_export(*, memorial: Memorial, by) -> MemorialExport:
    """Record an export and queue it after the commit. One at a time per memorial: while one is
    being packed, asking again returns that one."""
    with transaction.atomic():
        active = MemorialExport.objects.filter(memorial=memorial, status__in=ACTIVE).first()
        if active is not None:
            return active
        export = MemorialExport.objects.create(
            memorial=memorial, requested_by=by, expires_at=timezone.now() + time_to_live()
        )
        transaction.on_commit(lambda: enqueue(export.pk))
    return export


def exports_of(memorial: Memorial):
    return MemorialExport.objects.filter(memorial=memorial).select_related("requested_by")[:HISTORY_SIZE]


def is_available(export: MemorialExport) -> bool:
    return export.status == MemorialExport.Status.SUCCEEDED and bool(export.file) and not export.is_expired


def export_failure(export: MemorialExport, user) -> tuple[str, str]:
    """(what the managers read, what staff read) when the download failed; empty strings otherwise."""
    if export.status != MemorialExport.Status.FAILED:
        return "", ""
    plain = _(
        "The download could not be prepared. Nothing in the memorial was changed: please ask for it again "
        "in a few minutes. If it keeps failing, please let us know."
    )
    return plain, (export.error if permissions.sees_error_detail(user) else "")


def export_status(export: MemorialExport, user) -> dict:
    """What the progress bar polls."""
    available = is_available(export)
    error, error_detail = export_failure(export, user)
    return {
        "id": export.pk,
        "status": export.status,
        "status_display": export.get_status_display(),
        "progress": export.progress,
        "finished": export.is_finished,
        "size": export.size,
        "size_display": filesizeformat(export.size) if export.size else "",
        "created_at": export.created_at.isoformat(),
        "finished_at": export.finished_at.isoformat() if export.finished_at else None,
        "expires_at": export.expires_at.isoformat() if export.expires_at else None,
        "expired": export.status == MemorialExport.Status.SUCCEEDED and not available,
        "error": error,
        "error_detail": error_detail,
        "download_url": reverse("memorial:export_download", args=[export.pk]) if available else None,
    }


# --- The worker's side -------------------------------------------------------------------------


class ProgressWriter(work.Progress):
    """Counts the files packed; writes the progress (and so the heartbeat) when it moves, at most
    a few times a second."""

    def __init__(self, export: MemorialExport, total: int, *, clock=time.monotonic):
        super().__init__(export, clock=clock)
        self.total, self.done = max(total, 1), 0
        self._last_value = export.progress

    def advance(self, steps: int = 1) -> None:
        self.done += steps
        value = min(99, self.done * 100 // self.total)
        if value != self._last_value and self.write(value):
            self._last_value = value


@dataclass
class _Entry:
    arcname: str
    storage: object
    name: str
    compression: int = zipfile.ZIP_STORED


@dataclass
class Collector:
    """What goes into the zip. Other apps' parts (``memorial.extensions``) add to it: their data
    under their own key of ``data``, their files with ``add_file``, what they left out (and
    why) in ``left_out``. ``screen_of`` maps each photo the zip shows to its screen copy's
    path in the zip; a hidden photo is not in it, and what belongs to it stays out too."""

    data: dict
    files: list[_Entry] = field(default_factory=list)
    left_out: dict = field(default_factory=dict)
    screen_of: dict[int, str] = field(default_factory=dict)

    def add_file(self, arcname: str, field_file, compression: int = zipfile.ZIP_STORED) -> None:
        self.files.append(_Entry(arcname, field_file.storage, field_file.name, compression))


def build_export(export: MemorialExport, *, clock=time.monotonic) -> MemorialExport | None:
    """Pack the zip of a claimed (running) export and store it. Returns the finished export, or
    None when it was taken back meanwhile (then nothing is kept)."""
    memorial = export.memorial
    with translation.override(memorial.language):
        contents = collect(memorial)
        progress = ProgressWriter(export, total=len(contents.files) + 3, clock=clock)
        stamp = timezone.localtime().timetuple()[:6]
        with tempfile.TemporaryFile(suffix=".zip") as spool:
            with zipfile.ZipFile(spool, "w", allowZip64=True) as archive:
                missing = []
                for entry in contents.files:
                    if progress.should_stop():
                        raise work.Stopped()
                    if not _copy_into(archive, entry, stamp):
                        missing.append(entry.arcname)
                    progress.advance()
                data = _without(contents.data, set(missing))
                data["missing_files"] = missing
                _write_text(archive, "memorial.json", json.dumps(data, ensure_ascii=False, indent=2), stamp)
                progress.advance()
                page = render_to_string("memorial/export_offline.html", {"data": data, "site_name": settings.SITE_NAME})
                _write_text(archive, "index.html", page, stamp)
                progress.advance()
                _write_text(archive, "README.txt", readme(data, contents.left_out, missing), stamp)
            size = spool.tell()
            spool.seek(0)
            name = default_storage.save(export_path(export, "export.zip"), File(spool, name="export.zip"))
    now = timezone.now()
    finished = work.finish(export, file=name, size=size, finished_at=now, expires_at=now + time_to_live(), error="")
    if not finished:
        with contextlib.suppress(Exception):
            default_storage.delete(name)
        return None
    export.refresh_from_db()
    return export


def failure_reason(error: BaseException) -> str:
    """What the managers read when the download could not be made."""
    log.error("export failed", exc_info=error)
    return _("The download could not be prepared: %(reason)s") % {"reason": f"{error.__class__.__name__}: {error}"}


def _copy_into(archive: zipfile.ZipFile, entry: _Entry, stamp) -> bool:
    """Stream one stored file into the zip. False when it is missing from storage."""
    try:
        size = entry.storage.size(entry.name)
        source = entry.storage.open(entry.name, "rb")
    except FileNotFoundError:
        log.warning("export: %s is missing from storage", entry.name)
        return False
    info = zipfile.ZipInfo(entry.arcname, stamp)
    info.compress_type = entry.compression
    info.external_attr = 0o644 << 16
    info.file_size = size
    with source, archive.open(info, "w") as target:
        shutil.copyfileobj(source, target, CHUNK)
    return True


def _write_text(archive: zipfile.ZipFile, arcname: str, text: str, stamp) -> None:
    info = zipfile.ZipInfo(arcname, stamp)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, text.encode("utf-8"))


def _without(value, missing: set):
    """The data with references to files that could not be packed set to None."""
    if isinstance(value, dict):
        return {key: _without(item, missing) for key, item in value.items()}
    if isinstance(value, list):
        return [_without(item, missing) for item in value]
    if isinstance(value, str) and value in missing:
        return None
    return value


# --- What goes in ------------------------------------------------------------------------------


def safe_extension(name: str, default: str) -> str:
    """The file name's extension when it is short and plain, else ``default`` (paths in the zip
    are made from ids, never from what people typed)."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name.rsplit("/", 1)[-1] else ""
    return extension if _EXTENSION.match(extension) else default


def _iso(value):
    return value.isoformat() if value else None


def _date(value, precision, display):
    return {"date": _iso(value), "precision": precision, "display": display} if value else None


def collect(memorial: Memorial) -> Collector:
    """Everything to pack, as JSON-ready data and a list of files (read in a fixed number of queries)."""
    contents = Collector(data={})
    files = contents.files

    photos = list(
        Photo.objects.filter(album__memorial=memorial, deleted_at__isnull=True, album__deleted_at__isnull=True)
        .select_related("album")
        .order_by("album__created_at", "album_id", "created_at", "pk")
    )
    shown = [photo for photo in photos if not photo.hidden]
    shown_ids = {photo.pk for photo in shown}
    screen_of = contents.screen_of
    photos_by_album: dict[int, list] = {}
    comments_on_photos = exported_comments(memorial, Photo)
    for photo in shown:
        original = f"originals/photo-{photo.pk}.{safe_extension(photo.original.name, 'bin')}"
        screen = f"photos/photo-{photo.pk}.jpg"
        files.append(_Entry(original, photo.original.storage, photo.original.name))
        files.append(_Entry(screen, photo.screen.storage, photo.screen.name))
        screen_of[photo.pk] = screen
        photos_by_album.setdefault(photo.album_id, []).append(
            {
                "id": photo.pk,
                "caption": photo.caption,
                "taken_at": _iso(photo.taken_at),
                "taken_display": timezone.localtime(photo.taken_at).date().isoformat() if photo.taken_at else "",
                "uploaded_at": _iso(photo.created_at),
                "original_name": photo.original_name,
                "original_format": photo.original_format,
                "width": photo.width,
                "height": photo.height,
                "sha256": photo.sha256,
                "original": original,
                "screen": screen,
                "screen_width": photo.screen_width,
                "screen_height": photo.screen_height,
                "comments": comments_on_photos.get(photo.pk, []),
            }
        )

    albums = [
        {
            "id": album.pk,
            "title": album.title,
            "description": album.description,
            "photos": photos_by_album.get(album.pk, []),
        }
        for album in memorial.albums.filter(deleted_at__isnull=True)
    ]

    condolences = Condolence.objects.filter(memorial=memorial).select_related("author").order_by("created_at", "pk")
    published, held = [], 0
    for condolence in condolences:
        if condolence.status != Condolence.Status.PUBLISHED:
            held += 1
            continue
        published.append(
            {
                "name": condolence.display_name,
                "relation": condolence.relation,
                "message": condolence.message,
                "created_at": _iso(condolence.created_at),
                "date_display": timezone.localtime(condolence.created_at).date().isoformat(),
            }
        )

    cover = memorial.cover_photo_id if memorial.cover_photo_id in shown_ids else None
    contents.data = {
        "format": FORMAT,
        "exported_at": timezone.now().isoformat(),
        "memorial": {
            "id": memorial.pk,
            "full_name": memorial.full_name,
            "name_other_script": memorial.name_other_script,
            "slug": memorial.slug,
            "address": settings.SITE_URL + memorial.get_absolute_url(),
            "born": _date(memorial.born_on, memorial.born_precision, memorial.born_display),
            "died": _date(memorial.died_on, memorial.died_precision, memorial.died_display),
            "place": memorial.place,
            "language": memorial.language,
            "visibility": memorial.visibility,
            "created_at": _iso(memorial.created_at),
            "cover_photo": screen_of.get(cover),
            "life_story": {"markdown": memorial.life_story, "html": str(render_markdown(memorial.life_story))},
            # 마음 전하실 곳: the family's accounts for condolence money, and whether visitors saw them.
            "condolence_accounts": {
                "shown": memorial.condolence_accounts_shown,
                "accounts": [account.as_record() for account in memorial.condolence_accounts.all()],
            },
        },
        "timeline": [
            {
                "kind": event.kind,
                "kind_display": str(event.get_kind_display()),
                "date": event.happened_on.isoformat(),
                "precision": event.precision,
                "date_display": event.date_display,
                "title": event.title,
                "description": event.description,
            }
            for event in memorial.events.all()
        ],
        "albums": albums,
        "artworks": [],  # the generation app's part fills it in (memorial.extensions)
        "condolences": published,
        "friends_memories": [
            {
                "name": story.display_name,
                "story": story.story,
                "created_at": _iso(story.created_at),
            }
            for story in approved_stories(memorial)
        ],
        "offerings": offering_counts(memorial),
        "funeral": bugo.export_data(memorial),  # the 부고, or null
    }
    contents.left_out = {
        "hidden_photos": len(photos) - len(shown),
        "artworks_of_hidden_photos": 0,
        "condolences_not_published": held,
    }
    for add_part in extensions.export_parts():
        add_part(memorial, contents)
    contents.data["left_out"] = dict(contents.left_out)
    return contents


def readme(data: dict, left_out: dict, missing: list[str]) -> str:
    """The zip's README.txt, in the memorial's language (the caller activates it)."""
    memorial = data["memorial"]
    photos = sum(len(album["photos"]) for album in data["albums"])
    artworks = len(data["artworks"])
    hidden, hidden_art = left_out["hidden_photos"], left_out["artworks_of_hidden_photos"]
    held = left_out["condolences_not_published"]
    lines = [
        _("All memories of %(name)s") % {"name": memorial["full_name"]},
        _("Downloaded from %(site)s on %(date)s.") % {"site": settings.SITE_NAME, "date": data["exported_at"][:10]},
        "",
        _("Open index.html in any web browser: it works without a network connection."),
        "",
        _("What is in here:"),
        "  index.html       " + _("the memorial as a page: life story, timeline, photos, paintings, messages"),
        "  memorial.json    " + _("the same as data, for other programs (format %(format)s)") % {"format": FORMAT},
        "  originals/       "
        + ngettext(
            "%(count)d photo exactly as it was uploaded (with its metadata, such as where it was taken)",
            "%(count)d photos exactly as they were uploaded (with their metadata, such as where they were taken)",
            photos,
        )
        % {"count": photos},
        "  photos/          " + _("the same photos at screen size"),
        "  artworks/        "
        + ngettext("%(count)d painting made from the photos", "%(count)d paintings made from the photos", artworks)
        % {"count": artworks},
        "  narrations/      " + _("the tribute words of each painting, spoken"),
        "",
        _("Files are named by number (photo-12.jpg, artwork-3.png); memorial.json and index.html say which is which."),
        "",
        _("What was left out:"),
        "  "
        + ngettext("%(count)d photo hidden by a moderator,", "%(count)d photos hidden by a moderator,", hidden)
        % {"count": hidden}
        + " "
        + ngettext("and %(count)d painting made from them;", "and %(count)d paintings made from them;", hidden_art)
        % {"count": hidden_art},
        "  "
        + ngettext(
            "%(count)d message that was not published (waiting for approval, rejected, or hidden after reports).",
            "%(count)d messages that were not published (waiting for approval, rejected, or hidden after reports).",
            held,
        )
        % {"count": held},
    ]
    if missing:
        lines += ["", _("These files could not be found in storage when the download was made:")]
        lines += [f"  {name}" for name in missing]
    return "\n".join(lines) + "\n"


# --- Expiry and clean-up -----------------------------------------------------------------------


def expired_exports():
    """Exports past their time whose zip is still stored."""
    return MemorialExport.objects.filter(expires_at__lte=timezone.now()).exclude(file="")


def delete_expired_exports() -> int:
    """Delete the zips of expired exports; the records stay, so the page can say they expired."""
    count = 0
    for export in expired_exports():
        name = export.file.name
        if MemorialExport.objects.filter(pk=export.pk, file=name).update(file="") != 1:
            continue
        try:
            export.file.storage.delete(name)
        except FileNotFoundError:
            pass
        except Exception:  # a storage outage: the orphan is reported, the next run goes on
            log.exception("could not delete export %s (%s)", export.pk, name)
        count += 1
    return count
