"""Narrations: speech engines behind one interface.

from generation.speech import get_speech_engine
narration = get_speech_engine("ko").speak(tribute.text, "ko")   # -> SpokenAudio (MP3)
"""

from generation.speech.engines import (
    EspeakEngine,
    GTTSEngine,
    SpeechEngine,
    SpeechError,
    SpeechUnavailable,
    SpokenAudio,
    get_speech_engine,
)

__all__ = [
    "EspeakEngine",
    "GTTSEngine",
    "SpeechEngine",
    "SpeechError",
    "SpeechUnavailable",
    "SpokenAudio",
    "get_speech_engine",
]
