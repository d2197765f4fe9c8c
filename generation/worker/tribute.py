"""The words and the voice that come with an artwork."""

from __future__ import annotations

from generation.models import StylizationJob
from memorial.dates import Precision


def _partial(value, precision):
    if value is None:
        return None
    return value if precision == Precision.DAY else value.year


def facts_for(job: StylizationJob):
    from generation.text.facts import TributeFacts

    memorial, photo = job.memorial, job.photo
    language = job.language if job.language in ("ko", "en") else "en"
    return TributeFacts(
        full_name=memorial.full_name,
        name_other_script=memorial.name_other_script or None,
        style_name=job.style.name_in(language),
        language=language,
        birth=_partial(memorial.born_on, memorial.born_precision),
        death=_partial(memorial.died_on, memorial.died_precision),
        place=memorial.place or None,
        photo_caption=photo.caption or None,
        photo_taken=photo.taken_at.date() if photo.taken_at else None,
        album_title=photo.album.title or None,
        variant_seed=job.pk,
    )


def write(job: StylizationJob):
    from generation.text.writers import get_writer

    return get_writer().write(facts_for(job))


def speak(text: str, language: str):
    from generation.speech.engines import get_speech_engine

    return get_speech_engine(language).speak(text, language)
