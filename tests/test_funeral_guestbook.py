"""The guestbook in the days of a funeral: words to start from, who the author was to the person,
incense beside the candle and the flower, digests for the managers, and the family's thank-you."""

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from memorial import condolences, digests, thank_you
from memorial import tasks as memorial_tasks
from memorial.models import Condolence, DigestedMessage, NotificationFrequency, ThankYou

pytestmark = pytest.mark.django_db


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def condole(client, memorial, **fields):
    return client.post(reverse("memorial:condole", args=[memorial.slug]), fields)


def test_a_guest_starts_from_a_korean_phrase_and_says_who_they_were(family):
    memorial = family.memorial("public", full_name="김순자", language="ko")
    page = Client().get(memorial.get_absolute_url()).content.decode()
    assert "삼가 고인의 명복을 빕니다." in page and "하늘나라에서 편히 쉬소서." in page
    assert 'list="relation-suggestions"' in page and "직장 동료" in page
    # Without a script: the phrase chosen in the select, an empty message box.
    condole(
        Client(), memorial, guest_name="박민수", relation="직장 동료", phrase="삼가 고인의 명복을 빕니다.", message=""
    )
    condolence = Condolence.objects.get()
    assert condolence.message == "삼가 고인의 명복을 빕니다." and condolence.relation == "직장 동료"
    page = Client().get(memorial.get_absolute_url()).content.decode()
    assert "박민수" in page and "(직장 동료)" in page


def test_an_english_memorial_offers_english_words(family):
    memorial = family.memorial("public", full_name="Margaret Hill", language="en")
    page = Client().get(memorial.get_absolute_url()).content.decode()
    assert "With deepest sympathy." in page and "삼가 고인의 명복을 빕니다." not in page


def test_a_phrase_that_is_not_offered_is_refused(family, memorial):
    condole(Client(), memorial, guest_name="G", phrase="Buy gold at www.example.com", message="")
    assert not Condolence.objects.exists()


def test_a_guests_email_address_is_never_shown(family, memorial):
    condole(Client(), memorial, guest_name="이웃", message="그리운 마음을 전합니다.", email="neighbour@example.com")
    assert Condolence.objects.get().email == "neighbour@example.com"
    assert "neighbour@example.com" not in Client().get(memorial.get_absolute_url()).content.decode()
    listed = APIClient().get(f"/api/v1/memorials/{memorial.slug}/condolences/").json()
    assert "email" not in listed["results"][0] and listed["results"][0]["name"] == "이웃"
    member = APIClient()
    member.force_login(family.viewer)
    assert "neighbour@example.com" not in member.get(f"/api/v1/memorials/{memorial.slug}/condolences/").content.decode()
    manager = APIClient()
    manager.force_login(family.manager)
    rows = manager.get(f"/api/v1/memorials/{memorial.slug}/condolences/").json()["results"]
    assert rows[0]["email"] == "neighbour@example.com"


def test_a_guest_burns_incense_once_a_day(family, memorial):
    guest = Client()
    guest.get(memorial.get_absolute_url())
    offer = reverse("memorial:offer", args=[memorial.slug])
    guest.post(offer, {"kind": "incense"})
    guest.post(offer, {"kind": "incense"})
    guest.post(offer, {"kind": "candle"})
    counts = APIClient().get(f"/api/v1/memorials/{memorial.slug}/offerings/").json()
    assert counts["incense"] == 1 and counts["candle"] == 1
    assert "1 incense offering" in Client().get(memorial.get_absolute_url()).content.decode()


def test_a_manager_gets_one_daily_digest_instead_of_a_hundred_emails(
    family, memorial, django_capture_on_commit_callbacks
):
    manager = signed_in(family.manager)
    response = manager.post(reverse("memorial:notifications", args=[memorial.slug]), {"frequency": "daily"})
    assert response.status_code == 302
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(100):
            condolences.leave_condolence(memorial=memorial, message=f"명복을 빕니다 {n}", guest_name=f"손님 {n}")
    # The owner still chose an e-mail for each; the manager got none of them.
    assert {m.to[0] for m in mail.outbox} == {"owner@example.com"} and len(mail.outbox) == 100
    mail.outbox.clear()
    assert memorial_tasks.send_message_digests() == {"digests": 1, "messages": 100}
    [digest] = mail.outbox
    assert digest.to == ["manager@example.com"] and "명복을 빕니다 99" in digest.body and "손님 0" in digest.body
    # The schedule runs every hour: nothing new, or the day is not over, and no e-mail goes.
    condolences.leave_condolence(memorial=memorial, message="One more", guest_name="Late")
    assert memorial_tasks.send_message_digests() == {"digests": 0, "messages": 0}
    tomorrow = timezone.now() + timedelta(days=1)
    assert digests.send_digests(now=tomorrow) == {"digests": 1, "messages": 1}
    assert "One more" in mail.outbox[-1].body and "명복을 빕니다 5" not in mail.outbox[-1].body


def test_a_digest_is_sent_once_when_two_workers_run_it(family, memorial, monkeypatch):
    digests.choose_frequency(memorial=memorial, user=family.manager, frequency=NotificationFrequency.HOURLY)
    for n in range(3):
        condolences.leave_condolence(memorial=memorial, message=f"Message {n}", guest_name="G")
    mail.outbox.clear()
    real_unsent = digests._unsent
    second_worker_ran = []

    def unsent_then_another_worker(setting):
        found = real_unsent(setting)
        if not second_worker_ran:  # the other worker runs the schedule right after this one read
            second_worker_ran.append(None)
            second_worker_ran[0] = digests.send_digests()
        return found

    monkeypatch.setattr(digests, "_unsent", unsent_then_another_worker)
    first = digests.send_digests()
    assert second_worker_ran == [{"digests": 1, "messages": 3}]
    assert first == {"digests": 0, "messages": 0}
    assert len(mail.outbox) == 1 and mail.outbox[0].body.count("Message ") == 3
    assert DigestedMessage.objects.filter(user=family.manager).count() == 3


def test_a_digest_that_could_not_be_sent_is_sent_next_time(family, memorial, monkeypatch):
    digests.choose_frequency(memorial=memorial, user=family.manager, frequency=NotificationFrequency.HOURLY)
    condolences.leave_condolence(memorial=memorial, message="Remembered", guest_name="G")

    def broken(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(digests, "send_mail", broken)
    assert digests.send_digests()["messages"] == 0
    monkeypatch.undo()
    mail.outbox.clear()
    assert digests.send_digests()["messages"] == 1 and "Remembered" in mail.outbox[0].body


def test_a_viewer_cannot_choose_how_managers_are_told(family, memorial):
    url = reverse("memorial:notifications", args=[memorial.slug])
    assert signed_in(family.viewer).post(url, {"frequency": "daily"}).status_code == 403
    assert signed_in(family.manager).post(url, {"frequency": "weekly"}).status_code == 400
    assert digests.frequency_of(memorial=memorial, user=family.manager) == "each"


def test_every_guest_with_an_email_receives_the_familys_thank_you_once(
    family, memorial, django_capture_on_commit_callbacks, monkeypatch
):
    condolences.leave_condolence(memorial=memorial, message="명복을 빕니다", guest_name="A", email="a@example.com")
    condolences.leave_condolence(memorial=memorial, message="Again", guest_name="A", email="A@Example.com")
    condolences.leave_condolence(memorial=memorial, message="No address", guest_name="B")
    condolences.leave_condolence(memorial=memorial, message="From a member", author=family.viewer)
    condolences.leave_condolence(memorial=memorial, message="Second guest", guest_name="C", email="c@example.com")
    queued = []
    monkeypatch.setattr("core.work.enqueue", lambda kind, pk: queued.append((kind, pk)))
    manager = signed_in(family.manager)
    url = reverse("memorial:thank_guests", args=[memorial.slug])
    assert "3 guests" in manager.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(url, {"message": "보내주신 위로에 깊이 감사드립니다. 유족 일동"})
    assert response.status_code == 302
    [(kind, pk)] = queued
    mail.outbox.clear()
    # The mail server goes away after the first address: the others are tried again later, and the
    # retry writes only to them.
    real_send = thank_you.send_mail
    calls = []

    def away_after_one(*args, **kwargs):
        if len(calls) == 1:
            raise ConnectionRefusedError("mail server away")
        calls.append(args)
        return real_send(*args, **kwargs)

    monkeypatch.setattr(thank_you, "send_mail", away_after_one)
    assert memorial_tasks.send_thank_you(pk) == "1 sent; 2 left for a later attempt"
    assert len(mail.outbox) == 1
    assert ThankYou.objects.get(pk=pk).status == "queued"  # the sweep sends it again
    assert "It is being sent." in manager.get(url).content.decode()
    monkeypatch.setattr(thank_you, "send_mail", real_send)
    assert memorial_tasks.send_thank_you(pk).startswith("succeeded")
    assert sorted(m.to[0].lower() for m in mail.outbox) == ["a@example.com", "c@example.com", "viewer@example.com"]
    assert all("보내주신 위로에" in m.body for m in mail.outbox)
    assert ThankYou.objects.get(pk=pk).recipients == 3
    # Once per memorial.
    assert manager.post(url, {"message": "Again"}).status_code == 302
    assert ThankYou.objects.count() == 1
    assert "was sent on" in manager.get(url).content.decode()


def test_an_address_the_mail_server_refuses_does_not_keep_the_thank_you_from_the_others(
    family, memorial, django_capture_on_commit_callbacks, monkeypatch
):
    condolences.leave_condolence(memorial=memorial, message="Rest", guest_name="A", email="typo@exmaple.com")
    condolences.leave_condolence(memorial=memorial, message="Rest", guest_name="B", email="b@example.com")
    monkeypatch.setattr("core.work.enqueue", lambda kind, pk: None)
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(family.manager).post(
            reverse("memorial:thank_guests", args=[memorial.slug]), {"message": "감사합니다"}
        )
    real_send = thank_you.send_mail

    def refuses_the_typo(subject, body, sender, to, **kwargs):
        if to == ["typo@exmaple.com"]:
            raise smtplib.SMTPRecipientsRefused({to[0]: (550, b"No such domain")})
        return real_send(subject, body, sender, to, **kwargs)

    monkeypatch.setattr(thank_you, "send_mail", refuses_the_typo)
    sent = ThankYou.objects.get()
    assert memorial_tasks.send_thank_you(sent.pk) == "succeeded: 1 sent, 1 refused by the mail server"
    assert [m.to for m in mail.outbox] == [["b@example.com"]]
    assert ThankYou.objects.get().recipients == 1


def test_only_a_manager_thanks_the_guests(family, memorial):
    url = reverse("memorial:thank_guests", args=[memorial.slug])
    assert signed_in(family.contributor).post(url, {"message": "Thanks"}).status_code == 403
    assert Client().post(url, {"message": "Thanks"}).status_code == 302  # sign in first
    assert not ThankYou.objects.exists()
