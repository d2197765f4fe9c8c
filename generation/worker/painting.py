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
from generation import labels, likeness
from generation.models import (
    CONTROL_KINDS,
    Artwork,
    ArtworkCandidate,
    JobStage,
    Narration,
    StylizationJob,
    TributeText,
    artwork_file_name,
    artwork_thumbnail_file_name,
    control_file_name,
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
                **{field: stored[field] for field in _CONTROL_FIELDS if stored.get(field)},
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
    Returns their names and the bytes of the image, its thumbnail and its control images."""
    label = labels.label_for(memorial=job.memorial, photo=job.photo, style=job.style, backend=rendered.backend)
    png = labels.png_bytes(rendered.image, label)  # says inside the file what made it, from what, when
    small = _thumbnail(rendered.image, label)
    image = default_storage.save(artwork_file_name(job.memorial_id), ContentFile(png))
    thumbnail = default_storage.save(artwork_thumbnail_file_name(job.memorial_id), ContentFile(small))
    audio = _store_audio(job.memorial_id, spoken) if spoken is not None else None
    controls, control_bytes = _store_controls(job.memorial_id, rendered.controls)
    stored = {"image": image, "thumbnail": thumbnail, "audio": audio, **controls}
    return stored, len(png) + len(small) + control_bytes


_CONTROL_FIELDS = tuple(f"control_{kind}" for kind in CONTROL_KINDS)


def _store_controls(memorial_id: int, controls: dict) -> tuple[dict, int]:
    """The control images that guided a diffusion painting (none for the built-in painter), kept
    with it so the family can see how it was guided: field name -> stored name, and their bytes."""
    stored, total = {}, 0
    for kind, annotator in CONTROL_KINDS.items():
        control = controls.get(annotator)
        if control is None:
            continue
        buffer = io.BytesIO()
        control.convert("RGB").save(buffer, "PNG", optimize=True)
        stored[f"control_{kind}"] = default_storage.save(
            control_file_name(memorial_id, kind), ContentFile(buffer.getvalue())
        )
        total += len(buffer.getvalue())
    return stored, total


def _store_candidates(job, rendered) -> tuple[list[dict], int]:
    """The paintings not chosen, each with its thumbnail: their names, seeds and likeness, and
    their bytes (counted in the artwork's stored_bytes)."""
    kept, total = [], 0
    label = labels.label_for(memorial=job.memorial, photo=job.photo, style=job.style, backend=rendered.backend)
    for candidate in rendered.candidates:
        png = labels.png_bytes(candidate.image, label)  # each version says inside it what made it
        small = _thumbnail(candidate.image, label)
        image = default_storage.save(artwork_file_name(job.memorial_id), ContentFile(png))
        thumbnail = default_storage.save(artwork_thumbnail_file_name(job.memorial_id), ContentFile(small))
        kept.append(
            {
                "image": image,
                "thumbnail": thumbnail,
                "candidate": candidate,
                "bytes": len(png) + len(small),
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


def _thumbnail(image, label: labels.Label) -> bytes:
    """The gallery's JPEG: PHOTO_THUMB_SIZE on its long side, like the photos' thumbnails."""
    from django.conf import settings
    from PIL import Image

    small = image.convert("RGB")
    small.thumbnail((settings.PHOTO_THUMB_SIZE, settings.PHOTO_THUMB_SIZE), Image.LANCZOS)
    return labels.jpeg_bytes(small, label, quality=85, optimize=True, progressive=True)


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
