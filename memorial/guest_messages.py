"""What every message visitors leave shares: the guestbook's condolences and the comments on
photos and paintings. Checking the text, the first status (the scam rule of
``memorial.condolence_rules`` and the memorial's approval policy), the weighted reports, a
manager's decision, and the e-mail to the managers.

Each function takes the message (a Condolence or a Comment: ``memorial``, ``status``,
``message``, ``author_id``, ``display_name``, ``report_count``, and its reports as ``reports``)
and knows nothing else of it."""

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
from memorial.models import CondolencePolicy, CondolenceReport, Membership, Memorial, Role
from memorial.validators import one_line

# A report's "who" (the same choices on every kind of report).
From = CondolenceReport.From


class MessageRefused(ValueError):
    """The message cannot be left as it is; the text says why, in the visitor's language."""


def clean(*, message: str, guest_name: str, author, limit: int) -> tuple[str, str]:
    """The message and the guest's name, stripped; MessageRefused when either is missing or too long."""
    message = (message or "").strip()
    guest_name = (guest_name or "").strip()
    if not message:
        raise MessageRefused(_("Please write a message."))
    if len(message) > limit:
        raise MessageRefused(_("Please keep the message under %(limit)d characters.") % {"limit": limit})
    if author is None and not guest_name:
        raise MessageRefused(_("Please tell the family your name."))
    return message, guest_name


def first_status(*, memorial: Memorial, text: str, published: str, pending: str) -> tuple[str, str]:
    """(status, held reason) of a new message: held with its reason when it looks like a scam,
    held when the family approves first, published otherwise."""
    reason = suspicious_reason(text)
    if reason:
        return pending, reason
    if memorial.condolence_policy == CondolencePolicy.APPROVAL:
        return pending, ""
    return published, ""


def reporter_kind(reporter, memorial: Memorial) -> str:
    if not getattr(reporter, "is_authenticated", False):
        return From.GUEST
    if Membership.objects.filter(memorial=memorial, user=reporter).exists():
        return From.MEMBER
    return From.SIGNED_IN


def report_weight(open_reports) -> int:
    """How much reports (a queryset of those no decision answered) weigh: a guest's 1, all guests
    of one network together once; a signed-in person's and a family member's more (settings)."""
    weight, guest_networks = 0, set()
    for reported_by, network_key, reporter_key in open_reports.values_list(
        "reported_by", "network_key", "reporter_key"
    ):
        if reported_by == From.MEMBER:
            weight += settings.CONDOLENCE_REPORT_WEIGHT_MEMBER
        elif reported_by == From.SIGNED_IN:
            weight += settings.CONDOLENCE_REPORT_WEIGHT_SIGNED_IN
        else:
            guest_networks.add(network_key or reporter_key)
    return weight + len(guest_networks)


@transaction.atomic
def report(
    *,
    item,
    reporter_key: str,
    reporter=None,
    reason: str = "",
    network_key: str = "",
    published: str,
    hidden: str,
    on_hidden=None,
) -> bool:
    """Count one report per visitor (False when they had reported it already). When the reports
    since the last decision weigh CONDOLENCE_REPORT_THRESHOLD, a published message becomes
    ``hidden`` until a manager decides (``on_hidden(item)`` runs after the commit)."""
    model = type(item)
    # One report at a time per message, and never across a manager's decision.
    locked = model.objects.select_for_update().select_related("memorial").get(pk=item.pk)
    _, created = locked.reports.get_or_create(
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
    model.objects.filter(pk=locked.pk).update(report_count=F("report_count") + 1)
    locked.refresh_from_db(fields=["report_count", "status"])
    open_reports = locked.reports.filter(resolved=False)
    if locked.status == published and report_weight(open_reports) >= settings.CONDOLENCE_REPORT_THRESHOLD:
        locked.status = hidden
        locked.save(update_fields=["status"])
        moderation.record(
            moderator=None, action="hidden_after_reports", target=locked, memorial=locked.memorial, note=""
        )
        if on_hidden is not None:
            transaction.on_commit(lambda: on_hidden(locked))
    item.status, item.report_count = locked.status, locked.report_count
    return True


def decide(item, *, status: str, by, action: str, note: str = ""):
    """A manager's decision: the message's new status, who and when, and every report made
    before it answered (they never count again)."""
    item.status = status
    item.decided_by = by if getattr(by, "is_authenticated", False) else None
    item.decided_at = timezone.now()
    item.save(update_fields=["status", "decided_by", "decided_at"])
    item.reports.filter(resolved=False).update(resolved=True)
    moderation.record(moderator=by, action=action, target=item, memorial=item.memorial, note=note)
    return item


def _managers(memorial: Memorial, *, besides=None):
    managers = Membership.objects.filter(memorial=memorial, role__in=[Role.OWNER, Role.MANAGER])
    if besides is not None:
        managers = managers.exclude(user_id=besides)
    return managers.select_related("user")


def _managers_told_each_time(memorial: Memorial, *, besides=None):
    """The managers who get an e-mail for each new message: not those who chose a digest
    (memorial/digests.py sends theirs)."""
    from memorial.digests import digest_readers

    return _managers(memorial, besides=besides).exclude(user_id__in=digest_readers(memorial))


def _send(mails: list) -> int:
    return send_mass_mail(mails, fail_silently=True) if mails else 0


def notify_managers(item, *, url: str, pending: str) -> int:
    """E-mail the memorial's owner and managers about a new message (not its own author)."""
    memorial = item.memorial
    name = one_line(memorial.full_name)  # a subject is one line, whatever was stored
    mails = []
    for membership in _managers_told_each_time(memorial, besides=item.author_id):
        user = membership.user
        with override(user.preferred_language):
            if item.status == pending:
                subject = _("A message for %(name)s is waiting for your approval") % {"name": name}
            else:
                subject = _("A new message for %(name)s") % {"name": name}
            body = _("%(author)s wrote:\n\n%(message)s\n\nSee it on the memorial page: %(url)s") % {
                "author": item.display_name,
                "message": item.message,
                "url": url,
            }
        mails.append((settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]))
    return _send(mails)


def notify_hidden(item) -> int:
    """E-mail the memorial's owner and managers that reports hid a message, and where to decide."""
    memorial = item.memorial
    url = settings.SITE_URL + reverse("memorial:moderation", args=[memorial.slug])
    name = one_line(memorial.full_name)
    mails = []
    for membership in _managers(memorial):
        user = membership.user
        with override(user.preferred_language):
            subject = _("A message for %(name)s was hidden after reports") % {"name": name}
            body = _(
                "%(author)s wrote:\n\n%(message)s\n\nVisitors reported this message, and it is hidden from "
                "guests until you decide. See the reports, and restore or reject it: %(url)s"
            ) % {"author": item.display_name, "message": item.message, "url": url}
        mails.append((settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]))
    return _send(mails)
