"""Members ask to be reminded of the days of remembrance by e-mail: a week before and on the day,
in their language, each reminder once, with a one-click unsubscribe that needs no sign-in."""

import datetime
from datetime import UTC

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from memorial import lunar, membership, reminders, services
from memorial.models import Membership, SentReminder
from memorial.tasks import send_remembrance_reminders

pytestmark = pytest.mark.django_db


def at(monkeypatch, *moment):
    monkeypatch.setattr(timezone, "now", lambda: datetime.datetime(*moment, tzinfo=UTC))


@pytest.fixture
def memorial(family):
    """Died on lunar 2024-01-25 (solar 2024-03-05): the 기일 of 2027 is on 3 March 2027."""
    memorial = family.memorial("private", full_name="김순자", language="ko")
    services.update_memorial(
        memorial=memorial,
        died_on=lunar.to_solar(lunar.LunarDate(2024, 1, 25)),
        died_calendar="lunar",
        died_lunar="2024-01-25",
    )
    return memorial


def ask_for_reminders(client, user, memorial):
    client.force_login(user)
    response = client.post(reverse("memorial:reminders_set", args=[memorial.slug]), {"subscribe": "1"})
    assert response.status_code == 302
    client.logout()


def test_a_member_asks_for_reminders_and_gets_one_a_week_before_and_one_on_the_day(
    client, family, memorial, monkeypatch
):
    family.viewer.preferred_language = "ko"
    family.viewer.save()
    ask_for_reminders(client, family.viewer, memorial)
    at(monkeypatch, 2027, 2, 24, 1, 0)  # 24 February in Seoul: the 기일 is in a week
    assert send_remembrance_reminders()["sent"] == 1
    (week_before,) = mail.outbox
    assert week_before.to == ["viewer@example.com"]
    assert "2027년 3월 3일" in week_before.body  # in her language
    assert "김순자" in week_before.subject
    unsubscribe = week_before.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<https://") or unsubscribe.startswith("<http://")
    assert week_before.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # The next days' runs send nothing more until the day itself.
    at(monkeypatch, 2027, 2, 25, 1, 0)
    assert send_remembrance_reminders()["sent"] == 0
    at(monkeypatch, 2027, 3, 3, 0, 30)
    assert send_remembrance_reminders() == {"sent": 1, "already": 0, "failed": 0}
    assert len(mail.outbox) == 2
    # A rerun, or a retry of the same day, sends nothing.
    assert send_remembrance_reminders() == {"sent": 0, "already": 1, "failed": 0}
    assert len(mail.outbox) == 2


def test_two_schedulers_at_once_send_each_reminder_exactly_once(client, family, memorial, monkeypatch):
    ask_for_reminders(client, family.viewer, memorial)
    ask_for_reminders(client, family.manager, memorial)
    at(monkeypatch, 2027, 3, 3, 1, 0)
    # The first scheduler reads what is due; before it records anything, a second one runs in full
    # (as another worker would, at the same moment). The unique record decides: the first then
    # finds each reminder taken, and sends none of them.
    real_due = reminders.due
    other_runs = []
    started = []

    def due_while_another_scheduler_runs(memorial, today):
        found = real_due(memorial, today)
        if not started:
            started.append(True)
            other_runs.append(send_remembrance_reminders())
        return found

    monkeypatch.setattr(reminders, "due", due_while_another_scheduler_runs)
    first = send_remembrance_reminders()
    assert other_runs == [{"sent": 2, "already": 0, "failed": 0}]
    assert first == {"sent": 0, "already": 2, "failed": 0}
    assert sorted(message.to[0] for message in mail.outbox) == ["manager@example.com", "viewer@example.com"]
    assert SentReminder.objects.count() == 2


def test_a_reminder_whose_sending_failed_is_sent_by_the_next_run(client, family, memorial, monkeypatch):
    ask_for_reminders(client, family.viewer, memorial)
    at(monkeypatch, 2027, 3, 3, 1, 0)
    real_send = reminders.send_reminder
    monkeypatch.setattr(reminders, "send_reminder", lambda **kwargs: (_ for _ in ()).throw(OSError("SMTP down")))
    assert send_remembrance_reminders()["failed"] == 1
    monkeypatch.setattr(reminders, "send_reminder", real_send)
    assert send_remembrance_reminders()["sent"] == 1
    assert len(mail.outbox) == 1


def test_a_reminder_left_unsent_by_a_killed_worker_is_sent_by_a_later_run(client, family, memorial, monkeypatch):
    """A worker killed between recording a reminder and sending it leaves a record never marked
    sent: a run soon after leaves it (its sender may still be at it), a later run sends it."""
    ask_for_reminders(client, family.viewer, memorial)
    at(monkeypatch, 2027, 3, 3, 1, 0)
    day, kind = next((day, kind) for day, kind in reminders.due(memorial, datetime.date(2027, 3, 3)))
    assert reminders.claim(user=family.viewer, memorial=memorial, day=day, kind=kind) is not None  # then killed

    at(monkeypatch, 2027, 3, 3, 1, 5)
    assert send_remembrance_reminders() == {"sent": 0, "already": 1, "failed": 0}
    at(monkeypatch, 2027, 3, 3, 2, 0)
    assert send_remembrance_reminders() == {"sent": 1, "already": 0, "failed": 0}
    assert [message.to for message in mail.outbox] == [["viewer@example.com"]]
    assert send_remembrance_reminders() == {"sent": 0, "already": 1, "failed": 0}
    assert SentReminder.objects.get().sent_at is not None


def test_the_unsubscribe_link_works_without_signing_in_and_only_for_that_person_and_memorial(
    client, family, memorial, monkeypatch
):
    other = family.memorial("private", full_name="박영수")
    ask_for_reminders(client, family.viewer, memorial)
    ask_for_reminders(client, family.viewer, other)
    ask_for_reminders(client, family.manager, memorial)
    at(monkeypatch, 2027, 3, 3, 1, 0)
    send_remembrance_reminders()
    message = next(m for m in mail.outbox if m.to == ["viewer@example.com"])
    address = message.extra_headers["List-Unsubscribe"].strip("<>")
    path = address.split("://", 1)[1].split("/", 1)[1]
    # Opened in a browser, signed out: it asks first, and changes nothing yet.
    page = client.get("/" + path)
    assert page.status_code == 200 and "Stop my reminders" in page.content.decode()
    assert reminders.is_subscribed(memorial=memorial, user=family.viewer)
    # The mail provider's one-click POST (RFC 8058): no session, no CSRF token.
    response = client.post("/" + path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert not reminders.is_subscribed(memorial=memorial, user=family.viewer)
    assert reminders.is_subscribed(memorial=other, user=family.viewer)  # her other memorial's stay
    assert reminders.is_subscribed(memorial=memorial, user=family.manager)  # and the others' own
    # A link altered to reach someone else is refused.
    token = path.rstrip("/").rsplit("/", 1)[1]
    assert client.post(reverse("memorial:reminder_unsubscribe", args=[token[:-2] + "xx"])).status_code == 404
    assert reminders.is_subscribed(memorial=memorial, user=family.manager)


def test_managers_see_who_gets_reminders_and_a_removed_member_gets_none(client, family, memorial, monkeypatch):
    ask_for_reminders(client, family.viewer, memorial)
    ask_for_reminders(client, family.contributor, memorial)
    client.force_login(family.manager)
    page = client.get(reverse("memorial:members", args=[memorial.slug])).content.decode()
    assert "viewer@example.com" in page.split('id="reminder-recipients-title"')[1]
    membership.remove_member(membership=Membership.objects.get(user=family.contributor), by=family.owner)
    at(monkeypatch, 2027, 3, 3, 1, 0)
    send_remembrance_reminders()
    assert [m.to for m in mail.outbox] == [["viewer@example.com"]]


def test_a_stranger_cannot_ask_for_a_private_memorials_reminders(client, family, memorial):
    client.force_login(family.stranger)
    assert client.post(reverse("memorial:reminders_set", args=[memorial.slug]), {"subscribe": "1"}).status_code == 404
    assert not reminders.is_subscribed(memorial=memorial, user=family.stranger)


def test_a_member_asks_for_reminders_through_the_api(family, memorial):
    from rest_framework.test import APIClient

    api = APIClient()
    address = f"/api/v1/memorials/{memorial.slug}/reminders/"
    assert api.put(address, {"subscribed": True}, format="json").status_code == 404  # private: not to guests
    api.force_authenticate(family.viewer)
    assert api.get(address).json() == {"subscribed": False}
    assert api.put(address, {"subscribed": True}, format="json").json() == {"subscribed": True}
    assert reminders.is_subscribed(memorial=memorial, user=family.viewer)
    assert api.put(address, {"subscribed": "maybe"}, format="json").status_code == 400
    assert api.put(address, {"subscribed": False}, format="json").json() == {"subscribed": False}
