"""What a painting shows, in the painter's words: a short English phrase a member may give.

Stable Diffusion 1.5 reads its prompt through an English CLIP tokenizer, so the photo's
caption (often Korean) never goes into the prompt. A member may instead describe the subject
in a few English words ("an old woman smiling"); without one the painter uses a neutral
phrase (`generation.pipeline.prompts`). Here is only the plain check the web side makes; the
prompt itself is built by the worker, which fits it to the pipeline's own tokenizer.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_SUBJECT_CHARS = 80

# Latin letters, digits, spaces and basic punctuation. No braces, so a subject can never
# reach into a style's prompt template; no other scripts, which CLIP cannot read.
_ALLOWED = re.compile(r"[A-Za-z0-9 ,.'!?()\-]*")
_LETTER = re.compile(r"[A-Za-z]")
# What phones type for an English apostrophe or dash: read as the plain one.
_PLAIN = str.maketrans({"\u2019": "'", "\u2018": "'", "\u2013": "-", "\u2014": "-"})

EXAMPLE = "an old woman smiling"


def clean_subject(value) -> str:
    """The subject with its spaces folded (``""`` when none was given); ``ValidationError`` with a
    plain message when it is not a short phrase of Latin letters, digits and basic punctuation."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError(_("Describe the subject as text."), code="invalid")
    text = " ".join(value.translate(_PLAIN).split())
    if not text:
        return ""
    if len(text) > MAX_SUBJECT_CHARS:
        raise ValidationError(
            _("Describe the subject in at most %(max)d characters (this has %(count)d), for example “%(example)s”."),
            code="too_long",
            params={"max": MAX_SUBJECT_CHARS, "count": len(text), "example": EXAMPLE},
        )
    if not _ALLOWED.fullmatch(text) or not _LETTER.search(text):
        raise ValidationError(
            _(
                "Describe the subject in a few English words, for example “%(example)s”: Latin letters, digits, "
                "spaces and basic punctuation (, . ' ! ? - and brackets) only. The painter reads English only; "
                "the photo's caption stays as it is."
            ),
            code="not_english",
            params={"example": EXAMPLE},
        )
    return text


def validate_subject(value) -> None:
    """``clean_subject`` as a Django/DRF validator."""
    clean_subject(value)
