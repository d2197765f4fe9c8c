"""Who may do what with a memorial and what it holds. Every page and API endpoint asks here, and
nowhere else.

Each page and endpoint gets its object through one of the ``*_for`` helpers below, which load
it and check the action in one call (as healthchecks' ``_get_check_for_user``):

* **404** for what the person may not know exists: a private memorial they are not a member
  of, a deleted one, a hidden photo, an unpublished artwork, a painting job of another family,
  a condolence they cannot see. Never a 403 there, so a stranger cannot even learn it exists;
  and never a "sign in first" either: a signed-out visitor of a private memorial gets the same
  404 as everyone else outside it.
* **SignInRequired** (a ``PermissionDenied``) for a signed-out visitor who may see the thing
  but must sign in to do this: pages send them to sign in (``sign_in_to_act``), the API
  answers 401.
* **PermissionDenied** (403) for a signed-in person who may see it but whose role does not
  allow this.

The rules on the things a memorial holds are written once each: who sees hidden photos
(``sees_hidden_photos``), who sees the family's work in progress, unpublished artworks and
painting jobs (``sees_unpublished_artworks``), who may cancel a painting job
(``can_cancel_job``), who sees which condolences (``condolences_visible_to``) and who may
moderate or report them (the ``moderate`` and ``report`` actions).

**Reached by id, or under the memorial's address.** Ids are sequential: anyone can walk them.
So an object asked for by its id alone (``/api/v1/albums/<id>/``, ``/photos/<id>/thumb.jpg``,
``/artworks/<id>/``, ...) is answered only when its memorial is *listed* to the person
(``is_listed_to``: a public memorial, one they belong to, or any for the site's moderators),
and is a 404 otherwise, whatever they would see of it with the link. Everything a guest of an
unlisted memorial needs is reachable under the memorial's own address, its slug being the
secret of "anyone with the link" (``/m/<slug>/...`` and ``/api/v1/memorials/<slug>/...``): the
``*_for`` helpers take that memorial as ``memorial=`` and then answer only for its own objects.
Pages and the API link to those addresses.

**A hidden photo hides its paintings.** Whoever may not see a hidden photo (``sees_hidden_photos``)
sees none of its paintings either: not on a page, not as a file, not in a gallery or the API.

What the family deletes goes into the memorial's bin (memorial/bin.py): a binned photo, album
or painting (and what it holds: an album's photos, a photo's paintings) is hidden from everyone,
managers included, everywhere (``photos_visible_to``, ``artworks_visible_to`` and the ``*_for``
helpers leave it out), except on the bin page, which is the managers' (the ``bin`` action).

A deleted memorial is a 404 to everyone but the one who may bring it back
(``may_restore_deleted``): its owner, or, when it has no owner any more (they deleted their
account), its managers.

memorial knows nothing of generation: the helpers for artworks and jobs take the queryset
generation passes in, and read only the fields they name (``memorial``, ``memorial_id``,
``published``, ``requested_by_id``, ``deleted_at``, ``photo``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from memorial.models import (
    Album,
    Comment,
    Condolence,
    CondolenceAccount,
    GuestContribution,
    Membership,
    Memorial,
    MemorialExport,
    Photo,
    Role,
    Visibility,
)

RANK = {Role.VIEWER: 1, Role.CONTRIBUTOR: 2, Role.MANAGER: 3, Role.OWNER: 4}

# The lowest role an action needs. "view", "condole", "offer" and "report" are open to guests
# where visibility allows.
MINIMUM_ROLE = {
    "view": None,
    "condole": None,
    "offer": None,
    "report": None,
    "see_unpublished_artworks": Role.VIEWER,
    "remind": Role.VIEWER,  # reminders by e-mail and a private calendar address (memorial/reminders.py)
    "upload": Role.CONTRIBUTOR,
    "create_album": Role.CONTRIBUTOR,
    "create_artwork": Role.CONTRIBUTOR,
    "edit": Role.MANAGER,
    # The 부고 (memorial/bugo.py): written by the managers, read by whoever sees the memorial.
    "edit_funeral": Role.MANAGER,
    # The printed card with the QR code (memorial/printed_card.py): the family prints it.
    "print_card": Role.VIEWER,
    "invite": Role.MANAGER,
    "moderate": Role.MANAGER,
    # How a manager hears of new messages, and the family's one thank-you to the guests.
    "choose_notifications": Role.MANAGER,
    "thank_guests": Role.MANAGER,
    "download_original": Role.MANAGER,
    "export": Role.MANAGER,
    "publish_artwork": Role.MANAGER,
    "studio_keys": Role.MANAGER,
    "bin": Role.MANAGER,
    "manage_accounts": Role.MANAGER,
    "delete": Role.OWNER,
    "restore": Role.OWNER,
    "transfer": Role.OWNER,
}
ACTIONS = tuple(MINIMUM_ROLE)

# What the site's own moderators (staff working in the admin) may do on any memorial.
SITE_MODERATOR_ACTIONS = {"view", "see_unpublished_artworks", "moderate"}


class SignInRequired(PermissionDenied):
    """A signed-out visitor may see this, but must sign in to do it: 401 in the API, the
    sign-in page for pages."""


# --- The rules -----------------------------------------------------------------------------------


def role_of(user, memorial: Memorial) -> str | None:
    """The user's role, looked up once per memorial object (a page asks many times)."""
    if user is None or not user.is_authenticated:
        return None
    cache = memorial.__dict__.setdefault("_roles", {})
    if user.pk not in cache:
        cache[user.pk] = Membership.objects.filter(memorial=memorial, user=user).values_list("role", flat=True).first()
    return cache[user.pk]


def is_site_moderator(user) -> bool:
    return bool(user and user.is_authenticated and user.is_staff and user.has_perm("memorial.change_photo"))


def sees_error_detail(user) -> bool:
    """Why background work failed, as the server wrote it (paths, model ids, exception text), is for
    the site's staff; everyone else reads a plain sentence of what happened and what to do."""
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


def can(user, action: str, memorial: Memorial) -> bool:
    if action not in MINIMUM_ROLE:
        raise ValueError(f"Unknown action {action!r}; known: {', '.join(ACTIONS)}")
    if memorial.deleted_at is not None:
        # A deleted memorial is gone for everyone; only its owner (or its managers, when it has no owner) may bring it back.
        return action == "restore" and may_restore_deleted(user, memorial)
    if action in SITE_MODERATOR_ACTIONS and is_site_moderator(user):
        return True
    role = role_of(user, memorial)
    if role is None and memorial.visibility == Visibility.PRIVATE:
        return False
    needed = MINIMUM_ROLE[action]
    if needed is None:
        return True
    return role is not None and RANK[role] >= RANK[needed]


def may_restore_deleted(user, memorial: Memorial) -> bool:
    """Who may bring a deleted memorial back: its owner; when it has none any more (the owner
    deleted their account), its managers, the first of whom to restore it becomes its owner."""
    role = role_of(user, memorial)
    if role == Role.OWNER:
        return True
    return role == Role.MANAGER and not Membership.objects.filter(memorial=memorial, role=Role.OWNER).exists()


def restorable_memorials(user):
    """The deleted memorials ``user`` may still bring back (``may_restore_deleted``)."""
    if user is None or not user.is_authenticated:
        return Memorial.objects.none()
    owned = Membership.objects.filter(role=Role.OWNER).values("memorial_id")
    managed_without_owner = Q(memberships__user=user, memberships__role=Role.MANAGER) & ~Q(pk__in=owned)
    return (
        Memorial.objects.filter(deleted_at__isnull=False)
        .filter(Q(memberships__user=user, memberships__role=Role.OWNER) | managed_without_owner)
        .distinct()
    )


def require(user, action: str, memorial: Memorial) -> None:
    """Raise 404 when the memorial is hidden from this person, SignInRequired when a signed-out
    visitor may see it but not do this, 403 when a signed-in person may see it but not do this."""
    if action == "restore" and can(user, "restore", memorial):
        return
    if not can(user, "view", memorial):
        raise Http404("No such memorial.")
    if not can(user, action, memorial):
        _deny(user, "You do not have permission to do this on this memorial.")


def _deny(user, message: str):
    if user is None or not user.is_authenticated:
        raise SignInRequired("Sign in first.")
    raise PermissionDenied(message)


def sees_hidden_photos(user, memorial: Memorial) -> bool:
    """A photo hidden by a moderator is seen by those who may moderate the memorial (its
    managers and owner, and the site's moderators), and by no one else: not in galleries, not
    in albums, not by its address, not through the API."""
    return can(user, "moderate", memorial)


def is_binned_photo(photo: Photo) -> bool:
    """In the bin, itself or with its album."""
    return photo.deleted_at is not None or photo.album.deleted_at is not None


def can_see_photo(user, photo: Photo, memorial: Memorial | None = None) -> bool:
    memorial = memorial or photo.album.memorial
    if is_binned_photo(photo):
        return False
    if photo.album.family_only and not sees_family_albums(user, memorial):
        return False
    return can(user, "view", memorial) and (not photo.hidden or sees_hidden_photos(user, memorial))


def sees_family_albums(user, memorial: Memorial) -> bool:
    """An album for the family only (the "Studio" album of the photos sent through the painting
    API) is seen by the memorial's members and the site's moderators, as their work in progress;
    to everyone else it and its photos do not exist. The paintings of its photos are shown to
    guests once a manager publishes them, as any painting."""
    return sees_unpublished_artworks(user, memorial)


def photos_visible_to(user, memorial: Memorial, photos):
    """``photos`` (a queryset of the memorial's photos) without those hidden from ``user``, without
    those of an album for the family only unless ``user`` sees those, and without those in the
    bin (hidden from everyone)."""
    photos = photos.filter(deleted_at__isnull=True, album__deleted_at__isnull=True)
    if not sees_family_albums(user, memorial):
        photos = photos.filter(album__family_only=False)
    return photos if sees_hidden_photos(user, memorial) else photos.filter(hidden=False)


def albums_visible_to(user, memorial: Memorial, albums=None):
    """The memorial's albums, without those in the bin, and without those for the family only
    unless ``user`` sees those (``sees_family_albums``)."""
    albums = albums if albums is not None else Album.objects.filter(memorial=memorial)
    albums = albums.filter(deleted_at__isnull=True)
    return albums if sees_family_albums(user, memorial) else albums.filter(family_only=False)


def sees_unpublished_artworks(user, memorial: Memorial) -> bool:
    """The family's work in progress (artworks not yet published, and the painting jobs) is
    seen by the memorial's members and the site's moderators only."""
    return can(user, "see_unpublished_artworks", memorial)


def sees_artwork_guidance(user, memorial: Memorial) -> bool:
    """How a painting was guided (the pose, depth and line images read from the photo) is the
    family's, like their work in progress: its members and the site's moderators. Everyone else
    is answered as if there were none (404)."""
    return sees_unpublished_artworks(user, memorial)


def is_binned_artwork(artwork) -> bool:
    """In the bin, itself, or with its photo or the photo's album."""
    return artwork.deleted_at is not None or is_binned_photo(artwork.photo)


def can_see_artwork(user, artwork, memorial: Memorial | None = None) -> bool:
    """A painting is seen by those who see its memorial, when it is not in the bin, is published
    (or they see the family's work in progress), and its photo is not hidden (or they see hidden
    photos)."""
    if is_binned_artwork(artwork):
        return False
    memorial = memorial or artwork.memorial
    return (
        can(user, "view", memorial)
        and (artwork.published or sees_unpublished_artworks(user, memorial))
        and (not artwork.photo.hidden or sees_hidden_photos(user, memorial))
    )


def seen_by_every_visitor(item, memorial: Memorial | None = None) -> bool:
    """Whether a photo or a painting is shown to anyone who comes with the memorial's address,
    signed in or not: only such a file may be kept by shared caches (a CDN, a proxy). A file of a
    private memorial, of a family-only album, a hidden photo, an unpublished painting or one of a
    hidden photo is answered to each viewer alone."""
    if isinstance(item, Photo):
        return can_see_photo(None, item, memorial)
    return can_see_artwork(None, item, memorial)


def artworks_visible_to(user, memorial: Memorial, artworks):
    """``artworks`` (a queryset of the memorial's) without the unpublished ones, unless ``user``
    sees those, without the paintings of hidden photos, unless ``user`` sees those, and without
    those in the bin (itself, or with its photo or album)."""
    artworks = artworks.filter(
        deleted_at__isnull=True, photo__deleted_at__isnull=True, photo__album__deleted_at__isnull=True
    )
    if not sees_hidden_photos(user, memorial):
        artworks = artworks.filter(photo__hidden=False)
    return artworks if sees_unpublished_artworks(user, memorial) else artworks.filter(published=True)


def can_see_job(user, job) -> bool:
    return sees_unpublished_artworks(user, job.memorial)


def cancels_own_job(user, job) -> bool:
    return bool(user is not None and user.is_authenticated and job.requested_by_id == user.pk)


def can_cancel_job(user, job) -> bool:
    """A painting job is cancelled by the person who asked for it, or by those who may moderate
    the memorial (cancelling someone else's job is then recorded as moderation)."""
    return can_see_job(user, job) and (cancels_own_job(user, job) or can(user, "moderate", job.memorial))


def messages_visible_to(user, memorial: Memorial, messages):
    """Of visitors' messages (condolences, comments): the published ones, and one's own waiting
    ones; those who may moderate also see the waiting and the hidden ones (not the rejected)."""
    if can(user, "moderate", memorial):
        return messages.exclude(status=Condolence.Status.REJECTED)
    mine = Q(author=user) if user is not None and user.is_authenticated else Q(pk__in=[])
    return messages.filter(Q(status=Condolence.Status.PUBLISHED) | (mine & Q(status=Condolence.Status.PENDING)))


def condolences_visible_to(user, memorial: Memorial, condolences=None):
    """Published messages, and one's own waiting ones; those who may moderate also see the
    waiting and the hidden ones (not the rejected)."""
    if condolences is None:
        condolences = Condolence.objects.filter(memorial=memorial)
    return messages_visible_to(user, memorial, condolences)


def can_see_comment_target(user, target, memorial: Memorial) -> bool:
    """A comment is seen only by those who see what it is on: a photo (``can_see_photo``) or a
    painting (``can_see_artwork``: generation's, read by its fields). Gone, it hides its comments."""
    if target is None:
        return False
    if isinstance(target, Photo):
        return can_see_photo(user, target, memorial)
    return can_see_artwork(user, target, memorial)


def comments_visible_to(user, memorial: Memorial, comments):
    """``comments`` on one thing ``user`` sees, as the guestbook shows messages (``messages_visible_to``)."""
    return messages_visible_to(user, memorial, comments)


def is_listed_to(user, memorial: Memorial) -> bool:
    """Whether ``user`` may find this memorial without its link: it is public, they belong to
    it, or they are one of the site's moderators. Only then is anything of it answered by id."""
    return memorial.visibility == Visibility.PUBLIC or is_site_moderator(user) or role_of(user, memorial) is not None


def sees_condolence_accounts(user, memorial: Memorial) -> bool:
    """The family's accounts for condolence money (마음 전하실 곳) are seen by those who see the
    memorial, once the family chose to show them (``condolence_accounts_shown``; a private
    memorial's are so seen by its members only); its managers always see them, to check them."""
    if not can(user, "view", memorial):
        return False
    return memorial.condolence_accounts_shown or can(user, "manage_accounts", memorial)


def has_link_preview(memorial: Memorial) -> bool:
    """A link to the memorial (or to one of its published paintings) unfolds into a preview
    (og tags and a card image fetched by crawlers without cookies) for public and unlisted
    memorials only: a private memorial's link shows nothing but the site's name. The card of an
    unlisted one is served only under its own secret address."""
    return memorial.deleted_at is None and memorial.visibility != Visibility.PRIVATE


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


# --- Load and check in one call ------------------------------------------------------------------


def _first(queryset, **lookup):
    return queryset.filter(**lookup).first()


def _reached_by_id(user, memorial: Memorial, what: str) -> None:
    """An object asked for by its id alone: a 404 unless its memorial is listed to ``user``."""
    if not is_listed_to(user, memorial):
        raise Http404(what)


def memorial_for(user, slug: str, action: str = "view", *, loader: Callable | None = None) -> Memorial:
    """The memorial at ``slug``, if ``user`` may do ``action`` on it. ``loader(slug)`` reads it
    another way (the guest page's memory); None from it is a 404."""
    if loader is not None:
        memorial = loader(slug)
    else:
        memorial = _first(Memorial.objects.select_related("cover_photo"), slug=slug)
    if memorial is None:
        raise Http404("No such memorial.")
    require(user, action, memorial)
    return memorial


def album_for(user, album_id, action: str = "view", *, memorial: Memorial | None = None) -> Album:
    """An album, if ``user`` may do ``action`` on its memorial; with ``memorial`` (loaded by its
    slug), only one of its albums; without, only of a memorial listed to ``user``. One in the bin
    is a 404 to everyone."""
    if memorial is None:
        album = _first(Album.objects.select_related("memorial"), pk=album_id, deleted_at__isnull=True)
    else:
        album = _first(memorial.albums.all(), pk=album_id, deleted_at__isnull=True)
    if album is None:
        raise Http404("No such album.")
    if memorial is None:
        _reached_by_id(user, album.memorial, "No such album.")
    else:
        album.memorial = memorial
    require(user, "view", album.memorial)
    if album.family_only and not sees_family_albums(user, album.memorial):
        raise Http404("No such album.")
    require(user, action, album.memorial)
    return album


def photo_for(
    user, photo_id, action: str = "view", *, memorial: Memorial | None = None, loader: Callable | None = None
) -> Photo:
    """A photo, if ``user`` may see it (a hidden one is a 404 to those who do not see hidden
    photos) and do ``action`` on its memorial. With ``memorial`` (loaded by its slug), only one
    of its photos; without, only of a memorial listed to ``user``. ``loader(photo_id)`` reads it
    another way (the guest page's memory: a record shared between requests, never changed)."""
    if loader is not None:
        photo = loader(photo_id)
    elif memorial is not None:
        photo = _first(Photo.objects.select_related("album", "uploaded_by"), pk=photo_id, album__memorial=memorial)
    else:
        photo = _first(Photo.objects.select_related("album__memorial", "uploaded_by"), pk=photo_id)
    if photo is None or (memorial is not None and photo.album.memorial_id != memorial.pk):
        raise Http404("No such photo.")
    if memorial is None:
        memorial = photo.album.memorial
        _reached_by_id(user, memorial, "No such photo.")
    elif loader is None:
        photo.album.memorial = memorial
    require(user, "view", memorial)
    if not can_see_photo(user, photo, memorial):
        raise Http404("No such photo.")
    require(user, action, memorial)
    return photo


def condolence_for(user, condolence_id, action: str, *, memorial: Memorial | None = None) -> Condolence:
    """A condolence ``user`` can see (``condolences_visible_to``; a 404 otherwise), if they may do
    ``action`` ("report" or "moderate") on its memorial. The action is checked before the
    message's visibility. With ``memorial`` (loaded by its slug), only one of its condolences;
    without, only of a memorial listed to ``user``."""
    condolences = Condolence.objects.select_related("memorial", "author")
    if memorial is not None:
        condolences = condolences.filter(memorial=memorial)
    condolence = _first(condolences, pk=condolence_id)
    if condolence is None:
        raise Http404("No such message.")
    if memorial is None:
        _reached_by_id(user, condolence.memorial, "No such message.")
    else:
        condolence.memorial = memorial
    memorial = condolence.memorial
    require(user, action, memorial)  # first, as ever: a viewer asking to approve is told no (403)
    if not condolences_visible_to(user, memorial, Condolence.objects.filter(pk=condolence.pk)).exists():
        raise Http404("No such message.")
    return condolence


def funeral_for(user, memorial: Memorial, action: str = "view"):
    """The memorial's 부고, if ``user`` may do ``action`` on the memorial; a 404 when it has none."""
    from memorial.models import Funeral

    require(user, action, memorial)
    funeral = _first(Funeral.objects.all(), memorial=memorial)
    if funeral is None:
        raise Http404("This memorial has no funeral notice.")
    funeral.memorial = memorial
    return funeral


def comment_for(user, comment_id, action: str, *, memorial: Memorial | None = None) -> Comment:
    """A comment ``user`` can see (on a photo or painting they see, and itself visible to them:
    a 404 otherwise), if they may do ``action`` ("report" or "moderate") on its memorial. With
    ``memorial`` (loaded by its slug), only one of its comments; without, only of a memorial
    listed to ``user``."""
    comments = Comment.objects.select_related("memorial", "author", "target_type")
    if memorial is not None:
        comments = comments.filter(memorial=memorial)
    comment = _first(comments, pk=comment_id)
    if comment is None:
        raise Http404("No such comment.")
    if memorial is None:
        _reached_by_id(user, comment.memorial, "No such comment.")
    else:
        comment.memorial = memorial
    memorial = comment.memorial
    require(user, "view", memorial)
    if not can_see_comment_target(user, comment.target, memorial):
        raise Http404("No such comment.")
    require(user, action, memorial)
    if not comments_visible_to(user, memorial, Comment.objects.filter(pk=comment.pk)).exists():
        raise Http404("No such comment.")
    return comment


def can_send_memories(user, memorial: Memorial) -> bool:
    """Where the family allows it (``accepts_guest_memories``), whoever sees the memorial may send
    a photo or a story for a manager to approve."""
    return bool(memorial.accepts_guest_memories) and can(user, "view", memorial)


def require_send_memories(user, memorial: Memorial) -> None:
    """404 where the family does not take guests' memories (the page is not there)."""
    require(user, "view", memorial)
    if not can_send_memories(user, memorial):
        raise Http404("This family does not take photos and stories from guests.")


def contribution_for(user, contribution_id, *, memorial: Memorial) -> GuestContribution:
    """A memory a guest sent to this memorial, for those who may moderate it (its managers)."""
    require(user, "moderate", memorial)
    contribution = _first(
        GuestContribution.objects.filter(memorial=memorial).select_related("author"), pk=contribution_id
    )
    if contribution is None:
        raise Http404("No such memory.")
    contribution.memorial = memorial
    return contribution


def binned_item_for(user, memorial: Memorial, kind: str, item_id):
    """One item of the memorial's bin (a photo, an album, a painting), for those who may see and
    restore what is in it (the ``bin`` action: its managers); a 404 when there is no such item in
    this memorial's bin."""
    from memorial import bin

    require(user, "bin", memorial)
    item = bin.binned_item(memorial, kind, item_id)
    if item is None:
        raise Http404("Nothing like this is in the bin.")
    return item


def bin_photo_for(user, memorial: Memorial, photo_id) -> Photo:
    """Any photo of the memorial, in the bin or not, for the bin page's thumbnails (its managers)."""
    require(user, "bin", memorial)
    photo = _first(Photo.objects.filter(album__memorial=memorial), pk=photo_id)
    if photo is None:
        raise Http404("No such photo.")
    return photo


def condolence_account_for(user, memorial: Memorial, account_id) -> CondolenceAccount:
    """One of the memorial's condolence-money accounts, for those who may change them (its managers)."""
    require(user, "manage_accounts", memorial)
    account = _first(CondolenceAccount.objects.filter(memorial=memorial), pk=account_id)
    if account is None:
        raise Http404("No such account.")
    account.memorial = memorial
    return account


def export_for(user, export_id, action: str = "export") -> MemorialExport:
    """A "Download all memories" file: its status and its download are for those who may export the memorial."""
    export = _first(MemorialExport.objects.select_related("memorial"), pk=export_id)
    if export is None:
        raise Http404("No such download.")
    _reached_by_id(user, export.memorial, "No such download.")
    require(user, action, export.memorial)
    return export


def artwork_for(
    user,
    artwork_id,
    action: str = "view",
    *,
    artworks,
    memorial: Memorial | None = None,
    loader: Callable | None = None,
):
    """A painting from ``artworks`` (generation's queryset; memorial knows nothing of its model),
    if ``user`` may see it (an unpublished one is the family's, and one of a hidden photo is
    hidden with it: a 404 to everyone else) and do ``action`` on its memorial. With ``memorial``
    (loaded by its slug), only one of its paintings; without, only of a memorial listed to
    ``user``. ``loader(artwork_id)`` reads it another way (the guest page's memory: a record
    shared between requests, never changed)."""
    if loader is not None:
        artwork = loader(artwork_id)
    elif memorial is not None:
        artwork = _first(artworks, pk=artwork_id, memorial=memorial)
    else:
        artwork = _first(artworks, pk=artwork_id)
    if artwork is None or (memorial is not None and artwork.memorial_id != memorial.pk):
        raise Http404("No such artwork.")
    if memorial is None:
        memorial = artwork.memorial
        _reached_by_id(user, memorial, "No such artwork.")
    elif loader is None:
        artwork.memorial = memorial
    require(user, "view", memorial)
    if not can_see_artwork(user, artwork, memorial):
        raise Http404("No such artwork.")
    require(user, action, memorial)
    return artwork


def artwork_guidance_for(user, artwork_id, *, artworks, memorial: Memorial | None = None):
    """A painting whose guidance (``sees_artwork_guidance``) ``user`` may see: as ``artwork_for``,
    and a 404 to those who see the painting but not how it was made."""
    artwork = artwork_for(user, artwork_id, artworks=artworks, memorial=memorial)
    if not sees_artwork_guidance(user, memorial or artwork.memorial):
        raise Http404("No such file.")
    return artwork


def job_for(user, job_id, action: str = "view", *, jobs):
    """A painting job from ``jobs`` (generation's queryset), seen by the memorial's family only
    (a 404 to everyone else). ``action`` is "view", or "cancel" (``can_cancel_job``)."""
    job = _first(jobs, pk=job_id)
    if job is None:
        raise Http404("No such job.")
    _reached_by_id(user, job.memorial, "No such job.")
    require(user, "view", job.memorial)
    if not can_see_job(user, job):
        raise Http404("No such job.")
    if action == "cancel":
        if not can_cancel_job(user, job):
            _deny(user, "Only the person who asked for this painting, or the memorial's managers, may cancel it.")
    elif action != "view":
        require(user, action, job.memorial)
    return job


def studio_key_may_paint(key) -> bool:
    """A studio key (generation's, read by its fields ``revoked_at``, ``memorial`` and
    ``created_by``) opens the painting API for its own memorial only, while it is not revoked, the
    memorial is not deleted, and the manager who made it may still ask for paintings there (a
    manager removed from the family takes their keys' use with them)."""
    if key is None or key.revoked_at is not None:
        return False
    memorial = key.memorial
    return memorial.deleted_at is None and can(key.created_by, "create_artwork", memorial)


def studio_key_for(user, key_id, *, keys, memorial: Memorial):
    """One of ``memorial``'s studio keys (from generation's ``keys``), for those who manage them
    (the ``studio_keys`` action: its managers); a 404 for a key of another memorial."""
    require(user, "studio_keys", memorial)
    key = _first(keys, pk=key_id, memorial=memorial)
    if key is None:
        raise Http404("No such key.")
    return key


def public_calendar_for(slug: str) -> Memorial:
    """A memorial's calendar at its address: public memorials only (the others give each member a
    private address); 404 otherwise."""
    memorial = _first(Memorial.objects.all(), slug=slug, visibility=Visibility.PUBLIC, deleted_at__isnull=True)
    if memorial is None:
        raise Http404("No such calendar.")
    return memorial


def calendar_token_for(token: str):
    """The member and memorial of a private calendar address: 404 when it was revoked, or the
    person may no longer see the memorial's reminders (removed, or the memorial deleted)."""
    from memorial.models import CalendarToken

    found = _first(CalendarToken.objects.select_related("memorial", "user"), token=token) if token else None
    if found is None or not found.user.is_active or not can(found.user, "remind", found.memorial):
        raise Http404("No such calendar.")
    return found


# --- For pages -----------------------------------------------------------------------------------


def sign_in_to_act(view):
    """A page's answer to ``SignInRequired``: the sign-in page, coming back here afterwards.

    It replaces ``login_required`` on the pages of a memorial, so that what a signed-out visitor
    may not know exists is a 404 to them too, not an invitation to sign in."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except SignInRequired:
            from django.contrib.auth.views import redirect_to_login  # (auth's forms need the apps loaded)

            return redirect_to_login(request.get_full_path())

    return wrapper
