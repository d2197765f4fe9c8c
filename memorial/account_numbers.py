"""What a condolence-money account (마음 전하실 곳) may hold: checks shared by the form, the API
and the model, and the Korean banks offered as suggestions while typing.

An account number is digits and single hyphens (as Korean banks print them: 123-456-789012),
between ``MIN_DIGITS`` and ``MAX_DIGITS`` digits; anything else is refused with a sentence that
says what to fix, and nothing is stored."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MIN_DIGITS = 6
MAX_DIGITS = 20
MAX_ACCOUNTS = 10  # per memorial

_ALLOWED = re.compile(r"[0-9-]+")
_SHAPE = re.compile(r"[0-9]+(?:-[0-9]+)*")

# The banks Korean families most often name, offered while typing (any other name is accepted).
KOREAN_BANKS = (
    "KB국민은행",
    "신한은행",
    "우리은행",
    "하나은행",
    "NH농협은행",
    "IBK기업은행",
    "SC제일은행",
    "한국씨티은행",
    "KDB산업은행",
    "카카오뱅크",
    "케이뱅크",
    "토스뱅크",
    "수협은행",
    "대구은행",
    "부산은행",
    "경남은행",
    "광주은행",
    "전북은행",
    "제주은행",
    "새마을금고",
    "신협",
    "우체국",
    "지역농협",
    "산림조합",
    "저축은행",
)


def normalise_number(value: str) -> str:
    """The number as typed, without spaces around it."""
    return (value or "").strip()


def validate_account_number(value: str) -> None:
    value = normalise_number(value)
    if not value:
        raise ValidationError(_("Enter the account number."), code="required")
    if not _ALLOWED.fullmatch(value):
        raise ValidationError(
            _("An account number has only digits and hyphens, such as 123-456-789012."), code="characters"
        )
    if not _SHAPE.fullmatch(value):
        raise ValidationError(
            _("Write the hyphens only between digits, one at a time, such as 123-456-789012."), code="hyphens"
        )
    digits = sum(character.isdigit() for character in value)
    if not MIN_DIGITS <= digits <= MAX_DIGITS:
        raise ValidationError(
            _("An account number has %(min)d to %(max)d digits; this one has %(count)d."),
            code="length",
            params={"min": MIN_DIGITS, "max": MAX_DIGITS, "count": digits},
        )
