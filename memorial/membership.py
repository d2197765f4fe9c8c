"""Members, roles, invitations by signed link, and handing ownership over.

Removal sticks. Removing someone records it (``Removal``): no invitation link made before that
moment admits them again, whatever role it carries, however many uses it has left. The family
may deliberately ask them back by making a new link after the removal; that link admits them
(and the record stays, so the older links never do). A link never admits anyone to a memorial
deleted meanwhile: acceptance re-reads the memorial under a row lock and refuses.
"""

from __future__ import annotations

import datetime

from django.core import signing
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from memorial.models import Invitation, Membership, Memorial, Removal, Role

SALT = "memorial.invitation"


class InvitationError(ValueError):
    pass


def create_invitation(*, memorial: Memorial, role: str, by, days: int = 14, max_uses: int = 5) -> Invitation:
    if role == Role.OWNER or role not in Role.values:
        raise ValueError(f"An invitation cannot give the role {role!r}.")
    if not 1 <= days <= 90:
        raise ValueError("An invitation lasts between 1 and 90 days.")
    if not 1 <= max_uses <= 100:
        raise ValueError("An invitation may be used by 1 to 100 people.")
    return Invitation.objects.create(
        memorial=memorial,
        role=role,
        created_by=by,
        expires_at=timezone.now() + datetime.timedelta(days=days),
        max_uses=max_uses,
    )


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=SALT, compress=True)


def invitation_path(invitation: Invitation) -> str:
    return reverse("memorial:invitation", args=[invitation_token(invitation)])


def invitation_from_token(token: str) -> Invitation:
    try:
        data = signing.loads(token, salt=SALT)
        invitation = Invitation.objects.select_related("memorial").get(pk=data["i"], nonce=data["n"])
    except (signing.BadSignature, KeyError, TypeError, Invitation.DoesNotExist):
        raise InvitationError(_("This invitation link is not valid. Ask the family for a new one.")) from None
    if invitation.revoked_at is not None:
        raise InvitationError(_("This invitation was withdrawn. Ask the family for a new one."))
    if invitation.expires_at <= timezone.now():
        raise InvitationError(_("This invitation has expired. Ask the family for a new one."))
    if invitation.use_count >= invitation.max_uses:
        raise InvitationError(_("This invitation has been used as many times as it allows."))
    if invitation.memorial.deleted_at is not None:
        raise InvitationError(_("This memorial is no longer open to new members. Ask the family."))
    return invitation


def check_not_removed(invitation: Invitation, user) -> None:
    """Raise InvitationError when ``user`` was removed from the memorial after this link was made."""
    if user is None or not user.is_authenticated:
        return
    same_person = Q(user=user) | (Q(email__iexact=user.email) if user.email else Q(pk__in=[]))
    removed = Removal.objects.filter(
        same_person, memorial_id=invitation.memorial_id, removed_at__gte=invitation.created_at
    )
    if removed.exists():
        raise InvitationError(
            _(
                "You were removed from this memorial, so this older link no longer lets you in. "
                "If the family wants you back, they can send you a new invitation."
            )
        )


@transaction.atomic
def accept_invitation(*, token: str, user) -> Membership:
    invitation = invitation_from_token(token)
    # The memorial's row, locked: a deletion (or a removal) committed meanwhile is seen here,
    # and one that starts now waits until this acceptance is done.
    memorial = Memorial.objects.select_for_update().filter(pk=invitation.memorial_id).first()
    if memorial is None or memorial.deleted_at is not None:
        raise InvitationError(_("This memorial is no longer open to new members. Ask the family."))
    existing = Membership.objects.filter(memorial=memorial, user=user).first()
    if existing is not None:
        return existing  # already a member: nothing to use up, never a lower role
    check_not_removed(invitation, user)
    used = Invitation.objects.filter(
        pk=invitation.pk,
        nonce=invitation.nonce,
        use_count__lt=F("max_uses"),
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).update(use_count=F("use_count") + 1)
    if not used:
        raise InvitationError(_("This invitation has been used as many times as it allows."))
    return Membership.objects.create(memorial=memorial, user=user, role=invitation.role)


def revoke_invitation(*, invitation: Invitation) -> None:
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])


def change_role(*, membership: Membership, role: str) -> Membership:
    if membership.role == Role.OWNER:
        raise ValueError(_("The owner's role changes only by handing ownership over."))
    if role == Role.OWNER or role not in Role.values:
        raise ValueError(_("Choose manager, contributor or viewer."))
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def remove_member(*, membership: Membership, by=None) -> Removal:
    """Take someone off the memorial, for good as far as the links made so far go (see above)."""
    if membership.role == Role.OWNER:
        raise ValueError(_("The owner cannot be removed; hand ownership over first."))
    Memorial.objects.select_for_update().filter(pk=membership.memorial_id).first()
    removal, _created = Removal.objects.update_or_create(
        memorial_id=membership.memorial_id,
        user_id=membership.user_id,
        defaults={
            "email": membership.user.email,
            "role": membership.role,
            "removed_by": by,
            "removed_at": timezone.now(),
        },
    )
    membership.delete()
    return removal


def removals_of(memorial: Memorial):
    """People removed from the memorial who have not been asked back and joined again."""
    members = Membership.objects.filter(memorial=memorial).values("user_id")
    return Removal.objects.filter(memorial=memorial).exclude(user_id__in=members).select_related("user")


@transaction.atomic
def transfer_ownership(*, memorial: Memorial, to_user) -> None:
    """The new owner must already be a member; the old owner stays on as a manager."""
    target = Membership.objects.select_for_update().filter(memorial=memorial, user=to_user).first()
    if target is None:
        raise ValueError(_("Ownership can be handed only to a member of this memorial."))
    if target.role == Role.OWNER:
        return
    Membership.objects.filter(memorial=memorial, role=Role.OWNER).update(role=Role.MANAGER)
    target.role = Role.OWNER
    target.save(update_fields=["role"])
