"""Moderators keep the site clean in the Django admin, and every step they take is on the record."""

import datetime
import os

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from memorial import condolences, membership, services
from memorial.models import (
    Condolence,
    CondolenceReport,
    Invitation,
    Membership,
    Memorial,
    ModerationAction,
    Offering,
    Photo,
    TimelineEvent,
    Visibility,
)
from tests.conftest import make_user


@pytest.fixture
def private_media(settings):
    """Originals go to the test's own folder (tests/conftest.py moves PRIVATE_MEDIA_ROOT)."""
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture
def memorial(alice):
    memorial = services.create_memorial(
        by=alice, full_name="김영희", name_other_script="Kim Young-hee", visibility=Visibility.PUBLIC
    )
    services.add_timeline_event(
        memorial=memorial, kind=TimelineEvent.Kind.BORN, happened_on=datetime.date(1940, 3, 1), precision="day"
    )
    return memorial


@pytest.fixture
def condolence(memorial):
    return condolences.leave_condolence(memorial=memorial, message="할머니, 편히 쉬세요.", guest_name="이민호")


def make_photo(memorial, by, n=1) -> Photo:
    album = memorial.albums.first()
    photo = Photo(
        album=album,
        caption=f"바닷가에서 {n}",
        uploaded_by=by,
        sha256=f"{n:064x}",
        original_format="JPEG",
        original_size=4,
        original_name=f"IMG_{n}.jpg",
        width=4000,
        height=3000,
        screen_width=1600,
        screen_height=1200,
        thumbnail_width=320,
        thumbnail_height=240,
    )
    photo.original.save("IMG.jpg", ContentFile(b"orig"), save=False)
    photo.screen.save("screen.jpg", ContentFile(b"screen"), save=False)
    photo.thumbnail.save("thumb.jpg", ContentFile(b"thumb"), save=False)
    photo.save()
    return photo


@pytest.fixture
def photo(memorial, alice, private_media):
    return make_photo(memorial, alice)


@pytest.fixture
def everything(memorial, condolence, photo, alice):
    """One of each record the admin shows."""
    bob = make_user("bob@example.com", "Bob")
    Membership.objects.create(memorial=memorial, user=bob, role="viewer")
    membership.create_invitation(memorial=memorial, role="contributor", by=alice)
    Offering.objects.create(memorial=memorial, kind="candle", visitor_key="v1", day=timezone.localdate())
    condolences.report(condolence=condolence, reporter_key="k1", reason="spam")
    condolences.hide(condolence=condolence, by=alice)  # leaves a ModerationAction
    return {
        "memorial": memorial,
        "album": photo.album,
        "photo": photo,
        "condolence": condolence,
        "condolencereport": CondolenceReport.objects.get(),
        "membership": Membership.objects.get(user=bob),
        "invitation": Invitation.objects.get(),
        "offering": Offering.objects.get(),
        "moderationaction": ModerationAction.objects.get(),
    }


def changelist(name):
    return reverse(f"admin:memorial_{name}_changelist")


def act(client, name, action, objects, **extra):
    return client.post(
        changelist(name),
        {"action": action, "_selected_action": [o.pk for o in objects], "index": 0, **extra},
        follow=True,
    )


def test_every_list_and_change_page_opens_with_its_data(admin_client, everything):
    response = admin_client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert "Memoria moderation" in response.text

    shown = {
        "memorial": "김영희",
        "album": "Photos",
        "photo": "바닷가에서 1",
        "condolence": "할머니, 편히 쉬세요.",
        "condolencereport": "spam",
        "membership": "Bob",
        "invitation": "Contributor",
        "offering": "김영희",
        "moderationaction": "hide_condolence",
    }
    for name, obj in everything.items():
        response = admin_client.get(changelist(name))
        assert response.status_code == 200, name
        assert shown[name] in response.text, name
        response = admin_client.get(reverse(f"admin:memorial_{name}_change", args=[obj.pk]))
        assert response.status_code == 200, name


def test_search_finds_korean_names_and_messages(admin_client, everything):
    services.create_memorial(by=everything["memorial"].created_by, full_name="Park Jisoo")
    response = admin_client.get(changelist("memorial"), {"q": "영희"})
    assert "김영희" in response.text and "Park Jisoo" not in response.text
    response = admin_client.get(changelist("memorial"), {"q": "Young-hee"})
    assert "김영희" in response.text and "Park Jisoo" not in response.text
    response = admin_client.get(changelist("condolence"), {"q": "편히"})
    assert "이민호" in response.text
    response = admin_client.get(changelist("photo"), {"q": "alice@example.com"})
    assert "바닷가에서 1" in response.text


def test_memorial_page_shows_members_and_timeline(admin_client, everything):
    response = admin_client.get(reverse("admin:memorial_memorial_change", args=[everything["memorial"].pk]))
    assert "alice@example.com" in response.text or "Alice Kim" in response.text
    assert "Bob" in response.text
    assert 'name="events-0-happened_on"' in response.text


def test_photo_list_and_page_preview_the_served_thumbnail(admin_client, photo):
    thumb = reverse("memorial:photo_file", args=[photo.pk, "thumb"])
    response = admin_client.get(changelist("photo"))
    assert f'<img src="{thumb}" width="80" height="60"' in response.text
    response = admin_client.get(reverse("admin:memorial_photo_change", args=[photo.pk]))
    assert f'<img src="{thumb}" width="320" height="240"' in response.text
    assert 'name="original"' not in response.text and 'name="thumbnail"' not in response.text  # files read-only
    assert admin_client.get(reverse("admin:memorial_photo_add")).status_code == 403


def test_preview_escapes_the_caption(admin_client, photo):
    photo.caption = '"><script>alert(1)</script>'
    photo.save()
    response = admin_client.get(changelist("photo"))
    assert "<script>alert(1)" not in response.text
    assert "&lt;script&gt;alert(1)" in response.text


def test_hiding_and_restoring_photos_is_recorded(admin_client, admin_user, memorial, alice, private_media):
    photos = [make_photo(memorial, alice, n) for n in (1, 2)]
    act(admin_client, "photo", "hide_photos", photos)
    assert all(p.hidden for p in Photo.objects.all())
    records = ModerationAction.objects.filter(action="hide_photo")
    assert sorted(r.target_id for r in records) == sorted(p.pk for p in photos)
    assert all(r.moderator == admin_user and r.memorial == memorial for r in records)

    act(admin_client, "photo", "restore_photos", photos[:1])
    assert [p.hidden for p in Photo.objects.order_by("pk")] == [False, True]
    assert ModerationAction.objects.filter(action="restore_photo", target_id=photos[0].pk).count() == 1
    assert ModerationAction.objects.count() == 3


def test_hiding_a_photo_in_its_form_is_recorded(admin_client, admin_user, photo):
    response = admin_client.post(
        reverse("admin:memorial_photo_change", args=[photo.pk]), {"caption": photo.caption, "hidden": "on"}
    )
    assert response.status_code == 302
    photo.refresh_from_db()
    assert photo.hidden
    (record,) = ModerationAction.objects.all()
    assert (record.action, record.target_id, record.moderator) == ("hide_photo", photo.pk, admin_user)


@pytest.mark.parametrize(
    "action, status, recorded",
    [
        ("approve", Condolence.Status.PUBLISHED, "approve_condolence"),
        ("reject", Condolence.Status.REJECTED, "reject_condolence"),
        ("hide", Condolence.Status.HIDDEN, "hide_condolence"),
    ],
)
def test_bulk_decisions_on_condolences(admin_client, admin_user, memorial, action, status, recorded):
    memorial.condolence_policy = "approval"
    memorial.save()
    messages = [
        condolences.leave_condolence(memorial=memorial, message=f"Rest well {n}", guest_name=f"Guest {n}")
        for n in range(3)
    ]
    assert {m.status for m in messages} == {Condolence.Status.PENDING}
    untouched = messages.pop()

    act(admin_client, "condolence", action, messages)

    for message in messages:
        message.refresh_from_db()
        assert message.status == status and message.decided_by == admin_user
    untouched.refresh_from_db()
    assert untouched.status == Condolence.Status.PENDING
    records = ModerationAction.objects.all()
    assert sorted(r.target_id for r in records) == sorted(m.pk for m in messages)
    assert {(r.action, r.moderator_id, r.target_type) for r in records} == {(recorded, admin_user.pk, "condolence")}


def test_restore_publishes_a_hidden_condolence_again(admin_client, admin_user, condolence):
    condolences.hide(condolence=condolence, by=admin_user)
    act(admin_client, "condolence", "restore", [condolence])
    condolence.refresh_from_db()
    assert condolence.status == Condolence.Status.PUBLISHED
    assert list(ModerationAction.objects.order_by("pk").values_list("action", flat=True)) == [
        "hide_condolence",
        "restore_condolence",
    ]


def test_status_changed_in_the_form_is_recorded(admin_client, admin_user, condolence):
    url = reverse("admin:memorial_condolence_change", args=[condolence.pk])
    form = {
        "status": "rejected",
        "reports-TOTAL_FORMS": 0,
        "reports-INITIAL_FORMS": 0,
        "reports-MIN_NUM_FORMS": 0,
        "reports-MAX_NUM_FORMS": 1000,
    }
    assert admin_client.post(url, form).status_code == 302
    condolence.refresh_from_db()
    assert condolence.status == Condolence.Status.REJECTED and condolence.decided_by == admin_user
    (record,) = ModerationAction.objects.all()
    assert (record.action, record.moderator, record.target_id) == ("reject_condolence", admin_user, condolence.pk)

    assert admin_client.post(url, form).status_code == 302  # saved again without a change: nothing to record
    assert ModerationAction.objects.count() == 1


def test_condolences_filter_by_reports_and_show_why_held(admin_client, memorial, condolence):
    quiet = condolences.leave_condolence(memorial=memorial, message="Thinking of you", guest_name="Quiet guest")
    Condolence.objects.filter(pk=quiet.pk).update(held_reason="link")
    condolences.report(condolence=condolence, reporter_key="k1", reason="rude")

    response = admin_client.get(changelist("condolence"), {"reports": "open"})
    assert "이민호" in response.text and "Quiet guest" not in response.text
    response = admin_client.get(changelist("condolence"), {"reports": "none"})
    assert "Quiet guest" in response.text and "이민호" not in response.text
    assert "contains a link" in response.text
    response = admin_client.get(changelist("condolence"), {"status__exact": "published"})
    assert "이민호" in response.text


def test_report_queue_lists_unresolved_first_and_resolves(admin_client, admin_user, memorial, condolence):
    kept = condolences.leave_condolence(memorial=memorial, message="An old report", guest_name="Old")
    condolences.report(condolence=kept, reporter_key="k0", reason="first report")
    CondolenceReport.objects.filter(condolence=kept).update(resolved=True)
    for key in ("k1", "k2"):
        condolences.report(condolence=condolence, reporter_key=key, reason=f"report {key}")

    response = admin_client.get(changelist("condolencereport"))
    text = response.text
    assert text.index("report k2") < text.index("first report") and text.index("report k1") < text.index("first report")

    # Two reports of the same message: the message is hidden once, and the reports are resolved.
    act(admin_client, "condolencereport", "hide_messages", CondolenceReport.objects.filter(condolence=condolence))
    condolence.refresh_from_db()
    assert condolence.status == Condolence.Status.HIDDEN
    assert not CondolenceReport.objects.filter(condolence=condolence, resolved=False).exists()
    (record,) = ModerationAction.objects.all()
    assert (record.action, record.moderator, record.target_id) == ("hide_condolence", admin_user, condolence.pk)

    act(admin_client, "condolencereport", "keep_messages", CondolenceReport.objects.filter(condolence=condolence))
    condolence.refresh_from_db()
    assert condolence.status == Condolence.Status.PUBLISHED
    assert ModerationAction.objects.filter(action="approve_condolence", target_id=condolence.pk).count() == 1


def test_making_memorials_private_is_recorded(admin_client, admin_user, memorial, alice):
    other = services.create_memorial(by=alice, full_name="Park Jisoo", visibility=Visibility.UNLISTED)
    act(admin_client, "memorial", "make_private", [memorial, other])
    assert set(Memorial.objects.values_list("visibility", flat=True)) == {Visibility.PRIVATE}
    records = ModerationAction.objects.filter(action="make_private")
    assert sorted(r.memorial_id for r in records) == sorted([memorial.pk, other.pk])
    assert all(r.moderator == admin_user for r in records)
    assert ModerationAction.objects.count() == 2


def test_condolence_list_runs_a_bounded_number_of_queries(admin_client, memorial, alice, django_assert_max_num_queries):
    authors = [make_user(f"guest{n}@example.com", f"Guest {n}") for n in range(5)]
    for n in range(30):
        author = authors[n % 5] if n % 2 else None
        condolences.leave_condolence(
            memorial=memorial, message=f"Message {n}", author=author, guest_name=f"Visitor {n}"
        )
    Condolence.objects.update(decided_by=alice)
    with django_assert_max_num_queries(10):
        response = admin_client.get(changelist("condolence"))
    assert response.status_code == 200 and "Message 29" in response.text and "Message 0" in response.text


@pytest.mark.parametrize("name", ["photo", "condolencereport", "moderationaction"])
def test_other_lists_run_a_bounded_number_of_queries(
    admin_client, memorial, alice, private_media, name, django_assert_max_num_queries
):
    for n in range(10):
        photo = make_photo(memorial, alice, n)
        message = condolences.leave_condolence(memorial=memorial, message=f"Message {n}", guest_name=f"Visitor {n}")
        condolences.report(condolence=message, reporter_key="k", reporter=alice)
        condolences.approve(condolence=message, by=alice)
        assert photo
    with django_assert_max_num_queries(10):
        assert admin_client.get(changelist(name)).status_code == 200


def test_a_visitor_without_staff_status_is_sent_to_the_admin_login(client, alice, condolence):
    client.force_login(alice)
    for url in (reverse("admin:index"), changelist("condolence")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_the_audit_log_cannot_be_written_in_the_admin(admin_client, everything):
    record = everything["moderationaction"]
    assert admin_client.get(reverse("admin:memorial_moderationaction_add")).status_code == 403
    response = admin_client.get(changelist("moderationaction"))
    assert reverse("admin:memorial_moderationaction_add") not in response.text
    assert "delete_selected" not in response.text
    url = reverse("admin:memorial_moderationaction_change", args=[record.pk])
    assert admin_client.post(url, {"action": "forged", "note": "x"}).status_code == 403
    assert admin_client.post(reverse("admin:memorial_moderationaction_delete", args=[record.pk])).status_code == 403
    record.refresh_from_db()
    assert record.action == "hide_condolence"


def test_deleting_in_the_admin_is_recorded(
    admin_client, admin_user, memorial, condolence, photo, django_capture_on_commit_callbacks
):
    other = condolences.leave_condolence(memorial=memorial, message="Second", guest_name="Guest")
    act(admin_client, "condolence", "delete_selected", [condolence, other], post="yes")
    assert not Condolence.objects.exists()

    thumbnail = photo.thumbnail.path
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:memorial_photo_delete", args=[photo.pk]), {"post": "yes"})
    assert response.status_code == 302 and not Photo.objects.exists()
    assert not os.path.exists(thumbnail)

    records = ModerationAction.objects.order_by("target_type", "target_id")
    assert [(r.action, r.target_id, r.memorial_id) for r in records] == [
        ("delete_condolence", condolence.pk, memorial.pk),
        ("delete_condolence", other.pk, memorial.pk),
        ("delete_photo", photo.pk, memorial.pk),
    ]
    assert {r.moderator for r in records} == {admin_user}


def test_withdrawing_invitations_is_recorded(admin_client, admin_user, memorial, alice):
    invitation = membership.create_invitation(memorial=memorial, role="viewer", by=alice)
    act(admin_client, "invitation", "revoke", [invitation])
    act(admin_client, "invitation", "revoke", [invitation])  # already withdrawn: nothing more to do
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None and not invitation.is_usable
    (record,) = ModerationAction.objects.all()
    assert (record.action, record.target_id, record.moderator) == ("revoke_invitation", invitation.pk, admin_user)
