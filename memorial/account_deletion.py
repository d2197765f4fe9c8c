"""Deleting an account: the person says what happens to each memorial they own."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.utils.translation import gettext as _

from memorial.membership import transfer_ownership
from memorial.models import Condolence, Membership, Memorial, Role
from memorial.permissions import RANK
from memorial.services import delete_memorial

DELETE = "delete"


class DeletionRefused(ValueError):
    pass


def owned_memorials(user):
    return Memorial.objects.filter(memberships__user=user, memberships__role=Role.OWNER, deleted_at__isnull=True)


def heirs(memorial: Memorial, user):
    """The members who could take the memorial over: managers first, then contributors, then viewers."""
    rank = Case(
        *(When(role=role, then=Value(n)) for role, n in RANK.items()), default=Value(0), output_field=IntegerField()
    )
    return (
        Membership.objects.filter(memorial=memorial)
        .exclude(user=user)
        .select_related("user")
        .order_by(rank.desc(), "user__display_name", "pk")
    )


@transaction.atomic
def delete_account(*, user, decisions: dict[int, str]) -> None:
    """`decisions` maps each owned memorial's id to "delete" or the id (as text) of the member who takes it over."""
    for memorial in owned_memorials(user):
        decision = decisions.get(memorial.pk)
        if decision == DELETE:
            delete_memorial(memorial=memorial, by=user)
            continue
        heir = heirs(memorial, user).filter(user_id=decision).first() if decision and decision.isdigit() else None
        if heir is None:
            raise DeletionRefused(
                _("Choose who takes over the memorial of %(name)s, or delete it.") % {"name": memorial.full_name}
            )
        transfer_ownership(memorial=memorial, to_user=heir.user)
    # Their words stay with the families, under the name they were written with.
    Condolence.objects.filter(author=user).update(
        guest_name=(user.display_name or user.email.split("@")[0])[:100], author=None
    )
    user.delete()
