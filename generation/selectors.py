"""Reads of artworks and jobs, with the permission rules of the family's choice: a new artwork
is seen by the memorial's members only, until a manager publishes it."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from generation.models import Artwork, Style, StylizationJob
from memorial import page_cache, permissions

ARTWORK_RELATED = ("photo__album__memorial", "style", "memorial", "tribute__narration", "job")
_guest_artworks = page_cache.memory()  # artwork id -> what a guest's gallery needs of it


def active_styles():
    return Style.objects.filter(is_active=True)


def artwork_for(user, artwork_id: int, *, for_files: bool = False) -> Artwork:
    """``for_files``: only its image and thumbnail will be served; a guest's gallery then comes
    from the web process's memory (memorial/page_cache.py), like the page."""
    if for_files and not user.is_authenticated:
        artwork = guest_artwork(artwork_id)
        if artwork is None:
            raise Http404("No such artwork.")
    else:
        artwork = get_object_or_404(Artwork.objects.select_related(*ARTWORK_RELATED), pk=artwork_id)
    permissions.require(user, "view", artwork.memorial)
    if not artwork.published and not permissions.can(user, "see_unpublished_artworks", artwork.memorial):
        raise Http404("No such artwork.")
    return artwork


def job_for(user, job_id: int) -> StylizationJob:
    job = get_object_or_404(StylizationJob.objects.select_related("memorial", "photo__album", "style"), pk=job_id)
    permissions.require(user, "view", job.memorial)
    if not permissions.can(user, "see_unpublished_artworks", job.memorial):
        raise Http404("No such job.")
    return job


def guest_artwork(artwork_id: int) -> Artwork | None:
    """A painting of a memorial page's gallery, for a guest's phone fetching its image and
    thumbnail: kept by the web process like the page and forgotten with it (the recording is
    looked up at every request, as it is made again when the words change). Without the long
    texts: they would be kept thousands of times over."""
    query = Artwork.objects.select_related("memorial").defer("parameters", "memorial__life_story")
    return page_cache.recall(
        _guest_artworks, artwork_id, lambda: query.filter(pk=artwork_id).first(), lambda a: a.memorial_id
    )


def artworks_of(memorial, user):
    artworks = Artwork.objects.filter(memorial=memorial).select_related("photo__album", "style", "tribute__narration")
    if not permissions.can(user, "see_unpublished_artworks", memorial):
        artworks = artworks.filter(published=True)
    return artworks


def gallery(memorial, user, *, photo=None, limit: int | None = None) -> list[Artwork]:
    """The paintings the memorial page (or a photo's page) shows ``user``: registered with
    ``memorial.extensions`` in ``GenerationConfig.ready``."""
    artworks = artworks_of(memorial, user)
    if photo is not None:
        artworks = artworks.filter(photo=photo)
    return list(artworks[:limit] if limit is not None else artworks)


def job_status(job: StylizationJob) -> dict:
    artwork = getattr(job, "artwork", None) if job.status == "succeeded" else None
    return {
        "id": job.pk,
        "status": job.status,
        "status_display": str(job.get_status_display()),
        "stage": job.stage,
        "stage_display": str(job.get_stage_display()),
        "progress": job.progress,
        "error": job.error if job.status == "failed" else "",
        "artwork_url": artwork.get_absolute_url() if artwork else None,
        "finished": job.is_finished,
    }
