"""The first days, in real Chromium at a phone's width and in Korean: a family member posts a 부고,
publishes the account for condolence money and shares the page; a guest opens it, finds the hall
on a map, copies the account and comments on a photo."""

import os

import pytest
from PIL import Image, ImageDraw

from memorial.models import Comment, Funeral, Memorial, Photo
from tests.conftest import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "locale": "ko-KR",
    "permissions": ["clipboard-read", "clipboard-write"],
}


def sign_in(page, base, email):
    page.goto(base + "/accounts/login/")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url(base + "/")


def portrait(tmp_path):
    image = Image.new("RGB", (640, 800), (90, 110, 140))
    ImageDraw.Draw(image).ellipse([220, 180, 420, 420], fill=(235, 205, 180))
    path = tmp_path / "portrait.jpg"
    image.save(path, "JPEG", quality=90)
    return str(path)


def submit(page, form_selector):
    page.locator(f"{form_selector} button[type=submit]").first.click()


def test_a_family_posts_a_bugo_on_a_phone_and_a_guest_finds_the_hall_copies_the_account_and_comments(
    live_server, new_page, tmp_path, artifacts_dir
):
    base = live_server.url
    make_user("son@example.com", "홍길순", preferred_language="ko")

    son = new_page(**PHONE)
    sign_in(son, base, "son@example.com")
    son.goto(base + "/memorials/new/bugo/")
    son.locator("#id_full_name").fill("홍길동")
    son.locator("#id_died_on").fill("2026-11-30")
    son.locator("#id_hall_name").fill("서울대학교병원 장례식장")
    son.locator("#id_hall_room").fill("특1호실")
    son.locator("#id_hall_address").fill("서울특별시 종로구 대학로 101")
    son.locator("#id_hall_phone").fill("02-2072-2091")
    son.locator("#id_departure_at").fill("2026-12-02T07:00")
    son.locator("#id_burial_place").fill("용인공원묘원")
    son.locator("select[name$='-relation']").first.select_option("son")
    son.locator("input[name$='-name']").first.fill("홍길순")
    son.screenshot(path=os.path.join(artifacts_dir, "bugo-form-ko-390.png"), full_page=True)
    submit(son, "form.bugo-form")
    son.wait_for_url(lambda url: "/m/" in url)
    memorial = Memorial.objects.get()
    funeral = Funeral.objects.get(memorial=memorial)
    assert memorial.visibility == "unlisted" and memorial.time_zone == "Asia/Seoul"
    assert funeral.hall_name == "서울대학교병원 장례식장" and funeral.mourners[0]["name"] == "홍길순"
    assert son.locator("#bugo").is_visible()
    son.screenshot(path=os.path.join(artifacts_dir, "bugo-page-ko-390.png"), full_page=True)

    # The account for condolence money, shown to visitors.
    son.goto(base + f"/m/{memorial.slug}/accounts/")
    son.locator("#id_bank").fill("국민은행")
    son.locator("#id_number").fill("123-456-789012")
    son.locator("#id_holder").fill("홍길순")
    son.locator("#id_relation").fill("상주")
    son.locator("section.form-card button[type=submit]").click()
    son.locator("#id_shown").check()
    submit(son, "form.accounts-shown")

    # A photo for the guests to remember him by.
    son.goto(base + memorial.get_absolute_url())
    son.locator("#gallery a", has_text="사진").click()
    son.locator("input[type=file]").set_input_files(portrait(tmp_path))
    son.locator("form:has(input[type=file]) button[type=submit]").click()
    son.wait_for_selector(".photo-grid img")
    assert Photo.objects.count() == 1

    # Sharing: without a share sheet (desktop Chromium), the link and its words are copied.
    son.goto(base + memorial.get_absolute_url())
    son.locator(".share-button").first.click()
    son.wait_for_function("() => document.querySelector('.share .copy-status').textContent.trim() !== ''")
    shared = son.evaluate("() => navigator.clipboard.readText()")
    assert memorial.slug in shared or "%" in shared
    assert "[부고]" in shared and "빈소" in shared

    # A guest, from the link in KakaoTalk.
    guest = new_page(**PHONE)
    guest.goto(base + memorial.get_absolute_url())
    bugo = guest.locator("#bugo")
    assert bugo.is_visible()
    assert "별세" in bugo.inner_text()
    kakao = bugo.locator("a[href^='https://map.kakao.com/']")
    assert kakao.count() == 1 and "%EC%84%9C%EC%9A%B8" in kakao.get_attribute("href")  # 서울, encoded
    assert bugo.locator("a[href^='https://map.naver.com/']").count() == 1
    guest.locator("#condolence-accounts .copy-button").first.click()
    assert guest.evaluate("() => navigator.clipboard.readText()") == "123-456-789012"
    guest.screenshot(path=os.path.join(artifacts_dir, "bugo-guest-ko-390.png"), full_page=True)

    photo = Photo.objects.get()
    guest.goto(base + photo.get_absolute_url())
    guest.locator("form.comment-form input[name=guest_name]").fill("이웃 김씨")
    guest.locator("form.comment-form textarea[name=message]").fill("늘 인자하셨던 모습이 생각납니다.")
    guest.locator("form.comment-form button[type=submit]").click()
    guest.wait_for_selector("text=늘 인자하셨던 모습이 생각납니다.")
    comment = Comment.objects.get()
    assert comment.guest_name == "이웃 김씨" and comment.status == "published"
    guest.screenshot(path=os.path.join(artifacts_dir, "bugo-comment-ko-390.png"), full_page=True)
