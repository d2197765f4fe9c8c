"""The family's thank-you (답례) after the funeral: one per memorial, written by a manager, e-mailed
in the background (memorial.tasks.send_thank_you, core.work's lifecycle) to everyone who left a
message with an address: a guest's optional address, a signed-in person's own. Each address is
written to once: its ``ThankYouDelivery`` row is inserted in the same transaction as the e-mail
is sent, so a retry after a worker died skips those already reached. An address the mail server
refuses is skipped for good; one that could not be reached now (the server away) is tried again
later, with the others not yet reached (``core.work.retry_later``)."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from core import work
from memorial.models import Condolence, Memorial, ThankYou, ThankYouDelivery
from memorial.validators import one_line

MAX_MESSAGE = 3000

log = logging.getLogger(__name__)


class ThankYouRefused(ValueError):
    pass


def thank_you_of(memorial: Memorial) -> ThankYou | None:
    return ThankYou.objects.filter(memorial=memorial).first()


def recipients(thank_you: ThankYou) -> list[str]:
    """The addresses of those who left a message (published, or still waiting) other than the
    sender, each once whatever its case."""
    seen, addresses = set(), []
    condolences = (
        Condolence.objects.filter(
            memorial=thank_you.memorial, status__in=[Condolence.Status.PUBLISHED, Condolence.Status.PENDING]
        )
        .select_related("author")
        .order_by("created_at", "pk")
    )
    sender = (thank_you.sent_by.email if thank_you.sent_by else "").lower()
    for condolence in condolences:
        address = (condolence.author.email if condolence.author_id else condolence.email).strip()
        key = address.lower()
        if address and key not in seen and key != sender:
            seen.add(key)
            addresses.append(address)
    return addresses


@transaction.atomic
def post_thank_you(*, memorial: Memorial, by, message: str) -> ThankYou:
    """The family's one thank-you, queued to be sent; refused when one was sent already."""
    message = (message or "").strip()
    if not message:
        raise ThankYouRefused(_("Please write the thank-you message."))
    if len(message) > MAX_MESSAGE:
        raise ThankYouRefused(_("Please keep the message under %(limit)d characters.") % {"limit": MAX_MESSAGE})
    Memorial.objects.select_for_update().filter(pk=memorial.pk).first()  # one at a time per memorial
    if ThankYou.objects.filter(memorial=memorial).exists():
        raise ThankYouRefused(_("The family's thank-you has already been sent. It can be sent once."))
    try:
        with transaction.atomic():
            thank_you = ThankYou.objects.create(memorial=memorial, message=message, sent_by=by)
    except IntegrityError:
        raise ThankYouRefused(_("The family's thank-you has already been sent. It can be sent once.")) from None
    transaction.on_commit(lambda: work.enqueue("thank_you", thank_you.pk))
    return thank_you


def _mail(thank_you: ThankYou) -> tuple[str, str]:
    memorial = thank_you.memorial
    with override(memorial.language):
        subject = _("A thank-you from the family of %(name)s") % {"name": one_line(memorial.full_name)}
        body = thank_you.message + "\n\n" + settings.SITE_URL + memorial.get_absolute_url()
    return settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject, body


@dataclass
class Delivered:
    sent: int = 0  # written to now
    refused: int = 0  # addresses the mail server refuses: not tried again
    left: int = 0  # not reached now (the server away): tried again later


def deliver(thank_you: ThankYou) -> Delivered:
    """Send to every recipient not yet reached. An address whose e-mail failed is left for the
    next attempt (its row is rolled back with the failure), and the others are still written to."""
    subject, body = _mail(thank_you)
    done = set(ThankYouDelivery.objects.filter(thank_you=thank_you).values_list("email", flat=True))
    outcome = Delivered()
    for address in recipients(thank_you):
        key = address.lower()
        if key in done:
            continue
        try:
            with transaction.atomic():
                ThankYouDelivery.objects.create(thank_you=thank_you, email=key)
                send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
        except IntegrityError:
            continue  # reached already (another attempt)
        except smtplib.SMTPRecipientsRefused:
            log.info("Thank-you %s: the mail server refuses one guest's address", thank_you.pk)
            outcome.refused += 1
            continue
        except Exception as exc:  # noqa: BLE001 - one address must not keep the others from their mail
            log.warning("Thank-you %s: one address not reached now: %s", thank_you.pk, exc)
            outcome.left += 1
            continue
        done.add(key)
        outcome.sent += 1
        work.beat(thank_you)
    return outcome


def delivered_count(thank_you: ThankYou) -> int:
    return ThankYouDelivery.objects.filter(thank_you=thank_you).count()


def recipient_count(memorial: Memorial) -> int:
    """How many addresses a thank-you would be sent to now (for the form)."""
    return len(recipients(ThankYou(memorial=memorial)))
