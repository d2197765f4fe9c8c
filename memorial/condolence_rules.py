"""Messages that look like the scams families meet on memorial pages.

Such a message is never published by itself: it waits for a person to decide. The rules are
deliberately simple and readable; a false alarm costs a manager one click, a miss costs a
grieving family money.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

_LINK = re.compile(r"(https?://|www\.|\b[a-z0-9-]+\.(com|net|org|info|live|tv|xyz|ly|me|io|co|kr|site|link|online|top)\b)", re.I)
_STREAM = re.compile(r"live\s*-?\s*stream|watch\s+(the\s+)?(funeral|service|memorial)\s+(live|online)|streaming|생중계|라이브|실시간\s*중계", re.I)
_MONEY = re.compile(
    r"donat|go\s*fund\s*me|fundrais|cash\s*app|venmo|paypal|zelle|western\s+union|wire\s+transfer|bitcoin|crypto|"
    r"gift\s*card|bank\s+(account|details)|account\s+(number|no)|routing\s+number|iban|swift|"
    r"계좌|입금|송금|후원금|기부|부의금\s*(계좌|보내)",
    re.I,
)
_DIGITS = re.compile(r"(?:\d[ -]?){12,19}")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){3,7}\b")


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
    """Why a message must wait for a person, or "" when nothing looks wrong."""
    if _LINK.search(message):
        return str(_("contains a link"))
    if _STREAM.search(message):
        return str(_("mentions a livestream"))
    if _MONEY.search(message):
        return str(_("asks for money or payment details"))
    for match in _DIGITS.finditer(message):
        if _luhn_ok(match.group()):
            return str(_("contains what looks like a card number"))
        return str(_("contains a long number, such as an account number"))
    if _IBAN.search(message):
        return str(_("contains what looks like a bank account"))
    return ""
