"""The family's own voice: a recording of a painting's words that is played instead of the
synthetic narration, and the choice between the two.

Those who may change the words (the ``publish_artwork`` action: the memorial's managers) may
add a recording and choose the voice; what guests hear is what they chose, and only on a
painting they published, like the words themselves. The synthetic narration is kept and made
again when the words change, so it can always be chosen back.

    add_recording(artwork=..., upload=..., by=...)      # checked, made into MP3, in use at once
    choose_voice(artwork=..., voice="synthetic", by=...)
    remove_recording(artwork=..., by=...)
    played(artwork)                                     # what the narration address serves
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from generation.models import Artwork, FamilyRecording, Narration, NarrationVoice, narration_file_name
from generation.speech import recording
from memorial import quota
from memorial.models import Memorial


class RecordingRefused(ValueError):
    """``str()`` says why, for the family; nothing was stored or changed."""


@dataclass(frozen=True)
class Played:
    """The narration an artwork plays: the synthetic one, or the family's recording."""

    voice: str  # NarrationVoice
    record: Narration | FamilyRecording

    @property
    def audio(self):
        return self.record.audio

    @property
    def content_type(self) -> str:
        return self.record.content_type

    @property
    def duration_s(self) -> float:
        return self.record.duration_s

    @property
    def sample_rate(self) -> int:
        return self.record.sample_rate

    @property
    def version(self) -> str:
        """Changes whenever another file is played: a cache-busting part of its address."""
        return f"{self.voice[0]}{self.record.pk}"


def recording_of(artwork: Artwork) -> FamilyRecording | None:
    try:
        return artwork.family_recording
    except FamilyRecording.DoesNotExist:
        return None


def synthetic_of(artwork: Artwork) -> Narration | None:
    tribute = getattr(artwork, "tribute", None)
    return getattr(tribute, "narration", None) if tribute is not None else None


def played(artwork: Artwork, voice: str | None = None) -> Played | None:
    """What the artwork plays (``voice=None``), or the one named ("family", "synthetic"); None
    when there is none."""
    family = recording_of(artwork)
    if voice is None:
        voice = NarrationVoice.FAMILY if family is not None and family.in_use else NarrationVoice.SYNTHETIC
    if voice == NarrationVoice.FAMILY:
        return Played(NarrationVoice.FAMILY, family) if family is not None else None
    synthetic = synthetic_of(artwork)
    return Played(NarrationVoice.SYNTHETIC, synthetic) if synthetic is not None else None


def voice_of(artwork: Artwork) -> str:
    family = recording_of(artwork)
    return NarrationVoice.FAMILY if family is not None and family.in_use else NarrationVoice.SYNTHETIC


def add_recording(*, artwork: Artwork, upload, by) -> FamilyRecording:
    """Check ``upload`` by decoding it (generation/speech/recording.py), store it as MP3 and play
    it instead of the synthetic voice; a recording the artwork had before is replaced.

    Raises RecordingRefused (too large, too long, not audio, no room left); then nothing was stored."""
    memorial = artwork.memorial
    if upload is None:
        raise RecordingRefused(_("Please choose a recording to upload."))
    _require_room(memorial, 0)  # a full memorial is refused before anything is decoded
    try:
        made = recording.transcode(
            upload,
            max_bytes=settings.NARRATION_RECORDING_MAX_BYTES,
            max_seconds=settings.NARRATION_RECORDING_MAX_SECONDS,
        )
    except recording.RecordingRefused as exc:
        raise RecordingRefused(str(exc)) from None
    old = recording_of(artwork)
    freed = old.audio_bytes if old is not None else 0
    _require_room(memorial, len(made.data) - freed)
    name = default_storage.save(narration_file_name(memorial.pk, "mp3"), ContentFile(made.data))
    try:
        with transaction.atomic():
            Memorial.objects.select_for_update().filter(pk=memorial.pk).exists()
            _require_room(memorial, len(made.data) - freed)
            FamilyRecording.objects.filter(artwork=artwork).delete()  # its file goes after the commit
            new = FamilyRecording.objects.create(
                artwork=artwork,
                audio=name,
                audio_bytes=len(made.data),
                content_type=made.content_type,
                duration_s=made.duration_s,
                sample_rate=made.sample_rate,
                channels=made.channels,
                source_format=made.source_format,
                source_codec=made.source_codec[:40],
                in_use=True,
                recorded_by=by,
            )
    except BaseException:
        default_storage.delete(name)
        raise
    artwork.family_recording = new
    return new


def choose_voice(*, artwork: Artwork, voice: str, by) -> str:
    """Play the family's recording ("family") or the synthetic voice ("synthetic")."""
    if voice not in NarrationVoice.values:
        raise RecordingRefused(
            _("Choose “%(family)s” or “%(synthetic)s”.")
            % {"family": NarrationVoice.FAMILY.label, "synthetic": NarrationVoice.SYNTHETIC.label}
        )
    family = recording_of(artwork)
    if voice == NarrationVoice.FAMILY and family is None:
        raise RecordingRefused(_("There is no recording of the family yet: record or upload one first."))
    if voice == NarrationVoice.SYNTHETIC and synthetic_of(artwork) is None and family is not None:
        raise RecordingRefused(
            _("This painting has no synthetic recording to go back to; the family's recording stays.")
        )
    if family is not None and family.in_use != (voice == NarrationVoice.FAMILY):
        family.in_use = voice == NarrationVoice.FAMILY
        family.save(update_fields=["in_use"])
    return voice


def remove_recording(*, artwork: Artwork, by) -> None:
    """Delete the family's recording: the synthetic voice is played again."""
    family = recording_of(artwork)
    if family is None:
        raise RecordingRefused(_("There is no recording of the family to remove."))
    family.delete()  # the file goes after the commit (generation/signals.py)
    artwork._state.fields_cache.pop("family_recording", None)


def _require_room(memorial, needed: int) -> None:
    current = quota.usage(memorial)
    if current.full:
        raise RecordingRefused(
            _(
                "This memorial's storage is full (%(usage)s), so no recording can be added. A manager can make "
                "room by deleting photos or paintings the family does not need."
            )
            % {"usage": current.display}
        )
    if needed > current.left:
        raise RecordingRefused(
            _("This recording does not fit in the memorial's storage: it needs %(needed)s and %(left)s is left.")
            % {"needed": filesizeformat(needed), "left": filesizeformat(current.left)}
        )
