"""What a tribute writer may know about the person, the photo and the artwork.

Nothing else reaches a writer: no model instances, no request. A memorial's dates are often
known only partly, so ``birth`` and ``death`` are a year (``int``), a full ``datetime.date``,
or ``None`` when the family did not give one.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

PartialDate = int | datetime.date | None

LANGUAGES = ("ko", "en")

# Beyond these, a writer ignores the rest of a field (see ``shorten``): a caption is a
# caption, not an essay, and the text has fixed length limits.
MAX_NAME_CHARS = 80


def _check_partial_date(field: str, value: object) -> None:
    if value is None or isinstance(value, datetime.date):
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{field} must be a year (int), a datetime.date or None, not {value!r}")
    if not 1 <= value <= 9999:
        raise ValueError(f"{field} year {value!r} is out of range")


@dataclass(frozen=True)
class TributeFacts:
    full_name: str
    style_name: str
    language: str = "ko"
    name_other_script: str | None = None
    birth: PartialDate = None
    death: PartialDate = None
    place: str | None = None
    photo_caption: str | None = None
    photo_taken: datetime.date | None = None
    album_title: str | None = None
    variant_seed: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.full_name, str) or not self.full_name.strip():
            raise ValueError(f"full_name must be a non-empty string, not {self.full_name!r}")
        if not isinstance(self.style_name, str) or not self.style_name.strip():
            raise ValueError(f"style_name must be a non-empty string, not {self.style_name!r}")
        if self.language not in LANGUAGES:
            raise ValueError(f"language must be one of {LANGUAGES}, not {self.language!r}")
        _check_partial_date("birth", self.birth)
        _check_partial_date("death", self.death)
        if self.photo_taken is not None and not isinstance(self.photo_taken, datetime.date):
            raise ValueError(f"photo_taken must be a datetime.date or None, not {self.photo_taken!r}")
        if isinstance(self.variant_seed, bool) or not isinstance(self.variant_seed, int):
            raise ValueError(f"variant_seed must be an int, not {self.variant_seed!r}")

    @staticmethod
    def year_of(value: PartialDate) -> int | None:
        if value is None:
            return None
        return value.year if isinstance(value, datetime.date) else value
