"""Reads of artworks and jobs. Loading only: who sees them (a new artwork is seen by the
memorial's members only, until a manager publishes it; a job by the family only) and who may
do what with them is decided by `memorial.permissions`, which every read here asks."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Sum
from django.http import Http404
from django.utils.translation import gettext as _

from generation import family_voice
from generation.models import Artwork, ArtworkCandidate, FamilyRecording, Narration, Style, StylizationJob
from memorial import page_cache, permissions
from memorial.comments import with_comment_counts

ARTWORK_RELATED = ("photo__album__memorial", "style", "memorial", "tribute__narration", "job", "family_recording")
_guest_artworks = page_cache.memory()  # artwork id -> what a guest's gallery needs of it


def ai_painter_configured() -> bool:
    """Whether the worker paints with the diffusion pipeline (weights configured), not the filter."""
    return (settings.ARTWORK_MODELS or {}).get("base") is not None


def settings_rows(artwork: Artwork) -> list[tuple[str, str]]:
    """What the painting was made with, in AUTOMATIC1111's words: the seed, then its job's settings."""
    from generation import painting_settings

    chosen = artwork.parameters.get("settings") or artwork.job.settings
    rows = [("seed", str(artwork.seed))]
    return rows + (painting_settings.summary(chosen) if chosen else [])


def active_styles():
    return Style.objects.filter(is_active=True)


def artwork_for(
    user, artwork_id: int, action: str = "view", *, slug: str | None = None, for_files: bool = False
) -> Artwork:
    """The artwork, if ``user`` may see it and do ``action`` (`permissions.artwork_for`: 404 or 403):
    at the address of the memorial ``slug``, or by its id alone for a memorial listed to ``user``.

    ``for_files``: only its image and thumbnail will be served; a guest's gallery then comes
    from the web process's memory (memorial/page_cache.py), like the page."""
    from_memory = for_files and not user.is_authenticated
    memorial = None
    if slug is not None:
        memorial = permissions.memorial_for(user, slug, loader=page_cache.lookup if from_memory else None)
    return permissions.artwork_for(
        user,
        artwork_id,
        action,
        artworks=Artwork.objects.select_related(*ARTWORK_RELATED),
        memorial=memorial,
        loader=guest_artwork if from_memory else None,
    )


def artwork_guidance_for(user, artwork_id: int, *, slug: str) -> Artwork:
    """The painting at the memorial ``slug``'s address, if ``user`` may see how it was guided
    (`permissions.artwork_guidance_for`: the family's; a 404 to everyone else)."""
    memorial = permissions.memorial_for(user, slug)
    artworks = Artwork.objects.select_related("memorial", "photo__album")
    return permissions.artwork_guidance_for(user, artwork_id, artworks=artworks, memorial=memorial)


def candidates_for(user, artwork: Artwork) -> list[ArtworkCandidate]:
    """The other paintings of ``artwork``'s job: the family's (those who see its unpublished
    paintings), an empty list for everyone else."""
    return list(artwork.candidates.all()) if sees_candidates(user, artwork) else []


def sees_candidates(user, artwork: Artwork) -> bool:
    return user is not None and permissions.sees_unpublished_artworks(user, artwork.memorial)


def candidate_for(user, artwork_id: int, candidate_id: int, action: str = "view", *, slug: str | None = None):
    """``(artwork, candidate)`` when ``user`` may see the artwork's other paintings (its family: a
    404 to everyone else) and do ``action`` on it."""
    artwork = artwork_for(user, artwork_id, slug=slug)
    if not permissions.sees_unpublished_artworks(user, artwork.memorial):
        raise Http404("No such painting.")
    candidate = ArtworkCandidate.objects.filter(artwork=artwork, pk=candidate_id).first()
    if candidate is None:
        raise Http404("No such painting.")
    if action != "view":
        artwork = artwork_for(user, artwork_id, action, slug=slug)
    return artwork, candidate


def job_for(user, job_id: int, action: str = "view") -> StylizationJob:
    """The job, if ``user`` may see it and do ``action`` ("view" or "cancel"; `permissions.job_for`)."""
    jobs = StylizationJob.objects.select_related("memorial", "photo__album", "style")
    return permissions.job_for(user, job_id, action, jobs=jobs)


def guest_artwork(artwork_id: int) -> Artwork | None:
    """A painting of a memorial page's gallery, for a guest's phone fetching its image and
    thumbnail: kept by the web process like the page and forgotten with it (the recording is
    looked up at every request, as it is made again when the words change). Without the long
    texts: they would be kept thousands of times over."""
    # The photo too: a painting of a hidden or binned photo is hidden with it (forgotten with the
    # memorial when the photo changes, as every change to a photo bumps the memorial's page).
    query = Artwork.objects.select_related("memorial", "photo__album").defer(
        "parameters", "memorial__life_story", "photo__album__description"
    )
    return page_cache.recall(
        _guest_artworks, artwork_id, lambda: query.filter(pk=artwork_id).first(), lambda a: a.memorial_id
    )


def artworks_of(memorial, user):
    artworks = Artwork.objects.filter(memorial=memorial).select_related(
        "memorial", "photo__album", "style", "tribute__narration", "family_recording"
    )
    return permissions.artworks_visible_to(user, memorial, artworks)


def gallery(memorial, user, *, photo=None, limit: int | None = None) -> list[Artwork]:
    """The paintings the memorial page (or a photo's page) shows ``user``: registered with
    ``memorial.extensions`` in ``GenerationConfig.ready``."""
    artworks = with_comment_counts(artworks_of(memorial, user))
    if photo is not None:
        artworks = artworks.filter(photo=photo)
    return list(artworks[:limit] if limit is not None else artworks)


def job_failure(job: StylizationJob, user) -> tuple[str, str]:
    """(what the family reads, what staff read) when the job failed; two empty strings otherwise.

    The stored reason can hold server paths, model ids and exception text: staff only
    (`permissions.sees_error_detail`)."""
    if job.status != "failed":
        return "", ""
    plain = _(
        "The painting could not be made. The photo is safe and unchanged: you can ask for the painting "
        "again, or choose another style. If it keeps failing, please let us know."
    )
    return plain, (job.error if permissions.sees_error_detail(user) else "")


def job_status(job: StylizationJob, user) -> dict:
    artwork = getattr(job, "artwork", None) if job.status == "succeeded" else None
    error, error_detail = job_failure(job, user)
    if artwork is not None and permissions.is_binned_artwork(artwork):
        artwork = None  # in the bin: gone for everyone
    return {
        "id": job.pk,
        "status": job.status,
        "status_display": str(job.get_status_display()),
        "stage": job.stage,
        "stage_display": str(job.get_stage_display()),
        "progress": job.progress,
        "error": error,
        "error_detail": error_detail,
        "artwork_url": artwork.get_absolute_url() if artwork else None,
        "finished": job.is_finished,
    }


def storage_used(memorial) -> int:
    """The bytes the memorial's paintings, their thumbnails and recordings (the family's too)
    take: registered with ``memorial.extensions`` for the memorial's storage quota. What is in
    the bin does not count."""
    kept = {"deleted_at__isnull": True, "photo__deleted_at__isnull": True, "photo__album__deleted_at__isnull": True}
    paintings = Artwork.objects.filter(memorial=memorial, **kept).aggregate(total=Sum("stored_bytes"))["total"]
    in_bin = {f"tribute__artwork__{name}": value for name, value in kept.items()}
    recordings = Narration.objects.filter(tribute__artwork__memorial=memorial, **in_bin).aggregate(
        total=Sum("audio_bytes")
    )["total"]
    of_kept_artworks = {f"artwork__{name}": value for name, value in kept.items()}
    family = FamilyRecording.objects.filter(artwork__memorial=memorial, **of_kept_artworks).aggregate(
        total=Sum("audio_bytes")
    )["total"]
    return int(paintings or 0) + int(recordings or 0) + int(family or 0)


def family_voice_context(artwork: Artwork) -> dict:
    """What the artwork page's "family's own voice" part shows those who may choose the voice."""
    family = family_voice.recording_of(artwork)
    return {
        "family_recording": family,
        "narration_voice": family_voice.voice_of(artwork),
        "synthetic_narration": family_voice.synthetic_of(artwork),
        "recording_max_seconds": settings.NARRATION_RECORDING_MAX_SECONDS,
        "recording_max_minutes": settings.NARRATION_RECORDING_MAX_SECONDS // 60,
        "recording_max_bytes": settings.NARRATION_RECORDING_MAX_BYTES,
    }


def photo_face_boxes(photo) -> list[tuple[float, float, float, float]]:
    """The faces the painter's likeness check found in ``photo`` (boxes stored on its latest
    painting that has any, in the painting's pixels), as shares of the picture: registered with
    ``memorial.extensions`` for the link preview's card. A painting keeps its photo's framing."""
    from memorial.link_preview import relative_boxes

    artwork = (
        Artwork.objects.filter(photo=photo, deleted_at__isnull=True)
        .exclude(faces=[])
        .only("faces", "width", "height")
        .order_by("-created_at", "-pk")
        .first()
    )
    if artwork is None:
        return []
    return relative_boxes(artwork_face_boxes(artwork), artwork.width, artwork.height)


def artwork_face_boxes(artwork: Artwork) -> list:
    """The pixel boxes of the faces stored on the painting (generation/worker/likeness.py)."""
    return [face.get("box") for face in (artwork.faces or []) if isinstance(face, dict) and face.get("box")]


def preview_artwork_for(artwork_id: int, *, slug: str) -> Artwork:
    """A painting whose link preview (card and tags) anyone may have: published, of a public or
    unlisted memorial (``permissions.has_link_preview``), at its memorial's own address, seen as
    a guest without cookies sees it; a 404 otherwise."""
    from django.contrib.auth.models import AnonymousUser

    artwork = artwork_for(AnonymousUser(), artwork_id, slug=slug)
    if not permissions.has_link_preview(artwork.memorial):
        raise Http404("No preview.")
    return artwork
