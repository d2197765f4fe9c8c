"""Accounts: sign up, verify the e-mail, sign in, reset and change the password, sign out."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another-long-passphrase-42"


def sign_up(client, **overrides):
    data = {
        "email": "minji@example.com",
        "display_name": "김민지",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(overrides)
    return client.post(reverse("account_signup"), data)


def link_in_last_mail(pattern: str) -> str:
    body = mail.outbox[-1].body
    match = re.search(r"https?://[^/\s]+(/\S*" + pattern + r"\S*)", body)
    assert match, body
    return match.group(1)


def test_a_visitor_signs_up_with_a_korean_name_and_is_signed_in(client):
    response = sign_up(client)
    assert response.status_code == 302
    user = User.objects.get(email="minji@example.com")
    assert user.display_name == "김민지"
    assert user.check_password(PASSWORD)
    assert client.get(reverse("accounts:profile")).status_code == 200
    # A verification e-mail is sent even where verification is optional.
    assert mail.outbox and "minji@example.com" in mail.outbox[-1].to


def test_mandatory_verification_blocks_sign_in_until_the_link_is_followed(client, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    response = sign_up(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    # Not signed in yet, and signing in only leads back to the verification page.
    assert client.get(reverse("accounts:profile")).status_code == 302
    response = client.post(reverse("account_login"), {"login": "minji@example.com", "password": PASSWORD})
    assert response["Location"] == reverse("account_email_verification_sent")
    assert not EmailAddress.objects.get(email="minji@example.com").verified

    confirm_url = link_in_last_mail("/confirm-email/")
    assert client.get(confirm_url).status_code == 200  # a page with a button, not a GET that changes state
    assert not EmailAddress.objects.get(email="minji@example.com").verified
    client.post(confirm_url)
    assert EmailAddress.objects.get(email="minji@example.com").verified
    client.logout()
    response = client.post(reverse("account_login"), {"login": "minji@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_a_member_signs_in_and_out(client, alice):
    response = client.post(reverse("account_login"), {"login": "alice@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("accounts:profile")).status_code == 200
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_sign_in_with_a_wrong_password_is_refused_with_a_message(client, alice):
    response = client.post(reverse("account_login"), {"login": "alice@example.com", "password": "wrong-password-x"})
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_a_forgotten_password_is_reset_through_the_mailed_link(client, alice):
    client.post(reverse("account_reset_password"), {"email": "alice@example.com"})
    assert len(mail.outbox) == 1
    reset_url = link_in_last_mail("/password/reset/key/")
    response = client.get(reset_url, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else reset_url
    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    assert client.login(email="alice@example.com", password=NEW_PASSWORD)


def test_a_reset_for_an_unknown_address_reveals_nothing(client, alice):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})
    assert response.status_code == 302  # the same answer as for a known address
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_a_member_changes_the_password(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)


def test_the_profile_page_saves_name_and_language(client, alice):
    client.force_login(alice)
    response = client.post(reverse("accounts:profile"), {"display_name": "앨리스", "preferred_language": "ko"})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert (alice.display_name, alice.preferred_language) == ("앨리스", "ko")
    assert response.cookies["django_language"].value == "ko"
    page = client.get(reverse("accounts:profile")).content.decode()
    assert "프로필" in page  # the page is now in Korean


def test_the_profile_page_refuses_an_empty_name(client, alice):
    client.force_login(alice)
    response = client.post(reverse("accounts:profile"), {"display_name": "   ", "preferred_language": "en"})
    assert response.status_code == 400
    alice.refresh_from_db()
    assert alice.display_name == "Alice Kim"


def test_the_language_switcher_changes_the_page_and_the_profile(client, alice):
    assert "Sign in" in client.get("/").content.decode()
    client.post(reverse("set_language"), {"language": "ko", "next": "/"})
    assert "로그인" in client.get("/").content.decode()
    client.force_login(alice)
    client.post(reverse("set_language"), {"language": "ko", "next": "/"})
    alice.refresh_from_db()
    assert alice.preferred_language == "ko"


def test_a_signed_in_member_reads_the_site_in_the_language_of_the_profile(client, db):
    user = make_user("jun@example.com", "Jun", preferred_language="ko")
    client.force_login(user)
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "함께 기억합니다" in page


# --- Bad input: a clear message, nothing changed ----------------------------------------


def test_sign_up_with_a_taken_email_is_refused(client, alice):
    response = sign_up(client, email="alice@example.com")
    assert response.status_code == 200
    assert "already registered" in response.content.decode()
    assert User.objects.count() == 1


def test_sign_up_with_a_weak_password_is_refused(client):
    response = sign_up(client, password1="password", password2="password")
    assert response.status_code == 200
    assert "too common" in response.content.decode() or "too short" in response.content.decode()
    assert not User.objects.exists()


def test_sign_up_with_a_mismatched_confirmation_is_refused(client):
    response = sign_up(client, password2=PASSWORD + "x")
    assert response.status_code == 200
    assert "same password" in response.content.decode()
    assert not User.objects.exists()


def test_sign_up_without_a_name_is_refused(client):
    response = sign_up(client, display_name="  ")
    assert response.status_code == 200
    assert not User.objects.exists()


def test_a_post_without_csrf_token_is_forbidden_and_changes_nothing(alice):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        reverse("account_signup"),
        {"email": "evil@example.com", "display_name": "x", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 403
    strict.force_login(alice)
    response = strict.post(reverse("accounts:profile"), {"display_name": "Hacked", "preferred_language": "en"})
    assert response.status_code == 403
    alice.refresh_from_db()
    assert alice.display_name == "Alice Kim"
    assert User.objects.count() == 1


def test_the_demo_account_is_made_once(db):
    from accounts.demo import DEMO_EMAIL, ensure_demo_account

    first, created = ensure_demo_account()
    again, created_again = ensure_demo_account()
    assert created and not created_again and first == again
    assert User.objects.filter(email=DEMO_EMAIL).count() == 1
