"""The built-in tribute writer: offline, deterministic per artwork, in Korean and English.

It composes two to four sentences from fixed slots (who they were, the photograph, the
painting, a closing word). Each slot has several templates; ``variant_seed`` picks among the
ones whose facts are known, so one artwork always reads the same and the artworks of one
memorial read differently. A template that needs an unknown fact (a date, a caption) is
simply not a candidate, so nothing is ever filled with "unknown".

Korean particles (은/는, 이/가, 을/를, 과/와, 으로/로, ...) follow the final consonant of the
word before them, computed from the Hangul syllable (see ``attach``).

The text is plain: no HTML escaping here (templates escape on output).
"""

from __future__ import annotations

import datetime
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from generation.text.facts import MAX_NAME_CHARS, PartialDate, TributeFacts
from generation.text.writers import WrittenTribute

MAX_CHARS = {"ko": 400, "en": 600}
MIN_SENTENCES = 2
MAX_SENTENCES = 4

# How much of a free-text field a tribute quotes.
MAX_FIELD_CHARS = {"caption": 60, "album": 40, "place": 40, "style": 40}

WRITER_NAME = "builtin"


# --------------------------------------------------------------------------------------
# Korean particles
# --------------------------------------------------------------------------------------

_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3
_JONG_RIEUL = 8  # ㄹ as a final consonant

# Compatibility jamo written alone (ㄱ ... ㅎ are consonants, ㅏ ... ㅣ vowels).
_JAMO_CONSONANTS = set(range(0x3131, 0x314F))
_JAMO_RIEUL = 0x3139

# How Korean reads a final digit: 0 영, 1 일, 2 이, 3 삼, 4 사, 5 오, 6 육, 7 칠, 8 팔, 9 구.
_DIGIT_FINAL = {
    "0": "batchim",
    "1": "rieul",
    "2": "open",
    "3": "batchim",
    "4": "open",
    "5": "open",
    "6": "batchim",
    "7": "rieul",
    "8": "rieul",
    "9": "open",
}

# (form after a final consonant, form after a vowel). 으로/로 also takes 로 after ㄹ.
_PARTICLES = {
    "은": ("은", "는"),
    "는": ("은", "는"),
    "이": ("이", "가"),
    "가": ("이", "가"),
    "을": ("을", "를"),
    "를": ("을", "를"),
    "과": ("과", "와"),
    "와": ("과", "와"),
    "으로": ("으로", "로"),
    "로": ("으로", "로"),
    "이라는": ("이라는", "라는"),
    "라는": ("이라는", "라는"),
    "이여": ("이여", "여"),
    "여": ("이여", "여"),
}

# When the ending cannot be told (a Chinese character, an emoji), both forms, as Korean
# writing does: 은(는), (으)로.
_UNKNOWN_FORMS = {
    "은": "은(는)",
    "이": "이(가)",
    "을": "을(를)",
    "과": "과(와)",
    "으로": "(으)로",
    "이라는": "(이)라는",
    "이여": "(이)여",
}

_CLOSERS = {")": "(", "]": "[", "}": "{", "）": "（"}
_TRAILING_MARKS = set("'\"’”»」』›.,!?…·~ \t")


def _deciding_text(word: str) -> str | None:
    """The text whose last character a particle follows: quotes, closing punctuation and a trailing
    parenthetical are skipped (``김민준(Kim Minjun)`` -> ``준``)."""
    text = word.rstrip()
    while text:
        last = text[-1]
        if last in _CLOSERS:
            opener = text.rfind(_CLOSERS[last])
            text = text[:opener].rstrip() if opener >= 0 else text[:-1]
        elif last in _TRAILING_MARKS:
            text = text[:-1]
        else:
            return text
    return None


def final_sound(word: str) -> str | None:
    """How ``word`` ends when read in Korean: "open" (a vowel), "rieul" (final ㄹ),
    "batchim" (any other final consonant), or None when it cannot be told."""
    tail = _deciding_text(word)
    if not tail:
        return None
    last = tail[-1]
    code = ord(last)
    if _HANGUL_FIRST <= code <= _HANGUL_LAST:
        jong = (code - _HANGUL_FIRST) % 28
        return "open" if jong == 0 else ("rieul" if jong == _JONG_RIEUL else "batchim")
    if code in _JAMO_CONSONANTS:
        return "rieul" if code == _JAMO_RIEUL else "batchim"
    if 0x314F <= code <= 0x3163:
        return "open"
    if last in _DIGIT_FINAL:
        return _DIGIT_FINAL[last]
    if last.isascii() and last.isalpha():
        return _latin_final_sound(tail.lower())
    return None


def _latin_final_sound(tail: str) -> str:
    """A rough reading of how a Latin-script word ends in Korean transcription:
    John 존 -> batchim, Paul 폴 -> rieul, Mary 메리 / Smith 스미스 / Art 아트 -> open."""
    word = re.sub(r"[^a-z]+$", "", tail)
    if word.endswith(("l", "le")):
        return "rieul"
    if word.endswith(("ng", "m", "n", "me", "ne", "ck", "ook", "p", "b")):
        return "batchim"
    return "open"


def attach(word: str, particle: str) -> str:
    """``word`` followed by the right form of ``particle`` (either form may be given):
    attach("김민준", "는") -> "김민준은", attach("이영희", "은") -> "이영희는",
    attach("서울", "으로") -> "서울로". Unknown endings get both forms: "金은(는)"."""
    with_final, without_final = _PARTICLES[particle]
    sound = final_sound(word)
    if sound is None:
        return word + _UNKNOWN_FORMS[with_final]
    if sound == "open":
        return word + without_final
    if sound == "rieul" and with_final == "으로":
        return word + without_final
    return word + with_final


# --------------------------------------------------------------------------------------
# Shaping the facts
# --------------------------------------------------------------------------------------

_HANGUL_RE = re.compile(r"[\uac00-\ud7a3]")
_LATIN_RE = re.compile(r"[A-Za-z]")


def clean(value: str | None, limit: int) -> str:
    """One line of at most ``limit`` characters, cut at a word where possible."""
    if not value:
        return ""
    text = " ".join(str(value).split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:·-") + "…"


def _quoted_field(value: str | None, limit: int) -> str:
    """A caption or title as it sits inside quotes: no sentence mark at its end."""
    text = clean(value, limit)
    return text.rstrip(".!?。！？ ") if not text.endswith("…") else text


def _names(facts: TributeFacts, limit: int) -> tuple[str, str]:
    """(name to use throughout, other-script name shown once in parentheses, or "")."""
    full = clean(facts.full_name, limit)
    other = clean(facts.name_other_script, limit)
    if other and other != full:
        prefer = _HANGUL_RE if facts.language == "ko" else _LATIN_RE
        if not prefer.search(full) and prefer.search(other):
            return other, full
        return full, other
    return full, ""


_MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def season_name(month: int, language: str) -> str:
    index = {12: 3, 1: 3, 2: 3, 3: 0, 4: 0, 5: 0, 6: 1, 7: 1, 8: 1}.get(month, 2)
    return (("봄", "여름", "가을", "겨울") if language == "ko" else ("spring", "summer", "autumn", "winter"))[index]


def date_text(value: PartialDate, language: str) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        if language == "ko":
            return f"{value.year}년 {value.month}월 {value.day}일"
        return f"{_MONTHS_EN[value.month - 1]} {value.day}, {value.year}"
    return f"{value}년" if language == "ko" else str(value)


@dataclass
class _Context:
    """Everything a template may use, already shaped for the language."""

    language: str
    name: str  # the name used throughout
    first_name: str  # the name at first mention (with the other script in parentheses)
    born: str
    died: str
    years: str  # "1950–2023", "1950–", "–2023" or ""
    place: str
    caption: str
    album: str
    taken: str  # "2019년 가을" / "the autumn of 2019" or ""
    style: str


def _context(facts: TributeFacts, *, name_limit: int = MAX_NAME_CHARS, field_scale: float = 1.0) -> _Context:
    lang = facts.language
    limits = {k: max(12, int(v * field_scale)) for k, v in MAX_FIELD_CHARS.items()}
    name, other = _names(facts, name_limit)
    by, dy = TributeFacts.year_of(facts.birth), TributeFacts.year_of(facts.death)
    if by and dy:
        years = f"{by}–{dy}"
    elif by:
        years = f"{by}–"
    elif dy:
        years = f"–{dy}"
    else:
        years = ""
    taken = ""
    if facts.photo_taken:
        season = season_name(facts.photo_taken.month, lang)
        taken = f"{facts.photo_taken.year}년 {season}" if lang == "ko" else f"the {season} of {facts.photo_taken.year}"
    return _Context(
        language=lang,
        name=name,
        first_name=f"{name}({other})" if other and lang == "ko" else (f"{name} ({other})" if other else name),
        born=date_text(facts.birth, lang),
        died=date_text(facts.death, lang),
        years=years,
        place=clean(facts.place, limits["place"]),
        caption=_quoted_field(facts.photo_caption, limits["caption"]),
        album=_quoted_field(facts.album_title, limits["album"]),
        taken=taken,
        style=clean(facts.style_name, limits["style"]),
    )


# --------------------------------------------------------------------------------------
# Templates
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Template:
    render: Callable[[_Context], str]
    needs: tuple[str, ...] = ()  # context fields that must be known
    without: tuple[str, ...] = ()  # context fields that must be unknown
    motifs: frozenset[str] = field(default_factory=frozenset)  # words not to repeat

    def fits(self, ctx: _Context) -> bool:
        return all(getattr(ctx, n) for n in self.needs) and not any(getattr(ctx, n) for n in self.without)


def _t(render, needs=(), without=(), motifs=()):
    return _Template(render, tuple(needs), tuple(without), frozenset(motifs))


def _ko_span(c: _Context) -> str:
    """An adjectival phrase for the life span: "1950년에 태어나 2023년에 우리 곁을 떠난 "."""
    if c.born and c.died:
        return f"{c.born}에 태어나 {c.died}에 우리 곁을 떠난 "
    if c.born:
        return f"{c.born}에 태어난 "
    if c.died:
        return f"{c.died}에 우리 곁을 떠난 "
    return ""


def _ko_years(c: _Context) -> str:
    return f"({c.years})" if c.years else ""


_KO_OPENING = [
    _t(
        lambda c: f"{_ko_span(c)}{attach(c.first_name + ' 님', '을')} 기억하며 이 그림을 바칩니다.", motifs={"바칩니다"}
    ),
    _t(
        lambda c: f"{attach(c.first_name, '은')} {c.born}에 태어나 {c.died}에 우리 곁을 떠났습니다.",
        needs=("born", "died"),
    ),
    _t(lambda c: f"{attach(c.first_name, '은')} {c.died}에 우리 곁을 떠났습니다.", needs=("died",), without=("born",)),
    _t(
        lambda c: f"{attach(c.first_name, '은')} {c.born}에 태어나 {c.place}에서 삶을 가꾸었습니다.",
        needs=("born", "place"),
        without=("died",),
    ),
    _t(
        lambda c: f"고(故) {attach(c.first_name + ' 님' + _ko_years(c), '을')} 그리며 이 그림을 준비했습니다.",
        motifs={"그리며"},
    ),
    _t(
        lambda c: f"{attach(c.first_name, '과')} 함께한 시간을 떠올리며 이 그림을 그렸습니다.",
        motifs={"함께한", "떠올"},
    ),
    _t(
        lambda c: f"{c.place}에서 {attach(c.first_name, '과')} 함께한 날들을 기억합니다.",
        needs=("place",),
        motifs={"함께한", "기억"},
    ),
    _t(lambda c: f"{_ko_span(c)}{attach(c.first_name, '이')} 남긴 웃음과 온기를 기억합니다.", motifs={"웃음", "기억"}),
]

_KO_PHOTO = [
    _t(lambda c: f"그림의 바탕은 {c.taken}에 찍은 사진입니다.", needs=("taken",), without=("album",)),
    _t(lambda c: f"그림의 바탕은 ‘{c.album}’ 앨범에 담긴, {c.taken}에 찍은 사진입니다.", needs=("taken", "album")),
    _t(
        lambda c: f"가족이 ‘{attach(c.caption + '’', '이라는')} 말을 붙여 간직해 온 사진에서 시작했습니다.",
        needs=("caption",),
    ),
    _t(lambda c: f"‘{c.album}’ 앨범 속 한 장면을 골랐습니다.", needs=("album",)),
    _t(lambda c: f"{c.taken}, ‘{c.caption}’의 순간이 담긴 사진입니다.", needs=("taken", "caption")),
    _t(lambda c: f"사진 속 ‘{c.caption}’의 한순간을 다시 불러왔습니다.", needs=("caption",)),
    _t(lambda c: "가족이 고른 사진 한 장에서 시작한 그림입니다.", without=("caption", "album", "taken")),
]

_KO_STYLE = [
    _t(lambda c: f"사진 속 모습을 {attach(c.style, '으로')} 옮겨 그날의 빛과 표정을 담았습니다.", motifs={"그날"}),
    _t(lambda c: f"그 사진 한 장을 {c.style}의 붓결로 다시 그렸습니다."),
    _t(
        lambda c: f"{attach(c.style, '으로')} 다시 그린 이 그림이 그리운 마음을 조금이나마 전하기를 바랍니다.",
        motifs={"그리운"},
    ),
    _t(lambda c: f"{c.style}의 결을 입혀, 사진 속 한순간을 오래 머무는 그림으로 남깁니다."),
    _t(
        lambda c: f"{attach(c.style, '으로')} 그린 이 그림에 그날의 따뜻한 공기까지 담고자 했습니다.",
        motifs={"그날", "따뜻"},
    ),
]

_KO_CLOSING = [
    _t(lambda c: f"{c.name} 님의 따뜻한 웃음을 오래도록 기억하겠습니다.", motifs={"웃음", "따뜻", "기억"}),
    _t(
        lambda c: f"함께한 모든 날에 감사하며, {attach(c.name + ' 님', '을')} 늘 그리워합니다.",
        motifs={"함께한", "그리운"},
    ),
    _t(lambda c: f"{c.name} 님이 남긴 사랑은 우리 곁에 오래 머물 것입니다."),
    _t(lambda c: f"그리운 마음을 담아 {c.name} 님께 이 그림을 바칩니다.", motifs={"그리운", "바칩니다"}),
    _t(
        lambda c: f"이 그림 앞에서 {attach(c.name + ' 님', '과')} 함께한 날들을 다시 떠올립니다.",
        motifs={"함께한", "떠올"},
    ),
    _t(lambda c: f"{c.name} 님, 이제 편히 쉬세요."),
]


def _en_life(c: _Context) -> str:
    """A relative clause for the life span: ", who was born in 1950 and left us in 2023"."""
    if c.born and c.died:
        return f", who was born {_on_in(c.born)} {c.born} and left us {_on_in(c.died)} {c.died}"
    if c.born:
        return f", born {_on_in(c.born)} {c.born}"
    if c.died:
        return f", who left us {_on_in(c.died)} {c.died}"
    return ""


def _on_in(text: str) -> str:
    return "on" if text[:1].isalpha() else "in"


_EN_OPENING = [
    _t(lambda c: f"In loving memory of {c.first_name}" + (f" ({c.years})" if c.years else "") + ".", motifs={"memory"}),
    _t(
        lambda c: f"{c.first_name} was born {_on_in(c.born)} {c.born} and passed away {_on_in(c.died)} {c.died}.",
        needs=("born", "died"),
    ),
    _t(
        lambda c: f"{c.first_name} passed away {_on_in(c.died)} {c.died}, and is deeply missed.",
        needs=("died",),
        without=("born",),
        motifs={"missed"},
    ),
    _t(lambda c: f"We remember {c.first_name}{_en_life(c)}.", motifs={"remember"}),
    _t(
        lambda c: (
            f"This painting was made in memory of {c.first_name} of {c.place}"
            + (f" ({c.years})" if c.years else "")
            + "."
        ),
        needs=("place",),
        motifs={"memory"},
    ),
    _t(
        lambda c: f"This painting is for {c.first_name}{_en_life(c)}, and for everyone who loved them.",
        motifs={"loved"},
    ),
    _t(
        lambda c: f"{c.first_name} is remembered here with love{(' in ' + c.place) if c.place else ''}.",
        motifs={"remember"},
    ),
]

_EN_PHOTO = [
    _t(
        lambda c: f"It begins from a photograph taken in {c.taken}.",
        needs=("taken",),
        without=("album",),
        motifs={"photograph"},
    ),
    _t(
        lambda c: f"The photograph, taken in {c.taken}, comes from the album “{c.album}”.",
        needs=("taken", "album"),
        motifs={"photograph"},
    ),
    _t(
        lambda c: f"It starts from a photograph the family kept with the words “{c.caption}”.",
        needs=("caption",),
        motifs={"photograph"},
    ),
    _t(lambda c: f"The photograph comes from the family album “{c.album}”.", needs=("album",), motifs={"photograph"}),
    _t(
        lambda c: f"In the photograph, captioned “{c.caption}”, one moment from {c.taken} is held still.",
        needs=("caption", "taken"),
        motifs={"photograph"},
    ),
    _t(lambda c: f"The family chose a photograph they call “{c.caption}”.", needs=("caption",), motifs={"photograph"}),
    _t(
        lambda c: "It begins from a single photograph the family chose.",
        without=("caption", "album", "taken"),
        motifs={"photograph"},
    ),
]

_EN_STYLE = [
    _t(
        lambda c: (
            f"Here the family's photograph is painted anew in the {c.style} style, keeping the light and the expression of that day."
        ),
        motifs={"day", "photograph"},
    ),
    _t(
        lambda c: f"The {c.style} style lends it a quiet warmth, so that one moment may stay a little longer.",
        motifs={"warmth"},
    ),
    _t(
        lambda c: f"Painting the photograph again in the {c.style} style lets one moment stay a while longer.",
        motifs={"photograph"},
    ),
    _t(
        lambda c: (
            f"Rendered in the {c.style} style, the painting keeps what the camera saw and adds the softness of a painter's hand."
        )
    ),
    _t(lambda c: f"We hope this {c.style} painting carries some of what words cannot."),
]

_EN_CLOSING = [
    _t(lambda c: f"{c.name} is missed every day and remembered with love.", motifs={"missed", "remember"}),
    _t(lambda c: f"We carry the warmth of {c.name} with us, always.", motifs={"warmth"}),
    _t(lambda c: f"May {c.name} rest in peace."),
    _t(lambda c: "Thank you for every day we shared.", motifs={"day"}),
    _t(lambda c: f"Those who loved {c.name} will keep this moment close.", motifs={"loved"}),
    _t(lambda c: f"The love {c.name} gave stays with us.", motifs={"loved"}),
]

_SLOTS = {
    "ko": (_KO_OPENING, _KO_PHOTO, _KO_STYLE, _KO_CLOSING),
    "en": (_EN_OPENING, _EN_PHOTO, _EN_STYLE, _EN_CLOSING),
}


def _pick(rng: random.Random, templates: list[_Template], ctx: _Context, used: set[str]) -> _Template | None:
    fitting = [t for t in templates if t.fits(ctx)]
    fresh = [t for t in fitting if not (t.motifs & used)] or fitting
    if not fresh:
        return None
    choice = rng.choice(fresh)
    used |= choice.motifs
    return choice


def compose(facts: TributeFacts) -> str:
    """The tribute for ``facts``: 2-4 sentences, within ``MAX_CHARS[language]``."""
    limit = MAX_CHARS[facts.language]
    rng_seed = f"{facts.variant_seed}:{facts.full_name}"
    attempts = [
        dict(name_limit=MAX_NAME_CHARS, field_scale=1.0),
        dict(name_limit=MAX_NAME_CHARS, field_scale=0.5),
        dict(name_limit=40, field_scale=0.3),
    ]
    text = ""
    for sizes in attempts:
        ctx = _context(facts, **sizes)
        rng = random.Random(rng_seed)
        opening, photo, style, closing = _SLOTS[facts.language]
        used: set[str] = set()
        first = _pick(rng, opening, ctx, used)
        picture = _pick(rng, photo, ctx, used)
        painting = _pick(rng, style, ctx, used)
        last = _pick(rng, closing, ctx, used)
        # Not every tribute needs every slot: a closing word or a note on the photo is left
        # out now and then so that the tributes of one memorial differ in shape too.
        with_photo = picture is not None and rng.random() < 0.8
        with_closing = last is not None and rng.random() < 0.75
        plans = [
            [first, picture if with_photo else None, painting, last if with_closing else None],
            [first, None, painting, last if with_closing else None],
            [first, None, painting, None],
        ]
        for plan in plans:
            text = " ".join(t.render(ctx) for t in plan if t is not None)
            if len(text) <= limit:
                return text
    return text[: limit - 1].rstrip() + "…"


class BuiltinWriter:
    """Writes tributes offline from templates. Never fails on valid facts."""

    name = WRITER_NAME

    def write(self, facts: TributeFacts) -> WrittenTribute:
        return WrittenTribute(text=compose(facts), language=facts.language, writer=self.name, fallback_reason="")
