"""The 부고: the funeral notice a family sends within hours of a death, read by guests on their phones."""

import datetime
import re
import urllib.parse
import zoneinfo
from html import unescape

import icalendar
import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from memorial import bugo
from memorial.models import Funeral, Memorial, Role

pytestmark = pytest.mark.django_db

SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")
UTC = datetime.UTC


def at(monkeypatch, *moment):
    monkeypatch.setattr(timezone, "now", lambda: datetime.datetime(*moment, tzinfo=UTC))


def seoul(*moment):
    return datetime.datetime(*moment, tzinfo=SEOUL)


@pytest.fixture
def korean_memorial(family):
    return family.memorial(
        "unlisted", full_name="홍길동", died_on=datetime.date(2026, 12, 1), language="ko", life_story="늘 웃던 분."
    )


def post_notice(memorial, **fields):
    defaults = {
        "wording": "byeolse",
        "hall_name": "서울대학교병원 장례식장",
        "hall_room": "특1호실",
        "hall_address": "서울특별시 종로구 대학로 101",
        "hall_phone": "02-2072-2091",
        "encoffining_at": seoul(2026, 12, 2, 14, 0),
        "departure_at": seoul(2026, 12, 3, 7, 0),
        "burial_place": "용인공원묘원",
        "mourners": [
            {"relation": "son", "name": "홍길순", "chief": True},
            {"relation": "daughter_in_law", "name": "김미영"},
            {"relation": "other", "relation_other": "외손자", "name": "이준"},
        ],
        "message": "조문을 정중히 사양합니다.",
    }
    return bugo.save_funeral(memorial=memorial, **(defaults | fields))


def page(client, memorial):
    response = client.get(memorial.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_a_guest_opens_the_bugo_and_finds_the_funeral_hall_on_a_map(client, korean_memorial):
    post_notice(korean_memorial)
    html = page(client, korean_memorial)
    assert "故 홍길동님께서 2026년 12월 1일 별세하셨기에 삼가 알려드립니다." in html
    assert "서울대학교병원 장례식장" in html and "특1호실" in html
    links = {unescape(href) for href in re.findall(r'href="([^"]+)"', html)}
    address = urllib.parse.quote("서울특별시 종로구 대학로 101", safe="")
    assert f"https://map.kakao.com/?q={address}" in links
    assert f"https://map.naver.com/p/search/{address}" in links
    kakao = urllib.parse.urlsplit(f"https://map.kakao.com/?q={address}")
    assert urllib.parse.parse_qs(kakao.query)["q"] == ["서울특별시 종로구 대학로 101"]
    assert "tel:02-2072-2091".replace("-", "") in links
    # The times on the family's clock, with the 발인 and the family in their order.
    assert "2026년 12월 3일 (목) 오전 7:00" in html and "2026년 12월 2일 (수) 오후 2:00" in html
    assert html.index("홍길순") < html.index("김미영") < html.index("이준")
    assert "며느리" in html and "외손자" in html and "용인공원묘원" in html
    assert "조문을 정중히 사양합니다." in html


def test_the_first_line_reads_like_a_bugo_in_each_language(family):
    english = family.memorial("public", full_name="Hong Gildong", died_on=datetime.date(2026, 12, 1), language="en")
    korean = family.memorial("public", full_name="홍길동", died_on=datetime.date(2026, 12, 1), language="ko")
    assert bugo.notice_line(english) == ""  # no notice yet: callers fall back to the dates
    for memorial in (english, korean):
        post_notice(memorial, wording="byeolse")
    assert bugo.notice_line(english) == "Hong Gildong passed away on 1 December 2026."
    assert bugo.notice_line(korean) == "故 홍길동님께서 2026년 12월 1일 별세하셨기에 삼가 알려드립니다."
    post_notice(korean, wording="socheon")
    korean.refresh_from_db()
    assert bugo.notice_line(korean) == "故 홍길동님께서 2026년 12월 1일 소천하셨기에 삼가 알려드립니다."
    post_notice(english, wording="socheon")
    english.refresh_from_db()
    assert bugo.notice_line(english) == "Hong Gildong went home to the Lord on 1 December 2026."


def test_a_family_makes_a_memorial_from_the_bugo_alone(client, family):
    client.force_login(family.owner)
    form = client.get(reverse("memorial:create_bugo"))
    assert form.status_code == 200
    html = form.content.decode()
    # Six rows for the family without JavaScript, and the language and visibility preset.
    assert html.count('name="family-5-name"') == 1 and 'name="family-6-name"' not in html
    assert re.search(r'value="unlisted"[^>]*checked', html)
    data = {
        "full_name": "홍길동",
        "died_on": "2026-12-01",
        "language": "ko",
        "visibility": "unlisted",
        "wording": "seonjong",
        "hall_name": "강남성모병원 장례식장",
        "hall_room": "3호실",
        "hall_address": "서울 서초구 반포대로 222",
        "hall_phone": "02-2258-5940",
        "encoffining_at": "2026-12-02T15:00",
        "departure_at": "2026-12-03T08:30",
        "burial_place": "천주교 용인공원묘원",
        "message": "",
        "family-TOTAL_FORMS": "6",
        "family-INITIAL_FORMS": "0",
        "family-MIN_NUM_FORMS": "0",
        "family-MAX_NUM_FORMS": "30",
        "family-0-relation": "wife",
        "family-0-name": "김영자",
        "family-0-chief": "on",
        "family-1-relation": "son",
        "family-1-name": "홍민수",
    }
    response = client.post(reverse("memorial:create_bugo"), data)
    memorial = Memorial.objects.get(full_name="홍길동")
    assert response.status_code == 302 and response["Location"] == memorial.get_absolute_url()
    assert memorial.visibility == "unlisted" and memorial.language == "ko" and memorial.time_zone == "Asia/Seoul"
    assert memorial.memberships.get().role == Role.OWNER
    funeral = memorial.funeral
    assert funeral.departure_at == seoul(2026, 12, 3, 8, 30)  # typed on the family's clock, stored aware
    assert [(m["relation"], m["name"], m["chief"]) for m in funeral.mourners] == [
        ("wife", "김영자", True),
        ("son", "홍민수", False),
    ]
    html = page(client, memorial)
    assert "故 홍길동님께서 2026년 12월 1일 선종하셨기에 삼가 알려드립니다." in html


def test_a_notice_with_times_out_of_order_is_refused_with_a_clear_message(client, family):
    client.force_login(family.owner)
    data = {
        "full_name": "홍길동",
        "died_on": "2026-12-05",
        "language": "ko",
        "visibility": "unlisted",
        "encoffining_at": "2026-12-04T15:00",
        "departure_at": "2026-12-03T08:30",
        "hall_phone": "02) 123 call me",
        "family-TOTAL_FORMS": "6",
        "family-INITIAL_FORMS": "0",
        "family-0-relation": "son",
    }
    response = client.post(reverse("memorial:create_bugo"), data)
    assert response.status_code == 400
    html = unescape(response.content.decode())
    assert "before the date of death" in html
    assert "digits and hyphens" in html
    assert "Write this person's name" in html
    assert not Memorial.objects.exists() and not Funeral.objects.exists()
    # The edit page of an existing memorial: 입관 after 발인.
    memorial = family.memorial("public", full_name="김철수", died_on=datetime.date(2026, 12, 1), language="ko")
    response = client.post(
        reverse("memorial:funeral_edit", args=[memorial.slug]),
        {
            "encoffining_at": "2026-12-03T10:00",
            "departure_at": "2026-12-03T08:00",
            "family-TOTAL_FORMS": "0",
            "family-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 400
    assert "after the 발인" in unescape(response.content.decode())
    assert not Funeral.objects.exists()


def test_a_manager_edits_the_bugo_and_a_viewer_may_not(client, family, korean_memorial):
    post_notice(korean_memorial)
    url = reverse("memorial:funeral_edit", args=[korean_memorial.slug])
    client.force_login(family.viewer)
    assert client.get(url).status_code == 403
    client.force_login(family.manager)
    form = client.get(url)
    assert form.status_code == 200
    html = form.content.decode()
    assert 'value="2026-12-03T07:00"' in html  # shown on the family's clock
    assert 'value="홍길순"' in html
    response = client.post(
        url,
        {
            "wording": "yeongmyeon",
            "hall_name": "다른 장례식장",
            "departure_at": "2026-12-04T09:00",
            "family-TOTAL_FORMS": "1",
            "family-INITIAL_FORMS": "0",
            "family-0-relation": "daughter",
            "family-0-name": "홍길자",
        },
    )
    assert response.status_code == 302
    funeral = Funeral.objects.get()
    assert funeral.hall_name == "다른 장례식장" and funeral.departure_at == seoul(2026, 12, 4, 9, 0)
    assert [m["name"] for m in funeral.mourners] == ["홍길자"]
    client.logout()
    assert "영면하셨기에" in page(client, korean_memorial)
    # Taken off the memorial: gone from the page, the calendar and the API.
    client.force_login(family.viewer)
    assert client.post(reverse("memorial:funeral_delete", args=[korean_memorial.slug])).status_code == 403
    client.force_login(family.manager)
    assert client.post(reverse("memorial:funeral_delete", args=[korean_memorial.slug])).status_code == 302
    client.logout()
    assert 'id="bugo"' not in page(client, korean_memorial)
    assert client.get(reverse("memorial:funeral_calendar", args=[korean_memorial.slug])).status_code == 404
    assert APIClient().get(f"/api/v1/memorials/{korean_memorial.slug}/funeral/").status_code == 404


def test_the_bugo_stands_at_the_top_while_the_funeral_is_near_and_moves_lower_after(
    client, korean_memorial, monkeypatch
):
    at(monkeypatch, 2026, 12, 1, 3, 0)  # noon in Seoul on the day of death
    post_notice(korean_memorial, departure_at=seoul(2026, 12, 3, 7, 0))

    def order():
        html = page(client, korean_memorial)
        return html.index('id="bugo"') < html.index('id="story-title"')

    assert order() is True
    at(monkeypatch, 2026, 12, 4, 14, 59)  # 23:59 in Seoul on the day after the 발인: still near
    assert order() is True
    at(monkeypatch, 2026, 12, 4, 15, 1)  # 00:01 in Seoul on 5 December (still the 4th in UTC)
    assert order() is False
    at(monkeypatch, 2027, 6, 1, 0, 0)  # months later it stays, lower down
    html = page(client, korean_memorial)
    assert 'id="bugo"' in html and html.index('id="story-title"') < html.index('id="bugo"')


def test_the_balin_saves_to_a_calendar_in_seoul_time(client, korean_memorial, settings):
    settings.SITE_URL = "https://memorial.example.org"
    post_notice(korean_memorial, departure_at=seoul(2026, 12, 3, 7, 0))
    url = reverse("memorial:funeral_calendar", args=[korean_memorial.slug])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    [event] = calendar.walk("VEVENT")
    start = event["DTSTART"]
    assert start.params["TZID"] == "Asia/Seoul"
    assert start.dt == seoul(2026, 12, 3, 7, 0) and start.dt.utcoffset() == datetime.timedelta(hours=9)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Asia/Seoul"]
    assert "서울대학교병원 장례식장" in str(event["LOCATION"]) and "대학로 101" in str(event["LOCATION"])
    assert "발인" in str(event["SUMMARY"])
    uid = str(event["UID"])
    # A changed time keeps the same event: the second download updates the first.
    post_notice(korean_memorial, departure_at=seoul(2026, 12, 3, 9, 0))
    again = icalendar.Calendar.from_ical(client.get(url).content)
    [event] = again.walk("VEVENT")
    assert str(event["UID"]) == uid and event["DTSTART"].dt == seoul(2026, 12, 3, 9, 0)
    assert uid.endswith("@memorial.example.org")


def test_a_guest_of_a_private_memorial_cannot_read_its_bugo(client, family):
    memorial = family.memorial("private", full_name="홍길동", died_on=datetime.date(2026, 12, 1), language="ko")
    post_notice(memorial)
    api = APIClient()
    for who in (None, family.stranger):
        if who is not None:
            client.force_login(who)
            api.force_authenticate(who)
        assert client.get(memorial.get_absolute_url()).status_code == 404
        assert client.get(reverse("memorial:funeral_calendar", args=[memorial.slug])).status_code == 404
        assert client.get(reverse("memorial:funeral_edit", args=[memorial.slug])).status_code == 404
        assert api.get(f"/api/v1/memorials/{memorial.slug}/funeral/").status_code == 404
    client.force_login(family.viewer)
    assert "서울대학교병원" in page(client, memorial)
    assert client.get(reverse("memorial:funeral_calendar", args=[memorial.slug])).status_code == 200


def test_the_bugo_through_the_api(family, korean_memorial):
    api = APIClient()
    url = f"/api/v1/memorials/{korean_memorial.slug}/funeral/"
    assert api.get(url).status_code == 404  # no notice yet
    body = {
        "wording": "gwicheon",
        "hall": {
            "name": "부산의료원 장례식장",
            "room": "2호실",
            "address": "부산 연제구 월드컵대로 359",
            "phone": "051-507-3000",
        },
        "encoffining_at": "2026-12-02T13:00:00",
        "departure_at": "2026-12-03T06:30:00+09:00",
        "burial_place": "영락공원",
        "mourners": [{"relation": "son", "name": "홍길순", "chief": True}],
        "message": "",
    }
    api.force_authenticate(family.viewer)
    assert api.put(url, body, format="json").status_code == 403
    api.force_authenticate(family.manager)
    response = api.put(url, body, format="json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["notice"] == "故 홍길동님께서 2026년 12월 1일 귀천하셨기에 삼가 알려드립니다."
    assert data["encoffining_at"] == "2026-12-02T13:00:00+09:00"  # a time without offset is Seoul's
    assert data["departure_at"] == "2026-12-03T06:30:00+09:00"
    assert data["maps"]["kakao"].startswith("https://map.kakao.com/?q=")
    assert data["calendar_url"].endswith(reverse("memorial:funeral_calendar", args=[korean_memorial.slug]))
    refused = api.put(
        url, body | {"departure_at": "2026-11-30T09:00:00+09:00", "hall": {"phone": "call"}}, format="json"
    )
    assert refused.status_code == 400
    assert "before the date of death" in refused.json()["departure_at"][0]
    assert "digits and hyphens" in str(refused.json())
    assert Funeral.objects.get().departure_at == seoul(2026, 12, 3, 6, 30)  # unchanged
    # The whole notice is written at once: what is left out is emptied.
    empty = api.put(url, {}, format="json").json()
    assert empty["hall"]["name"] == "" and empty["maps"] is None and empty["calendar_url"] is None
    assert empty["notice"] == "故 홍길동님께서 2026년 12월 1일 세상을 떠나셨기에 삼가 알려드립니다."
    api.put(url, body, format="json")
    api.force_authenticate(None)
    guest = api.get(url)
    assert guest.status_code == 200 and guest.json()["hall"]["name"] == "부산의료원 장례식장"


def test_the_bugo_goes_into_the_download_of_all_memories(family, korean_memorial):
    from memorial.export import collect

    post_notice(korean_memorial)
    data = collect(korean_memorial).data
    funeral = data["funeral"]
    offline = render_to_string("memorial/export_offline.html", {"data": data})
    assert "故 홍길동님께서 2026년 12월 1일 별세하셨기에 삼가 알려드립니다." in offline and "용인공원묘원" in offline
    assert funeral["notice"].startswith("故 홍길동님께서")
    assert funeral["departure_at"] == "2026-12-03T07:00:00+09:00" or funeral["departure_at"].startswith(
        "2026-12-02T22:00"
    )
    assert [m["relation_display"] for m in funeral["mourners"]] == ["아들", "며느리", "외손자"]


def test_a_shared_link_reads_as_the_bugo_while_the_funeral_is_near(client, korean_memorial, monkeypatch):
    at(monkeypatch, 2026, 12, 1, 3, 0)  # noon in Seoul on the day of death
    post_notice(korean_memorial)
    html = unescape(page(client, korean_memorial))
    share = re.search(r'data-share-text="([^"]*)"', html).group(1)
    assert share.startswith("[부고] 故 홍길동님께서 2026년 12월 1일 별세하셨기에 삼가 알려드립니다.")
    assert "빈소: 서울대학교병원 장례식장 특1호실" in share and "발인: 2026년 12월 3일 (목) 오전 7:00" in share
    description = re.search(r'<meta property="og:description" content="([^"]*)"', html).group(1)
    assert "별세하셨기에" in description and "발인" in description

    at(monkeypatch, 2027, 6, 1, 0, 0)  # months later: the plain memorial's words
    html = unescape(page(client, korean_memorial))
    assert "발인" not in re.search(r'data-share-text="([^"]*)"', html).group(1)


def test_an_english_notice_for_a_funeral_in_seoul_keeps_seouls_clock(client, family, settings):
    settings.TIME_ZONE = "UTC"
    client.force_login(family.owner)
    data = {
        "full_name": "Margaret Carter",
        "died_on": "2026-11-30",
        "language": "en",
        "time_zone": "Asia/Seoul",
        "visibility": "unlisted",
        "hall_name": "Seoul National University Hospital Funeral Hall",
        "departure_at": "2026-12-03T07:30",
        "family-TOTAL_FORMS": "0",
        "family-INITIAL_FORMS": "0",
    }
    response = client.post(reverse("memorial:create_bugo"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    memorial = Memorial.objects.get(full_name="Margaret Carter")
    assert memorial.time_zone == "Asia/Seoul"
    assert memorial.funeral.departure_at == seoul(2026, 12, 3, 7, 30)
