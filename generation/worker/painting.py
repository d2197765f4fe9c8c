"""Painting a job: the picture, the tribute words and their recording, stored as records.

Called by the entry points in `generation.tasks`. Only the worker package reaches
generation.pipeline (torch, diffusers, controlnet-aux), and only inside a job, through
`generation.worker.rendering`.
"""

from __future__ import annotations

import contextlib
import io
import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from core import work
from generation import likeness
from generation.models import (
    Artwork,
    ArtworkCandidate,
    JobStage,
    Narration,
    StylizationJob,
    TributeText,
    artwork_file_name,
    artwork_thumbnail_file_name,
    narration_file_name,
)
from generation.worker import tribute, webhook
from generation.worker.progress import JobProgress
from generation.worker.rendering import render_artwork

log = logging.getLogger(__name__)


def run_stylization(job_id: int) -> str:
    job = work.claim(StylizationJob, job_id)
    if job is None:
        return "not claimed: another worker has it, or it has ended"
    progress = JobProgress(job)
    with work.heartbeat(job), work.failure_recorded(job, describe=readable_error):
        rendered = render_artwork(job, progress)
        _stop_if_cancelled(progress, JobStage.WRITING)
        written = tribute.write(job)
        _stop_if_cancelled(progress, JobStage.SPEAKING)
        spoken, speech_error = _speak(written.text, written.language)
        stored, stored_bytes = _store_files(job, rendered, spoken)
        kept, kept_bytes = _store_candidates(job, rendered)

        def make_records():
            artwork = Artwork.objects.create(
                job=job,
                photo=job.photo,
                memorial=job.memorial,
                style=job.style,
                image=stored["image"],
                thumbnail=stored["thumbnail"],
                stored_bytes=stored_bytes + kept_bytes,
                width=rendered.image.width,
                height=rendered.image.height,
                seed=rendered.parameters.get("seed", job.seed),
                parameters=rendered.parameters,
                backend=rendered.backend,
                **likeness.fields(rendered.likeness),
            )
            _create_candidates(artwork, kept)
            text = TributeText.objects.create(
                artwork=artwork,
                language=written.language,
                text=written.text,
                writer=written.writer[:80],
                fallback_reason=written.fallback_reason[:300],
            )
            if spoken is not None:
                _create_narration(text, spoken, stored["audio"])
            StylizationJob.objects.filter(pk=job.pk).update(
                parameters=rendered.parameters, backend=rendered.backend, error=speech_error
            )

        if not work.finish(job, make_records, stage=JobStage.DONE):
            _delete_stored(stored)
            for files in kept:
                _delete_stored({"image": files["image"], "thumbnail": files["thumbnail"]})
            work.stop_cancelled(job)
            return "not finished: the job was taken back or cancelled meanwhile"
    webhook.schedule_delivery(job.pk)
    return "succeeded"


def _stop_if_cancelled(progress: JobProgress, next_stage: str) -> None:
    progress.stage(next_stage)
    if progress.should_stop():
        raise work.Stopped()


def readable_error(exc: BaseException) -> str:
    message = str(exc).strip() or exc.__class__.__name__
    if isinstance(exc, FileNotFoundError):
        return f"A file the painting needs is missing from storage: {message}"
    return message


def _speak(text: str, language: str):
    """A narration that cannot be recorded must not cost the family their painting."""
    try:
        return tribute.speak(text, language), ""
    except Exception as exc:
        log.exception("narration failed")
        return None, f"The narration could not be recorded: {exc}"


def _store_files(job, rendered, spoken) -> tuple[dict, int]:
    """Write the files before the records, so the transaction that makes the records is short.
    Returns their names and the bytes of the image and its thumbnail."""
    buffer = io.BytesIO()
    rendered.image.save(buffer, "PNG", optimize=True)
    small = _thumbnail(rendered.image)
    image = default_storage.save(artwork_file_name(job.memorial_id), ContentFile(buffer.getvalue()))
    thumbnail = default_storage.save(artwork_thumbnail_file_name(job.memorial_id), ContentFile(small))
    audio = _store_audio(job.memorial_id, spoken) if spoken is not None else None
    return {"image": image, "thumbnail": thumbnail, "audio": audio}, len(buffer.getvalue()) + len(small)


def _store_candidates(job, rendered) -> tuple[list[dict], int]:
    """The paintings not chosen, each with its thumbnail: their names, seeds and likeness, and
    their bytes (counted in the artwork's stored_bytes)."""
    kept, total = [], 0
    for candidate in rendered.candidates:
        buffer = io.BytesIO()
        candidate.image.save(buffer, "PNG", optimize=True)
        small = _thumbnail(candidate.image)
        image = default_storage.save(artwork_file_name(job.memorial_id), ContentFile(buffer.getvalue()))
        thumbnail = default_storage.save(artwork_thumbnail_file_name(job.memorial_id), ContentFile(small))
        kept.append(
            {
                "image": image,
                "thumbnail": thumbnail,
                "candidate": candidate,
                "bytes": len(buffer.getvalue()) + len(small),
            }
        )
        total += kept[-1]["bytes"]
    return kept, total


def _create_candidates(artwork: Artwork, kept: list[dict]) -> None:
    ArtworkCandidate.objects.bulk_create(
        ArtworkCandidate(
            artwork=artwork,
            image=files["image"],
            thumbnail=files["thumbnail"],
            seed=files["candidate"].seed,
            strength=files["candidate"].strength,
            **likeness.fields(files["candidate"].likeness),
        )
        for files in kept
    )


def _thumbnail(image) -> bytes:
    """The gallery's JPEG: PHOTO_THUMB_SIZE on its long side, like the photos' thumbnails."""
    from django.conf import settings
    from PIL import Image

    small = image.convert("RGB")
    small.thumbnail((settings.PHOTO_THUMB_SIZE, settings.PHOTO_THUMB_SIZE), Image.LANCZOS)
    buffer = io.BytesIO()
    small.save(buffer, "JPEG", quality=85, optimize=True, progressive=True)
    return buffer.getvalue()


def _store_audio(memorial_id: int, spoken) -> str:
    return default_storage.save(narration_file_name(memorial_id, spoken.format), ContentFile(spoken.data))


def _delete_stored(stored: dict) -> None:
    for name in stored.values():
        if name:
            with contextlib.suppress(Exception):
                default_storage.delete(name)


def _create_narration(text: TributeText, spoken, audio_name: str) -> Narration:
    return Narration.objects.create(
        tribute=text,
        audio=audio_name,
        audio_bytes=len(spoken.data),
        content_type=spoken.content_type,
        duration_s=spoken.duration_s,
        sample_rate=spoken.sample_rate,
        engine=spoken.engine[:40],
        voice=spoken.voice[:60],
        language=spoken.language,
        fallback_reason=spoken.fallback_reason[:300],
    )


def renarrate(tribute_id: int, edited_at: str) -> str:
    """After a manager edits the words, speak them again (only the newest edit counts)."""
    text = TributeText.objects.select_related("artwork").filter(pk=tribute_id).first()
    if text is None or text.edited_at is None or text.edited_at.isoformat() != edited_at:
        return "skipped: a newer edit will be spoken"
    spoken = tribute.speak(text.text, text.language)
    name = _store_audio(text.artwork.memorial_id, spoken)
    with transaction.atomic():
        Narration.objects.filter(tribute=text).delete()  # the old file goes after the commit
        _create_narration(text, spoken, name)
    return "spoken"
