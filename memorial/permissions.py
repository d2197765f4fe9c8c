"""Who may do what with a memorial. Every page and API endpoint asks here, and nowhere else.

A private memorial does not exist for anyone who is not a member: `require` answers 404
there, never 403, so a stranger cannot even learn that it exists.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from memorial.models import Membership, Memorial, Role, Visibility

RANK = {Role.VIEWER: 1, Role.CONTRIBUTOR: 2, Role.MANAGER: 3, Role.OWNER: 4}

# The lowest role an action needs. "view" and "condole" are open to guests where visibility allows.
MINIMUM_ROLE = {
    "view": None,
    "condole": None,
    "offer": None,
    "report": None,
    "see_unpublished_artworks": Role.VIEWER,
    "upload": Role.CONTRIBUTOR,
    "create_album": Role.CONTRIBUTOR,
    "create_artwork": Role.CONTRIBUTOR,
    "edit": Role.MANAGER,
    "invite": Role.MANAGER,
    "moderate": Role.MANAGER,
    "download_original": Role.MANAGER,
    "publish_artwork": Role.MANAGER,
    "delete": Role.OWNER,
    "restore": Role.OWNER,
    "transfer": Role.OWNER,
}
ACTIONS = tuple(MINIMUM_ROLE)


def role_of(user, memorial: Memorial) -> str | None:
    """The user's role, looked up once per memorial object (a page asks many times)."""
    if user is None or not user.is_authenticated:
        return None
    cache = memorial.__dict__.setdefault("_roles", {})
    if user.pk not in cache:
        cache[user.pk] = Membership.objects.filter(memorial=memorial, user=user).values_list("role", flat=True).first()
    return cache[user.pk]


# What the site's own moderators (staff working in the admin) may do on any memorial.
SITE_MODERATOR_ACTIONS = {"view", "see_unpublished_artworks", "moderate"}


def is_site_moderator(user) -> bool:
    return bool(user and user.is_authenticated and user.is_staff and user.has_perm("memorial.change_photo"))


def can(user, action: str, memorial: Memorial) -> bool:
    if action not in MINIMUM_ROLE:
        raise ValueError(f"Unknown action {action!r}; known: {', '.join(ACTIONS)}")
    if memorial.deleted_at is not None:
        # A deleted memorial is gone for everyone; only its owner may bring it back.
        return action == "restore" and role_of(user, memorial) == Role.OWNER
    if action in SITE_MODERATOR_ACTIONS and is_site_moderator(user):
        return True
    role = role_of(user, memorial)
    if role is None and memorial.visibility == Visibility.PRIVATE:
        return False
    needed = MINIMUM_ROLE[action]
    if needed is None:
        return True
    return role is not None and RANK[role] >= RANK[needed]


def require(user, action: str, memorial: Memorial) -> None:
    """Raise 404 when the memorial is hidden from this person, 403 when they may see it but not do this."""
    if action == "restore" and can(user, "restore", memorial):
        return
    if not can(user, "view", memorial):
        raise Http404("No such memorial.")
    if not can(user, action, memorial):
        raise PermissionDenied("You do not have permission to do this on this memorial.")


def is_indexable(memorial: Memorial) -> bool:
    return memorial.visibility == Visibility.PUBLIC


def listed_memorials(user, queryset=None):
    """Memorials listed to this person: the public ones and those they belong to.

    Unlisted memorials open for anyone with the link, but are listed only to their members.
    """
    queryset = (queryset if queryset is not None else Memorial.objects.all()).filter(deleted_at__isnull=True)
    public = Q(visibility=Visibility.PUBLIC)
    if user is None or not user.is_authenticated:
        return queryset.filter(public)
    member_of = Membership.objects.filter(user=user).values("memorial_id")
    return queryset.filter(public | Q(pk__in=member_of))
