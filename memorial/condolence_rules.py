"""Messages that look like the scams families meet on memorial pages.

Such a message is never published by itself: it waits for a person to decide. The rules are
deliberately simple and readable; a false alarm costs a manager one click, a miss costs a
grieving family money.
"""

from __future__ import annotations

import re

from django.db import models
from django.utils.translation import gettext_lazy as _


class HeldReason(models.TextChoices):
    """Stored as a code, shown in the reader's language."""

    LINK = "link", _("contains a link")
    LIVESTREAM = "livestream", _("mentions a livestream")
    MONEY = "money", _("asks for money or payment details")
    CARD = "card", _("contains what looks like a card number")
    LONG_NUMBER = "long_number", _("contains a long number, such as an account number")
    BANK_ACCOUNT = "bank_account", _("contains what looks like a bank account")


_LINK = re.compile(
    r"(https?://|www\.|\b[a-z0-9-]+\.(com|net|org|info|live|tv|xyz|ly|me|io|co|kr|site|link|online|top)\b)", re.I
)
_STREAM = re.compile(
    r"live\s*-?\s*stream|watch\s+(the\s+)?(funeral|service|memorial)\s+(live|online)|streaming|생중계|라이브|실시간\s*중계",
    re.I,
)
_MONEY = re.compile(
    r"donat|go\s*fund\s*me|fundrais|cash\s*app|venmo|paypal|zelle|western\s+union|wire\s+transfer|bitcoin|crypto|"
    r"gift\s*card|bank\s+(account|details)|account\s+(number|no)|routing\s+number|iban|swift|"
    r"계좌|입금|송금|후원금|기부|부의금\s*(계좌|보내)",
    re.I,
)
_DIGITS = re.compile(r"(?:\d[ -]?){12,19}")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){3,7}\b")
# A bank named, then a number of six digits or more: an account too short for _DIGITS (SC제일 and
# 씨티 numbers have 10 or 11 digits). The family's own accounts are published by its managers
# (memorial/condolence_accounts.py), never through the guestbook: no number is let through here.
_BANK_AND_NUMBER = re.compile(
    r"(은행|뱅크|농협|신협|새마을금고|우체국|수협|\bbank\b)[^0-9]{0,20}\d(?:[ -]?\d){5,}", re.I
)


def _luhn_ok(number: str) -> bool:
    digits = [int(d) for d in number if d.isdigit()]
    total = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def suspicious_reason(message: str) -> str:
    """Why a message must wait for a person (a HeldReason code), or "" when nothing looks wrong."""
    if _LINK.search(message):
        return HeldReason.LINK
    if _STREAM.search(message):
        return HeldReason.LIVESTREAM
    if _MONEY.search(message):
        return HeldReason.MONEY
    for match in _DIGITS.finditer(message):
        return HeldReason.CARD if _luhn_ok(match.group()) else HeldReason.LONG_NUMBER
    if _IBAN.search(message) or _BANK_AND_NUMBER.search(message):
        return HeldReason.BANK_ACCOUNT
    return ""
