"""The guestbook: leaving, approving, rejecting and reporting condolences."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from memorial import moderation
from memorial.condolence_rules import suspicious_reason
from memorial.models import Condolence, CondolencePolicy, CondolenceReport, Membership, Memorial, Role
from memorial.validators import one_line

MAX_MESSAGE = 3000


class CondolenceRefused(ValueError):
    pass


@transaction.atomic
def leave_condolence(*, memorial: Memorial, message: str, author=None, guest_name: str = "") -> Condolence:
    message = (message or "").strip()
    guest_name = (guest_name or "").strip()
    if not message:
        raise CondolenceRefused(_("Please write a message."))
    if len(message) > MAX_MESSAGE:
        raise CondolenceRefused(_("Please keep the message under %(limit)d characters.") % {"limit": MAX_MESSAGE})
    if author is None and not guest_name:
        raise CondolenceRefused(_("Please tell the family your name."))

    reason = suspicious_reason(message + " " + guest_name)
    if reason:
        status, held = Condolence.Status.PENDING, reason
    elif memorial.condolence_policy == CondolencePolicy.APPROVAL:
        status, held = Condolence.Status.PENDING, ""
    else:
        status, held = Condolence.Status.PUBLISHED, ""
    condolence = Condolence.objects.create(
        memorial=memorial,
        author=author,
        guest_name="" if author else guest_name[:100],
        message=message,
        status=status,
        held_reason=held,
    )
    transaction.on_commit(lambda: notify_managers(condolence))
    return condolence


def notify_managers(condolence: Condolence) -> int:
    """E-mail the memorial's owner and managers about a new message (not its own author)."""
    memorial = condolence.memorial
    managers = (
        Membership.objects.filter(memorial=memorial, role__in=[Role.OWNER, Role.MANAGER])
        .exclude(user_id=condolence.author_id)
        .select_related("user")
    )
    url = settings.SITE_URL + memorial.get_absolute_url()
    name = one_line(memorial.full_name)  # a subject is one line, whatever was stored
    mails = []
    for membership in managers:
        user = membership.user
        with override(user.preferred_language):
            if condolence.status == Condolence.Status.PENDING:
                subject = _("A message for %(name)s is waiting for your approval") % {"name": name}
            else:
                subject = _("A new message for %(name)s") % {"name": name}
            body = _("%(author)s wrote:\n\n%(message)s\n\nSee it on the memorial page: %(url)s") % {
                "author": condolence.display_name,
                "message": condolence.message,
                "url": url,
            }
        mails.append((settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]))
    return send_mass_mail(mails, fail_silently=True) if mails else 0


def notify_hidden(condolence: Condolence) -> int:
    """E-mail the memorial's owner and managers that reports hid a message, and where to decide."""
    memorial = condolence.memorial
    managers = Membership.objects.filter(memorial=memorial, role__in=[Role.OWNER, Role.MANAGER]).select_related("user")
    url = settings.SITE_URL + reverse("memorial:moderation", args=[memorial.slug])
    name = " ".join(memorial.full_name.split())  # one line, whatever the name holds
    mails = []
    for membership in managers:
        user = membership.user
        with override(user.preferred_language):
            subject = _("A message for %(name)s was hidden after reports") % {"name": name}
            body = _(
                "%(author)s wrote:\n\n%(message)s\n\nVisitors reported this message, and it is hidden from "
                "guests until you decide. See the reports, and restore or reject it: %(url)s"
            ) % {"author": condolence.display_name, "message": condolence.message, "url": url}
        mails.append((settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]))
    return send_mass_mail(mails, fail_silently=True) if mails else 0


def _decide(condolence: Condolence, status: str, by, action: str, note: str = "") -> Condolence:
    condolence.status = status
    condolence.decided_by = by if getattr(by, "is_authenticated", False) else None
    condolence.decided_at = timezone.now()
    condolence.save(update_fields=["status", "decided_by", "decided_at"])
    # A decision answers the reports about the message, whichever way it went.
    CondolenceReport.objects.filter(condolence=condolence, resolved=False).update(resolved=True)
    moderation.record(moderator=by, action=action, target=condolence, memorial=condolence.memorial, note=note)
    return condolence


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


def reporter_kind(reporter, memorial: Memorial) -> str:
    if not getattr(reporter, "is_authenticated", False):
        return CondolenceReport.From.GUEST
    if Membership.objects.filter(memorial=memorial, user=reporter).exists():
        return CondolenceReport.From.MEMBER
    return CondolenceReport.From.SIGNED_IN


def report_weight(condolence: Condolence) -> int:
    """How much the reports since the last decision weigh: a guest's 1, all guests of one network
    together once; a signed-in person's and a family member's more (settings)."""
    weight, guest_networks = 0, set()
    open_reports = CondolenceReport.objects.filter(condolence=condolence, resolved=False)
    for reported_by, network_key, reporter_key in open_reports.values_list(
        "reported_by", "network_key", "reporter_key"
    ):
        if reported_by == CondolenceReport.From.MEMBER:
            weight += settings.CONDOLENCE_REPORT_WEIGHT_MEMBER
        elif reported_by == CondolenceReport.From.SIGNED_IN:
            weight += settings.CONDOLENCE_REPORT_WEIGHT_SIGNED_IN
        else:
            guest_networks.add(network_key or reporter_key)
    return weight + len(guest_networks)


@transaction.atomic
def report(
    *, condolence: Condolence, reporter_key: str, reporter=None, reason: str = "", network_key: str = ""
) -> bool:
    """Count one report per visitor (False when they had reported it already). When the reports
    since the last decision weigh CONDOLENCE_REPORT_THRESHOLD, a published message is hidden
    until a manager decides; a handful of guests cannot do that alone, and a manager's decision
    answers every report made before it."""
    # One report at a time per message, and never across a manager's decision.
    locked = Condolence.objects.select_for_update().select_related("memorial").get(pk=condolence.pk)
    _, created = CondolenceReport.objects.get_or_create(
        condolence=locked,
        reporter_key=reporter_key,
        defaults={
            "reporter": reporter if getattr(reporter, "is_authenticated", False) else None,
            "reason": (reason or "")[:300],
            "reported_by": reporter_kind(reporter, locked.memorial),
            "network_key": network_key[:64],
        },
    )
    if not created:
        return False
    Condolence.objects.filter(pk=locked.pk).update(report_count=F("report_count") + 1)
    locked.refresh_from_db(fields=["report_count", "status"])
    if locked.status == Condolence.Status.PUBLISHED and report_weight(locked) >= settings.CONDOLENCE_REPORT_THRESHOLD:
        locked.status = Condolence.Status.HIDDEN
        locked.save(update_fields=["status"])
        moderation.record(
            moderator=None, action="hidden_after_reports", target=locked, memorial=locked.memorial, note=""
        )
        transaction.on_commit(lambda: notify_hidden(locked))
    condolence.status, condolence.report_count = locked.status, locked.report_count
    return True
