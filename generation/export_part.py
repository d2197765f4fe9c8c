"""The paintings' part of "Download all memories": each painting of a shown photo, its words and
their recording: the one it plays, the family's own where they chose it (registered with
``memorial.extensions`` in ``GenerationConfig.ready``)."""

from __future__ import annotations

from generation import family_voice
from generation.models import Artwork, NarrationVoice
from memorial.comments import exported as exported_comments
from memorial.export import Collector, safe_extension

AUDIO_EXTENSIONS = {
    "audio/mpeg": "mp3",
    "audio/ogg": "ogg",
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/mp4": "m4a",
}


def add_artworks(memorial, collector: Collector) -> None:
    """Paintings of hidden photos stay out, and are counted in ``left_out``."""
    artworks = []
    comments_on = exported_comments(memorial, Artwork)
    all_artworks = list(
        Artwork.objects.filter(memorial=memorial, deleted_at__isnull=True)  # what is in the bin stays out
        .select_related("style", "tribute", "tribute__narration", "family_recording")
        .order_by("created_at", "pk")
    )
    for artwork in all_artworks:
        if artwork.photo_id not in collector.screen_of:
            continue
        image = f"artworks/artwork-{artwork.pk}.{safe_extension(artwork.image.name, 'png')}"
        collector.add_file(image, artwork.image)
        tribute = getattr(artwork, "tribute", None)
        played = family_voice.played(artwork)  # the family's own recording where it is chosen
        narration_data = None
        if played is not None and played.audio:
            default = AUDIO_EXTENSIONS.get(played.content_type, "mp3")
            audio = f"narrations/artwork-{artwork.pk}.{safe_extension(played.audio.name, default)}"
            collector.add_file(audio, played.audio)
            synthetic = played.voice == NarrationVoice.SYNTHETIC
            narration_data = {
                "file": audio,
                "content_type": played.content_type,
                "duration_s": round(played.duration_s, 2),
                "source": str(played.voice),
                "engine": played.record.engine if synthetic else "family",
                "voice": played.record.voice if synthetic else "",
                "language": played.record.language if synthetic else (tribute.language if tribute else ""),
            }
        artworks.append(
            {
                "id": artwork.pk,
                "photo_id": artwork.photo_id,
                "photo": collector.screen_of[artwork.photo_id],
                "style": {
                    "name": artwork.style.display_name,  # in the memorial's language (the export activates it)
                    "name_en": artwork.style.name,
                    "name_ko": artwork.style.name_ko,
                    "slug": artwork.style.slug,
                },
                "backend": artwork.backend,
                "painterly_filter": artwork.is_filter,
                "made_by": "the built-in painter, a filter, not AI (no diffusion model was configured)"
                if artwork.is_filter
                else f"the diffusion pipeline ({artwork.backend})",
                "published": artwork.published,
                "created_at": artwork.created_at.isoformat() if artwork.created_at else None,
                "image": image,
                "width": artwork.width,
                "height": artwork.height,
                "tribute": {"text": tribute.text, "language": tribute.language, "writer": tribute.writer}
                if tribute
                else None,
                "narration": narration_data,
                "likeness": {"state": artwork.likeness_state, "worst": artwork.likeness, "faces": artwork.faces},
                "comments": comments_on.get(artwork.pk, []),
            }
        )
    collector.data["artworks"] = artworks
    collector.left_out["artworks_of_hidden_photos"] = len(all_artworks) - len(artworks)
