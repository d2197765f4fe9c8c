"""Reminders of the remembrance days by e-mail: members opt in per memorial, and are written to
a week before each day and on the day, in their own language.

Each reminder is sent once. It is recorded first (``SentReminder``, unique on person, memorial,
day, date and kind) and sent only by whoever recorded it: a rerun of the daily schedule, a retry
or two workers running it at once find the record there and send nothing. A reminder whose
sending failed is forgotten again, so the next run tries it once more; one whose sender died
between recording and sending (never marked sent) is taken over by a run after ``STALE_CLAIM``.

Every e-mail carries a one-click unsubscribe (RFC 8058): a signed address for that person and
that memorial, which works without signing in.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from memorial import permissions, remembrance, timezones
from memorial.models import Membership, Memorial, ReminderSubscription, SentReminder

log = logging.getLogger(__name__)

WEEK = 7
# A recorded reminder not marked sent after this long lost its sender (a worker killed mid-run):
# the next run takes it over. Sending one e-mail takes seconds; the daily run, minutes.
STALE_CLAIM = datetime.timedelta(minutes=30)
UNSUBSCRIBE_SALT = "memorial.reminders.unsubscribe"


def is_subscribed(*, memorial: Memorial, user) -> bool:
    return bool(user and user.is_authenticated) and (
        ReminderSubscription.objects.filter(memorial=memorial, user=user).exists()
    )


def subscribe(*, memorial: Memorial, user) -> ReminderSubscription:
    subscription, _ = ReminderSubscription.objects.get_or_create(memorial=memorial, user=user)
    return subscription


def unsubscribe(*, memorial_id: int, user_id: int) -> bool:
    """True when there was a subscription to end."""
    deleted, _ = ReminderSubscription.objects.filter(memorial_id=memorial_id, user_id=user_id).delete()
    return bool(deleted)


def recipients(memorial: Memorial) -> list:
    """The members who get the reminders (a removed member's subscription counts no more)."""
    members = Membership.objects.filter(memorial=memorial).values("user_id")
    return [
        subscription.user
        for subscription in ReminderSubscription.objects.filter(memorial=memorial, user_id__in=members)
        .select_related("user")
        .order_by("user__display_name", "user__email")
    ]


# --- the one-click unsubscribe ---------------------------------------------------------------------


def unsubscribe_token(*, user, memorial: Memorial) -> str:
    return signing.dumps({"u": user.pk, "m": memorial.pk}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[int, int] | None:
    """(user id, memorial id) of a genuine token; None for anything else."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or not isinstance(data.get("m"), int):
        return None
    return data["u"], data["m"]


def unsubscribe_url(*, user, memorial: Memorial) -> str:
    return settings.SITE_URL + reverse(
        "memorial:reminder_unsubscribe", args=[unsubscribe_token(user=user, memorial=memorial)]
    )


# --- the daily run ---------------------------------------------------------------------------------


@dataclass
class RunResult:
    sent: int = 0
    already: int = 0  # recorded by an earlier run, or by another worker right now
    failed: int = 0
    lines: list[str] = field(default_factory=list)


def due(memorial: Memorial, today: datetime.date) -> list[tuple[remembrance.RemembranceDay, str]]:
    """The reminders due today: each day of the coming week (once, a week before or as soon as
    the person subscribed within it), and each day that is today."""
    days = remembrance.remembrance_days(memorial, start=today, end=today + datetime.timedelta(days=WEEK))
    return [(day, SentReminder.When.ON_THE_DAY if day.on == today else SentReminder.When.WEEK_BEFORE) for day in days]


def claim(*, user, memorial: Memorial, day: remembrance.RemembranceDay, kind: str) -> SentReminder | None:
    """Record the reminder before sending it; None when it is already recorded (by anyone), unless
    that record was left unsent by a sender that died: then it is taken over, in one conditional
    UPDATE, so that two runs never both take it."""
    key = {"user": user, "memorial": memorial, "event": day.event, "date": day.on, "kind": kind}
    try:
        with transaction.atomic():
            return SentReminder.objects.create(**key, created_at=timezone.now())
    except IntegrityError:
        pass
    now = timezone.now()
    left = SentReminder.objects.filter(**key, sent_at__isnull=True, created_at__lt=now - STALE_CLAIM).first()
    if left is None:
        return None
    taken = SentReminder.objects.filter(pk=left.pk, sent_at__isnull=True, created_at=left.created_at).update(
        created_at=now
    )
    if taken != 1:
        return None
    left.created_at = now
    return left


def send_due_reminders() -> RunResult:
    result = RunResult()
    subscriptions = ReminderSubscription.objects.select_related("memorial", "user").filter(
        memorial__deleted_at__isnull=True, user__is_active=True
    )
    for subscription in subscriptions:
        memorial, user = subscription.memorial, subscription.user
        if not user.email or not permissions.can(user, "remind", memorial):
            continue
        for day, kind in due(memorial, timezones.today_for(memorial)):
            record = claim(user=user, memorial=memorial, day=day, kind=kind)
            if record is None:
                result.already += 1
                continue
            try:
                send_reminder(user=user, memorial=memorial, day=day, kind=kind)
            except Exception as exc:  # noqa: BLE001 - one failure must not stop the others
                log.warning("Reminder %s to user %s failed: %s", record, user.pk, exc)
                record.delete()  # not sent: the next run tries again
                result.failed += 1
                continue
            SentReminder.objects.filter(pk=record.pk).update(sent_at=timezone.now())
            result.sent += 1
    return result


def message(*, user, memorial: Memorial, day: remembrance.RemembranceDay, kind: str) -> EmailMultiAlternatives:
    """The e-mail, in the person's language, with its one-click unsubscribe."""
    language = getattr(user, "preferred_language", "") or settings.LANGUAGE_CODE
    unsubscribe = unsubscribe_url(user=user, memorial=memorial)
    with translation.override(language), timezone.override(timezones.zone_of(memorial)):
        context = {
            "user": user,
            "memorial": memorial,
            "day": day,
            "on_the_day": kind == SentReminder.When.ON_THE_DAY,
            "page_url": settings.SITE_URL + memorial.get_absolute_url(),
            "settings_url": settings.SITE_URL + reverse("memorial:remembrance", args=[memorial.slug]),
            "unsubscribe_url": unsubscribe,
        }
        subject = " ".join(render_to_string("memorial/email/reminder_subject.txt", context).split())
        body = render_to_string("memorial/email/reminder_body.txt", context)
    return EmailMultiAlternatives(
        subject=subject,
        body=body,
        to=[user.email],
        headers={"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )


def send_reminder(*, user, memorial: Memorial, day: remembrance.RemembranceDay, kind: str) -> None:
    message(user=user, memorial=memorial, day=day, kind=kind).send(fail_silently=False)
