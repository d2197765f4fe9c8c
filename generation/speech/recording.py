"""The family's own recording of a tribute: checked by decoding it, and made into one MP3.

    from generation.speech import recording
    made = recording.transcode(upload, max_bytes=..., max_seconds=...)   # -> Transcoded, or
    # raises recording.RecordingRefused with a sentence for the family; nothing is written.

Accepted: MP3, M4A/MP4 (AAC, as Safari and iPhones record), WAV, Ogg (Vorbis or Opus) and WebM
(Opus, as Chrome and Firefox record). The container is recognised from the file's first bytes and
only that demuxer is opened: FFmpeg's own guess would also open playlists and image formats, and
a playlist names other files. The file is refused by its size before it is decoded, decoding
stops as soon as it runs past the length limit, and the audio is re-encoded by LAME (PyAV's
FFmpeg) at 128 kbit/s, mono or stereo as recorded, 44.1 or 48 kHz. Duration, sample rate and
channels are measured by decoding the encoded MP3 again.

Runs in the web process: PyAV is FFmpeg's libraries in-process, no torch or models.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from generation.speech import audio

MP3_BIT_RATE = 128_000
MIN_SECONDS = 0.5
# Sniffed container -> the one FFmpeg demuxer opened for it.
DEMUXERS = {"wav": "wav", "ogg": "ogg", "mp3": "mp3", "mp4": "mp4", "webm": "matroska"}
ACCEPTED = "MP3, M4A, WAV, OGG, WebM"
# Containers whose header gives the length exactly (Ogg's last granule position, MP4's movie
# header). An MP3's is guessed from its first frame's bit rate, a WAV's data size may be a
# placeholder, a browser's WebM has none: those are measured by decoding, which stops at the limit.
EXACT_LENGTH = {"ogg", "mp4"}


class RecordingRefused(ValueError):
    """The upload is not a recording the site can use; ``str()`` says why, for the family."""


@dataclass(frozen=True)
class Transcoded:
    data: bytes  # MP3
    content_type: str  # "audio/mpeg"
    duration_s: float  # measured from the encoded MP3
    sample_rate: int
    channels: int
    source_format: str  # "wav", "ogg", "mp3", "mp4" or "webm"
    source_codec: str  # e.g. "pcm_s16le", "opus", "aac"


def sniff(head: bytes) -> str | None:
    """The container of a file from its first bytes, or None when it is none of those accepted."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"OggS":
        return "ogg"
    if head[4:8] == b"ftyp":
        return "mp4"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and (head[1] & 0xE6) in (0xE2, 0xE4, 0xE6)):
        return "mp3"  # an ID3 tag, or an MPEG audio frame header (sync bits, layer I, II or III)
    return None


def _not_audio() -> RecordingRefused:
    return RecordingRefused(
        _("This file is not a recording the site can play. Please choose a sound file: %(formats)s.")
        % {"formats": ACCEPTED}
    )


def _too_long(max_seconds: float) -> RecordingRefused:
    minutes, seconds = divmod(int(max_seconds), 60)
    if minutes and seconds:
        limit = _("%(minutes)d min %(seconds)d s") % {"minutes": minutes, "seconds": seconds}
    elif minutes:
        limit = ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    else:
        limit = ngettext("%(count)d second", "%(count)d seconds", seconds) % {"count": seconds}
    return RecordingRefused(
        _("This recording is longer than %(limit)s, the longest the site keeps. Please record a shorter one.")
        % {"limit": limit}
    )


def transcode(upload, *, max_bytes: int, max_seconds: float) -> Transcoded:
    """``upload`` (a file object with ``read``/``seek``, such as Django's UploadedFile) as an MP3.

    Raises RecordingRefused: larger than ``max_bytes`` (before any decoding), not one of the
    accepted containers, no sound in it, undecodable, longer than ``max_seconds`` (decoding stops
    there), or shorter than MIN_SECONDS."""
    size = _size_of(upload)
    if size > max_bytes:
        raise RecordingRefused(
            _("This recording is %(size)s; the largest the site accepts is %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(max_bytes)}
        )
    if size == 0:
        raise RecordingRefused(_("This file is empty: nothing was recorded."))
    upload.seek(0)
    kind = sniff(upload.read(16))
    if kind is None:
        raise _not_audio()
    upload.seek(0)

    import av  # FFmpeg's libraries: loaded by the first recording, not by every page

    try:
        return _transcode(av, upload, kind, max_seconds)
    except RecordingRefused:
        raise
    except (av.FFmpegError, audio.AudioError, ValueError, OSError, EOFError):
        raise _not_audio() from None


def _size_of(upload) -> int:
    size = getattr(upload, "size", None)
    if isinstance(size, int):
        return size
    upload.seek(0, io.SEEK_END)
    size = upload.tell()
    upload.seek(0)
    return size


def _transcode(av, upload, kind: str, max_seconds: float) -> Transcoded:
    with av.open(upload, mode="r", format=DEMUXERS[kind]) as source:
        streams = [s for s in source.streams if s.type == "audio"]
        if not streams:
            raise RecordingRefused(_("This file holds no sound. Please choose a recording."))
        stream = streams[0]
        if kind in EXACT_LENGTH and source.duration is not None and source.duration / 1_000_000 > max_seconds + 1:
            raise _too_long(max_seconds)  # its own header says so: no need to decode it
        in_rate = stream.codec_context.sample_rate or stream.rate or 0
        in_channels = stream.codec_context.channels or 0
        if in_rate <= 0 or in_channels <= 0:
            raise _not_audio()
        rate = 48_000 if in_rate == 48_000 else 44_100
        layout = "mono" if in_channels == 1 else "stereo"
        resampler = av.AudioResampler(format="s16p", layout=layout, rate=rate)
        out = io.BytesIO()
        limit_samples = int(max_seconds * rate) + rate // 10  # a tenth of a second of slack
        written = 0
        with av.open(out, mode="w", format="mp3") as target:
            encoder = target.add_stream("libmp3lame", rate=rate, layout=layout)
            encoder.bit_rate = MP3_BIT_RATE
            for frame in source.decode(stream):
                frame.pts = None  # the resampler and encoder count time by samples
                for resampled in resampler.resample(frame):
                    written += resampled.samples
                    if written > limit_samples:
                        raise _too_long(max_seconds)
                    target.mux(encoder.encode(resampled))
            for resampled in resampler.resample(None):
                written += resampled.samples
                target.mux(encoder.encode(resampled))
            if written / rate < MIN_SECONDS:
                raise RecordingRefused(_("This recording is too short to hear. Please record the words again."))
            target.mux(encoder.encode(None))
        codec = stream.codec_context.name
    data = out.getvalue()
    duration, stored_rate, stored_channels = measure(av, data)
    return Transcoded(
        data=data,
        content_type=audio.MP3_CONTENT_TYPE,
        duration_s=duration,
        sample_rate=stored_rate,
        channels=stored_channels,
        source_format=kind,
        source_codec=codec,
    )


def measure(av, data: bytes) -> tuple[float, int, int]:
    """(seconds, sample rate, channels) of an MP3, by decoding all of it: the encoder's delay and
    padding (recorded in its Info header) are left out, as players leave them out."""
    with av.open(io.BytesIO(data), mode="r", format="mp3") as encoded:
        stream = encoded.streams.audio[0]
        samples = sum(frame.samples for frame in encoded.decode(stream))
        rate, channels = stream.codec_context.sample_rate, stream.codec_context.channels
    if samples <= 0 or rate <= 0:
        raise audio.AudioError("the encoded MP3 holds no audio")
    return samples / rate, rate, channels
