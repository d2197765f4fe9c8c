"""마음 전하실 곳: the accounts a family publishes for condolence money.

Only the memorial's managers set them (the ``manage_accounts`` action). Because a swapped number
sends a grieving family's money to a thief, every change (added, changed, removed, shown,
hidden) is recorded with the account before and after (CondolenceAccountChange), and the
memorial's owner is e-mailed at once, naming who changed what: a manager's account taken over
cannot quietly change a number.

Who sees them on the memorial page: ``permissions.sees_condolence_accounts``.

The guestbook's scam rule (memorial/condolence_rules.py) is not touched by them: a stranger's
message holding an account number waits for a person, whether or not it is one of these.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max
from django.utils import translation
from django.utils.translation import gettext as _

from memorial import page_cache, permissions
from memorial.account_numbers import MAX_ACCOUNTS, normalise_number
from memorial.models import CondolenceAccount, CondolenceAccountChange, Membership, Memorial, Role
from memorial.validators import one_line

log = logging.getLogger(__name__)

FIELDS = ("bank", "number", "holder", "relation")


class AccountRefused(ValueError):
    """A change that cannot be made; the message says why, to the person."""


def accounts_of(memorial: Memorial):
    return CondolenceAccount.objects.filter(memorial=memorial)


def changes_of(memorial: Memorial, limit: int = 50):
    return CondolenceAccountChange.objects.filter(memorial=memorial).select_related("by")[:limit]


def _clean(fields: dict) -> dict:
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"Unknown account fields: {', '.join(sorted(unknown))}")
    cleaned = {name: (value or "").strip() for name, value in fields.items()}
    if "number" in cleaned:
        cleaned["number"] = normalise_number(cleaned["number"])
    return cleaned


def add_account(*, memorial: Memorial, by, **fields) -> CondolenceAccount:
    """A new account (the caller validated it: the form or the serializer, through the model's validators)."""
    fields = _clean(fields)
    with transaction.atomic():
        Memorial.objects.select_for_update().filter(pk=memorial.pk).first()  # one change at a time
        if accounts_of(memorial).count() >= MAX_ACCOUNTS:
            raise AccountRefused(
                _("A memorial can show at most %(count)d accounts. Remove one first.") % {"count": MAX_ACCOUNTS}
            )
        position = (accounts_of(memorial).aggregate(last=Max("position"))["last"] or 0) + 1
        account = CondolenceAccount(memorial=memorial, position=position, **fields)
        account.full_clean()
        account.save()
        _record(
            memorial=memorial,
            by=by,
            action=CondolenceAccountChange.Action.ADDED,
            account_id=account.pk,
            after=account.as_record(),
        )
    return account


def change_account(*, account: CondolenceAccount, by, **fields) -> CondolenceAccount:
    fields = _clean(fields)
    with transaction.atomic():
        current = CondolenceAccount.objects.select_for_update().get(pk=account.pk)
        before = current.as_record()
        for name, value in fields.items():
            setattr(current, name, value)
        current.full_clean()
        if current.as_record() == before:
            return current
        current.save()
        _record(
            memorial=current.memorial,
            by=by,
            action=CondolenceAccountChange.Action.CHANGED,
            account_id=current.pk,
            before=before,
            after=current.as_record(),
        )
    return current


def remove_account(*, account: CondolenceAccount, by) -> None:
    with transaction.atomic():
        before = account.as_record()
        memorial, account_id = account.memorial, account.pk
        account.delete()
        _record(
            memorial=memorial,
            by=by,
            action=CondolenceAccountChange.Action.REMOVED,
            account_id=account_id,
            before=before,
        )


def set_shown(*, memorial: Memorial, shown: bool, by) -> Memorial:
    """Whether the accounts are shown on the memorial page to those who see it."""
    with transaction.atomic():
        current = Memorial.objects.select_for_update().get(pk=memorial.pk)
        if current.condolence_accounts_shown == shown:
            return current
        current.condolence_accounts_shown = shown
        current.save(update_fields=["condolence_accounts_shown", "content_version", "updated_at"])
        action = CondolenceAccountChange.Action.SHOWN if shown else CondolenceAccountChange.Action.HIDDEN
        _record(memorial=current, by=by, action=action)
    memorial.refresh_from_db()
    return memorial


def _record(*, memorial: Memorial, by, action: str, account_id=None, before=None, after=None):
    change = CondolenceAccountChange.objects.create(
        memorial=memorial,
        account_id=account_id,
        action=action,
        before=before,
        after=after,
        by=by if by is not None and by.is_authenticated else None,
        by_name=str(by) if by is not None and by.is_authenticated else "",
        by_email=getattr(by, "email", "") or "",
    )
    page_cache.bump(memorial.pk)  # the page shows the accounts: its kept rendering must go
    transaction.on_commit(lambda: tell_the_owner(change.pk))
    return change


# --- The owner's e-mail ------------------------------------------------------------------------


def describe(record: dict | None) -> str:
    if not record:
        return "-"
    relation = f" ({record['relation']})" if record.get("relation") else ""
    return f"{record['bank']} {record['number']} {record['holder']}{relation}"


def tell_the_owner(change_id: int) -> bool:
    """E-mail the memorial's owner what changed and who changed it, in the owner's language.
    True when sent (recorded on the change)."""
    change = CondolenceAccountChange.objects.select_related("memorial").filter(pk=change_id).first()
    if change is None:
        return False
    owner = Membership.objects.filter(memorial=change.memorial, role=Role.OWNER).select_related("user").first()
    if owner is None or not owner.user.email:
        return False
    language = getattr(owner.user, "preferred_language", "") or change.memorial.language
    with translation.override(language):
        subject, body = _message(change)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [owner.user.email])
    except Exception:  # noqa: BLE001  (the change is recorded; a mail server down must not undo it)
        log.exception("Could not e-mail the owner of memorial %s about an account change", change.memorial_id)
        return False
    CondolenceAccountChange.objects.filter(pk=change.pk).update(owner_emailed=True)
    return True


def _message(change: CondolenceAccountChange) -> tuple[str, str]:
    memorial = change.memorial
    name = one_line(memorial.full_name)
    who = change.by_name or _("someone")
    if change.by_email:
        who = f"{who} <{change.by_email}>"
    subject = f"[{settings.SITE_NAME}] " + _(
        "An account for condolence money was %(action)s on the memorial of %(name)s"
    ) % {
        "action": change.get_action_display(),
        "name": name,
    }
    lines = [
        _("%(who)s %(action)s an account for condolence money (마음 전하실 곳) on the memorial of %(name)s.")
        % {"who": who, "action": change.get_action_display(), "name": name},
        "",
    ]
    if change.action in (CondolenceAccountChange.Action.SHOWN, CondolenceAccountChange.Action.HIDDEN):
        lines[0] = _(
            "%(who)s changed whether visitors see the accounts for condolence money on the memorial of %(name)s: now %(state)s."
        ) % {
            "who": who,
            "name": name,
            "state": change.get_action_display(),
        }
    else:
        lines += [
            _("Before: %(account)s") % {"account": describe(change.before)},
            _("After: %(account)s") % {"account": describe(change.after)},
        ]
    lines += [
        "",
        _("When: %(when)s (UTC)") % {"when": change.created_at.strftime("%Y-%m-%d %H:%M")},
        "",
        _(
            "If you did not expect this change, check the accounts now, and remove the manager's role "
            "from whoever made it: %(url)s"
        )
        % {"url": settings.SITE_URL + _manage_path(memorial)},
    ]
    return subject, "\n".join(lines)


def _manage_path(memorial: Memorial) -> str:
    from django.urls import reverse

    return reverse("memorial:accounts", args=[memorial.slug])


def page_context(memorial: Memorial, user) -> dict:
    """What the memorial page's 마음 전하실 곳 shows ``user``."""
    visible = permissions.sees_condolence_accounts(user, memorial)
    return {
        "condolence_accounts_visible": visible,
        "condolence_accounts": list(accounts_of(memorial)) if visible else [],
    }
