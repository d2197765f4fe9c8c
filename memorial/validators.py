"""Checks on what people type, shared by the forms, the API and the models."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def single_line(value: str) -> None:
    """A name or a place is one line: no line breaks, tabs or other control characters (a name
    goes into e-mail subjects, where a line break would start a new header)."""
    if any(unicodedata.category(character) in ("Cc", "Zl", "Zp") for character in value or ""):
        raise ValidationError(_("Please write this on one line."), code="single_line")


def one_line(value: str) -> str:
    """``value`` with any line breaks and control characters turned into single spaces: for
    text written before ``single_line`` was checked, on its way into a header."""
    cleaned = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in value or "")
    return " ".join(cleaned.split())
