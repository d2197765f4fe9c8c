"""The printed card: the photo, the name, the dates, one line and the QR code, for the funeral
program and the table at the funeral hall."""

import datetime
import io
import re

import cv2
import numpy as np
import pytest
from django.urls import reverse
from PIL import Image

from memorial import bugo, services
from tests.conftest import add_photo

pytestmark = pytest.mark.django_db

MM_PER_POINT = 25.4 / 72


def media_box(pdf: bytes) -> tuple[float, float]:
    """The page's size in millimetres, read from the PDF's own MediaBox."""
    boxes = re.findall(rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]", pdf)
    assert len(boxes) == 1, boxes
    x0, y0, x1, y1 = (float(v) for v in boxes[0])
    return (x1 - x0) * MM_PER_POINT, (y1 - y0) * MM_PER_POINT


def page_image(pdf: bytes) -> Image.Image:
    """The page's picture: Pillow writes it as one JPEG stream (DCTDecode)."""
    assert b"/DCTDecode" in pdf
    start = pdf.index(b"\xff\xd8\xff")
    end = pdf.rindex(b"\xff\xd9") + 2
    return Image.open(io.BytesIO(pdf[start:end])).convert("RGB")


def decode_qr(image: Image.Image) -> str:
    grey = cv2.cvtColor(np.asarray(image), cv2.COLOR_RGB2GRAY)
    text, points, _ = cv2.QRCodeDetector().detectAndDecode(grey)
    assert points is not None, "no QR code found on the card"
    return text


@pytest.fixture
def memorial_with_notice(family, settings):
    settings.SITE_URL = "https://memorial.example.org"
    memorial = family.memorial(
        "unlisted",
        full_name="홍길동",
        name_other_script="Hong Gildong",
        born_on=datetime.date(1941, 3, 5),
        died_on=datetime.date(2026, 12, 1),
        language="ko",
    )
    photo = add_photo(memorial, family.owner, caption="웃는 모습", size=(300, 400), color=(150, 110, 80))
    services.update_memorial(memorial=memorial, cover_photo=photo)
    bugo.save_funeral(memorial=memorial, wording="byeolse", hall_name="서울대학교병원 장례식장")
    return memorial


def test_a_printed_card_is_a6_and_its_qr_code_opens_the_memorial(client, family, memorial_with_notice):
    memorial = memorial_with_notice
    client.force_login(family.viewer)
    response = client.get(reverse("memorial:card_pdf", args=[memorial.slug, "a6"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = response.content
    width, height = media_box(pdf)
    assert abs(width - 105) < 0.2 and abs(height - 148) < 0.2  # A6, at actual size
    image = page_image(pdf)
    assert image.size == (1240, 1748)  # 300 dpi
    assert decode_qr(image) == "https://memorial.example.org" + memorial.get_absolute_url()
    # The cover photo is on it (its warm brown near the top), not a blank box.
    top = image.crop((500, 200, 740, 500)).resize((1, 1)).getpixel((0, 0))
    assert abs(top[0] - 150) < 30 and abs(top[2] - 80) < 30

    a5 = client.get(reverse("memorial:card_pdf", args=[memorial.slug, "a5"])).content
    width, height = media_box(a5)
    assert abs(width - 148) < 0.2 and abs(height - 210) < 0.2
    assert decode_qr(page_image(a5)) == "https://memorial.example.org" + memorial.get_absolute_url()


def test_the_printed_card_page_prints_in_a6_with_the_bugo_line(client, family, memorial_with_notice):
    memorial = memorial_with_notice
    client.force_login(family.owner)
    response = client.get(reverse("memorial:card", args=[memorial.slug, "a6"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "故 홍길동님께서 2026년 12월 1일 별세하셨기에 삼가 알려드립니다." in html
    assert "1941년 3월 5일 – 2026년 12월 1일" in html
    assert "card-a6.css" in html and reverse("memorial:qr", args=[memorial.slug, "svg"]) in html
    # The screen-size copy of the cover, never the original.
    assert reverse("memorial:memorial_photo_file", args=[memorial.slug, memorial.cover_photo_id, "screen"]) in html
    assert "original" not in re.findall(r'<img[^>]+src="([^"]+)"', html)[0]
    css = (
        client.get("/static/css/card-a6.css").content.decode()
        if client.get("/static/css/card-a6.css").status_code == 200
        else open("static/css/card-a6.css").read()
    )
    assert "@page { size: A6" in css
    assert client.get(reverse("memorial:card", args=[memorial.slug, "b4"])).status_code == 404


def test_only_the_family_prints_the_card(client, family, memorial_with_notice):
    memorial = memorial_with_notice
    url = reverse("memorial:card_pdf", args=[memorial.slug, "a6"])
    assert client.get(url).status_code == 302  # a guest of an unlisted memorial: sign in first
    client.force_login(family.stranger)
    assert client.get(url).status_code == 403
    private = family.memorial("private", full_name="비공개")
    assert client.get(reverse("memorial:card_pdf", args=[private.slug, "a6"])).status_code == 404
