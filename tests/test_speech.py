"""Narrations from real engines: espeak-ng on this machine, and gTTS against a server on
127.0.0.1 that answers the way Google Translate's batchexecute endpoint does."""

from __future__ import annotations

import base64
import io
import json
import socket
import tempfile
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import mutagen.mp3
import numpy as np
import pytest
import soundfile
from django.core.exceptions import ImproperlyConfigured

from generation.speech import EspeakEngine, GTTSEngine, SpeechError, SpokenAudio, get_speech_engine

SHORT = {"ko": "김민준 님을 기억합니다.", "en": "We remember Mary."}
LONG = {
    "ko": "김민준 님을 기억하며 이 그림을 바칩니다. 가족이 고른 사진 한 장을 수채화로 옮겨 그날의 빛과 "
    "표정을 담았습니다. 김민준 님의 따뜻한 웃음을 오래도록 기억하겠습니다.",
    "en": "We remember Mary Ellen Smith, who was born in 1950 and left us in 2023. The photograph "
    "is painted anew in the watercolor style, keeping the light of that day. May she rest in peace.",
}


def decoded_duration(data: bytes) -> tuple[float, int]:
    """Measured again here, by decoding every sample (libsndfile/mpg123), not from headers."""
    samples, rate = soundfile.read(io.BytesIO(data), dtype="int16")
    return len(samples) / rate, rate


def assert_playable_mp3(result: SpokenAudio, language: str) -> None:
    assert result.format == "mp3" and result.content_type == "audio/mpeg"
    assert result.language == language
    assert result.data[:3] == b"ID3" or (result.data[0] == 0xFF and result.data[1] & 0xE0 == 0xE0)
    duration, rate = decoded_duration(result.data)
    assert rate == result.sample_rate
    assert abs(duration - result.duration_s) < 0.06, (duration, result.duration_s)
    header = mutagen.mp3.MP3(io.BytesIO(result.data)).info
    assert header.sample_rate == result.sample_rate


# --- espeak-ng -----------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["ko", "en"])
def test_espeak_speaks_and_longer_text_takes_longer(language):
    engine = get_speech_engine(language)
    assert isinstance(engine, EspeakEngine)
    short = engine.speak(SHORT[language], language)
    long = engine.speak(LONG[language], language)
    for result in (short, long):
        assert_playable_mp3(result, language)
        assert result.engine == "espeak-ng" and result.voice == language and result.fallback_reason == ""
        assert result.sample_rate == 22050
    assert 0.5 < short.duration_s < long.duration_s
    assert long.duration_s > 2.5 * short.duration_s
    # an unhurried pace: a few words a second, not a rush
    words = len(LONG[language].split())
    assert 0.8 < words / long.duration_s < 4.0


def test_speaking_rate_comes_from_settings(settings):
    normal = get_speech_engine("en").speak(LONG["en"], "en").duration_s
    settings.SPEECH_ESPEAK_RATES = {"en": 110}
    slow = get_speech_engine("en").speak(LONG["en"], "en").duration_s
    assert slow > 1.2 * normal
    settings.SPEECH_ESPEAK_RATES = {"en": 5}
    with pytest.raises(ImproperlyConfigured, match="SPEECH_ESPEAK_RATES"):
        get_speech_engine("en")


def test_espeak_text_starting_with_a_dash_is_spoken_not_parsed():
    result = EspeakEngine().speak("--help -v en 여기서 시작합니다.", "ko")
    assert_playable_mp3(result, "ko")
    assert result.duration_s > 1.0


@pytest.mark.parametrize(("text", "message"), [("", "empty"), ("   \n\t ", "whitespace")])
def test_empty_text_is_refused_and_nothing_is_written(monkeypatch, tmp_path, text, message):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    for engine in (EspeakEngine(), GTTSEngine(base_url="http://127.0.0.1:9")):
        with pytest.raises(SpeechError, match=f"Nothing to speak: the text is .*{message}"):
            engine.speak(text, "ko")
    assert list(scratch.iterdir()) == []


def test_unknown_language_is_refused_by_name():
    with pytest.raises(SpeechError, match="'xx'"):
        EspeakEngine().speak("hello", "xx")


def test_engine_choice_comes_from_settings(settings):
    settings.SPEECH_ENGINES = {"ko": "gtts"}
    assert isinstance(get_speech_engine("ko"), GTTSEngine)
    assert isinstance(get_speech_engine("en"), EspeakEngine)
    settings.SPEECH_ENGINES = {"ko": "siri"}
    with pytest.raises(ImproperlyConfigured, match="SPEECH_ENGINES"):
        get_speech_engine("ko")


# --- gTTS against a local server -----------------------------------------------------------

CLIP_SECONDS = 1.0
CLIP_RATE = 24000  # what Google's voice sends


def make_clip() -> bytes:
    t = np.arange(int(CLIP_SECONDS * CLIP_RATE)) / CLIP_RATE
    tone = (0.3 * np.sin(2 * np.pi * 220 * t) * 32767).astype(np.int16)
    buffer = io.BytesIO()
    soundfile.write(buffer, tone, CLIP_RATE, format="MP3", subtype="MPEG_LAYER_III")
    return buffer.getvalue()


CLIP = make_clip()


def batchexecute_answer(mp3: bytes) -> bytes:
    """The shape of translate.google.com's answer: an anti-XSSI prefix, then length-prefixed
    JSON chunks; the RPC's result is itself a JSON string holding the base64 MP3."""
    compact = {"separators": (",", ":")}  # as Google sends it, and as gTTS's pattern expects
    inner = json.dumps([base64.b64encode(mp3).decode("ascii")], **compact)
    chunk = json.dumps([["wrb.fr", "jQ1olc", inner, None, None, None, "generic"], ["di", 42]], **compact)
    tail = json.dumps([["e", 4, None, None, len(chunk)]], **compact)
    return f")]}}'\n\n{len(chunk)}\n{chunk}\n{len(tail)}\n{tail}\n".encode()


class FakeTranslateServer:
    def __init__(self):
        self.mode = "ok"
        self.calls: list[tuple[str, list]] = []
        self.stop = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                form = urllib.parse.parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
                rpc = json.loads(form["f.req"][0])
                server.calls.append((self.path, json.loads(rpc[0][0][1])))
                if server.mode == "slow":
                    server.stop.wait(3)
                status, body = {
                    "ok": (200, batchexecute_answer(CLIP)),
                    "slow": (200, batchexecute_answer(CLIP)),
                    "500": (500, b"oops"),
                    "no-audio": (200, b')]}\'\n\n12\n[["wrb.fr"]]\n'),
                }[server.mode]
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def close(self):
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def translate(settings):
    server = FakeTranslateServer()
    settings.SPEECH_ENGINES = {"ko": "gtts", "en": "gtts"}
    settings.SPEECH_GTTS_BASE_URL = server.url
    settings.SPEECH_TIMEOUT = 0.5
    yield server
    server.close()


def test_gtts_speaks_through_the_configured_host(translate):
    result = get_speech_engine("ko").speak(SHORT["ko"], "ko")
    assert result.engine == "gtts" and result.fallback_reason == ""
    assert result.voice == "google-translate:ko"
    assert_playable_mp3(result, "ko")
    assert result.sample_rate == CLIP_RATE
    assert abs(result.duration_s - CLIP_SECONDS) < 0.06
    ((path, (text, lang, _speed, _)),) = translate.calls
    assert path == "/_/TranslateWebserverUi/data/batchexecute"
    assert text == SHORT["ko"] and lang == "ko"


def test_gtts_long_text_in_parts_becomes_one_file(translate):
    result = get_speech_engine("en").speak(LONG["en"], "en")
    parts = len(translate.calls)
    assert parts >= 2  # gTTS sends at most 100 characters a request
    assert result.engine == "gtts"
    assert_playable_mp3(result, "en")
    assert abs(result.duration_s - parts * CLIP_SECONDS) < 0.1


def assert_spoken_by_espeak(result: SpokenAudio, language: str, *words: str) -> None:
    assert result.engine == "espeak-ng" and result.voice == language
    assert_playable_mp3(result, language)
    assert result.duration_s > 0.5
    for word in words:
        assert word in result.fallback_reason, result.fallback_reason


def test_gtts_unreachable_falls_back_to_espeak(settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.SPEECH_ENGINES = {"ko": "gtts"}
    settings.SPEECH_GTTS_BASE_URL = f"http://127.0.0.1:{port}"
    result = get_speech_engine("ko").speak(SHORT["ko"], "ko")
    assert_spoken_by_espeak(result, "ko", "gtts", f"127.0.0.1:{port}", "connection", "espeak-ng")


@pytest.mark.parametrize(("mode", "reason"), [("500", "HTTP 500"), ("no-audio", "no audio"), ("slow", "timeout")])
def test_gtts_failures_fall_back_to_espeak_with_the_reason(translate, mode, reason):
    translate.mode = mode
    assert_spoken_by_espeak(get_speech_engine("en").speak(SHORT["en"], "en"), "en", reason)
