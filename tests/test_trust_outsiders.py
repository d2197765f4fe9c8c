"""What an outsider can do, closed (issue 13): a stranger walking ids, a removed relative with an
old link, a guest after a photo was hidden, requests made to crash the site, and a link that
would send a manager to another site. Each test is named for the person it protects."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from generation.models import Artwork
from memorial import condolences, membership, services
from memorial.models import Invitation, Membership, Memorial, MemorialExport, Removal, Role
from tests.conftest import add_photo, paint

pytestmark = pytest.mark.django_db

API = "/api/v1"


def body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def reveals(response, memorial) -> bool:
    """Whether an answer gives away anything that names the memorial."""
    text = body(response)
    secrets = [memorial.slug, memorial.full_name, memorial.name_other_script]
    return any(secret and secret in text for secret in secrets)


@pytest.fixture
def unlisted_with_everything(family, unlisted_memorial, style):
    """An unlisted memorial with a photo, a published painting with its words and voice, a
    message in its guestbook, a painting job and a download of everything."""
    photo = add_photo(unlisted_memorial, family.contributor, caption="Jeju, 1987")
    artwork = paint(photo, style, family.contributor)
    from generation import services as generation_services

    generation_services.publish_artwork(artwork=artwork, by=family.manager)
    condolence = condolences.leave_condolence(memorial=unlisted_memorial, message="Rest well.", guest_name="Min")
    export = MemorialExport.objects.create(memorial=unlisted_memorial, requested_by=family.owner)
    return {
        "memorial": unlisted_memorial,
        "photo": photo,
        "artwork": artwork,
        "condolence": condolence,
        "export": export,
    }


def walk(client, highest):
    """Every address that takes an id, for ids 1..highest: what a script walking ids asks."""
    for pk in range(1, highest + 1):
        yield "get", f"{API}/albums/{pk}/"
        yield "get", f"{API}/albums/{pk}/photos/"
        yield "get", f"{API}/photos/{pk}/"
        yield "get", f"{API}/artworks/{pk}/"
        yield "get", f"{API}/jobs/{pk}/"
        yield "post", f"{API}/condolences/{pk}/report/"
        yield "get", f"/photos/{pk}/thumb.jpg"
        yield "get", f"/photos/{pk}/screen.jpg"
        yield "get", f"/photos/{pk}/original/"
        yield "get", f"/photos/{pk}/artwork/"
        yield "get", f"/artworks/{pk}/"
        yield "get", f"/artworks/{pk}/image.png"
        yield "get", f"/artworks/{pk}/thumb.jpg"
        yield "get", f"/artworks/{pk}/narration"
        yield "get", f"/jobs/{pk}/"
        yield "get", f"/jobs/{pk}/status.json"
        yield "get", f"/exports/{pk}/status.json"
        yield "get", f"/exports/{pk}/download/"


def test_a_stranger_walking_ids_finds_nothing_of_an_unlisted_memorial(
    family, unlisted_with_everything, public_memorial
):
    memorial = unlisted_with_everything["memorial"]
    # Something public beside it, so the walk also meets answers that are rightly given.
    add_photo(public_memorial, family.contributor, color=(10, 200, 10))
    highest = 1 + max(
        Artwork.objects.latest("pk").pk,
        unlisted_with_everything["photo"].pk,
        unlisted_with_everything["condolence"].pk,
        unlisted_with_everything["export"].pk,
        memorial.albums.get().pk,
    )
    anonymous = APIClient()
    stranger = APIClient()
    stranger.force_login(family.stranger)
    for who, client in (("anonymous", anonymous), ("stranger", stranger)):
        for method, url in walk(client, highest):
            response = getattr(client, method)(url)
            assert response.status_code < 500, (who, url)
            assert not reveals(response, memorial), (who, url, response.status_code)
        listed = client.get(f"{API}/memorials/").json()
        assert memorial.slug not in str(listed), who


def test_a_guest_with_the_link_reaches_everything_of_an_unlisted_memorial(client, unlisted_with_everything):
    memorial = unlisted_with_everything["memorial"]
    photo, artwork = unlisted_with_everything["photo"], unlisted_with_everything["artwork"]
    condolence = unlisted_with_everything["condolence"]

    # The page links only to addresses under the memorial's own, and each of them answers a guest.
    page = body(client.get(memorial.get_absolute_url()))
    links = set(re.findall(r'(?:src|href|data-full)="(/[^"#?]+)', page))
    assert not [link for link in links if re.match(r"^/(photos|artworks)/\d", link)], links
    files = [link for link in links if link.endswith((".jpg", ".png"))]
    assert files and all(link.startswith(memorial.get_absolute_url()) for link in files), files
    for link in files + [photo.get_absolute_url(), artwork.get_absolute_url()]:
        assert client.get(link).status_code == 200, link
    artwork_page = body(client.get(artwork.get_absolute_url()))
    [audio] = re.findall(r'<audio[^>]* src="([^"]+)"', artwork_page)
    assert client.get(audio).status_code == 200

    # The API gives a guest the same, and its answers link to the memorial's addresses too.
    api = APIClient()
    [album] = api.get(f"{API}/memorials/{memorial.slug}/albums/").json()["results"]
    assert api.get(f"{API}/memorials/{memorial.slug}/albums/{album['id']}/").status_code == 200
    [shown] = api.get(f"{API}/memorials/{memorial.slug}/albums/{album['id']}/photos/").json()["results"]
    assert api.get(shown["thumbnail_url"]).status_code == 200 and api.get(shown["screen_url"]).status_code == 200
    assert api.get(f"{API}/memorials/{memorial.slug}/photos/{photo.pk}/").status_code == 200
    [painting] = api.get(f"{API}/memorials/{memorial.slug}/artworks/").json()["results"]
    for url in (painting["url"], painting["image_url"], painting["thumbnail_url"], painting["narration"]["audio_url"]):
        assert api.get(url).status_code == 200, url
    report = api.post(f"{API}/memorials/{memorial.slug}/condolences/{condolence.pk}/report/", {}, format="json")
    assert report.status_code == 201
    # ... and by id alone, nothing: the same things are a 404.
    for url in (f"{API}/photos/{photo.pk}/", f"{API}/artworks/{artwork.pk}/", f"/photos/{photo.pk}/thumb.jpg"):
        assert api.get(url).status_code == 404, url


def test_a_guest_s_old_links_of_a_public_memorial_keep_working(client, family, photo, artwork):
    from generation import services as generation_services

    generation_services.publish_artwork(artwork=artwork, by=family.manager)
    for url in (
        f"/photos/{photo.pk}/thumb.jpg",
        f"/artworks/{artwork.pk}/",
        f"/artworks/{artwork.pk}/image.png",
        f"{API}/photos/{photo.pk}/",
        f"{API}/artworks/{artwork.pk}/",
        f"{API}/albums/{photo.album_id}/",
    ):
        assert client.get(url).status_code == 200, url


def test_members_and_site_moderators_still_reach_an_unlisted_memorial_by_id(family, unlisted_with_everything):
    from django.contrib.auth.models import Permission

    from tests.conftest import make_user

    photo = unlisted_with_everything["photo"]
    moderator = make_user("moderator@example.com", "Moderator", is_staff=True)
    moderator.user_permissions.add(Permission.objects.get(codename="change_photo"))
    for person in (family.viewer, moderator):
        api = APIClient()
        api.force_login(person)
        assert api.get(f"{API}/photos/{photo.pk}/").status_code == 200
        assert api.get(f"/photos/{photo.pk}/thumb.jpg").status_code == 200


# --- A removed relative ----------------------------------------------------------------------


def test_a_removed_relative_cannot_rejoin_with_an_old_link(client, family, unlisted_memorial, alice):
    memorial = unlisted_memorial
    invitation = membership.create_invitation(memorial=memorial, role=Role.MANAGER, by=family.owner, max_uses=5)
    link = membership.invitation_path(invitation)
    client.force_login(alice)
    assert client.post(link).status_code == 302
    joined = Membership.objects.get(memorial=memorial, user=alice)
    assert joined.role == Role.MANAGER

    client.force_login(family.owner)
    client.post(reverse("memorial:member_remove", args=[memorial.slug, joined.pk]))
    assert not Membership.objects.filter(memorial=memorial, user=alice).exists()
    assert Removal.objects.get(memorial=memorial, user=alice).removed_by == family.owner

    client.force_login(alice)
    page = client.get(link)
    assert page.status_code == 400 and "removed" in body(page)
    refused = client.post(link)
    assert refused.status_code == 400 and "new invitation" in body(refused)
    assert not Membership.objects.filter(memorial=memorial, user=alice).exists()
    # The same link still works for the others it was sent to.
    client.force_login(family.stranger)
    assert client.post(link).status_code == 302
    assert Membership.objects.filter(memorial=memorial, user=family.stranger).exists()
    invitation.refresh_from_db()
    assert invitation.use_count == 2  # alice's refusal used nothing up

    # The family may deliberately ask her back, with a new link.
    again = membership.create_invitation(memorial=memorial, role=Role.VIEWER, by=family.owner)
    client.force_login(alice)
    assert client.post(membership.invitation_path(again)).status_code == 302
    assert Membership.objects.get(memorial=memorial, user=alice).role == Role.VIEWER
    # Removed a second time, the newer link no longer lets her in either.
    membership.remove_member(membership=Membership.objects.get(memorial=memorial, user=alice), by=family.owner)
    assert client.post(membership.invitation_path(again)).status_code == 400


def test_a_removed_relative_cannot_rejoin_by_signing_up_again_with_the_same_address(client, family, memorial):
    from tests.conftest import make_user

    invitation = membership.create_invitation(memorial=memorial, role=Role.MANAGER, by=family.owner)
    membership.remove_member(membership=Membership.objects.get(memorial=memorial, user=family.viewer), by=family.owner)
    family.viewer.delete()  # the account goes; the record of the removal stays
    again = make_user("Viewer@Example.com", "Viewer again")
    client.force_login(again)
    assert client.post(membership.invitation_path(invitation)).status_code == 400
    assert not Membership.objects.filter(memorial=memorial, user=again).exists()


def test_the_members_page_shows_which_links_are_still_live(client, family, memorial):
    def invite(**changes):
        made = membership.create_invitation(memorial=memorial, role=Role.VIEWER, by=family.owner, max_uses=3)
        Invitation.objects.filter(pk=made.pk).update(**changes)
        return made

    invite(use_count=1)
    invite(expires_at=timezone.now() - timezone.timedelta(days=1))
    invite(use_count=3)
    invite(revoked_at=timezone.now())
    client.force_login(family.manager)
    page = body(client.get(reverse("memorial:members", args=[memorial.slug])))
    states = re.findall(r'class="invitation invitation-(\w+)', page)
    assert sorted(states) == ["expired", "live", "used_up", "withdrawn"]
    for shown in ("Live", "Expired", "Used up", "Withdrawn", "2 uses left"):
        assert shown in page, shown
    assert page.count('class="invitation-link"') == 1  # only the live link is offered to copy


def test_the_members_page_lists_who_was_removed(client, family, memorial):
    membership.remove_member(membership=Membership.objects.get(memorial=memorial, user=family.viewer), by=family.owner)
    client.force_login(family.owner)
    page = body(client.get(reverse("memorial:members", args=[memorial.slug])))
    assert "Removed" in page and str(family.viewer) in page


def test_an_invitation_does_not_admit_anyone_to_a_memorial_deleted_meanwhile(client, family, memorial, monkeypatch):
    invitation = membership.create_invitation(memorial=memorial, role=Role.CONTRIBUTOR, by=family.owner)
    link = membership.invitation_path(invitation)
    services.delete_memorial(memorial=memorial, by=family.owner)
    client.force_login(family.stranger)
    assert client.get(link).status_code == 400
    assert client.post(link).status_code == 400
    assert not Membership.objects.filter(memorial=memorial, user=family.stranger).exists()

    # Deleted between reading the link and joining: the memorial is read again, locked, and refused.
    services.restore_memorial(memorial=memorial)
    read = membership.invitation_from_token

    def read_then_deleted(token):
        found = read(token)
        Memorial.objects.filter(pk=found.memorial_id).update(deleted_at=timezone.now())
        return found

    monkeypatch.setattr(membership, "invitation_from_token", read_then_deleted)
    with pytest.raises(membership.InvitationError):
        membership.accept_invitation(token=membership.invitation_token(invitation), user=family.stranger)
    assert not Membership.objects.filter(memorial=memorial, user=family.stranger).exists()
    invitation.refresh_from_db()
    assert invitation.use_count == 0


# --- A guest, after a photo was hidden --------------------------------------------------------


def test_hiding_a_photo_hides_its_paintings_everywhere(client, family, memorial, photo, artwork):
    from generation import services as generation_services

    generation_services.publish_artwork(artwork=artwork, by=family.manager)
    slug = memorial.slug
    page_addresses = [
        artwork.get_absolute_url(),
        reverse("generation:memorial_artwork_image", args=[slug, artwork.pk]),
        reverse("generation:memorial_artwork_thumbnail", args=[slug, artwork.pk]),
        reverse("generation:memorial_narration_audio", args=[slug, artwork.pk]),
        reverse("generation:artwork", args=[artwork.pk]),
        reverse("generation:artwork_image", args=[artwork.pk]),
        reverse("generation:artwork_thumbnail", args=[artwork.pk]),
    ]
    api_addresses = [f"{API}/memorials/{slug}/artworks/{artwork.pk}/", f"{API}/artworks/{artwork.pk}/"]
    thumb = reverse("generation:memorial_artwork_thumbnail", args=[slug, artwork.pk])

    def seen_by(user):
        api = APIClient()
        client.logout()
        if user is not None:
            client.force_login(user)
            api.force_login(user)
        answers = [client.get(url).status_code for url in page_addresses]
        answers += [api.get(url).status_code for url in api_addresses]
        listed = [a["id"] for a in api.get(f"{API}/memorials/{slug}/artworks/").json()["results"]]
        in_gallery = thumb in body(client.get(memorial.get_absolute_url()))
        return answers, artwork.pk in listed, in_gallery

    everything = [200] * (len(page_addresses) + len(api_addresses))
    assert seen_by(None) == (everything, True, True)  # and now kept in the guests' memory
    assert seen_by(family.viewer) == (everything, True, True)

    client.force_login(family.manager)
    client.post(reverse("memorial:photo_hide", args=[slug, photo.pk]))
    nothing = [404] * len(everything)
    for who in (None, family.viewer, family.contributor, family.stranger):
        assert seen_by(who) == (nothing, False, False), who
    assert seen_by(family.manager) == (everything, True, True)  # those who see hidden photos

    client.force_login(family.manager)
    client.post(reverse("memorial:photo_show", args=[slug, photo.pk]))
    assert seen_by(None) == (everything, True, True)


# --- Requests made to crash the site ----------------------------------------------------------


@pytest.mark.parametrize(
    "range_header, status",
    [
        ("bytes=" + "9" * 5000 + "-", 416),
        ("bytes=0-" + "9" * 5000, 206),
        ("bytes=-" + "9" * 5000, 206),
        ("bytes=" + "0" * 5000 + "1-2", 206),
        ("bytes=" + "9" * 20 + "-" + "9" * 21, 416),
    ],
)
def test_a_visitor_sending_a_range_of_thousands_of_digits_gets_an_answer(client, photo, range_header, status):
    response = client.get(
        reverse("memorial:memorial_photo_file", args=[photo.album.memorial.slug, photo.pk, "screen"]),
        HTTP_RANGE=range_header,
    )
    assert response.status_code == status


def test_a_family_sending_words_where_ids_belong_gets_a_4xx(client, family, memorial, photo):
    client.force_login(family.owner)
    slug = memorial.slug
    edit = {"full_name": "김영희", "language": "ko", "visibility": "public", "condolence_policy": "open"}
    answers = {
        "cover": client.post(reverse("memorial:edit", args=[slug]), {**edit, "cover_photo": "abc"}),
        "members": client.post(reverse("memorial:members", args=[slug]), {"membership": "abc", "invitation": "x"}),
        "remove": client.post(f"/m/{slug}/members/abc/remove/"),
        "role": client.post(f"/m/{slug}/members/{'9' * 40}/role/", {"role": "viewer"}),
        "withdraw": client.post(f"/m/{slug}/invitations/abc/withdraw/"),
        "photo": client.post(f"/m/{slug}/photos/abc/cover/"),
        "page": client.get(f"/m/{slug}/?page=abc"),
    }
    api = APIClient()
    api.force_login(family.owner)
    answers["api cover"] = api.patch(f"{API}/memorials/{slug}/", {"cover_photo": "abc"}, format="json")
    answers["api invitation"] = api.post(f"{API}/condolences/abc/approve/", {}, format="json")
    assert all(response.status_code < 500 for response in answers.values()), {
        name: response.status_code for name, response in answers.items()
    }
    for name in ("remove", "role", "withdraw", "photo", "api invitation"):
        assert 400 <= answers[name].status_code < 500, name
    memorial.refresh_from_db()
    assert memorial.cover_photo_id is None


def test_the_family_gets_the_mail_whatever_a_name_holds(client, family, memorial, django_capture_on_commit_callbacks):
    # A line break in a name is refused at input, on the page and in the API...
    client.force_login(family.owner)
    form = {"full_name": "Kim\nBcc: everyone@example.com", "language": "en", "visibility": "public"}
    form["condolence_policy"] = "open"
    refused = client.post(reverse("memorial:create"), form)
    assert refused.status_code == 400 and "one line" in body(refused)
    api = APIClient()
    api.force_login(family.owner)
    assert api.post(f"{API}/memorials/", {"full_name": "Kim\r\nX"}, format="json").status_code == 400
    patched = api.patch(f"{API}/memorials/{memorial.slug}/", {"name_other_script": "a\nb"}, format="json")
    assert patched.status_code == 400 and "one line" in str(patched.json())
    assert (
        api.patch(f"{API}/memorials/{memorial.slug}/", {"place": "Seoul\u2028Busan"}, format="json").status_code == 400
    )

    # ... and one stored before that rule still makes a one-line subject when a guest writes.
    Memorial.objects.filter(pk=memorial.pk).update(full_name="Kim\nBcc: everyone@example.com")
    guest = APIClient()
    with django_capture_on_commit_callbacks(execute=True):
        response = guest.post(
            f"{API}/memorials/{memorial.slug}/condolences/", {"message": "With love.", "guest_name": "Min"}
        )
    assert response.status_code == 201
    assert mail.outbox and all("\n" not in message.subject for message in mail.outbox)
    assert "Kim Bcc: everyone@example.com" in mail.outbox[0].subject
    # A guest's name is one line too.
    refused = guest.post(f"{API}/memorials/{memorial.slug}/condolences/", {"message": "Hi.", "guest_name": "M\nX"})
    assert refused.status_code == 400


# --- A manager deciding on a message ------------------------------------------------------------


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/m/", "http://evil.example", "javascript:alert(1)", "///evil.example"],
)
def test_a_decision_never_sends_the_manager_to_another_site(client, family, memorial, next_url):
    condolence = condolences.leave_condolence(memorial=memorial, message="Rest well.", guest_name="Min")
    client.force_login(family.manager)
    response = client.post(reverse("memorial:condolence_hide", args=[memorial.slug, condolence.pk]), {"next": next_url})
    assert response.status_code == 302
    assert response["Location"] == memorial.get_absolute_url() + "#condolences"


def test_a_decision_sends_the_manager_back_to_the_queue_on_this_site(client, family, memorial):
    condolence = condolences.leave_condolence(memorial=memorial, message="Rest well.", guest_name="Min")
    client.force_login(family.manager)
    queue = reverse("memorial:moderation", args=[memorial.slug])
    response = client.post(reverse("memorial:condolence_approve", args=[memorial.slug, condolence.pk]), {"next": queue})
    assert response.status_code == 302 and response["Location"] == queue


def test_staff_see_who_was_removed_and_each_link_s_state_in_the_admin(client, family, memorial):
    from tests.conftest import make_user

    membership.remove_member(membership=Membership.objects.get(memorial=memorial, user=family.viewer), by=family.owner)
    membership.create_invitation(memorial=memorial, role=Role.VIEWER, by=family.owner)
    client.force_login(make_user("admin@example.com", "Admin", is_staff=True, is_superuser=True))
    removals = client.get(reverse("admin:memorial_removal_changelist"))
    assert removals.status_code == 200 and "1 removal" in body(removals)
    removal = Removal.objects.get()
    assert client.get(reverse("admin:memorial_removal_change", args=[removal.pk])).status_code == 200
    invitations = client.get(reverse("admin:memorial_invitation_changelist"))
    assert invitations.status_code == 200 and "Live" in body(invitations)
