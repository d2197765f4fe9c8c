"""The paintings' part of "Download all memories": each painting of a shown photo, its words and
their recording (registered with ``memorial.extensions`` in ``GenerationConfig.ready``)."""

from __future__ import annotations

from generation.models import Artwork
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
    all_artworks = list(
        Artwork.objects.filter(memorial=memorial, deleted_at__isnull=True)  # what is in the bin stays out
        .select_related("style", "tribute", "tribute__narration")
        .order_by("created_at", "pk")
    )
    for artwork in all_artworks:
        if artwork.photo_id not in collector.screen_of:
            continue
        image = f"artworks/artwork-{artwork.pk}.{safe_extension(artwork.image.name, 'png')}"
        collector.add_file(image, artwork.image)
        tribute = getattr(artwork, "tribute", None)
        narration = getattr(tribute, "narration", None) if tribute else None
        narration_data = None
        if narration is not None and narration.audio:
            default = AUDIO_EXTENSIONS.get(narration.content_type, "mp3")
            audio = f"narrations/artwork-{artwork.pk}.{safe_extension(narration.audio.name, default)}"
            collector.add_file(audio, narration.audio)
            narration_data = {
                "file": audio,
                "content_type": narration.content_type,
                "duration_s": round(narration.duration_s, 2),
                "engine": narration.engine,
                "voice": narration.voice,
                "language": narration.language,
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
                "made_by": "the light painterly filter (no diffusion model was configured)"
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
            }
        )
    collector.data["artworks"] = artworks
    collector.left_out["artworks_of_hidden_photos"] = len(all_artworks) - len(artworks)
