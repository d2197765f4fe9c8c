"""How the managers hear of new messages: an e-mail for each (the default), or one digest an hour
or a day (a choice per manager per memorial).

``send_digests`` runs on the worker's schedule (SCHEDULES in config/settings.py). A message goes
into a manager's digest by inserting its ``DigestedMessage`` row, whose unique key is the claim:
when two workers run the schedule at once, each message is claimed by one of them only, and a
digest whose e-mail could not be sent gives its messages back (the rows are rolled back)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, override

from memorial.models import (
    Comment,
    Condolence,
    DigestedMessage,
    Membership,
    MessageNotificationSetting,
    NotificationFrequency,
    Role,
)
from memorial.validators import one_line

log = logging.getLogger(__name__)

# A daily digest goes when the last one is this old: the hourly schedule may run a little early.
DAILY_GAP = timedelta(hours=23, minutes=30)
MANAGING = (Role.OWNER, Role.MANAGER)


def frequency_of(*, memorial, user) -> str:
    chosen = MessageNotificationSetting.objects.filter(memorial=memorial, user=user).values_list("frequency", flat=True)
    return chosen.first() or NotificationFrequency.EACH


def choose_frequency(*, memorial, user, frequency: str) -> MessageNotificationSetting:
    """A manager's choice; a digest holds the messages left after it (none from before)."""
    if frequency not in NotificationFrequency.values:
        raise ValueError(f"Unknown frequency {frequency!r}.")
    setting, created = MessageNotificationSetting.objects.get_or_create(
        memorial=memorial, user=user, defaults={"frequency": frequency}
    )
    if not created and setting.frequency != frequency:
        setting.frequency = frequency
        setting.chosen_at = timezone.now()
        setting.save(update_fields=["frequency", "chosen_at"])
    return setting


def digest_readers(memorial):
    """The ids of this memorial's managers who chose a digest (they get no e-mail per message)."""
    return (
        MessageNotificationSetting.objects.filter(memorial=memorial)
        .exclude(frequency=NotificationFrequency.EACH)
        .values("user_id")
    )


def _unsent(setting) -> list[tuple[str, object]]:
    """(kind, message) of the memorial's new messages not yet in this manager's digest."""
    wanted = [Condolence.Status.PUBLISHED, Condolence.Status.PENDING]
    messages = []
    for kind, model in (("condolence", Condolence), ("comment", Comment)):
        taken = DigestedMessage.objects.filter(user=setting.user, kind=kind).values("message_id")
        rows = (
            model.objects.filter(memorial=setting.memorial, status__in=wanted, created_at__gte=setting.chosen_at)
            .exclude(author=setting.user)
            .exclude(pk__in=taken)
            .select_related("author")
            .order_by("created_at", "pk")
        )
        messages += [(kind, row) for row in rows]
    return messages


def _claim(setting, kind: str, message) -> bool:
    try:
        with transaction.atomic():
            DigestedMessage.objects.create(
                user=setting.user, memorial=setting.memorial, kind=kind, message_id=message.pk
            )
    except IntegrityError:
        return False  # another worker has put it into its digest
    return True


def _body(setting, claimed) -> tuple[str, str]:
    memorial = setting.memorial
    name = one_line(memorial.full_name)
    count = len(claimed)
    subject = ngettext("%(count)d new message for %(name)s", "%(count)d new messages for %(name)s", count) % {
        "count": count,
        "name": name,
    }
    parts = []
    for _kind, message in claimed:
        waiting = message.status == Condolence.Status.PENDING
        line = _("%(author)s wrote:") % {"author": message.display_name}
        if waiting:
            line += " " + _("(waiting for your approval)")
        parts.append(f"{line}\n{message.message}")
    url = settings.SITE_URL + memorial.get_absolute_url()
    body = "\n\n---\n\n".join(parts) + "\n\n" + _("See them on the memorial page: %(url)s") % {"url": url}
    return settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject, body


def send_digest(setting, *, now=None) -> int:
    """One e-mail with the messages this worker claimed for this manager; the number of messages."""
    now = now or timezone.now()
    candidates = _unsent(setting)
    if not candidates:
        return 0
    try:
        with transaction.atomic():
            claimed = [(kind, message) for kind, message in candidates if _claim(setting, kind, message)]
            if not claimed:
                return 0
            with override(setting.user.preferred_language):
                subject, body = _body(setting, claimed)
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [setting.user.email])
            MessageNotificationSetting.objects.filter(pk=setting.pk).update(last_digest_at=now)
    except Exception:  # the claims are rolled back: the next run sends them
        log.exception("digest for %s on memorial %s not sent", setting.user_id, setting.memorial_id)
        return 0
    return len(claimed)


def send_digests(*, now=None) -> dict:
    """Every digest that is due: an hourly one whenever there is something new, a daily one a day
    after the last. Managers only (one who is no longer a manager gets none)."""
    now = now or timezone.now()
    managing = Membership.objects.filter(role__in=MANAGING).values_list("memorial_id", "user_id")
    managing = set(managing)
    settings_due = MessageNotificationSetting.objects.exclude(frequency=NotificationFrequency.EACH).select_related(
        "user", "memorial"
    )
    sent = messages = 0
    for setting in settings_due:
        if (setting.memorial_id, setting.user_id) not in managing or setting.memorial.deleted_at is not None:
            continue
        if (
            setting.frequency == NotificationFrequency.DAILY
            and setting.last_digest_at is not None
            and now - setting.last_digest_at < DAILY_GAP
        ):
            continue
        count = send_digest(setting, now=now)
        if count:
            sent += 1
            messages += count
    return {"digests": sent, "messages": messages}
