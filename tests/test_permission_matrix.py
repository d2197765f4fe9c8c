"""Every role against every action on each visibility, through the pages and the API.

The answers are written out below as a table, from the product's rules: not read from
memorial/permissions.py, and never adjusted to what a response says, so a mistake anywhere
shows up as a failure here. Each test asks one action on one visibility of the six people in
turn (each in a savepoint that is rolled back, so one person's change is not the next one's
starting point) and compares the six answers with the table's row.

The answers: "ok" (done: the action's own success status), 403 (may see it, may not do it),
404 (may not know it exists), "sign in" (a signed-out visitor who may see it but must sign in:
pages send them to the sign-in page, the API answers 401), and 400 where a request that may be
made is refused with a reason. A signed-out visitor of a private memorial gets 404, like any
other outsider: never a 401 or the sign-in page.

Pages and the API are asked at the memorial's address (``/m/<slug>/...``,
``/api/v1/memorials/<slug>/...``), where everything of a memorial is reached with its link. The
rows "... by its id" ask the same things by id alone (``/photos/<id>/thumb.jpg``,
``/api/v1/albums/<id>/``, ...): those answer only for memorials listed to the person (public
ones, and one's own), so a stranger with no link finds nothing of an unlisted memorial there.

A painting of a hidden photo is hidden with it. A member the owner removed is answered in
every row exactly as a stranger is, and the invitation link they joined with no longer lets
them in (``REMOVED``).
"""

import datetime
from dataclasses import dataclass
from functools import cached_property

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from rest_framework.test import APIClient

from generation import services as artwork_services
from generation import studio_keys
from generation.models import Artwork, ArtworkCandidate, JobStatus, Style, StylizationJob
from memorial import bugo, comments, condolence_accounts, condolences, contributions, membership, page_cache
from memorial import photos as photo_service
from memorial import services as memorial_services
from memorial.models import Memorial
from tests.audio_files import upload as audio_upload
from tests.conftest import Family, jpeg_upload, make_user

pytestmark = pytest.mark.django_db

ROLES = ("owner", "manager", "contributor", "viewer", "stranger", "anonymous")
VISIBILITIES = ("public", "unlisted", "private")
API = "/api/v1"

OK, NO, GONE, SIGN_IN = "ok", 403, 404, "sign in"
ACCOUNT = {"bank": "KB국민은행", "number": "123-456-789012", "holder": "김철수", "relation": "상주"}
EVERYONE = (OK, OK, OK, OK, OK, OK)
MEMBERS = (OK, OK, OK, OK, GONE, GONE)


def open_and_private(open_row, private_row):
    return {"public": open_row, "unlisted": open_row, "private": private_row}


def always(row):
    return {visibility: row for visibility in VISIBILITIES}


#               owner    manager  contrib. viewer   stranger anonymous
MANAGERS = open_and_private((OK, OK, NO, NO, NO, SIGN_IN), (OK, OK, NO, NO, GONE, GONE))
CONTRIBUTORS = open_and_private((OK, OK, OK, NO, NO, SIGN_IN), (OK, OK, OK, NO, GONE, GONE))
OWNER = open_and_private((OK, NO, NO, NO, NO, SIGN_IN), (OK, NO, NO, NO, GONE, GONE))
SEEN = open_and_private(EVERYONE, MEMBERS)
REMINDED = open_and_private((OK, OK, OK, OK, NO, SIGN_IN), MEMBERS)
# By id alone: listed memorials only. Public as above; an unlisted one is the private one's.
BY_ID = {"public": EVERYONE, "unlisted": MEMBERS, "private": MEMBERS}
MANAGERS_BY_ID = {**MANAGERS, "unlisted": MANAGERS["private"]}
CONTRIBUTORS_BY_ID = {**CONTRIBUTORS, "unlisted": CONTRIBUTORS["private"]}

EXPECTED = {
    "see the memorial": SEEN,
    "see a photo": SEEN,
    "see a hidden photo": always((OK, OK, GONE, GONE, GONE, GONE)),
    "fetch a hidden photo's file": always((OK, OK, GONE, GONE, GONE, GONE)),
    "download a photo's original": MANAGERS,
    "upload photos": CONTRIBUTORS,
    "create an album": CONTRIBUTORS,
    "edit the memorial": MANAGERS,
    "delete the memorial": OWNER,
    "invite family": MANAGERS,
    "reject a condolence": MANAGERS,
    "report a condolence": SEEN,
    # Comments on photos and paintings: as the guestbook, and only where the thing itself is seen.
    "comment on a photo": SEEN,
    "report a comment": SEEN,
    "hide a comment": MANAGERS,
    "comment on a hidden photo": always((OK, OK, GONE, GONE, GONE, GONE)),
    "report a comment on a hidden photo": always((OK, OK, GONE, GONE, GONE, GONE)),
    "see the comments on an unpublished painting": always(MEMBERS),
    "comment on a published painting": SEEN,
    # How a manager hears of new messages, and the family's thank-you to the guests.
    "choose how new messages are told": MANAGERS,
    "thank the guests": MANAGERS,
    # Where the family takes guests' photos and stories: whoever sees the memorial sends; managers decide.
    "send a memory to the family": SEEN,
    "approve a guest's memory": MANAGERS,
    "ask for a painting": CONTRIBUTORS,
    "ask for a painting of a hidden photo": always((400, 400, GONE, GONE, GONE, GONE)),
    "see an unpublished artwork": always(MEMBERS),
    "publish an artwork": always((OK, OK, NO, NO, GONE, GONE)),
    "see a published artwork": SEEN,
    "take an artwork off the page": MANAGERS,
    # A new painting with a painting's settings (its seed, or a new one): those who may ask for paintings.
    "paint a painting again": CONTRIBUTORS,
    "vary a painting": CONTRIBUTORS,
    # The other versions the painter made of a published painting are the family's, to see and
    # (managers) to show instead: everyone else may not know they exist.
    "see another version of a painting": always(MEMBERS),
    "show another version instead": always((OK, OK, NO, NO, GONE, GONE)),
    # Those who may change a painting's words give it the family's own voice (generation/family_voice.py).
    "add the family's recording to a painting": MANAGERS,
    "choose a painting's voice": MANAGERS,
    "follow a painting job": always(MEMBERS),
    "cancel a painting job": always((OK, OK, OK, NO, GONE, GONE)),  # asked for by the contributor
    "prepare a download of everything": MANAGERS,
    "see a photo by its id": BY_ID,
    "fetch a photo's file by its id": BY_ID,
    "download a photo's original by its id": MANAGERS_BY_ID,
    "see an album by its id": BY_ID,
    "upload photos by the album's id": CONTRIBUTORS_BY_ID,
    "report a condolence by its id": BY_ID,
    "see a published artwork by its id": BY_ID,
    "fetch a published artwork's image by its id": BY_ID,
    # How a painting was guided (its control images) is the family's, even when it is published.
    "see how a published painting was guided": always(MEMBERS),
    "see a painting of a hidden photo": always((OK, OK, GONE, GONE, GONE, GONE)),
    "fetch a painting of a hidden photo": always((OK, OK, GONE, GONE, GONE, GONE)),
    # The link the removed member once joined with: the family's own are already in, a
    # stranger it was sent on to joins, a signed-out visitor is asked to sign in first.
    "join through an old invitation link": always((OK, OK, OK, OK, OK, SIGN_IN)),
    # The bin: deleting moves a thing there; it is the managers' to see and restore from, and what
    # is in it is gone for everyone else, managers included, everywhere else.
    "delete a photo": MANAGERS,
    "delete an album": MANAGERS,
    "see the bin": MANAGERS,
    "restore from the bin": MANAGERS,
    "see a photo in the bin": always((GONE, GONE, GONE, GONE, GONE, GONE)),
    "see a painting in the bin": always((GONE, GONE, GONE, GONE, GONE, GONE)),
    # 마음 전하실 곳: the family's accounts for condolence money are set by its managers only (and
    # each change e-mailed to the owner); read by whoever sees the memorial (what they read is
    # the family's choice: tests/test_condolence_accounts.py).
    "add an account for condolence money": MANAGERS,
    "change an account for condolence money": MANAGERS,
    "remove an account for condolence money": MANAGERS,
    "see the accounts for condolence money": SEEN,
    # A shared link's preview card: fetched by crawlers without cookies, for public and unlisted
    # memorials; a private memorial has none, not even for its members.
    "fetch the link preview's card": open_and_private(EVERYONE, always((GONE,) * 6)["private"]),
    # Studio keys (the AUTOMATIC1111-compatible API's) are the managers'; the Studio album of the
    # photos sent with them is the family's, never a guest's, whatever the memorial's visibility.
    "make a studio key": MANAGERS,
    "see the studio keys": MANAGERS,
    "revoke a studio key": MANAGERS,
    "see the studio album": always(MEMBERS),
    "see a photo of the studio album": always(MEMBERS),
    # The 부고 is read by whoever sees the memorial (its 발인 saved to a calendar too), and written
    # by its managers; the printed card is the family's to print.
    "read the funeral notice": SEEN,
    "save the 발인 to a calendar": SEEN,
    "edit the funeral notice": MANAGERS,
    "take the funeral notice off": MANAGERS,
    "print the card": open_and_private((OK, OK, OK, OK, NO, SIGN_IN), (OK, OK, OK, OK, GONE, GONE)),
    # The years after: the days are the page's; reminders and a private calendar address are the
    # members'; the calendar at the memorial's address is a public memorial's only.
    "see the days of remembrance": SEEN,
    "download a day of remembrance": SEEN,
    "subscribe to the calendar at the memorial's address": {
        "public": EVERYONE,
        "unlisted": (GONE,) * 6,
        "private": (GONE,) * 6,
    },
    "see one's reminders and calendar": REMINDED,
    "ask for reminders": REMINDED,
    "make a new calendar address": REMINDED,
    "add a Korean life event to the timeline": MANAGERS,
}

# A seventh person: a contributor the owner removed. Answered as the stranger is, except:
REMOVED = {"join through an old invitation link": 400}


class World:
    """One memorial of one visibility, its family, and what the actions act on (made when first asked)."""

    def __init__(self, visibility):
        self.family = Family()
        self.memorial = self.family.memorial(visibility)
        self.album = self.memorial.albums.get()
        # Joined through an invitation link, then removed by the owner.
        self.removed = make_user("removed@example.com", "Removed")
        self.invitation = membership.create_invitation(
            memorial=self.memorial, role="contributor", by=self.family.owner, max_uses=50
        )
        joined = membership.accept_invitation(token=membership.invitation_token(self.invitation), user=self.removed)
        membership.remove_member(membership=joined, by=self.family.owner)

    def user(self, who):
        return self.removed if who == "removed" else self.family.user(who)

    @cached_property
    def invitation_path(self):
        return membership.invitation_path(self.invitation)

    @cached_property
    def hidden_photo_artwork(self):
        """A published painting of a photo a moderator hid afterwards."""
        photo, _ = photo_service.add_photo(
            album=self.album, upload=jpeg_upload("painted.jpg", color=(200, 20, 20)), by=self.family.owner
        )
        artwork = self._artwork(published=True, photo=photo)
        photo_service.set_hidden(photo=photo, hidden=True, by=self.family.manager)
        return artwork

    @cached_property
    def giil(self):
        """The memorial's date of death is known: its solar 기일 in 2030 is a day of remembrance."""
        import datetime

        from memorial import services

        services.update_memorial(memorial=self.memorial, died_on=datetime.date(2020, 3, 5))
        return datetime.date(2030, 3, 5)

    @cached_property
    def photo(self):
        photo, _ = photo_service.add_photo(album=self.album, upload=jpeg_upload(), by=self.family.owner)
        return photo

    @cached_property
    def hidden_photo(self):
        photo, _ = photo_service.add_photo(
            album=self.album, upload=jpeg_upload("hidden.jpg", color=(20, 200, 20)), by=self.family.owner
        )
        photo_service.set_hidden(photo=photo, hidden=True, by=self.family.manager)
        return photo

    @cached_property
    def binned_photo(self):
        photo, _ = photo_service.add_photo(
            album=self.album, upload=jpeg_upload("binned.jpg", color=(20, 20, 200)), by=self.family.owner
        )
        return photo_service.delete_photo(photo=photo, by=self.family.manager)

    @cached_property
    def binned_artwork(self):
        artwork = self._artwork(published=True)
        return artwork_services.delete_artwork(artwork=artwork, by=self.family.manager)

    @cached_property
    def funeral(self):
        return bugo.save_funeral(
            memorial=self.memorial,
            hall_name="서울대학교병원 장례식장",
            departure_at=datetime.datetime(2026, 12, 3, 7, 0, tzinfo=datetime.UTC),
        )

    @cached_property
    def condolence(self):
        return condolences.leave_condolence(memorial=self.memorial, message="With love", author=self.family.viewer)

    @cached_property
    def condolence_account(self):
        return condolence_accounts.add_account(memorial=self.memorial, by=self.family.manager, **ACCOUNT)

    @cached_property
    def cover(self):
        memorial_services.update_memorial(memorial=self.memorial, cover_photo=self.photo)
        return self.photo

    @cached_property
    def comment(self):
        return comments.leave_comment(target=self.photo, memorial=self.memorial, message="Kind", guest_name="G")

    @cached_property
    def hidden_photo_comment(self):
        return comments.leave_comment(target=self.hidden_photo, memorial=self.memorial, message="Hi", guest_name="G")

    @cached_property
    def open_to_guests(self):
        Memorial.objects.filter(pk=self.memorial.pk).update(accepts_guest_memories=True)
        return True

    @cached_property
    def guest_story(self):
        return contributions.send_story(memorial=self.memorial, story="I remember", guest_name="G")

    @cached_property
    def style(self):
        return Style.objects.create(name="Watercolor", slug="watercolor")

    @cached_property
    def job(self):
        """A painting the contributor asked for, still waiting."""
        return artwork_services.request_artwork(photo=self.photo, style=self.style, by=self.family.contributor)

    def _artwork(self, published, photo=None):
        photo = photo or self.photo
        job = artwork_services.request_artwork(photo=photo, style=self.style, by=self.family.owner)
        StylizationJob.objects.filter(pk=job.pk).update(status=JobStatus.SUCCEEDED)
        return Artwork.objects.create(
            job=job,
            photo=photo,
            memorial=self.memorial,
            style=self.style,
            image=ContentFile(b"\x89PNG\r\n\x1a\n", name="artwork.png"),
            width=64,
            height=48,
            seed=1,
            backend="filter:painterly",
            published=published,
        )

    @cached_property
    def unpublished_artwork(self):
        return self._artwork(published=False)

    @cached_property
    def published_artwork(self):
        return self._artwork(published=True)

    @cached_property
    def guided_artwork(self):
        """A published diffusion painting with the pose image that guided it."""
        artwork = self._artwork(published=True)
        artwork.control_pose.save("pose.png", ContentFile(b"\x89PNG\r\n\x1a\n"))
        return artwork

    @cached_property
    def studio_key(self):
        return studio_keys.create_key(memorial=self.memorial, by=self.family.manager).key

    @cached_property
    def studio_album(self):
        return studio_keys.studio_album(self.memorial, by=self.family.manager)

    @cached_property
    def studio_photo(self):
        photo, _ = photo_service.add_photo(
            album=self.studio_album, upload=jpeg_upload("studio.jpg", color=(90, 90, 30)), by=self.family.manager
        )
        return photo

    @cached_property
    def candidate(self):
        """Another version of the published painting."""
        return ArtworkCandidate.objects.create(
            artwork=self.published_artwork, image=ContentFile(b"\x89PNG\r\n\x1a\n", name="other.png"), seed=2
        )


@dataclass(frozen=True)
class Way:
    """How one surface (the pages, or the API) asks for an action, and what "done" answers."""

    ask: object
    done: int


def photo_page(w, photo, name="photo"):
    return reverse(f"memorial:{name}", args=[w.memorial.slug, photo.pk])


def at(w, name, *args):
    """The address of ``name`` under the memorial's own (its slug first)."""
    return reverse(name, args=[w.memorial.slug, *args])


def at_api(w, path):
    return f"{API}/memorials/{w.memorial.slug}/{path}"


PAGES = {
    "see the memorial": Way(lambda c, w: c.get(w.memorial.get_absolute_url()), 200),
    "see a photo": Way(lambda c, w: c.get(photo_page(w, w.photo)), 200),
    "see a hidden photo": Way(lambda c, w: c.get(photo_page(w, w.hidden_photo)), 200),
    "fetch a hidden photo's file": Way(
        lambda c, w: c.get(at(w, "memorial:memorial_photo_file", w.hidden_photo.pk, "thumb")), 200
    ),
    "download a photo's original": Way(lambda c, w: c.get(at(w, "memorial:memorial_photo_original", w.photo.pk)), 200),
    "upload photos": Way(
        lambda c, w: c.post(
            reverse("memorial:upload", args=[w.memorial.slug, w.album.pk]),
            {"files": [jpeg_upload("n.jpg", color=(9, 9, 9))]},
        ),
        302,
    ),
    "create an album": Way(
        lambda c, w: c.post(reverse("memorial:album_create", args=[w.memorial.slug]), {"title": "Jeju"}), 302
    ),
    "edit the memorial": Way(
        lambda c, w: c.post(
            reverse("memorial:edit", args=[w.memorial.slug]),
            {"full_name": "New", "language": "ko", "visibility": w.memorial.visibility, "condolence_policy": "open"},
        ),
        302,
    ),
    "delete the memorial": Way(
        lambda c, w: c.post(reverse("memorial:delete", args=[w.memorial.slug]), {"confirm_name": w.memorial.full_name}),
        302,
    ),
    "invite family": Way(
        lambda c, w: c.post(
            reverse("memorial:invitation_create", args=[w.memorial.slug]), {"role": "viewer", "days": 7, "max_uses": 1}
        ),
        302,
    ),
    "reject a condolence": Way(
        lambda c, w: c.post(reverse("memorial:condolence_reject", args=[w.memorial.slug, w.condolence.pk])), 302
    ),
    "report a condolence": Way(
        lambda c, w: c.post(reverse("memorial:condolence_report", args=[w.memorial.slug, w.condolence.pk])), 302
    ),
    "comment on a photo": Way(
        lambda c, w: c.post(photo_page(w, w.photo, "photo_comment"), {"guest_name": "G", "message": "Kind"}), 302
    ),
    "report a comment": Way(
        lambda c, w: c.post(reverse("memorial:comment_report", args=[w.memorial.slug, w.comment.pk])), 302
    ),
    "hide a comment": Way(
        lambda c, w: c.post(reverse("memorial:comment_hide", args=[w.memorial.slug, w.comment.pk])), 302
    ),
    "comment on a hidden photo": Way(
        lambda c, w: c.post(photo_page(w, w.hidden_photo, "photo_comment"), {"guest_name": "G", "message": "Kind"}),
        302,
    ),
    "choose how new messages are told": Way(
        lambda c, w: c.post(reverse("memorial:notifications", args=[w.memorial.slug]), {"frequency": "daily"}), 302
    ),
    "thank the guests": Way(lambda c, w: c.get(reverse("memorial:thank_guests", args=[w.memorial.slug])), 200),
    "send a memory to the family": Way(
        lambda c, w: c.post(
            reverse("memorial:share", args=[w.memorial.slug]),
            {"kind": "story", "story-guest_name": "G", "story-story": "I remember"},
        ),
        302,
    ),
    "approve a guest's memory": Way(
        lambda c, w: c.post(reverse("memorial:contribution_approve", args=[w.memorial.slug, w.guest_story.pk])), 302
    ),
    "report a comment on a hidden photo": Way(
        lambda c, w: c.post(reverse("memorial:comment_report", args=[w.memorial.slug, w.hidden_photo_comment.pk])),
        302,
    ),
    "comment on a published painting": Way(
        lambda c, w: c.post(
            at(w, "generation:memorial_artwork_comment", w.published_artwork.pk), {"guest_name": "G", "message": "Hi"}
        ),
        302,
    ),
    "ask for a painting": Way(
        lambda c, w: c.post(at(w, "generation:memorial_request", w.photo.pk), {"style": w.style.slug}), 302
    ),
    "ask for a painting of a hidden photo": Way(
        lambda c, w: c.post(at(w, "generation:memorial_request", w.hidden_photo.pk), {"style": w.style.slug}), 302
    ),
    "see an unpublished artwork": Way(lambda c, w: c.get(w.unpublished_artwork.get_absolute_url()), 200),
    "publish an artwork": Way(
        lambda c, w: c.post(at(w, "generation:memorial_artwork_publish", w.unpublished_artwork.pk)), 302
    ),
    "see a published artwork": Way(lambda c, w: c.get(w.published_artwork.get_absolute_url()), 200),
    "see another version of a painting": Way(
        lambda c, w: c.get(
            at(w, "generation:memorial_artwork_candidate_image", w.published_artwork.pk, w.candidate.pk)
        ),
        200,
    ),
    "show another version instead": Way(
        lambda c, w: c.post(
            at(w, "generation:memorial_artwork_candidate_choose", w.published_artwork.pk, w.candidate.pk)
        ),
        302,
    ),
    "paint a painting again": Way(
        lambda c, w: c.post(at(w, "generation:memorial_artwork_again", w.published_artwork.pk)), 302
    ),
    "vary a painting": Way(lambda c, w: c.post(at(w, "generation:memorial_artwork_vary", w.published_artwork.pk)), 302),
    "take an artwork off the page": Way(
        lambda c, w: c.post(at(w, "generation:memorial_artwork_unpublish", w.published_artwork.pk)), 302
    ),
    "add the family's recording to a painting": Way(
        lambda c, w: c.post(
            at(w, "generation:memorial_artwork_recording", w.published_artwork.pk), {"audio": audio_upload("wav")}
        ),
        302,
    ),
    "choose a painting's voice": Way(
        lambda c, w: c.post(at(w, "generation:memorial_artwork_voice", w.published_artwork.pk), {"voice": "synthetic"}),
        302,
    ),
    "follow a painting job": Way(lambda c, w: c.get(w.job.get_absolute_url()), 200),
    "cancel a painting job": Way(lambda c, w: c.post(reverse("generation:job_cancel", args=[w.job.pk])), 302),
    "prepare a download of everything": Way(
        lambda c, w: c.get(reverse("memorial:export", args=[w.memorial.slug])), 200
    ),
    "fetch a photo's file by its id": Way(
        lambda c, w: c.get(reverse("memorial:photo_file", args=[w.photo.pk, "thumb"])), 200
    ),
    "download a photo's original by its id": Way(
        lambda c, w: c.get(reverse("memorial:photo_original", args=[w.photo.pk])), 200
    ),
    "see a published artwork by its id": Way(
        lambda c, w: c.get(reverse("generation:artwork", args=[w.published_artwork.pk])), 200
    ),
    "fetch a published artwork's image by its id": Way(
        lambda c, w: c.get(reverse("generation:artwork_image", args=[w.published_artwork.pk])), 200
    ),
    "see how a published painting was guided": Way(
        lambda c, w: c.get(at(w, "generation:memorial_artwork_control", w.guided_artwork.pk, "pose")), 200
    ),
    "see a painting of a hidden photo": Way(lambda c, w: c.get(w.hidden_photo_artwork.get_absolute_url()), 200),
    "fetch a painting of a hidden photo": Way(
        lambda c, w: c.get(at(w, "generation:memorial_artwork_thumbnail", w.hidden_photo_artwork.pk)), 200
    ),
    "join through an old invitation link": Way(lambda c, w: c.post(w.invitation_path), 302),
    "delete a photo": Way(lambda c, w: c.post(photo_page(w, w.photo, "photo_delete")), 302),
    "delete an album": Way(
        lambda c, w: c.post(reverse("memorial:album_delete", args=[w.memorial.slug, w.album.pk])), 302
    ),
    "see the bin": Way(lambda c, w: c.get(reverse("memorial:bin", args=[w.memorial.slug])), 200),
    "restore from the bin": Way(
        lambda c, w: c.post(reverse("memorial:bin_restore", args=[w.memorial.slug, "photo", w.binned_photo.pk])), 302
    ),
    "see a photo in the bin": Way(lambda c, w: c.get(photo_page(w, w.binned_photo)), 200),
    "see a painting in the bin": Way(lambda c, w: c.get(w.binned_artwork.get_absolute_url()), 200),
    "add an account for condolence money": Way(
        lambda c, w: c.post(reverse("memorial:accounts", args=[w.memorial.slug]), ACCOUNT), 302
    ),
    "change an account for condolence money": Way(
        lambda c, w: c.post(
            reverse("memorial:account_edit", args=[w.memorial.slug, w.condolence_account.pk]),
            {**ACCOUNT, "number": "987-654-321098"},
        ),
        302,
    ),
    "remove an account for condolence money": Way(
        lambda c, w: c.post(reverse("memorial:account_remove", args=[w.memorial.slug, w.condolence_account.pk])),
        302,
    ),
    "fetch the link preview's card": Way(
        lambda c, w: c.get(reverse("memorial:preview_card", args=[w.memorial.slug])), 200
    ),
    "make a studio key": Way(lambda c, w: c.post(at(w, "generation:studio_key_create"), {"label": "bot"}), 200),
    "revoke a studio key": Way(lambda c, w: c.post(at(w, "generation:studio_key_revoke", w.studio_key.pk)), 302),
    "see the studio album": Way(lambda c, w: c.get(at(w, "memorial:album", w.studio_album.pk)), 200),
    "see a photo of the studio album": Way(lambda c, w: c.get(photo_page(w, w.studio_photo)), 200),
    "save the 발인 to a calendar": Way(lambda c, w: c.get(at(w, "memorial:funeral_calendar")), 200),
    "edit the funeral notice": Way(
        lambda c, w: c.post(
            at(w, "memorial:funeral_edit"),
            {"hall_name": "다른 장례식장", "family-TOTAL_FORMS": "0", "family-INITIAL_FORMS": "0"},
        ),
        302,
    ),
    "take the funeral notice off": Way(lambda c, w: c.post(at(w, "memorial:funeral_delete")), 302),
    "print the card": Way(lambda c, w: c.get(at(w, "memorial:card_pdf", "a6")), 200),
    "download a day of remembrance": Way(
        lambda c, w: c.get(at(w, "memorial:remembrance_event", "giil-solar", w.giil.isoformat())), 200
    ),
    "subscribe to the calendar at the memorial's address": Way(
        lambda c, w: c.get(at(w, "memorial:calendar_feed")), 200
    ),
    "see one's reminders and calendar": Way(lambda c, w: c.get(at(w, "memorial:remembrance")), 200),
    "ask for reminders": Way(lambda c, w: c.post(at(w, "memorial:reminders_set"), {"subscribe": "1"}), 302),
    "make a new calendar address": Way(lambda c, w: c.post(at(w, "memorial:calendar_revoke")), 302),
    "add a Korean life event to the timeline": Way(
        lambda c, w: c.post(
            at(w, "memorial:timeline_add"), {"kind": "hwangap", "when": "2002-01-19", "when_calendar": "lunar"}
        ),
        302,
    ),
}

APIS = {
    "see the memorial": Way(lambda c, w: c.get(f"{API}/memorials/{w.memorial.slug}/"), 200),
    "see a photo": Way(lambda c, w: c.get(at_api(w, f"photos/{w.photo.pk}/")), 200),
    "see a hidden photo": Way(lambda c, w: c.get(at_api(w, f"photos/{w.hidden_photo.pk}/")), 200),
    "upload photos": Way(
        lambda c, w: c.post(
            at_api(w, f"albums/{w.album.pk}/photos/"),
            {"files": [jpeg_upload("n.jpg", color=(9, 9, 9))]},
            format="multipart",
        ),
        201,
    ),
    "create an album": Way(
        lambda c, w: c.post(f"{API}/memorials/{w.memorial.slug}/albums/", {"title": "Jeju"}, format="json"), 201
    ),
    "edit the memorial": Way(
        lambda c, w: c.patch(f"{API}/memorials/{w.memorial.slug}/", {"place": "Seoul"}, format="json"), 200
    ),
    "delete the memorial": Way(lambda c, w: c.delete(f"{API}/memorials/{w.memorial.slug}/"), 204),
    "reject a condolence": Way(
        lambda c, w: c.post(at_api(w, f"condolences/{w.condolence.pk}/reject/"), {}, format="json"), 200
    ),
    "report a condolence": Way(
        lambda c, w: c.post(at_api(w, f"condolences/{w.condolence.pk}/report/"), {}, format="json"), 201
    ),
    "comment on a photo": Way(
        lambda c, w: c.post(
            at_api(w, f"photos/{w.photo.pk}/comments/"), {"guest_name": "G", "message": "Kind"}, format="json"
        ),
        201,
    ),
    "report a comment": Way(lambda c, w: c.post(at_api(w, f"comments/{w.comment.pk}/report/"), {}, format="json"), 201),
    "hide a comment": Way(lambda c, w: c.post(at_api(w, f"comments/{w.comment.pk}/hide/"), {}, format="json"), 200),
    "comment on a hidden photo": Way(
        lambda c, w: c.post(
            at_api(w, f"photos/{w.hidden_photo.pk}/comments/"), {"guest_name": "G", "message": "Kind"}, format="json"
        ),
        201,
    ),
    "report a comment on a hidden photo": Way(
        lambda c, w: c.post(at_api(w, f"comments/{w.hidden_photo_comment.pk}/report/"), {}, format="json"), 201
    ),
    "see the comments on an unpublished painting": Way(
        lambda c, w: c.get(at_api(w, f"artworks/{w.unpublished_artwork.pk}/comments/")), 200
    ),
    "comment on a published painting": Way(
        lambda c, w: c.post(
            at_api(w, f"artworks/{w.published_artwork.pk}/comments/"),
            {"guest_name": "G", "message": "Hi"},
            format="json",
        ),
        201,
    ),
    "ask for a painting": Way(
        lambda c, w: c.post(at_api(w, f"photos/{w.photo.pk}/artworks/"), {"style": w.style.slug}, format="json"), 202
    ),
    "ask for a painting of a hidden photo": Way(
        lambda c, w: c.post(at_api(w, f"photos/{w.hidden_photo.pk}/artworks/"), {"style": w.style.slug}, format="json"),
        202,
    ),
    "see an unpublished artwork": Way(lambda c, w: c.get(at_api(w, f"artworks/{w.unpublished_artwork.pk}/")), 200),
    "publish an artwork": Way(
        lambda c, w: c.patch(at_api(w, f"artworks/{w.unpublished_artwork.pk}/"), {"published": True}, format="json"),
        200,
    ),
    "see a published artwork": Way(lambda c, w: c.get(at_api(w, f"artworks/{w.published_artwork.pk}/")), 200),
    "show another version instead": Way(
        lambda c, w: c.post(at_api(w, f"artworks/{w.published_artwork.pk}/candidates/{w.candidate.pk}/choose/")),
        200,
    ),
    "take an artwork off the page": Way(
        lambda c, w: c.patch(at_api(w, f"artworks/{w.published_artwork.pk}/"), {"published": False}, format="json"),
        200,
    ),
    "add the family's recording to a painting": Way(
        lambda c, w: c.post(
            at_api(w, f"artworks/{w.published_artwork.pk}/recording/"),
            {"audio": audio_upload("wav")},
            format="multipart",
        ),
        201,
    ),
    "choose a painting's voice": Way(
        lambda c, w: c.patch(
            at_api(w, f"artworks/{w.published_artwork.pk}/"), {"narration_voice": "synthetic"}, format="json"
        ),
        200,
    ),
    "follow a painting job": Way(lambda c, w: c.get(f"{API}/jobs/{w.job.pk}/"), 200),
    "cancel a painting job": Way(lambda c, w: c.post(f"{API}/jobs/{w.job.pk}/cancel/"), 200),
    "see a photo by its id": Way(lambda c, w: c.get(f"{API}/photos/{w.photo.pk}/"), 200),
    "see an album by its id": Way(lambda c, w: c.get(f"{API}/albums/{w.album.pk}/"), 200),
    "upload photos by the album's id": Way(
        lambda c, w: c.post(
            f"{API}/albums/{w.album.pk}/photos/", {"files": [jpeg_upload("n.jpg", color=(9, 9, 9))]}, format="multipart"
        ),
        201,
    ),
    "report a condolence by its id": Way(
        lambda c, w: c.post(f"{API}/condolences/{w.condolence.pk}/report/", {}, format="json"), 201
    ),
    "see a published artwork by its id": Way(lambda c, w: c.get(f"{API}/artworks/{w.published_artwork.pk}/"), 200),
    "see a painting of a hidden photo": Way(
        lambda c, w: c.get(at_api(w, f"artworks/{w.hidden_photo_artwork.pk}/")), 200
    ),
    "delete a photo": Way(lambda c, w: c.delete(at_api(w, f"photos/{w.photo.pk}/")), 204),
    "delete an album": Way(lambda c, w: c.delete(at_api(w, f"albums/{w.album.pk}/")), 204),
    "see the bin": Way(lambda c, w: c.get(f"{API}/memorials/{w.memorial.slug}/bin/"), 200),
    "restore from the bin": Way(
        lambda c, w: c.post(f"{API}/memorials/{w.memorial.slug}/bin/photo/{w.binned_photo.pk}/restore/"), 200
    ),
    "see a photo in the bin": Way(lambda c, w: c.get(at_api(w, f"photos/{w.binned_photo.pk}/")), 200),
    "see a painting in the bin": Way(lambda c, w: c.get(at_api(w, f"artworks/{w.binned_artwork.pk}/")), 200),
    "add an account for condolence money": Way(
        lambda c, w: c.post(at_api(w, "accounts/"), ACCOUNT, format="json"), 201
    ),
    "change an account for condolence money": Way(
        lambda c, w: c.patch(
            at_api(w, f"accounts/{w.condolence_account.pk}/"), {"number": "987-654-321098"}, format="json"
        ),
        200,
    ),
    "remove an account for condolence money": Way(
        lambda c, w: c.delete(at_api(w, f"accounts/{w.condolence_account.pk}/")), 204
    ),
    "see the accounts for condolence money": Way(lambda c, w: c.get(at_api(w, "accounts/")), 200),
    "make a studio key": Way(lambda c, w: c.post(at_api(w, "studio-keys/"), {"label": "bot"}, format="json"), 201),
    "see the studio keys": Way(lambda c, w: c.get(at_api(w, "studio-keys/")), 200),
    "revoke a studio key": Way(lambda c, w: c.delete(at_api(w, f"studio-keys/{w.studio_key.pk}/")), 204),
    "see the studio album": Way(lambda c, w: c.get(at_api(w, f"albums/{w.studio_album.pk}/")), 200),
    "see a photo of the studio album": Way(lambda c, w: c.get(at_api(w, f"photos/{w.studio_photo.pk}/")), 200),
    "read the funeral notice": Way(lambda c, w: c.get(at_api(w, "funeral/")), 200),
    "take the funeral notice off": Way(lambda c, w: c.delete(at_api(w, "funeral/")), 204),
    "edit the funeral notice": Way(
        lambda c, w: c.put(at_api(w, "funeral/"), {"hall": {"name": "다른 장례식장"}}, format="json"), 200
    ),
    "see the days of remembrance": Way(lambda c, w: c.get(at_api(w, "remembrance/")), 200),
    "see one's reminders and calendar": Way(lambda c, w: c.get(at_api(w, "reminders/")), 200),
    "ask for reminders": Way(lambda c, w: c.put(at_api(w, "reminders/"), {"subscribed": True}, format="json"), 200),
    "make a new calendar address": Way(lambda c, w: c.post(at_api(w, "calendar/revoke/")), 200),
    "add a Korean life event to the timeline": Way(
        lambda c, w: c.post(
            at_api(w, "timeline/"), {"kind": "hwangap", "when": "2002-01-19", "when_calendar": "lunar"}, format="json"
        ),
        201,
    ),
}


def page_answer(response, way):
    code = response.status_code
    if code == 302 and "/accounts/login/" in response["Location"]:
        return SIGN_IN
    return OK if code == way.done else code


def api_answer(response, way):
    code = response.status_code
    if code == 401:
        return SIGN_IN
    return OK if code == way.done else code


def answers(world, way, sign_in, answer, roles=ROLES):
    """What each of the people is answered, each from the same starting point."""
    got = []
    for role in roles:
        cache.clear()  # rate limits and kept pages: each person starts afresh
        page_cache.forget_everything()
        with transaction.atomic():
            response = way.ask(sign_in(world.user(role)), world)
            got.append(answer(response, way))
            transaction.set_rollback(True)
    return tuple(got)


def test_the_table_covers_every_action_through_pages_and_api():
    assert set(PAGES) | set(APIS) == set(EXPECTED) and set(REMOVED) <= set(EXPECTED)
    assert all(
        set(rows) == set(VISIBILITIES) and all(len(r) == len(ROLES) for r in rows.values())
        for rows in EXPECTED.values()
    )


@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("action", list(PAGES))
def test_pages_answer_each_role_as_the_table_says(client, action, visibility):
    world = World(visibility)

    def sign_in(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    # What the action acts on is made before the first savepoint, so it is there for everyone.
    _prepare(world, action)
    got = answers(world, PAGES[action], sign_in, page_answer)
    assert dict(zip(ROLES, got, strict=True)) == dict(zip(ROLES, EXPECTED[action][visibility], strict=True))


@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("action", list(APIS))
def test_the_api_answers_each_role_as_the_table_says(action, visibility):
    world = World(visibility)

    def sign_in(user):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    _prepare(world, action)
    got = answers(world, APIS[action], sign_in, api_answer)
    assert dict(zip(ROLES, got, strict=True)) == dict(zip(ROLES, EXPECTED[action][visibility], strict=True))


def removed_expected(action, visibility):
    return REMOVED.get(action, EXPECTED[action][visibility][ROLES.index("stranger")])


@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("action", list(PAGES))
def test_pages_answer_a_removed_member_as_a_stranger(client, action, visibility):
    world = World(visibility)

    def sign_in(user):
        client.logout()
        client.force_login(user)
        return client

    _prepare(world, action)
    [got] = answers(world, PAGES[action], sign_in, page_answer, roles=["removed"])
    assert got == removed_expected(action, visibility)


@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("action", list(APIS))
def test_the_api_answers_a_removed_member_as_a_stranger(action, visibility):
    world = World(visibility)

    def sign_in(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    _prepare(world, action)
    [got] = answers(world, APIS[action], sign_in, api_answer, roles=["removed"])
    assert got == removed_expected(action, visibility)


NEEDS = {
    "see a photo": ["photo"],
    "see a hidden photo": ["hidden_photo"],
    "fetch a hidden photo's file": ["hidden_photo"],
    "download a photo's original": ["photo"],
    "reject a condolence": ["condolence"],
    "report a condolence": ["condolence"],
    "comment on a photo": ["photo"],
    "send a memory to the family": ["open_to_guests"],
    "approve a guest's memory": ["guest_story"],
    "report a comment": ["comment"],
    "hide a comment": ["comment"],
    "comment on a hidden photo": ["hidden_photo"],
    "report a comment on a hidden photo": ["hidden_photo_comment"],
    "see the comments on an unpublished painting": ["unpublished_artwork"],
    "comment on a published painting": ["published_artwork"],
    "ask for a painting": ["photo", "style"],
    "ask for a painting of a hidden photo": ["hidden_photo", "style"],
    "see an unpublished artwork": ["unpublished_artwork"],
    "publish an artwork": ["unpublished_artwork"],
    "see a published artwork": ["published_artwork"],
    "take an artwork off the page": ["published_artwork"],
    "paint a painting again": ["published_artwork"],
    "vary a painting": ["published_artwork"],
    "see another version of a painting": ["candidate"],
    "show another version instead": ["candidate"],
    "add the family's recording to a painting": ["published_artwork"],
    "choose a painting's voice": ["published_artwork"],
    "follow a painting job": ["job"],
    "cancel a painting job": ["job"],
    "see a photo by its id": ["photo"],
    "fetch a photo's file by its id": ["photo"],
    "download a photo's original by its id": ["photo"],
    "report a condolence by its id": ["condolence"],
    "see a published artwork by its id": ["published_artwork"],
    "fetch a published artwork's image by its id": ["published_artwork"],
    "see how a published painting was guided": ["guided_artwork"],
    "see a painting of a hidden photo": ["hidden_photo_artwork"],
    "fetch a painting of a hidden photo": ["hidden_photo_artwork"],
    "join through an old invitation link": ["invitation_path"],
    "delete a photo": ["photo"],
    "restore from the bin": ["binned_photo"],
    "see a photo in the bin": ["binned_photo"],
    "see a painting in the bin": ["binned_artwork"],
    "change an account for condolence money": ["condolence_account"],
    "remove an account for condolence money": ["condolence_account"],
    "fetch the link preview's card": ["cover"],
    "revoke a studio key": ["studio_key"],
    "see the studio album": ["studio_album"],
    "see a photo of the studio album": ["studio_photo"],
    "read the funeral notice": ["funeral"],
    "save the 발인 to a calendar": ["funeral"],
    "take the funeral notice off": ["funeral"],
    "download a day of remembrance": ["giil"],
}


def _prepare(world, action):
    for name in NEEDS.get(action, []):
        getattr(world, name)
