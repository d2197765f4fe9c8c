"""Words to start a condolence from, and who the author was to the person, in the memorial's
language. They are what Korean (and English-speaking) families expect to read, not interface
text: a Korean memorial offers the Korean phrases whatever the visitor's language."""

from __future__ import annotations

PHRASES = {
    "ko": [
        "삼가 고인의 명복을 빕니다.",
        "하늘나라에서 편히 쉬소서.",
        "깊은 애도를 표합니다.",
        "그리운 마음을 전합니다.",
        "좋은 곳에서 영면하시길 기도합니다.",
        "유가족분들께 깊은 위로의 말씀을 드립니다.",
    ],
    "en": [
        "With deepest sympathy.",
        "Rest in peace.",
        "Forever in our hearts.",
        "Thinking of you and your family.",
        "May your memories bring you comfort.",
        "Gone from our sight, but never from our hearts.",
    ],
}

RELATIONS = {
    "ko": ["손녀", "손자", "딸", "아들", "며느리", "사위", "조카", "친척", "친구", "직장 동료", "이웃", "제자", "교우"],
    "en": [
        "granddaughter",
        "grandson",
        "daughter",
        "son",
        "niece",
        "nephew",
        "relative",
        "friend",
        "colleague",
        "neighbour",
        "student",
    ],
}


def _language(language: str) -> str:
    base = (language or "").split("-")[0].lower()
    return base if base in PHRASES else "en"


def phrases_for(language: str) -> list[str]:
    return PHRASES[_language(language)]


def relations_for(language: str) -> list[str]:
    return RELATIONS[_language(language)]
