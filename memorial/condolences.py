"""The guestbook: leaving, approving, rejecting and reporting condolences."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from memorial import guest_messages
from memorial.models import Condolence, CondolenceReport, Memorial
from memorial.validators import one_line

MAX_MESSAGE = 3000


CondolenceRefused = guest_messages.MessageRefused


@transaction.atomic
def leave_condolence(
    *, memorial: Memorial, message: str, author=None, guest_name: str = "", relation: str = "", email: str = ""
) -> Condolence:
    message, guest_name = guest_messages.clean(message=message, guest_name=guest_name, author=author, limit=MAX_MESSAGE)
    status, held = guest_messages.first_status(
        memorial=memorial,
        text=message + " " + guest_name,
        published=Condolence.Status.PUBLISHED,
        pending=Condolence.Status.PENDING,
    )
    condolence = Condolence.objects.create(
        memorial=memorial,
        author=author,
        guest_name="" if author else guest_name[:100],
        relation=one_line(relation)[:60],
        email="" if author else (email or "").strip()[:254],
        message=message,
        status=status,
        held_reason=held,
    )
    transaction.on_commit(lambda: notify_managers(condolence))
    return condolence


def notify_managers(condolence: Condolence) -> int:
    """E-mail the memorial's owner and managers about a new message (not its own author)."""
    return guest_messages.notify_managers(
        condolence, url=settings.SITE_URL + condolence.memorial.get_absolute_url(), pending=Condolence.Status.PENDING
    )


def notify_hidden(condolence: Condolence) -> int:
    """E-mail the memorial's owner and managers that reports hid a message, and where to decide."""
    return guest_messages.notify_hidden(condolence)


def _decide(condolence: Condolence, status: str, by, action: str, note: str = "") -> Condolence:
    return guest_messages.decide(condolence, status=status, by=by, action=action, note=note)


def approve(*, condolence: Condolence, by, note: str = "") -> Condolence:
    return _decide(condolence, Condolence.Status.PUBLISHED, by, "approve_condolence", note)


def reject(*, condolence: Condolence, by, note: str = "") -> Condolence:
    return _decide(condolence, Condolence.Status.REJECTED, by, "reject_condolence", note)


def hide(*, condolence: Condolence, by, note: str = "") -> Condolence:
    return _decide(condolence, Condolence.Status.HIDDEN, by, "hide_condolence", note)


def restore(*, condolence: Condolence, by, note: str = "") -> Condolence:
    """Put a message hidden after reports (or by a moderator) back on the page, in one step. The
    reports it answered never count again."""
    return _decide(condolence, Condolence.Status.PUBLISHED, by, "restore_condolence", note)


reporter_kind = guest_messages.reporter_kind


def report_weight(condolence: Condolence) -> int:
    """How much the reports since the last decision weigh (``guest_messages.report_weight``)."""
    return guest_messages.report_weight(CondolenceReport.objects.filter(condolence=condolence, resolved=False))


def report(
    *, condolence: Condolence, reporter_key: str, reporter=None, reason: str = "", network_key: str = ""
) -> bool:
    """Count one report per visitor (False when they had reported it already). When the reports
    since the last decision weigh CONDOLENCE_REPORT_THRESHOLD, a published message is hidden
    until a manager decides; a handful of guests cannot do that alone, and a manager's decision
    answers every report made before it."""
    return guest_messages.report(
        item=condolence,
        reporter_key=reporter_key,
        reporter=reporter,
        reason=reason,
        network_key=network_key,
        published=Condolence.Status.PUBLISHED,
        hidden=Condolence.Status.HIDDEN,
        on_hidden=notify_hidden,
    )
