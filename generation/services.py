"""Artworks: asking for one, cancelling, retrying, publishing, editing its words."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_q.tasks import async_task

from core import work
from generation import painting_settings
from generation.models import Artwork, JobStage, JobStatus, Style, StylizationJob, TributeText
from generation.subjects import clean_subject
from memorial import bin, moderation, permissions, quota

MAX_ACTIVE_JOBS_PER_PERSON = 5
MAX_TRIBUTE_CHARS = 2000


class ArtworkRefused(ValueError):
    pass


class JobAlreadyEnded(ValueError):
    """The job has succeeded or failed: there is nothing to cancel. The message says so."""


def enqueue(job_id: int) -> None:
    work.enqueue("painting", job_id)


class SettingsRefused(ArtworkRefused):
    """A bad setting of the painting: the message names it and its value; ``field`` is its name
    (generation/painting_settings.py's dotted name, such as ``controlnet.depth.weight``)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def request_artwork(
    *,
    photo,
    style: Style,
    by,
    language: str | None = None,
    seed: int | None = None,
    subject: str = "",
    settings: dict | None = None,
    studio_key=None,
    studio_request: dict | None = None,
) -> StylizationJob:
    """Record the job, then queue it once the record is committed. Returns at once.

    ``subject``: what the painting shows, in a few English words for the painter (see
    `generation.subjects`); empty for a neutral one. The photo's caption never reaches the prompt.
    ``settings``: the painting's parameters the member chose (generation/painting_settings.py),
    the style's for the rest; a ``seed`` among them is the job's seed unless ``seed`` is given.
    ``studio_key``: the key of the AUTOMATIC1111-compatible API it was asked for with (generation/sdapi.py),
    ``studio_request`` that request as understood, kept with the job."""
    try:
        subject = clean_subject(subject)
    except ValidationError as exc:
        raise ArtworkRefused(exc.messages[0]) from None
    try:
        chosen = painting_settings.clean(settings, style)
    except painting_settings.SettingsError as exc:
        raise SettingsRefused(exc.field, str(exc)) from None
    if seed is None:
        seed = chosen["seed"]
    if not style.is_active:
        raise ArtworkRefused(_("This style is no longer offered. Please choose another."))
    if photo.hidden:
        raise ArtworkRefused(_("This photo has been hidden by a moderator."))
    if permissions.is_binned_photo(photo):
        raise ArtworkRefused(_("This photo is in the bin. Restore it first."))
    active = StylizationJob.objects.filter(requested_by=by, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).count()
    if active >= MAX_ACTIVE_JOBS_PER_PERSON:
        raise ArtworkRefused(
            _("You already have %(count)d paintings on the way. Please wait for one to finish.") % {"count": active}
        )
    memorial = photo.album.memorial
    if quota.usage(memorial).full:
        raise ArtworkRefused(
            _(
                "This memorial's storage is full, so no more paintings can be made. A manager can make room by "
                "deleting photos or paintings the family does not need."
            )
        )
    with transaction.atomic():
        job = StylizationJob.objects.create(
            photo=photo,
            memorial=memorial,
            style=style,
            requested_by=by,
            language=language or memorial.language,
            seed=seed if seed is not None else painting_settings.new_seed(),
            subject=subject,
            settings=painting_settings.for_job(chosen),
            studio_key=studio_key,
            studio_request=studio_request or {},
        )
        transaction.on_commit(lambda: enqueue(job.pk))
    return job


def paint_again(*, artwork: Artwork, by, vary: bool = False) -> StylizationJob:
    """A new job for the same photo, style, subject and settings as ``artwork``'s: with its seed
    (the same painting again), or with a new one (``vary``: another painting of the same kind)."""
    job = artwork.job
    return request_artwork(
        photo=artwork.photo,
        style=artwork.style,
        by=by,
        language=job.language,
        seed=painting_settings.new_seed() if vary else job.seed,
        subject=job.subject,
        settings=job.settings or None,
    )


def cancel_job(*, job: StylizationJob, by=None, note: str = "") -> StylizationJob:
    """A queued job ends at once; a running one stops at the painter's next step. Cancelling a
    cancelled job changes nothing; a job that succeeded or failed raises ``JobAlreadyEnded``.
    A manager cancelling someone else's painting leaves a moderation record."""
    job.refresh_from_db(fields=["status"])
    if job.status == JobStatus.SUCCEEDED:
        raise JobAlreadyEnded(_("This painting has already finished."))
    if job.status == JobStatus.FAILED:
        raise JobAlreadyEnded(_("This painting has already failed; it can be tried again instead."))
    changed = work.cancel("painting", job.pk)
    job.refresh_from_db()
    if changed and by is not None and not permissions.cancels_own_job(by, job):
        moderation.record(moderator=by, action="cancel_job", target=job, memorial=job.memorial, note=note)
    return job


def retry_job(*, job: StylizationJob, by=None) -> bool:
    """A failed or cancelled job is queued again (a moderator's or member's second try)."""
    with transaction.atomic():
        again = StylizationJob.objects.filter(pk=job.pk, status__in=[JobStatus.FAILED, JobStatus.CANCELLED]).update(
            status=JobStatus.QUEUED,
            stage=JobStage.WAITING,
            progress=0,
            attempts=0,
            error="",
            cancel_requested=False,
            finished_at=None,
            heartbeat_at=None,
            worker="",
        )
        if again:
            if by is not None:
                moderation.record(moderator=by, action="retry_job", target=job, memorial=job.memorial)
            transaction.on_commit(lambda: enqueue(job.pk))
    return bool(again)


def publish_artwork(*, artwork: Artwork, by, published: bool = True) -> Artwork:
    artwork.published = published
    artwork.published_at = timezone.now() if published else None
    artwork.published_by = by if published else None
    artwork.save(update_fields=["published", "published_at", "published_by"])
    moderation.record(
        moderator=by,
        action="publish_artwork" if published else "unpublish_artwork",
        target=artwork,
        memorial=artwork.memorial,
    )
    return artwork


def delete_artwork(*, artwork: Artwork, by) -> Artwork:
    """Into the memorial's bin: hidden from everyone, restorable by the managers for
    MEMORIAL_RESTORE_DAYS, then purged with its image and recording (memorial/bin.py)."""
    return bin.move_to_bin(item=artwork, by=by, memorial=artwork.memorial)


def destroy_artwork(*, artwork: Artwork, by) -> None:
    """At once, without the bin: the site's moderators removing a painting from the admin."""
    with transaction.atomic():
        moderation.record(moderator=by, action="delete_artwork", target=artwork, memorial=artwork.memorial)
        artwork.delete()  # the image and the recording go after the commit (generation/signals.py)


def edit_tribute(*, tribute: TributeText, text: str, by) -> TributeText:
    text = (text or "").strip()
    if not text:
        raise ArtworkRefused(_("The text cannot be empty."))
    if len(text) > MAX_TRIBUTE_CHARS:
        raise ArtworkRefused(
            _("Please keep the text under %(limit)d characters (this one has %(count)d).")
            % {"limit": MAX_TRIBUTE_CHARS, "count": len(text)}
        )
    with transaction.atomic():
        tribute.text = text
        tribute.edited_by = by
        tribute.edited_at = timezone.now()
        tribute.save(update_fields=["text", "edited_by", "edited_at"])
        transaction.on_commit(
            lambda: async_task(
                "generation.tasks.renarrate", tribute.pk, tribute.edited_at.isoformat(), group="narration"
            )
        )
    return tribute
