"""Speech engines behind one interface: ``engine.speak(text, language) -> SpokenAudio``.

- ``EspeakEngine``: espeak-ng, offline, always there; the default and the fallback.
- ``GTTSEngine``: Google Translate's voice through gTTS; needs the internet. On any failure it
  speaks with espeak-ng instead and records why in ``fallback_reason``.

Settings (read with defaults, so none is required):

    SPEECH_ENGINES          {"ko": "espeak", "en": "espeak"}; "gtts" for Google's voice
    SPEECH_TIMEOUT          seconds, default 15: for espeak-ng's run and for all of gTTS's requests
    SPEECH_ESPEAK_RATES     words per minute per language, default {"ko": 165, "en": 150}.
                            espeak-ng's default is 175 for every voice: 150 is an unhurried
                            English; its Korean is already slow at 175 (about 4.6 syllables a
                            second against 6 to 7 in natural speech), so Korean slows less.
    SPEECH_GTTS_TLD         "com"; gTTS talks to https://translate.google.<tld>
    SPEECH_GTTS_BASE_URL    "" ; when set, gTTS talks to this host instead (a proxy, a test server)

Every result is MP3, and its duration and sample rate are measured from the encoded bytes.
"""

from __future__ import annotations

import base64
import dataclasses
import logging
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from generation.speech import audio

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 15.0
DEFAULT_ESPEAK_RATES = {"ko": 165, "en": 150}  # words per minute; see the module docstring
ESPEAK_DEFAULT_RATE = 175
MAX_TEXT_CHARS = 5000  # a tribute is at most 600; this guards the worker, not the writer

ESPEAK_VOICES = {"ko": "ko", "en": "en"}
GTTS_LANGS = {"ko": "ko", "en": "en"}


@dataclass(frozen=True)
class SpokenAudio:
    data: bytes
    format: str  # "mp3"
    content_type: str  # "audio/mpeg"
    duration_s: float  # measured from the encoded file
    sample_rate: int  # of the stored file
    engine: str  # "espeak-ng" or "gtts"
    voice: str
    language: str
    fallback_reason: str  # "" when the configured engine spoke


class SpeechError(ValueError):
    """The input cannot be spoken (empty text, unknown language). Nothing was written."""


class SpeechUnavailable(RuntimeError):
    """The last-resort engine (espeak-ng) failed: not installed, crashed, or timed out."""


class SpeechEngine(Protocol):
    name: str

    def speak(self, text: str, language: str) -> SpokenAudio: ...


def check_text(text: object) -> str:
    if not isinstance(text, str):
        raise SpeechError(f"Text to speak must be a string, not {type(text).__name__}.")
    if not text:
        raise SpeechError("Nothing to speak: the text is empty.")
    stripped = text.strip()
    if not stripped:
        raise SpeechError("Nothing to speak: the text is only whitespace.")
    if len(stripped) > MAX_TEXT_CHARS:
        raise SpeechError(f"Text to speak is {len(stripped)} characters; the limit is {MAX_TEXT_CHARS}.")
    return stripped


def _voice_for(table: dict[str, str], language: str, engine: str) -> str:
    try:
        return table[language]
    except (KeyError, TypeError):
        raise SpeechError(f"{engine} has no voice for language {language!r}; known: {sorted(table)}") from None


# --------------------------------------------------------------------------------------
# espeak-ng
# --------------------------------------------------------------------------------------


class EspeakEngine:
    name = "espeak-ng"

    def __init__(
        self,
        *,
        rates: dict[str, int] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        executable: str = "espeak-ng",
        voices: dict[str, str] | None = None,
    ):
        self.rates = {**DEFAULT_ESPEAK_RATES, **(rates or {})}
        self.timeout = float(timeout)
        self.executable = executable
        self.voices = dict(voices or ESPEAK_VOICES)

    def speak(self, text: str, language: str) -> SpokenAudio:
        text = check_text(text)
        voice = _voice_for(self.voices, language, self.name)
        samples, rate = self.synthesize(text, voice, wpm=self.rates.get(language, ESPEAK_DEFAULT_RATE))
        data = audio.encode_mp3(samples, rate)
        duration, stored_rate = audio.measure_mp3(data)
        return SpokenAudio(
            data=data,
            format=audio.MP3_FORMAT,
            content_type=audio.MP3_CONTENT_TYPE,
            duration_s=duration,
            sample_rate=stored_rate,
            engine=self.name,
            voice=voice,
            language=language,
            fallback_reason="",
        )

    def synthesize(self, text: str, voice: str, *, wpm: int = ESPEAK_DEFAULT_RATE) -> tuple[np.ndarray, int]:
        """espeak-ng's raw WAV as (int16 samples, sample rate). The text goes in on stdin,
        never through a shell or argv, so a text starting with '-' is just text."""
        command = [self.executable, "-v", voice, "-s", str(int(wpm)), "-b", "1", "-w", "", "--stdin"]
        with tempfile.TemporaryDirectory(prefix="espeak-") as folder:
            wav = Path(folder) / "speech.wav"
            command[command.index("-w") + 1] = str(wav)
            try:
                done = subprocess.run(
                    command, input=text.encode("utf-8"), capture_output=True, timeout=self.timeout, check=False
                )
            except FileNotFoundError:
                raise SpeechUnavailable(f"{self.executable} is not installed") from None
            except subprocess.TimeoutExpired:
                raise SpeechUnavailable(f"{self.executable} did not finish within {self.timeout:g} s") from None
            if done.returncode != 0 or not wav.exists():
                message = done.stderr.decode("utf-8", "replace").strip()[:300]
                raise SpeechUnavailable(f"{self.executable} failed (exit {done.returncode}): {message}")
            samples, rate = audio.decode(wav.read_bytes())
        if samples.size == 0:
            raise SpeechUnavailable(f"{self.executable} produced no audio for voice {voice!r}")
        return samples, rate


# --------------------------------------------------------------------------------------
# gTTS
# --------------------------------------------------------------------------------------

GTTS_BATCHEXECUTE_PATH = "_/TranslateWebserverUi/data/batchexecute"
# The same pattern gTTS 2.2.4 uses to find the base64 MP3 in Google's batchexecute answer.
_GTTS_AUDIO_RE = re.compile(r'jQ1olc","\[\\"(.*?)\\"]')


class GTTSFailed(RuntimeError):
    pass


def _configured_gtts_class():
    """A gTTS subclass that sends to a configurable host with a deadline.

    gTTS 2.2.4 builds its URL from ``tld`` only and sends with no timeout (and with TLS
    verification off). It keeps the parts worth keeping - text splitting at 100 characters and
    the batchexecute RPC packaging - in ``_prepare_requests``; this subclass re-points those
    prepared requests and sends them itself, with a total deadline and verification on.
    Imported lazily: only a worker configured for gTTS pays for the import.
    """
    from gtts import gTTS

    class ConfiguredGTTS(gTTS):
        def __init__(self, text: str, *, lang: str, tld: str, base_url: str, timeout: float):
            super().__init__(text, tld=tld, lang=lang, lang_check=False)
            self.base_url = base_url.rstrip("/")
            self.timeout = timeout

        def _prepare_requests(self):
            prepared = super()._prepare_requests()
            if self.base_url:
                for request in prepared:
                    request.prepare_url(f"{self.base_url}/{GTTS_BATCHEXECUTE_PATH}", None)
            return prepared

        def stream(self):
            deadline = time.monotonic() + self.timeout
            with requests.Session() as session:
                for part, request in enumerate(self._prepare_requests()):
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise requests.exceptions.Timeout(f"no time left for part {part}")
                    options = session.merge_environment_settings(request.url, {}, None, None, None)
                    response = session.send(request, timeout=remaining, **options)
                    if response.status_code != 200:
                        raise GTTSFailed(f"HTTP {response.status_code} from {request.url}")
                    found = _GTTS_AUDIO_RE.search(response.text)
                    if not found:
                        raise GTTSFailed(f"no audio in the answer to part {part} from {request.url}")
                    yield base64.b64decode(found.group(1), validate=True)

    return ConfiguredGTTS


class GTTSEngine:
    name = "gtts"

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        tld: str = "com",
        base_url: str = "",
        fallback: SpeechEngine | None = None,
        langs: dict[str, str] | None = None,
    ):
        self.timeout = float(timeout)
        self.tld = tld
        self.base_url = base_url
        self.langs = dict(langs or GTTS_LANGS)
        self.fallback = fallback or EspeakEngine(timeout=timeout)

    @property
    def host(self) -> str:
        return self.base_url or f"https://translate.google.{self.tld}"

    def speak(self, text: str, language: str) -> SpokenAudio:
        text = check_text(text)
        lang = _voice_for(self.langs, language, self.name)
        try:
            parts = list(
                _configured_gtts_class()(
                    text, lang=lang, tld=self.tld, base_url=self.base_url, timeout=self.timeout
                ).stream()
            )
            decoded = [audio.decode(part) for part in parts]
            rates = {rate for _, rate in decoded}
            if len(rates) != 1:
                raise GTTSFailed(f"parts came at different sample rates {sorted(rates)}")
            # One file, not the parts glued together: a concatenation of MP3 files confuses
            # players' duration and seeking. Re-encoding also gives the LAME header we measure.
            data = audio.encode_mp3(np.concatenate([samples for samples, _ in decoded]), rates.pop())
            duration, stored_rate = audio.measure_mp3(data)
        except SpeechError:
            raise
        except Exception as exc:  # anything from the network or the answer: speak offline instead
            reason = f"gtts via {self.host} failed: {_describe(exc, self.timeout)}; spoke with {self.fallback.name}"
            log.warning("speech fell back: %s", reason)
            return dataclasses.replace(self.fallback.speak(text, language), fallback_reason=reason)
        return SpokenAudio(
            data=data,
            format=audio.MP3_FORMAT,
            content_type=audio.MP3_CONTENT_TYPE,
            duration_s=duration,
            sample_rate=stored_rate,
            engine=self.name,
            voice=f"google-translate:{lang}",
            language=language,
            fallback_reason="",
        )


def _describe(exc: Exception, timeout: float) -> str:
    if isinstance(exc, requests.exceptions.Timeout):
        return f"timeout: no answer within {timeout:g} s"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return f"connection error ({type(exc).__name__}: could not reach the server)"
    if isinstance(exc, (GTTSFailed, audio.AudioError)):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


# --------------------------------------------------------------------------------------
# Choice from settings
# --------------------------------------------------------------------------------------

ENGINE_NAMES = ("espeak", "gtts")


def _number(name: str, default: float) -> float:
    value = getattr(settings, name, default)
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}") from None
    if value <= 0:
        raise ImproperlyConfigured(f"{name} must be positive, not {value!r}")
    return value


def get_speech_engine(language: str) -> SpeechEngine:
    """The engine configured for ``language`` in ``SPEECH_ENGINES`` (espeak-ng by default)."""
    engines = getattr(settings, "SPEECH_ENGINES", None) or {}
    kind = engines.get(language, "espeak")
    timeout = _number("SPEECH_TIMEOUT", DEFAULT_TIMEOUT)
    rates = getattr(settings, "SPEECH_ESPEAK_RATES", None) or {}
    if not isinstance(rates, dict) or not all(isinstance(v, int) and 80 <= v <= 450 for v in rates.values()):
        raise ImproperlyConfigured(f"SPEECH_ESPEAK_RATES must map languages to 80..450 words a minute, not {rates!r}")
    espeak = EspeakEngine(rates=rates, timeout=timeout)
    if kind == "espeak":
        return espeak
    if kind == "gtts":
        return GTTSEngine(
            timeout=timeout,
            tld=getattr(settings, "SPEECH_GTTS_TLD", "com") or "com",
            base_url=getattr(settings, "SPEECH_GTTS_BASE_URL", "") or "",
            fallback=espeak,
        )
    raise ImproperlyConfigured(f"SPEECH_ENGINES[{language!r}] must be one of {ENGINE_NAMES}, not {kind!r}")
