"""Comments on shared memories: guests and the family write under a photo or a painting, with the
guestbook's rules (approval, the scam rule, weighted reports, rate limits), and nothing of a
hidden photo or an unpublished painting reaches those who cannot see it."""

import json
import zipfile

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from memorial import comments, export
from memorial import tasks as export_tasks
from memorial.models import Comment, CondolencePolicy

pytestmark = pytest.mark.django_db

HALL = "203.0.113.7"  # one funeral hall's Wi-Fi


def guest(address=HALL):
    return Client(REMOTE_ADDR=address)


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def comment_on_photo(client, photo, text, name="Guest"):
    url = reverse("memorial:photo_comment", args=[photo.album.memorial.slug, photo.pk])
    return client.post(url, {"guest_name": name, "message": text})


def photo_page(client, photo):
    return client.get(photo.get_absolute_url())


def report(client, comment, reason=""):
    url = reverse("memorial:comment_report", args=[comment.memorial.slug, comment.pk])
    return client.post(url, {"reason": reason})


def test_a_guest_comments_on_a_photo_and_the_family_sees_it(family, photo, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = comment_on_photo(guest(), photo, "할머니 웃음이 그대로네요.", name="이웃 박씨")
    assert response.status_code == 302 and response.url.endswith("#comments")
    page = photo_page(signed_in(family.manager), photo).content.decode()
    assert "할머니 웃음이 그대로네요." in page and "이웃 박씨" in page
    assert "할머니 웃음이 그대로네요." in photo_page(guest("198.51.100.1"), photo).content.decode()
    # The owner and the manager were told, in one e-mail each, with a link to the photo.
    assert sorted(m.to[0] for m in mail.outbox) == ["manager@example.com", "owner@example.com"]
    assert photo.get_absolute_url() in mail.outbox[0].body


def test_the_gallery_counts_each_photos_comments(family, memorial, photo):
    comments.leave_comment(target=photo, memorial=memorial, message="Lovely", guest_name="A")
    comments.leave_comment(target=photo, memorial=memorial, message="So young here", guest_name="B")
    page = guest().get(memorial.get_absolute_url()).content.decode()
    assert "2 comments" in page
    album = guest().get(photo.album.get_absolute_url()).content.decode()
    assert "2 comments" in album


def test_a_comment_on_a_hidden_photo_is_not_reachable(family, memorial, photo):
    comment = comments.leave_comment(target=photo, memorial=memorial, message="Kind words", guest_name="G")
    photo.hidden = True
    photo.save()
    slug = memorial.slug
    api = APIClient()
    assert photo_page(guest(), photo).status_code == 404
    assert comment_on_photo(guest(), photo, "Another").status_code == 404
    assert report(guest(), comment).status_code == 404
    assert api.get(f"/api/v1/memorials/{slug}/photos/{photo.pk}/comments/").status_code == 404
    assert api.post(f"/api/v1/memorials/{slug}/comments/{comment.pk}/report/", {}).status_code == 404
    assert Comment.objects.count() == 1
    # A viewer of the family does not see hidden photos either; the managers do, with the comment.
    assert photo_page(signed_in(family.viewer), photo).status_code == 404
    assert "Kind words" in photo_page(signed_in(family.manager), photo).content.decode()


def test_a_private_memorials_comments_are_not_reachable_by_strangers(family, private_memorial):
    from tests.conftest import add_photo

    photo = add_photo(private_memorial, family.contributor)
    comment = comments.leave_comment(target=photo, memorial=private_memorial, message="Ours", author=family.viewer)
    stranger = signed_in(family.stranger)
    slug = private_memorial.slug
    assert stranger.get(f"/api/v1/memorials/{slug}/photos/{photo.pk}/comments/").status_code == 404
    assert report(stranger, comment).status_code == 404
    assert comment_on_photo(stranger, photo, "Hello").status_code == 404
    member = APIClient()
    member.force_login(family.contributor)
    listed = member.get(f"/api/v1/memorials/{slug}/photos/{photo.pk}/comments/").json()
    assert [c["message"] for c in listed["results"]] == ["Ours"]


def test_three_anonymous_reports_from_one_network_do_not_hide_a_comment(family, memorial, photo, settings):
    settings.CONDOLENCE_REPORT_THRESHOLD = 2
    comment = comments.leave_comment(target=photo, memorial=memorial, message="Hello", guest_name="G")
    for _ in range(3):
        phone = guest()
        photo_page(phone, photo)  # each phone gets its own visitor cookie
        assert report(phone, comment, "spam").status_code == 302
    comment.refresh_from_db()
    assert comment.status == "published" and comment.report_count == 3
    # A member of the family weighs more: now it is hidden until a manager decides.
    report(signed_in(family.viewer), comment)
    comment.refresh_from_db()
    assert comment.status == "hidden"
    assert "Hello" not in photo_page(guest("198.51.100.2"), photo).content.decode()
    # The manager restores it; the reports it answered never count again.
    manager = signed_in(family.manager)
    manager.post(reverse("memorial:comment_restore", args=[memorial.slug, comment.pk]))
    report(guest("198.51.100.3"), comment)
    comment.refresh_from_db()
    assert comment.status == "published"
    assert "Hello" in photo_page(guest("198.51.100.4"), photo).content.decode()


def test_a_comment_with_an_account_number_waits_for_the_family(family, memorial, photo):
    comment_on_photo(guest(), photo, "부의금은 국민은행 123456-78-901234 계좌로 보내주세요", name="사칭")
    comment = Comment.objects.get()
    assert comment.status == "pending" and comment.held_reason
    assert "국민은행" not in photo_page(guest("198.51.100.5"), photo).content.decode()
    manager = signed_in(family.manager)
    queue = manager.get(reverse("memorial:moderation", args=[memorial.slug])).content.decode()
    assert "국민은행" in queue and photo.get_absolute_url() in queue
    manager.post(reverse("memorial:comment_reject", args=[memorial.slug, comment.pk]))
    comment.refresh_from_db()
    assert comment.status == "rejected"
    assert "국민은행" not in manager.get(reverse("memorial:moderation", args=[memorial.slug])).content.decode()


def test_where_the_family_approves_first_a_comment_waits(family, memorial, photo):
    memorial.condolence_policy = CondolencePolicy.APPROVAL
    memorial.save()
    comment_on_photo(guest(), photo, "Thinking of you all")
    comment = Comment.objects.get()
    assert comment.status == "pending"
    assert "Thinking of you all" not in photo_page(guest("198.51.100.6"), photo).content.decode()
    signed_in(family.manager).post(reverse("memorial:comment_approve", args=[memorial.slug, comment.pk]))
    assert "Thinking of you all" in photo_page(guest("198.51.100.7"), photo).content.decode()


def test_a_viewer_cannot_approve_or_hide_a_comment(family, memorial, photo):
    comment = comments.leave_comment(target=photo, memorial=memorial, message="Hi", guest_name="G")
    viewer = signed_in(family.viewer)
    assert viewer.post(reverse("memorial:comment_hide", args=[memorial.slug, comment.pk])).status_code == 403
    comment.refresh_from_db()
    assert comment.status == "published"


def test_a_guest_cannot_comment_without_a_name_or_too_often(family, memorial, photo, settings):
    assert comment_on_photo(guest(), photo, "No name", name="").status_code == 302
    assert not Comment.objects.exists()
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "condolence": {"person": 20, "visitor": 2, "window": 3600}}
    phone = guest("198.51.100.8")
    photo_page(phone, photo)
    for n in range(2):
        assert comment_on_photo(phone, photo, f"Message {n}").status_code == 302
    assert comment_on_photo(phone, photo, "One too many").status_code == 429
    assert Comment.objects.count() == 2


def test_comments_on_a_painting_appear_once_it_is_published(family, memorial, artwork):
    slug = memorial.slug
    api = APIClient()
    comments_url = f"/api/v1/memorials/{slug}/artworks/{artwork.pk}/comments/"
    # Not yet published: the family's own; a guest finds nothing to comment on.
    assert api.get(comments_url).status_code == 404
    assert api.post(comments_url, {"guest_name": "G", "message": "Beautiful"}).status_code == 404
    member = APIClient()
    member.force_login(family.viewer)
    assert member.post(comments_url, {"message": "엄마가 좋아하셨을 그림"}).status_code == 201
    artwork.published = True
    artwork.save()
    page = Client().get(artwork.get_absolute_url()).content.decode()
    assert "엄마가 좋아하셨을 그림" in page
    created = api.post(comments_url, {"guest_name": "Friend", "message": "Beautiful"})
    assert created.status_code == 201 and created.json()["status"] == "published"
    assert [c["message"] for c in api.get(comments_url).json()["results"]] == ["엄마가 좋아하셨을 그림", "Beautiful"]
    gallery = Client().get(memorial.get_absolute_url()).content.decode()
    assert "2 comments" in gallery


def test_a_guest_comments_on_a_painting_from_its_page(family, memorial, artwork):
    artwork.published = True
    artwork.save()
    url = reverse("generation:memorial_artwork_comment", args=[memorial.slug, artwork.pk])
    response = guest().post(url, {"guest_name": "Cousin", "message": "I remember this day"})
    assert response.status_code == 302 and response.url == artwork.get_absolute_url() + "#comments"
    assert "I remember this day" in guest("198.51.100.9").get(artwork.get_absolute_url()).content.decode()


def test_a_manager_hides_and_restores_a_comment_through_the_api(family, memorial, photo):
    comment = comments.leave_comment(target=photo, memorial=memorial, message="Off topic", guest_name="G")
    manager = APIClient()
    manager.force_login(family.manager)
    base = f"/api/v1/memorials/{memorial.slug}/comments/{comment.pk}"
    assert APIClient().post(f"{base}/hide/", {}).status_code == 401
    hidden = manager.post(f"{base}/hide/", {"note": "off topic"})
    assert hidden.status_code == 200 and hidden.json()["status"] == "hidden"
    listed = APIClient().get(f"/api/v1/memorials/{memorial.slug}/photos/{photo.pk}/comments/").json()
    assert listed["results"] == []
    assert manager.post(f"{base}/approve/", {}).json()["status"] == "published"
    reported = APIClient().post(f"{base}/report/", {"reason": "spam"})
    assert reported.status_code == 201 and reported.json() == {"counted": True}


def test_the_site_moderators_approve_comments_in_the_admin(family, memorial, photo, admin_client):
    comment_on_photo(guest(), photo, "Visit www.example.com for the livestream")
    comment = Comment.objects.get()
    assert comment.status == "pending"
    response = admin_client.post(
        reverse("admin:memorial_comment_changelist"), {"action": "approve", "_selected_action": [comment.pk]}
    )
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.status == "published"
    assert admin_client.get(reverse("admin:memorial_comment_change", args=[comment.pk])).status_code == 200


def test_the_download_of_all_memories_keeps_the_published_comments(family, memorial, artwork):
    photo = artwork.photo
    comments.leave_comment(target=photo, memorial=memorial, message="On the photo", guest_name="A")
    comments.leave_comment(target=artwork, memorial=memorial, message="On the painting", author=family.viewer)
    held = comments.leave_comment(target=photo, memorial=memorial, message="Held one", guest_name="B")
    comments.hide(comment=held, by=family.manager)
    job = export.request_export(memorial=memorial, by=family.owner)
    assert export_tasks.build_export(job.pk) == "succeeded"
    job.refresh_from_db()
    with zipfile.ZipFile(job.file.open("rb")) as archive:
        data = json.loads(archive.read("memorial.json"))
    shown = data["albums"][0]["photos"][0]
    assert [c["message"] for c in shown["comments"]] == ["On the photo"]
    assert [c["message"] for c in data["artworks"][0]["comments"]] == ["On the painting"]
