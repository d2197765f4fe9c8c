"""Guests treated fairly and safely (issue 13: items 2, 3, 10, and part of 15).

A funeral hall's Wi-Fi gives every guest one address: each is still a guest of their own (a visitor
cookie), while one script cannot pose as many. Another website cannot make its visitors' browsers act
as guests here. Three strangers cannot empty a guestbook, and a manager's decision sticks."""

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from core.visitors import network_of
from memorial import condolences, page_cache
from memorial.models import Condolence, CondolenceReport, MemorialExport, ModerationAction, Offering
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

API = "/api/v1"
HALL = "203.0.113.7"  # the funeral hall's Wi-Fi: one address for everyone
SITE = "http://testserver"


def guest(address=HALL, api=False):
    return (APIClient if api else Client)(REMOTE_ADDR=address)


def visit(client, memorial, **params):
    return client.get(memorial.get_absolute_url(), params)


def light_candle(client, memorial, kind="candle"):
    return client.post(reverse("memorial:offer", args=[memorial.slug]), {"kind": kind})


def leave_message(client, memorial, text, name="Guest"):
    return client.post(reverse("memorial:condole", args=[memorial.slug]), {"guest_name": name, "message": text})


# --- Item 10: shared addresses -----------------------------------------------------------------


def test_twenty_guests_on_one_wifi_each_light_a_candle(memorial):
    for n in range(20):
        phone = guest()
        assert visit(phone, memorial).status_code == 200
        assert light_candle(phone, memorial).status_code == 302
        assert leave_message(phone, memorial, f"We will miss you. ({n})", name=f"Guest {n}").status_code == 302
        # Their own second candle today is not counted again.
        light_candle(phone, memorial)
    assert Offering.objects.filter(kind="candle").count() == 20
    assert Condolence.objects.count() == 20


def test_twenty_guests_on_one_wifi_each_light_a_candle_through_the_api(memorial):
    url = f"{API}/memorials/{memorial.slug}/offerings/"
    for _ in range(20):
        phone = guest(api=True)
        visit(phone, memorial)  # the site's own page, which the app's script runs in
        response = phone.post(url, {"kind": "candle"}, format="json", HTTP_ORIGIN=SITE)
        assert response.status_code == 201
        assert phone.post(url, {"kind": "candle"}, format="json", HTTP_ORIGIN=SITE).json()["counted"] is False
    assert Offering.objects.count() == 20


def test_one_script_cannot_pose_as_twenty_guests(memorial):
    # A script that drops cookies: each request from the same network, with no visitor of its own.
    codes = [leave_message(guest(), memorial, f"Buy now {n}", name="Bot").status_code for n in range(20)]
    assert codes.count(302) == 3 and codes[3:] == [429] * 17
    assert Condolence.objects.count() == 3
    refused = leave_message(guest(), memorial, "Again", name="Bot")
    assert refused.status_code == 429 and "Allow cookies for this site" in refused.content.decode()
    candles = [light_candle(guest(), memorial).status_code for _ in range(20)]
    assert candles.count(429) == 17 and Offering.objects.count() == 3
    # A forged cookie is no cookie.
    forger = guest()
    forger.cookies["visitor"] = "made-up-id:signature"
    assert leave_message(forger, memorial, "Forged", name="Bot").status_code == 429


def test_a_script_minting_visitors_meets_the_networks_ceiling(memorial, settings):
    limits = settings.RATE_LIMITS["condolence"]
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "condolence": {**limits, "network": 8}}
    codes = []
    for n in range(10):
        fresh = guest()
        visit(fresh, memorial)  # a fresh cookie every time
        codes.append(leave_message(fresh, memorial, f"Spam {n}", name="Bot").status_code)
    assert codes == [302] * 8 + [429, 429]
    response = leave_message(guest(), memorial, "One more")
    assert "Many people on your network" in response.content.decode()
    # Another network is not affected.
    other = guest("198.51.100.20")
    visit(other, memorial)
    assert leave_message(other, memorial, "From home").status_code == 302


def test_an_ipv6_network_counts_as_one(memorial):
    # One person's /64 holds more addresses than anyone could use: it is one network.
    addresses = [f"2001:db8:1:2::{n:x}" for n in range(1, 21)]
    codes = [
        leave_message(guest(address), memorial, f"Spam {n}", name="Bot").status_code
        for n, address in enumerate(addresses)
    ]
    assert codes.count(302) == 3
    assert network_of("2001:db8:1:2:aaaa:bbbb:cccc:dddd") == network_of("2001:db8:1:2::1") == "2001:db8:1:2::/64"
    assert network_of("2001:db8:1:3::1") != network_of("2001:db8:1:2::1")
    assert network_of("::ffff:203.0.113.7") == network_of("203.0.113.7") == "203.0.113.7"
    # A neighbour's /64 is another network.
    assert leave_message(guest("2001:db8:1:3::1"), memorial, "Next door").status_code == 302


def test_signed_in_family_are_not_limited_by_the_halls_address(family, memorial, settings):
    limits = settings.RATE_LIMITS["condolence"]
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "condolence": {**limits, "network": 3, "person": 2}}
    for n in range(3):
        phone = guest()
        visit(phone, memorial)
        leave_message(phone, memorial, f"Guest {n}")
    late = guest()
    visit(late, memorial)
    assert leave_message(late, memorial, "Too late").status_code == 429  # the guests' ceiling is met
    for who in (family.owner, family.viewer):
        relative = guest()
        relative.force_login(who)
        assert leave_message(relative, memorial, "From the family").status_code == 302
    # Each signed-in person has a limit of their own.
    relative = guest()
    relative.force_login(family.manager)
    codes = [leave_message(relative, memorial, f"Thanks {n}").status_code for n in range(3)]
    assert codes == [302, 302, 429]


def test_signed_in_people_are_limited_as_themselves_in_the_api_too(family, memorial, settings):
    limits = settings.RATE_LIMITS["offering"]
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "offering": {**limits, "network": 1}}
    url = f"{API}/memorials/{memorial.slug}/offerings/"
    assert guest(api=True).post(url, {"kind": "candle"}, format="json").status_code == 201
    assert guest(api=True).post(url, {"kind": "flower"}, format="json").status_code == 429
    member = guest(api=True)
    member.force_authenticate(family.viewer)
    assert member.post(url, {"kind": "candle"}, format="json").status_code == 201


def test_a_guests_visitor_cookie_is_private_to_this_site_and_long_lived(memorial, settings):
    response = visit(guest(), memorial)
    cookie = response.cookies["visitor"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and not cookie["secure"]
    assert int(cookie["max-age"]) >= 60 * 60 * 24 * 300
    assert HALL not in cookie.value
    secure = guest().get(memorial.get_absolute_url(), secure=True)
    assert secure.cookies["visitor"]["secure"]
    # Signed-in people are known as themselves: no visitor cookie.
    member = guest()
    member.force_login(make_user("kim@example.com", "Kim"))
    assert "visitor" not in visit(member, memorial).cookies
    # A guest who has one keeps it.
    phone = guest()
    visit(phone, memorial)
    assert "visitor" not in visit(phone, memorial).cookies


def test_a_guest_who_keeps_cookies_is_one_visitor_from_the_first_request(memorial):
    # An API client that has not opened the page: its first candle and its second are one visitor's.
    url = f"{API}/memorials/{memorial.slug}/offerings/"
    client = guest(api=True)
    assert client.post(url, {"kind": "candle"}, format="json").status_code == 201
    assert client.post(url, {"kind": "candle"}, format="json").json()["counted"] is False
    assert Offering.objects.count() == 1


# --- Item 3: another website's page cannot act as a guest -----------------------------------------


def test_another_site_cannot_make_its_visitors_light_candles(memorial):
    url = f"{API}/memorials/{memorial.slug}/offerings/"
    browser = guest(api=True)
    visit(browser, memorial)  # the guest has been here before: their browser has the cookies
    response = browser.post(url, {"kind": "candle"}, format="json", HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    assert "another website" in response.json()["detail"]
    assert not Offering.objects.exists()


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_ORIGIN": "null"},  # a sandboxed frame, or a page that strips its address
        {"HTTP_REFERER": "https://evil.example/memorial-trap.html"},
        {"HTTP_ORIGIN": "http://testserver.evil.example"},
    ],
)
def test_another_sites_page_cannot_post_report_or_condole_as_a_guest(family, memorial, headers):
    message = condolences.leave_condolence(memorial=memorial, message="With love", author=family.viewer)
    browser = guest(api=True)
    condole = browser.post(
        f"{API}/memorials/{memorial.slug}/condolences/",
        {"guest_name": "Mallory", "message": "Click here"},
        format="json",
        **headers,
    )
    report = browser.post(f"{API}/condolences/{message.pk}/report/", {"reason": "x"}, format="json", **headers)
    assert condole.status_code == report.status_code == 403
    assert Condolence.objects.count() == 1 and not CondolenceReport.objects.exists()


def test_the_sites_own_pages_and_non_browser_clients_keep_working(memorial, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://*.memorial.example"]
    url = f"{API}/memorials/{memorial.slug}/offerings/"
    own = {"HTTP_ORIGIN": SITE}
    assert guest(api=True).post(url, {"kind": "candle"}, format="json", **own).status_code == 201
    referer = {"HTTP_REFERER": f"{SITE}{memorial.get_absolute_url()}"}
    assert guest("198.51.100.1", api=True).post(url, {"kind": "candle"}, format="json", **referer).status_code == 201
    trusted = {"HTTP_ORIGIN": "https://www.memorial.example"}
    assert guest("198.51.100.2", api=True).post(url, {"kind": "candle"}, format="json", **trusted).status_code == 201
    # A script with no Origin, no Referer and no cookies: not a browser, works as a guest.
    assert guest("198.51.100.3", api=True).post(url, {"kind": "flower"}, format="json").status_code == 201


def test_token_and_session_clients_keep_their_own_checks(family, memorial):
    from rest_framework.authtoken.models import Token

    url = f"{API}/memorials/{memorial.slug}/offerings/"
    token = Token.objects.create(user=family.viewer)
    app = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert app.post(url, {"kind": "candle"}, format="json", HTTP_ORIGIN="https://app.example").status_code == 201
    # A signed-in browser session still needs the page's CSRF token, wherever it comes from.
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(family.contributor)
    assert browser.post(url, {"kind": "candle"}, format="json", HTTP_ORIGIN=SITE).status_code == 403
    assert Offering.objects.count() == 1


def test_a_guests_forms_on_the_page_refuse_other_sites(memorial):
    # The memorial page's forms are Django's: a post without the page's token is refused.
    browser = Client(enforce_csrf_checks=True, REMOTE_ADDR=HALL)
    visit(browser, memorial)
    refused = light_candle(browser, memorial)
    assert refused.status_code == 403 and "This form could not be sent" in refused.content.decode()
    assert leave_message(browser, memorial, "Click here").status_code == 403
    assert not Offering.objects.exists() and not Condolence.objects.exists()


# --- Item 2: reports -------------------------------------------------------------------------


def report(client, message, reason="rude"):
    return client.post(
        reverse("memorial:condolence_report", args=[message.memorial.slug, message.pk]), {"reason": reason}
    )


def test_three_strangers_cannot_empty_a_guestbook(family, memorial):
    message = condolences.leave_condolence(memorial=memorial, message="Rest well, teacher.", guest_name="Student")
    for n, address in enumerate(["127.0.0.1", "127.0.0.2", "127.0.0.3", "198.51.100.7", "2001:db8::1"]):
        assert report(guest(address), message, f"reason {n}").status_code == 302
    message.refresh_from_db()
    assert message.status == "published" and message.report_count == 5
    assert "Rest well, teacher." in visit(guest("192.0.2.1"), memorial).content.decode()


def test_signed_in_strangers_weigh_more_than_guests(family, memorial):
    message = condolences.leave_condolence(memorial=memorial, message="Cheap loans", guest_name="Spam")
    for n in range(3):
        stranger = Client(REMOTE_ADDR=f"192.0.2.{n + 1}")
        stranger.force_login(make_user(f"s{n}@example.com", f"S{n}"))
        report(stranger, message)
    message.refresh_from_db()
    assert message.status == "published"  # 9 of 10
    report(guest("198.51.100.99"), message)
    message.refresh_from_db()
    assert message.status == "hidden"


def test_many_reports_from_one_network_count_once(family, memorial, settings):
    settings.CONDOLENCE_REPORT_THRESHOLD = 2
    message = condolences.leave_condolence(memorial=memorial, message="Hello", guest_name="G")
    for _ in range(3):
        phone = guest()
        visit(phone, memorial)
        report(phone, message)
    message.refresh_from_db()
    assert message.status == "published" and message.report_count == 3


def test_the_family_and_signed_in_people_weigh_more(family, memorial, django_capture_on_commit_callbacks):
    from django.core import mail

    message = condolences.leave_condolence(memorial=memorial, message="Buy gold now", guest_name="Spammer")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for who in (family.viewer, family.contributor):
            relative = Client()
            relative.force_login(who)
            report(relative, message, "spam")
    message.refresh_from_db()
    assert message.status == "hidden"
    # The managers are told, with the way to the reports.
    assert sorted(m.to[0] for m in mail.outbox) == sorted([family.owner.email, family.manager.email])
    assert "hidden after reports" in mail.outbox[0].subject
    assert reverse("memorial:moderation", args=[memorial.slug]) in mail.outbox[0].body
    assert ModerationAction.objects.filter(action="hidden_after_reports", target_id=message.pk).exists()
    assert "Buy gold now" not in visit(guest(), memorial).content.decode()


def test_reports_are_rate_limited(family, memorial):
    messages = [
        condolences.leave_condolence(memorial=memorial, message=f"Message {n}", guest_name="G") for n in range(12)
    ]
    phone = guest()
    visit(phone, memorial)
    codes = [report(phone, message).status_code for message in messages]
    assert codes[:10] == [302] * 10 and codes[10:] == [429, 429]
    assert "reported many messages" in report(phone, messages[0]).content.decode()
    api = guest(api=True)
    visit(api, memorial)
    answers = [api.post(f"{API}/condolences/{m.pk}/report/", {}, format="json").status_code for m in messages]
    assert answers[:10] == [201] * 10 and answers[10] == 429


def hide_by_family(family, message):
    for who in (family.viewer, family.contributor):
        condolences.report(condolence=message, reporter_key=f"u:{who.pk}", reporter=who, reason="wrong")
    message.refresh_from_db()
    assert message.status == "hidden"


def test_a_managers_approval_sticks_after_more_reports(family, memorial, settings):
    message = condolences.leave_condolence(memorial=memorial, message="Sorry for your loss", guest_name="Neighbour")
    hide_by_family(family, message)
    manager = Client()
    manager.force_login(family.manager)
    manager.post(reverse("memorial:condolence_approve", args=[memorial.slug, message.pk]))
    message.refresh_from_db()
    assert message.status == "published"
    # One more report (and the same people again) does not hide it again.
    report(guest(), message)
    for who in (family.viewer, family.contributor):
        relative = Client()
        relative.force_login(who)
        report(relative, message)
    message.refresh_from_db()
    assert message.status == "published"
    assert not CondolenceReport.objects.filter(condolence=message, resolved=False, reporter__isnull=False).exists()
    # New reports after the decision can hide it again, under the same rule.
    newcomer = make_user("cousin@example.com", "Cousin")
    from memorial.models import Membership

    for n, who in enumerate([newcomer, make_user("aunt@example.com", "Aunt")]):
        Membership.objects.create(memorial=memorial, user=who, role="viewer")
        relative = Client(REMOTE_ADDR=f"192.0.2.{n + 10}")
        relative.force_login(who)
        report(relative, message)
    message.refresh_from_db()
    assert message.status == "hidden"


def test_a_managers_approval_sticks_in_the_api(family, memorial):
    message = condolences.leave_condolence(memorial=memorial, message="With love", guest_name="Friend")
    hide_by_family(family, message)
    manager = APIClient()
    manager.force_authenticate(family.manager)
    assert manager.post(f"{API}/condolences/{message.pk}/approve/", {}, format="json").json()["status"] == "published"
    stranger = APIClient()
    stranger.force_authenticate(make_user("stranger2@example.com", "Stranger"))
    stranger.post(f"{API}/condolences/{message.pk}/report/", {"reason": "x"}, format="json")
    message.refresh_from_db()
    assert message.status == "published"


def test_a_manager_restores_a_hidden_message_in_one_step(family, memorial):
    message = condolences.leave_condolence(memorial=memorial, message="Thinking of you", guest_name="Friend")
    hide_by_family(family, message)
    manager = Client()
    manager.force_login(family.manager)
    queue = manager.get(reverse("memorial:moderation", args=[memorial.slug])).content.decode()
    # What was hidden and why: the message, its reports with their reasons, who reported.
    assert "Thinking of you" in queue and "Hidden after reports" in queue
    assert queue.count("wrong") == 2 and "a member of the family" in queue
    restore = reverse("memorial:condolence_restore", args=[memorial.slug, message.pk])
    assert f'action="{restore}"' in queue
    response = manager.post(restore, {"next": reverse("memorial:moderation", args=[memorial.slug])})
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.status == "published" and message.decided_by == family.manager
    assert ModerationAction.objects.filter(action="restore_condolence", target_id=message.pk).exists()
    assert "Thinking of you" in visit(guest(), memorial).content.decode()
    assert "Thinking of you" not in manager.get(reverse("memorial:moderation", args=[memorial.slug])).content.decode()


def test_a_manager_restores_a_hidden_message_through_the_api(family, memorial):
    message = condolences.leave_condolence(memorial=memorial, message="Peace", guest_name="Friend")
    hide_by_family(family, message)
    manager = APIClient()
    manager.force_authenticate(family.manager)
    [held] = manager.get(f"{API}/memorials/{memorial.slug}/condolences/").json()["results"]
    assert held["status"] == "hidden" and [r["reason"] for r in held["open_reports"]] == ["wrong", "wrong"]
    assert held["open_reports"][0]["reported_by"] == "member"
    response = manager.post(f"{API}/condolences/{message.pk}/restore/", {}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "published"
    assert response.json()["open_reports"] == []
    # Guests may not.
    assert guest(api=True).post(f"{API}/condolences/{message.pk}/restore/", {}, format="json").status_code == 401
    viewer = APIClient()
    viewer.force_authenticate(family.viewer)
    assert viewer.post(f"{API}/condolences/{message.pk}/restore/", {}, format="json").status_code == 403


# --- Item 15: exports and the guest page cache -----------------------------------------------------


def test_a_manager_asking_for_many_downloads_is_asked_to_wait(family, memorial, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "export": {"person": 2, "network": 10, "window": 86400}}
    manager = Client()
    manager.force_login(family.manager)
    url = reverse("memorial:export", args=[memorial.slug])
    codes = []
    for _ in range(3):
        MemorialExport.objects.update(status=MemorialExport.Status.FAILED)  # the last one is finished
        codes.append(manager.post(url).status_code)
    assert codes == [302, 302, 429]
    assert MemorialExport.objects.count() == 2


def test_page_numbers_that_are_not_pages_make_no_kept_page(family, memorial):
    Condolence.objects.bulk_create(
        [Condolence(memorial=memorial, guest_name=f"Guest {n}", message=f"Message number {n}.") for n in range(40)]
    )
    page_cache.bump(memorial.pk)
    cache.clear()
    page_cache.forget_everything()
    visitor = guest()
    first, second = visit(visitor, memorial).content.decode(), visit(visitor, memorial, page="2").content.decode()
    numbers = set(re.findall(r"Message number (\d+)\.", second))
    for spelling in ["3", "99", "999999", "02", " 2", "2 ", "٢", "2.0"]:
        visit(visitor, memorial, page=spelling)
    kept = [key for key in page_cache._pages.items if str(key).startswith("memorial-page:")]
    assert len(kept) == 2  # pages 1 and 2, whatever was asked
    # " 2" is not page 2 stored under page 1's key: it is page 1.
    assert set(re.findall(r"Message number (\d+)\.", visit(visitor, memorial, page=" 2").content.decode())) == set(
        re.findall(r"Message number (\d+)\.", first)
    )
    # Past the last page is the last page, as the page shows it.
    assert set(re.findall(r"Message number (\d+)\.", visit(visitor, memorial, page="99").content.decode())) == numbers
