"""A new family member signs up and signs in, in real Chromium."""

import os

import pytest

from accounts.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visitor_signs_up_then_signs_in_again(live_server, page, artifacts_dir):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Sign up").first.click()
    page.get_by_label("Email").fill("sora@example.com")
    page.get_by_label("Your name").fill("박소라")
    page.locator("#id_password1").fill("a-long-and-kind-passphrase")
    page.locator("#id_password2").fill("a-long-and-kind-passphrase")
    page.screenshot(path=os.path.join(artifacts_dir, "signup.png"), full_page=True)
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_url(live_server.url + "/")
    assert "Welcome back, 박소라" in page.content()
    assert User.objects.get(email="sora@example.com").display_name == "박소라"

    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("link", name="Sign in").first.click()
    page.get_by_label("Email").fill("sora@example.com")
    page.locator("#id_password").fill("a-long-and-kind-passphrase")
    page.screenshot(path=os.path.join(artifacts_dir, "login.png"), full_page=True)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(live_server.url + "/")
    assert "Welcome back, 박소라" in page.content()


def test_the_site_reads_in_korean_after_switching(live_server, page, artifacts_dir):
    page.goto(live_server.url + "/")
    page.select_option("#language-select", "ko")
    page.get_by_role("button", name="Change").click()
    page.wait_for_load_state()
    assert "함께 기억합니다" in page.content()
    page.screenshot(path=os.path.join(artifacts_dir, "home-ko.png"), full_page=True)
