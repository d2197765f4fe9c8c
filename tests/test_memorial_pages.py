"""Memorial pages as families and guests use them."""

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse

from memorial import condolences as condolence_service
from memorial import membership as membership_service
from memorial import page_cache, services
from memorial import photos as photo_service
from memorial.models import (
    Condolence,
    Invitation,
    Membership,
    Memorial,
    ModerationAction,
    Offering,
    Photo,
    TimelineEvent,
)
from tests.conftest import jpeg_upload, make_user, paint

pytestmark = pytest.mark.django_db


def page(client, memorial, **params):
    return client.get(memorial.get_absolute_url(), params)


def test_an_owner_creates_a_memorial_with_a_korean_name_and_partial_dates(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("memorial:create"),
        {
            "full_name": "김순자",
            "name_other_script": "Kim Soon-ja",
            "born": "1942",
            "died": "2024-03-05",
            "place": "부산",
            "life_story": "평생 **바다**를 사랑하셨습니다.",
            "language": "ko",
            "visibility": "public",
            "condolence_policy": "open",
        },
    )
    memorial = Memorial.objects.get()
    assert response.status_code == 302 and response["Location"] == memorial.get_absolute_url()
    assert memorial.slug.startswith("김순자-")
    assert (memorial.born_on, memorial.born_precision) == (datetime.date(1942, 1, 1), "year")
    assert Membership.objects.get(memorial=memorial).role == "owner"
    html = page(client, memorial).content.decode()
    assert "김순자" in html and "Kim Soon-ja" in html and "1942" in html
    assert "<strong>바다</strong>" in html


def test_a_date_of_death_before_birth_is_refused(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("memorial:create"),
        {
            "full_name": "A",
            "born": "1990",
            "died": "1980",
            "language": "en",
            "visibility": "public",
            "condolence_policy": "open",
        },
    )
    assert response.status_code == 400
    assert "before the date of birth" in response.content.decode()
    assert not Memorial.objects.exists()


def test_the_life_story_never_carries_raw_html(client, family):
    memorial = family.memorial(
        life_story='Loved <script>alert("x")</script> the sea. <img src=x onerror=alert(1)> [site](javascript:alert(1)) **always**'
    )
    html = page(client, memorial).content.decode()
    assert "<script>alert" not in html and "onerror" not in html and "javascript:" not in html
    assert "<strong>always</strong>" in html


def test_a_private_memorial_is_404_to_strangers_and_guests(client, family):
    memorial = family.memorial("private")
    assert page(client, memorial).status_code == 404
    client.force_login(family.stranger)
    assert page(client, memorial).status_code == 404
    client.force_login(family.viewer)
    response = page(client, memorial)
    assert response.status_code == 200
    assert 'content="noindex' in response.content.decode()
    assert "og:title" not in response.content.decode()  # no link preview for private pages


def test_an_unlisted_memorial_opens_by_link_but_is_not_indexed(client, family):
    memorial = family.memorial("unlisted")
    html = page(client, memorial).content.decode()
    assert 'name="robots" content="noindex' in html
    assert "og:title" in html


def test_a_public_memorial_has_link_previews_and_is_indexable(client, family):
    memorial = family.memorial("public")
    album = memorial.albums.get()
    photo, _ = photo_service.add_photo(album=album, upload=jpeg_upload(), by=family.owner)
    services.update_memorial(memorial=memorial, cover_photo=photo)
    html = page(client, memorial).content.decode()
    assert "noindex" not in html
    assert 'property="og:title"' in html and "twitter:card" in html and "og:image" in html


def test_an_editor_adds_timeline_events(client, family):
    memorial = family.memorial()
    client.force_login(family.manager)
    response = client.post(
        reverse("memorial:timeline_add", args=[memorial.slug]), {"kind": "married", "when": "1968-05", "title": "결혼"}
    )
    assert response.status_code == 302
    event = TimelineEvent.objects.get()
    assert (event.happened_on, event.precision) == (datetime.date(1968, 5, 1), "month")
    assert "결혼" in page(client, memorial).content.decode()
    client.force_login(family.contributor)
    assert (
        client.post(
            reverse("memorial:timeline_add", args=[memorial.slug]), {"kind": "moved", "when": "1970"}
        ).status_code
        == 403
    )


def test_a_contributor_uploads_several_photos_at_once_and_a_duplicate_is_not_stored(client, family):
    memorial = family.memorial()
    album = memorial.albums.get()
    client.force_login(family.contributor)
    url = reverse("memorial:upload", args=[memorial.slug, album.pk])
    files = [
        jpeg_upload("a.jpg", color=(10, 20, 30)),
        jpeg_upload("b.jpg", color=(200, 20, 30)),
        jpeg_upload("c.jpg", color=(10, 200, 30)),
    ]
    assert client.post(url, {"files": files}).status_code == 302
    assert Photo.objects.count() == 3
    response = client.post(url, {"files": [jpeg_upload("again.jpg", color=(10, 20, 30))]}, follow=True)
    assert Photo.objects.count() == 3
    assert "already in this album" in response.content.decode()


def test_a_broken_upload_is_refused_with_a_message_and_nothing_is_stored(client, family, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    memorial = family.memorial()
    album = memorial.albums.get()
    client.force_login(family.contributor)
    response = client.post(
        reverse("memorial:upload", args=[memorial.slug, album.pk]),
        {"files": [SimpleUploadedFile("note.jpg", b"this is not a picture", content_type="image/jpeg")]},
    )
    assert response.status_code == 400
    assert "note.jpg" in response.content.decode()
    assert not Photo.objects.exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))
    private = settings.PRIVATE_MEDIA_ROOT
    assert not private.exists() or not any(p.is_file() for p in private.rglob("*"))


def test_photo_files_follow_the_memorials_visibility(client, family):
    memorial = family.memorial("private")
    photo, _ = photo_service.add_photo(album=memorial.albums.get(), upload=jpeg_upload(), by=family.owner)
    thumb = reverse("memorial:photo_file", args=[photo.pk, "thumb"])
    assert client.get(thumb).status_code == 404
    client.force_login(family.viewer)
    response = client.get(thumb)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"].startswith("private")
    # A public memorial's photos may be kept by shared caches for a minute only: it may turn private.
    services.update_memorial(memorial=memorial, visibility="public")
    assert client.get(thumb)["Cache-Control"] == "public, max-age=3600, s-maxage=60"


def test_a_hidden_photo_is_gone_for_viewers_but_not_for_moderators(client, family):
    memorial = family.memorial()
    photo, _ = photo_service.add_photo(album=memorial.albums.get(), upload=jpeg_upload(), by=family.owner)
    client.force_login(family.manager)
    client.post(reverse("memorial:photo_hide", args=[memorial.slug, photo.pk]))
    photo.refresh_from_db()
    assert photo.hidden
    assert ModerationAction.objects.get().action == "hide_photo"
    assert client.get(reverse("memorial:photo_file", args=[photo.pk, "screen"])).status_code == 200
    client.force_login(family.viewer)
    assert client.get(reverse("memorial:photo_file", args=[photo.pk, "screen"])).status_code == 404
    assert client.get(photo.get_absolute_url()).status_code == 404


def test_only_managers_download_the_original(client, family):
    memorial = family.memorial()
    upload = jpeg_upload("IMG_0001.jpg")
    photo, _ = photo_service.add_photo(album=memorial.albums.get(), upload=upload, by=family.owner)
    url = reverse("memorial:photo_original", args=[photo.pk])
    client.force_login(family.contributor)
    assert client.get(url).status_code == 403
    client.force_login(family.manager)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert "IMG_0001.jpg" in response["Content-Disposition"]
    upload.seek(0)
    assert b"".join(response.streaming_content) == upload.read()


def test_a_relative_joins_by_invitation_link(client, family):
    memorial = family.memorial("private")
    client.force_login(family.manager)
    client.post(
        reverse("memorial:invitation_create", args=[memorial.slug]),
        {"role": "contributor", "days": 7, "max_uses": 1},
    )
    invitation = Invitation.objects.get()
    link = membership_service.invitation_path(invitation)
    # The link is signed with the time it was made, so the page's own may be a second newer: it
    # must be a link to this invitation all the same.
    members_page = client.get(reverse("memorial:members", args=[memorial.slug])).content.decode()
    shown = re.findall(r"/invite/([^/\"]+)/", members_page)
    assert [membership_service.invitation_from_token(token).pk for token in shown] == [invitation.pk]

    cousin = make_user("cousin@example.com", "사촌")
    client.force_login(cousin)
    assert "김순자" in client.get(link).content.decode()
    assert client.post(link).status_code == 302
    assert Membership.objects.get(memorial=memorial, user=cousin).role == "contributor"
    assert page(client, memorial).status_code == 200

    # The link allowed one person: the next one is told so.
    other = make_user("other@example.com", "Other")
    client.force_login(other)
    response = client.post(link)
    assert response.status_code == 400 and "used as many times" in response.content.decode()
    assert not Membership.objects.filter(user=other).exists()


def test_a_withdrawn_expired_or_forged_invitation_is_refused(client, family):
    memorial = family.memorial("private")
    invitation = membership_service.create_invitation(memorial=memorial, role="viewer", by=family.owner)
    link = membership_service.invitation_path(invitation)
    membership_service.revoke_invitation(invitation=invitation)
    client.force_login(family.stranger)
    assert "withdrawn" in client.post(link).content.decode()
    expired = membership_service.create_invitation(memorial=memorial, role="viewer", by=family.owner)
    Invitation.objects.filter(pk=expired.pk).update(expires_at=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC))
    assert "expired" in client.post(membership_service.invitation_path(expired)).content.decode()
    assert client.post(link[:-6] + "abcde/").status_code == 400
    assert not Membership.objects.filter(user=family.stranger).exists()


def test_an_invitation_needs_an_account(client, family):
    memorial = family.memorial("private")
    invitation = membership_service.create_invitation(memorial=memorial, role="viewer", by=family.owner)
    response = client.post(membership_service.invitation_path(invitation))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_the_owner_hands_the_memorial_over(client, family):
    memorial = family.memorial()
    manager_membership = Membership.objects.get(memorial=memorial, user=family.manager)
    client.force_login(family.manager)
    client.post(reverse("memorial:member_make_owner", args=[memorial.slug, manager_membership.pk]))
    assert Membership.objects.get(memorial=memorial, user=family.manager).role == "manager"  # managers cannot
    client.force_login(family.owner)
    client.post(reverse("memorial:member_make_owner", args=[memorial.slug, manager_membership.pk]))
    roles = dict(Membership.objects.filter(memorial=memorial).values_list("user__email", "role"))
    assert roles["manager@example.com"] == "owner" and roles["owner@example.com"] == "manager"


def test_a_guest_leaves_a_condolence_on_a_public_memorial(client, family, django_capture_on_commit_callbacks):
    memorial = family.memorial()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("memorial:condole", args=[memorial.slug]),
            {"guest_name": "이웃 박씨", "message": "삼가 고인의 명복을 빕니다."},
            follow=True,
        )
    condolence = Condolence.objects.get()
    assert condolence.status == "published" and condolence.guest_name == "이웃 박씨"
    assert "삼가 고인의 명복을 빕니다." in response.content.decode()
    # The owner and the manager are told by e-mail.
    assert sorted(m.to[0] for m in mail.outbox) == ["manager@example.com", "owner@example.com"]


def test_a_guest_cannot_leave_a_condolence_on_a_private_memorial(client, family):
    memorial = family.memorial("private")
    assert (
        client.post(reverse("memorial:condole", args=[memorial.slug]), {"guest_name": "X", "message": "Hi"}).status_code
        == 404
    )
    assert not Condolence.objects.exists()


def test_a_guest_must_give_a_name_and_bots_filling_the_honeypot_are_refused(client, family):
    memorial = family.memorial()
    url = reverse("memorial:condole", args=[memorial.slug])
    client.post(url, {"guest_name": "", "message": "Sorry for your loss"})
    client.post(url, {"guest_name": "Bot", "message": "Sorry for your loss", "website": "http://spam.example"})
    assert not Condolence.objects.exists()


def test_a_guest_is_rate_limited_on_their_own(client, family, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "condolence": {"person": 20, "visitor": 2, "network": 100}}
    memorial = family.memorial()
    url = reverse("memorial:condole", args=[memorial.slug])
    for n in range(4):
        response = client.post(url, {"guest_name": "Guest", "message": f"Message {n}"})
    assert Condolence.objects.count() == 2
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "several messages in a short time" in response.content.decode()


@pytest.mark.parametrize(
    "message",
    [
        "Watch the funeral livestream here",
        "See www.example-stream.com for the service",
        "Please donate to help the family",
        "Send to my card 4111 1111 1111 1111 thanks",
        "부의금은 계좌로 보내주세요 110-123-456789",
    ],
)
def test_messages_that_look_like_scams_wait_for_a_person(family, message):
    memorial = family.memorial()
    condolence = condolence_service.leave_condolence(memorial=memorial, message=message, guest_name="Someone")
    assert condolence.status == "pending" and condolence.held_reason


def test_with_approval_on_messages_wait_and_a_manager_approves(client, family):
    memorial = family.memorial(condolence_policy="approval")
    client.post(
        reverse("memorial:condole", args=[memorial.slug]), {"guest_name": "Guest", "message": "Thinking of you all."}
    )
    condolence = Condolence.objects.get()
    assert condolence.status == "pending"
    assert "Thinking of you all." not in page(client, memorial).content.decode()
    client.force_login(family.manager)
    assert "Thinking of you all." in client.get(reverse("memorial:moderation", args=[memorial.slug])).content.decode()
    client.post(reverse("memorial:condolence_approve", args=[memorial.slug, condolence.pk]))
    condolence.refresh_from_db()
    assert condolence.status == "published" and condolence.decided_by == family.manager
    assert ModerationAction.objects.get().action == "approve_condolence"
    client.logout()
    assert "Thinking of you all." in page(client, memorial).content.decode()


def test_reported_messages_are_hidden_after_the_threshold(family, settings):
    settings.CONDOLENCE_REPORT_THRESHOLD = 2
    memorial = family.memorial()
    condolence = condolence_service.leave_condolence(memorial=memorial, message="Rude words", guest_name="Troll")
    assert condolence_service.report(condolence=condolence, reporter_key="a")
    assert not condolence_service.report(condolence=condolence, reporter_key="a")  # once per visitor
    condolence.refresh_from_db()
    assert condolence.status == "published"
    condolence_service.report(condolence=condolence, reporter_key="b")
    condolence.refresh_from_db()
    assert condolence.status == "hidden" and condolence.report_count == 2


def test_a_visitor_lights_one_candle_and_lays_one_flower_a_day(client, family):
    memorial = family.memorial()
    url = reverse("memorial:offer", args=[memorial.slug])
    page(client, memorial)  # the guest's browser is known by the cookie the page gives it
    for _ in range(3):
        client.post(url, {"kind": "candle"})
    client.post(url, {"kind": "flower"})
    assert Offering.objects.filter(kind="candle").count() == 1
    assert Offering.objects.filter(kind="flower").count() == 1
    client.force_login(family.viewer)
    client.post(url, {"kind": "candle"})
    html = page(client, memorial).content.decode()
    assert "2 candles" in html and "1 flower" in html
    assert client.post(url, {"kind": "fireworks"}).status_code == 400


def test_the_qr_code_points_at_the_memorial(client, family, settings):
    settings.SITE_URL = "https://memoria.example.org"
    memorial = family.memorial()
    png = client.get(reverse("memorial:qr", args=[memorial.slug, "png"]))
    assert png.status_code == 200 and png["Content-Type"] == "image/png" and png.content[:4] == b"\x89PNG"
    svg = client.get(reverse("memorial:qr", args=[memorial.slug, "svg"]))
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    assert client.get(reverse("memorial:qr", args=[memorial.slug, "pdf"])).status_code == 404


def test_the_dashboard_lists_my_memorials(client, family):
    family.memorial(full_name="김순자")
    family.memorial(full_name="John Smith", visibility="private")
    client.force_login(family.viewer)
    html = client.get(reverse("memorial:dashboard")).content.decode()
    assert "김순자" in html and "John Smith" in html
    client.force_login(family.stranger)
    assert "김순자" not in client.get(reverse("memorial:dashboard")).content.decode()


def _fill(memorial, family, *, photos, condolences, events):
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    album = memorial.albums.get()
    for n in range(photos):
        buffer = BytesIO()
        Image.new("RGB", (16, 16), (n % 256, (n * 7) % 256, (n * 13) % 256)).save(buffer, "PNG")
        photo_service.add_photo(album=album, upload=SimpleUploadedFile(f"{n}.png", buffer.getvalue()), by=family.owner)
    Condolence.objects.bulk_create(
        [Condolence(memorial=memorial, guest_name=f"Guest {n}", message=f"Message {n}") for n in range(condolences)]
    )
    TimelineEvent.objects.bulk_create(
        [
            TimelineEvent(memorial=memorial, kind="other", happened_on=datetime.date(1950 + n, 1, 1), title=f"E{n}")
            for n in range(events)
        ]
    )


@pytest.mark.parametrize("who", ["anonymous", "manager"])
def test_the_memorial_page_runs_the_same_queries_however_full_it_is(client, family, django_assert_num_queries, who):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    small, big = family.memorial(full_name="Small"), family.memorial(full_name="Big")
    _fill(small, family, photos=1, condolences=1, events=1)
    _fill(big, family, photos=60, condolences=300, events=20)
    if who != "anonymous":
        client.force_login(family.user(who))
    page(client, small)  # warm the session
    cache.clear()  # measure the whole rendering, not the guests' cached page
    page_cache.forget_everything()
    with CaptureQueriesContext(connection) as few:
        assert page(client, small).status_code == 200
    cache.clear()
    page_cache.forget_everything()
    with django_assert_num_queries(len(few.captured_queries)):
        response = page(client, big)
    assert response.status_code == 200
    assert response.content.decode().count('class="condolence') >= 30


def test_deleting_a_memorial_hides_it_then_destroys_it_with_its_files(
    client, family, style, settings, django_capture_on_commit_callbacks
):
    import datetime as dt

    from django.utils import timezone

    memorial = family.memorial()
    photo, _ = photo_service.add_photo(album=memorial.albums.get(), upload=jpeg_upload(), by=family.owner)
    paint(photo, style, family.owner)  # a painting, its words and its recording: files to destroy too

    def files():
        return sorted(
            p for root in (settings.MEDIA_ROOT, settings.PRIVATE_MEDIA_ROOT) for p in root.rglob("*") if p.is_file()
        )

    assert len(files()) == 6  # original, screen, thumbnail, painting, its thumbnail, recording

    client.force_login(family.manager)
    assert (
        client.post(reverse("memorial:delete", args=[memorial.slug]), {"confirm_name": memorial.full_name}).status_code
        == 403
    )
    client.force_login(family.owner)
    response = client.post(reverse("memorial:delete", args=[memorial.slug]), {"confirm_name": "wrong"})
    assert response.status_code == 400
    client.post(reverse("memorial:delete", args=[memorial.slug]), {"confirm_name": memorial.full_name})
    # Hidden at once, from everyone, with everything in it; kept for restoring.
    for who in ("owner", "viewer", "anonymous"):
        client.logout()
        if family.user(who):
            client.force_login(family.user(who))
        assert page(client, memorial).status_code == 404
        assert client.get(reverse("memorial:photo_file", args=[photo.pk, "thumb"])).status_code == 404
    assert len(files()) == 6
    client.force_login(family.owner)
    assert "Recently deleted" in client.get(reverse("memorial:dashboard")).content.decode()
    client.post(reverse("memorial:restore", args=[memorial.slug]))
    assert page(client, memorial).status_code == 200

    services.delete_memorial(memorial=memorial, by=family.owner)
    assert services.purge_deleted_memorials() == []  # not before the days are up
    later = timezone.now() + dt.timedelta(days=settings.MEMORIAL_RESTORE_DAYS + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.purge_deleted_memorials(now=later) == [memorial.pk]
    assert not Memorial.objects.exists() and not Photo.objects.exists()
    assert files() == []


def test_too_many_photos_in_one_upload_are_refused_with_a_message(client, family, settings):
    settings.PHOTO_MAX_FILES_PER_UPLOAD = 2
    memorial = family.memorial()
    client.force_login(family.contributor)
    files = [jpeg_upload(f"{n}.jpg", color=(n * 70, 10, 10)) for n in range(3)]
    response = client.post(reverse("memorial:upload", args=[memorial.slug, memorial.albums.get().pk]), {"files": files})
    assert response.status_code == 400 and "at most 2 photos at a time" in response.content.decode()
    assert not Photo.objects.exists()


def test_guests_get_a_cached_page_that_is_never_stale(
    family, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    from django.test import Client

    memorial = family.memorial(condolence_policy="approval")
    _fill(memorial, family, photos=3, condolences=2, events=2)
    guest = Client(enforce_csrf_checks=True)
    first = page(guest, memorial).content.decode()
    with django_assert_max_num_queries(3):  # the memorial, the offering counts, the session
        again = page(guest, memorial)
    assert again.content.decode().count("Message 1") == first.count("Message 1") == 1

    # The cached page's forms carry this guest's own token: posting from it works.
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', again.content.decode()).group(1)
    assert token != page_cache.CSRF_PLACEHOLDER
    response = guest.post(
        reverse("memorial:offer", args=[memorial.slug]), {"kind": "candle", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    # A candle shows at once, and an approved message as soon as it is approved.
    guest.cookies.pop("messages", None)
    assert "1 candle" in page(guest, memorial).content.decode()
    condolence = condolence_service.leave_condolence(memorial=memorial, message="A new message", guest_name="Guest")
    assert "A new message" not in page(guest, memorial).content.decode()
    condolence_service.approve(condolence=condolence, by=family.manager)
    assert "A new message" in page(guest, memorial).content.decode()
