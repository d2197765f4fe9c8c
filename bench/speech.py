"""Real-time factor of the offline narration: seconds of audio per second of compute.

Runs espeak-ng on a ~300-character Korean tribute (and an English one of the same length, for
comparison) through the whole engine - synthesis, MP3 encoding, measuring - and prints the
median of a few runs. Higher is faster; 1.0 would be speaking in real time.

    .venv/bin/python bench/speech.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from generation.speech import audio  # noqa: E402
from generation.speech.engines import EspeakEngine  # noqa: E402

KOREAN_TRIBUTE = (
    "1950년 봄 부산에서 태어나 2023년 가을 우리 곁을 떠난 김민준 님을 기억하며 이 그림을 바칩니다. "
    "그림의 바탕은 2019년 가을 제주 바닷가에서 가족이 함께 찍은 사진입니다. 바람에 머리칼이 흩날리던 그날, "
    "김민준 님은 누구보다 환하게 웃고 계셨습니다. 사진 속 모습을 수채화로 옮겨 그날의 빛과 표정, 바다의 "
    "푸른 기운까지 고스란히 담았습니다. 평생 가족을 먼저 생각하던 따뜻한 마음과 조용한 웃음을 우리는 오래도록 "
    "잊지 않겠습니다. 그 웃음은 이 그림 속에서 늘 머물 것입니다. 함께한 모든 날에 감사하며, 이제 편히 쉬세요."
)
ENGLISH_TRIBUTE = (
    "We remember Kim Min-jun, who was born in Busan in the spring of 1950 and left us in the autumn "
    "of 2023. The painting begins from a photograph the family took by the sea in Jeju in 2019. "
    "Painted anew in watercolor, it keeps the light of that day and his quiet and gentle smile. May he rest in peace."
)


def measure(engine: EspeakEngine, text: str, language: str, runs: int) -> dict:
    voice = engine.voices[language]
    totals, synth, encode, durations = [], [], [], []
    engine.speak(text, language)  # warm the page cache and espeak-ng's data files
    for _ in range(runs):
        t0 = time.perf_counter()
        samples, rate = engine.synthesize(text, voice, wpm=engine.rates[language])
        t1 = time.perf_counter()
        data = audio.encode_mp3(samples, rate)
        duration, _ = audio.measure_mp3(data)
        t2 = time.perf_counter()
        synth.append(t1 - t0)
        encode.append(t2 - t1)
        totals.append(t2 - t0)
        durations.append(duration)
    total = statistics.median(totals)
    return {
        "chars": len(text),
        "audio_s": statistics.median(durations),
        "compute_s": total,
        "synth_s": statistics.median(synth),
        "encode_s": statistics.median(encode),
        "rtf": statistics.median(d / t for d, t in zip(durations, totals, strict=False)),
        "mp3_kbps": len(data) * 8 / duration / 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    engine = EspeakEngine()
    version = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True).stdout.strip()
    print(
        f"{version}; rates {engine.rates} wpm; MP3 via soundfile/libsndfile; median of {args.runs} runs; "
        f"{os.cpu_count()} CPUs"
    )
    for language, text in (("ko", KOREAN_TRIBUTE), ("en", ENGLISH_TRIBUTE)):
        r = measure(engine, text, language, args.runs)
        print(
            f"{language}: {r['chars']} chars -> {r['audio_s']:.2f} s of audio in {r['compute_s'] * 1000:.0f} ms "
            f"(espeak-ng {r['synth_s'] * 1000:.0f} ms + MP3 {r['encode_s'] * 1000:.0f} ms, {r['mp3_kbps']:.0f} kbit/s): "
            f"real-time factor {r['rtf']:.1f}x"
        )


if __name__ == "__main__":
    main()
