"""Encoding speech to MP3 and measuring what was encoded.

MP3 (MPEG-2 Layer III at espeak-ng's 22050 Hz, variable bit rate with a LAME/Xing header)
plays in every browser and phone. Encoding goes through libsndfile, which the ``soundfile``
wheel bundles together with LAME and mpg123, so no system package is needed. Duration and
sample rate are read back from the encoded bytes with ``mutagen``: the LAME header records
the exact sample count, encoder delay and padding.
"""

from __future__ import annotations

import io

import mutagen.mp3
import numpy as np
import soundfile

MP3_FORMAT = "mp3"
MP3_CONTENT_TYPE = "audio/mpeg"
# libsndfile's 0 (best) .. 1 (smallest); 0.6 is about 48 kbit/s for 22 kHz mono speech.
MP3_COMPRESSION_LEVEL = 0.6


class AudioError(RuntimeError):
    """Audio could not be decoded, encoded or measured."""


def decode(data: bytes) -> tuple[np.ndarray, int]:
    """(int16 samples, mono, sample rate) of any file libsndfile reads (WAV, MP3, Ogg...)."""
    try:
        samples, rate = soundfile.read(io.BytesIO(data), dtype="int16", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        raise AudioError(f"could not decode audio ({len(data)} bytes): {exc}") from None
    return samples.mean(axis=1).astype(np.int16) if samples.shape[1] > 1 else samples[:, 0], rate


def encode_mp3(samples: np.ndarray, sample_rate: int) -> bytes:
    if samples.size == 0:
        raise AudioError("no audio samples to encode")
    buffer = io.BytesIO()
    soundfile.write(
        buffer,
        samples,
        sample_rate,
        format="MP3",
        subtype="MPEG_LAYER_III",
        compression_level=MP3_COMPRESSION_LEVEL,
        bitrate_mode="VARIABLE",
    )
    return buffer.getvalue()


def measure_mp3(data: bytes) -> tuple[float, int]:
    """(duration in seconds, sample rate) read from an MP3 file's own headers."""
    try:
        info = mutagen.mp3.MP3(io.BytesIO(data)).info
    except mutagen.MutagenError as exc:
        raise AudioError(f"not a readable MP3 ({len(data)} bytes): {exc}") from None
    if not info.length or info.length <= 0:
        raise AudioError("the MP3 holds no audio")
    return float(info.length), int(info.sample_rate)
