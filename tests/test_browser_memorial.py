"""A family's story in real Chromium: create, upload, invite, join, condole, approve."""

import os

import pytest
from PIL import Image, ImageDraw

from memorial.models import Condolence, Membership, Memorial, Photo
from tests.conftest import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def photo_files(tmp_path, count, prefix):
    paths = []
    shade = sum(prefix.encode()) % 60
    for n in range(count):
        image = Image.new("RGB", (640, 480), (60 + 60 * n, 100 + shade, 200 - 40 * n))
        ImageDraw.Draw(image).ellipse([200, 120, 440, 360], fill=(240, 220, 190))
        path = tmp_path / f"{prefix}-{n}.jpg"
        image.save(path, "JPEG", quality=90)
        paths.append(str(path))
    return paths


def sign_in(page, base, email):
    page.goto(base + "/accounts/login/")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(base + "/")


def test_a_family_builds_a_memorial_together(live_server, new_page, tmp_path, artifacts_dir):
    base = live_server.url
    make_user("owner@example.com", "김민지")
    make_user("cousin@example.com", "박서준")

    owner = new_page(viewport={"width": 1280, "height": 900})
    sign_in(owner, base, "owner@example.com")
    owner.goto(base + "/memorials/new/")
    owner.locator("#id_full_name").fill("이순자")
    owner.locator("#id_name_other_script").fill("Lee Soon-ja")
    owner.locator("#id_born").fill("1938")
    owner.locator("#id_died").fill("2024-02-11")
    owner.locator("#id_place").fill("전주")
    owner.locator("#id_life_story").fill("손맛 좋은 **김치**로 온 동네에 이름난 분이셨습니다.")
    owner.locator("#id_language").select_option("ko")
    owner.locator("input[name=visibility][value=public]").check()
    owner.locator("#id_condolence_policy").select_option("approval")
    owner.get_by_role("button", name="Save").click()
    owner.wait_for_url(lambda url: "/m/" in url)
    memorial = Memorial.objects.get()
    assert memorial.slug.startswith("이순자-")

    owner.locator("#gallery a", has_text="사진").click()
    owner.locator("input[type=file]").set_input_files(photo_files(tmp_path, 3, "owner"))
    owner.get_by_role("button", name="Upload").click()
    owner.wait_for_selector("text=3 photos added.")
    assert Photo.objects.count() == 3

    owner.goto(base + memorial.get_absolute_url())
    owner.get_by_role("link", name="Family and invitations").click()
    owner.locator("#id_role").select_option("contributor")
    owner.get_by_role("button", name="Create an invitation link").click()
    link = owner.locator(".invitation-link").first.input_value()

    cousin = new_page(viewport={"width": 390, "height": 844})
    sign_in(cousin, base, "cousin@example.com")
    cousin.goto(link)
    cousin.get_by_role("button", name="Join").click()
    cousin.wait_for_url(base + memorial.get_absolute_url())
    assert Membership.objects.get(user__email="cousin@example.com").role == "contributor"
    cousin.locator("#gallery a", has_text="사진").click()
    cousin.locator("input[type=file]").set_input_files(photo_files(tmp_path, 1, "cousin"))
    cousin.get_by_role("button", name="Upload").click()
    cousin.wait_for_selector("text=1 photo added.")
    assert Photo.objects.count() == 4

    guest = new_page(viewport={"width": 390, "height": 844})
    guest.goto(base + memorial.get_absolute_url())
    guest.locator("#id_guest_name").fill("이웃 최씨")
    guest.locator("#id_message").fill("따뜻한 김치 맛을 잊지 못합니다. 편히 쉬세요.")
    guest.get_by_role("button", name="Leave a message").click()
    guest.wait_for_selector("text=The family will see your message")
    assert Condolence.objects.get().status == "pending"

    owner.goto(base + memorial.get_absolute_url())
    owner.get_by_role("link", name="Messages to review").click()
    owner.get_by_role("button", name="Approve").click()
    owner.wait_for_load_state()
    assert Condolence.objects.get().status == "published"

    owner.goto(base + memorial.get_absolute_url())
    owner.get_by_role("button", name="Light a candle").click()
    owner.goto(base + memorial.get_absolute_url())
    owner.screenshot(path=os.path.join(artifacts_dir, "memorial-desktop.png"), full_page=True)
    guest.goto(base + memorial.get_absolute_url())
    assert "따뜻한 김치 맛을" in guest.content()
    guest.screenshot(path=os.path.join(artifacts_dir, "memorial-phone.png"), full_page=True)

    # The lightbox opens on a photo and closes with Escape.
    guest.locator(".photo-grid a").first.click()
    assert guest.locator("#lightbox").is_visible()
    guest.keyboard.press("Escape")
    assert not guest.locator("#lightbox").is_visible()
