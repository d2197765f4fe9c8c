"""A demo memorial with a few photos, so a new user sees the whole site on a fresh machine.

The photos are drawn here (a seaside, a garden, a portrait silhouette): no real person's
photo ships with the code.
"""

from __future__ import annotations

import datetime
import io
import math

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw, ImageFilter

from memorial import condolences, photos, services
from memorial.models import Memorial

DEMO_NAME = "김순자"


def _scene(kind: str, size=(1200, 900)) -> bytes:
    width, height = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    top, bottom = {
        "sea": ((120, 170, 220), (250, 220, 190)),
        "garden": ((170, 210, 240), (230, 240, 220)),
        "portrait": ((90, 80, 70), (190, 170, 150)),
    }[kind]
    for y in range(height):
        t = y / height
        draw.line([(0, y), (width, y)], fill=tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=False)))
    if kind == "sea":
        draw.ellipse([width * 0.65, height * 0.15, width * 0.8, height * 0.35], fill=(255, 235, 180))
        draw.rectangle([0, height * 0.55, width, height], fill=(60, 110, 160))
        for n in range(12):
            y = height * (0.6 + n * 0.03)
            draw.arc([-50, y, width + 50, y + 40], 0, 180, fill=(200, 220, 240), width=3)
        draw.ellipse([width * 0.42, height * 0.38, width * 0.5, height * 0.48], fill=(50, 40, 35))
        draw.rounded_rectangle([width * 0.41, height * 0.47, width * 0.51, height * 0.75], 30, fill=(200, 80, 70))
    elif kind == "garden":
        draw.rectangle([0, height * 0.6, width, height], fill=(90, 140, 70))
        for n in range(40):
            x, y = (n * 97) % width, height * 0.62 + (n * 53) % int(height * 0.35)
            color = [(230, 90, 110), (250, 200, 80), (240, 240, 240)][n % 3]
            draw.ellipse([x, y, x + 26, y + 26], fill=color)
        draw.rectangle([width * 0.2, height * 0.25, width * 0.24, height * 0.6], fill=(110, 80, 50))
        draw.ellipse([width * 0.1, height * 0.05, width * 0.34, height * 0.32], fill=(70, 130, 70))
    else:
        draw.ellipse([width * 0.36, height * 0.18, width * 0.64, height * 0.55], fill=(230, 200, 175))
        draw.pieslice([width * 0.2, height * 0.5, width * 0.8, height * 1.3], 180, 360, fill=(60, 70, 110))
        for angle in range(0, 360, 30):
            r = width * 0.45
            x, y = width / 2 + r * math.cos(math.radians(angle)), height / 2 + r * math.sin(math.radians(angle))
            draw.ellipse([x - 8, y - 8, x + 8, y + 8], fill=(240, 230, 200))
    image = image.filter(ImageFilter.GaussianBlur(1.2))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def ensure_demo_memorial(owner) -> tuple[Memorial, bool]:
    existing = Memorial.objects.filter(memberships__user=owner, full_name=DEMO_NAME).first()
    if existing is not None:
        return existing, False
    memorial = services.create_memorial(
        by=owner,
        full_name=DEMO_NAME,
        name_other_script="Kim Soon-ja",
        born_on=datetime.date(1942, 1, 1),
        born_precision="year",
        died_on=datetime.date(2024, 3, 5),
        died_precision="day",
        place="부산 (Busan)",
        life_story=(
            "바다가 보이는 부산에서 평생을 사셨습니다. 시장에서 작은 가게를 꾸리며 세 아이를 키우셨고, "
            "주말이면 **바닷가**를 걸으셨습니다.\n\nShe lived all her life by the sea in Busan, ran a small shop "
            "at the market, raised three children, and walked along the beach every weekend."
        ),
        language="ko",
        visibility="public",
    )
    services.add_timeline_event(
        memorial=memorial, kind="born", happened_on=datetime.date(1942, 1, 1), precision="year", title="부산에서 태어남"
    )
    services.add_timeline_event(
        memorial=memorial, kind="married", happened_on=datetime.date(1965, 5, 1), precision="month", title="결혼"
    )
    services.add_timeline_event(
        memorial=memorial, kind="died", happened_on=datetime.date(2024, 3, 5), precision="day", title="영면"
    )
    album = memorial.albums.get()
    captions = {"sea": "해운대 바닷가에서", "garden": "어머니의 꽃밭", "portrait": "칠순 잔치"}
    first = None
    for kind, caption in captions.items():
        upload = SimpleUploadedFile(f"{kind}.jpg", _scene(kind), content_type="image/jpeg")
        photo, _ = photos.add_photo(album=album, upload=upload, by=owner, caption=caption)
        first = first or photo
    services.update_memorial(memorial=memorial, cover_photo=first)
    condolences.leave_condolence(
        memorial=memorial, message="늘 따뜻하게 맞아주시던 모습이 그립습니다.", guest_name="이웃 박영희"
    )
    return memorial, True
