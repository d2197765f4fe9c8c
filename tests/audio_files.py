"""Small real recordings made with PyAV (FFmpeg's encoders), as phones and browsers send them."""

from __future__ import annotations

import io

import numpy as np

# kind -> (FFmpeg muxer, encoder, file name, content type)
KINDS = {
    "wav": ("wav", "pcm_s16le", "tribute.wav", "audio/wav"),
    "ogg": ("ogg", "libopus", "tribute.ogg", "audio/ogg"),
    "mp3": ("mp3", "libmp3lame", "tribute.mp3", "audio/mpeg"),
    "m4a": ("ipod", "aac", "tribute.m4a", "audio/mp4"),
    "webm": ("webm", "libopus", "tribute.webm", "audio/webm"),
}


def sine(kind: str, seconds: float = 1.0, *, rate: int = 44_100, channels: int = 1, hz: float = 440.0) -> bytes:
    """``seconds`` of a sine tone encoded as ``kind`` (Opus is always 48 kHz)."""
    import av

    muxer, codec, _, _ = KINDS[kind]
    if codec == "libopus":
        rate = 48_000
    layout = "mono" if channels == 1 else "stereo"
    out = io.BytesIO()
    with av.open(out, "w", format=muxer) as container:
        stream = container.add_stream(codec, rate=rate, layout=layout)
        t = np.arange(int(seconds * rate)) / rate
        wave = (0.3 * np.sin(2 * np.pi * hz * t)).astype(np.float32)
        frame = av.AudioFrame.from_ndarray(np.tile(wave, (channels, 1)), format="fltp", layout=layout)
        frame.sample_rate = rate
        resampler = av.AudioResampler(format=stream.codec_context.format.name, layout=layout, rate=rate)
        for part in [*resampler.resample(frame), *resampler.resample(None)]:
            part.pts = None
            container.mux(stream.encode(part))
        container.mux(stream.encode(None))
    return out.getvalue()


def upload(kind: str, seconds: float = 1.0, **options):
    from django.core.files.uploadedfile import SimpleUploadedFile

    _, _, name, content_type = KINDS[kind]
    return SimpleUploadedFile(name, sine(kind, seconds, **options), content_type=content_type)


def listen(data: bytes) -> dict:
    """What a player finds in ``data``: its container, codec, sample rate, channels and seconds."""
    import av

    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        samples = sum(frame.samples for frame in container.decode(stream))
        return {
            "format": container.format.name,
            "codec": stream.codec_context.name,
            "sample_rate": stream.codec_context.sample_rate,
            "channels": stream.codec_context.channels,
            "seconds": samples / stream.codec_context.sample_rate,
            "bit_rate": container.bit_rate,
        }
