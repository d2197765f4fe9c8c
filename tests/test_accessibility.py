"""The pages work for everyone: axe-core finds nothing serious, and the memorial is usable by keyboard.

axe-core (tests/vendor/axe.min.js, from the npm package axe-core) is injected into real Chromium.
The site's Content-Security-Policy forbids inline scripts, and Playwright's add_script_tag(path=...)
inlines the file, so the axe runs use a browser context with bypass_csp=True; the keyboard test runs
under the real policy.
"""

import datetime
import os
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from generation import services as generation_services
from memorial import bugo, comments, condolence_accounts, condolences, contributions, reminders
from memorial import photos as photo_service
from memorial import services as memorial_services
from tests.conftest import jpeg_upload, paint

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = os.path.join(os.path.dirname(__file__), "vendor", "axe.min.js")
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
BLOCKING = {"serious", "critical"}
HANGUL = re.compile(r"[\uac00-\ud7a3]")


class Site:
    """A public memorial with everything a page can show: cover, photos, timeline, message, album, painting."""

    def __init__(self, family, style):
        self.family = family
        self.memorial = family.memorial(
            "public",
            full_name="김순자",
            name_other_script="Kim Soon-ja",
            born_on=datetime.date(1942, 3, 1),
            born_precision="year",
            died_on=datetime.date(2024, 2, 11),
            place="전주",
            life_story="손맛 좋은 **김치**로 온 동네에 이름난 분이셨습니다.",
            language="ko",
        )
        album = self.memorial.albums.get()
        colours = [(180, 120, 90), (90, 140, 180), (120, 170, 110), (200, 180, 120)]
        captions = ["바닷가에서", "손주들과 함께", "", "김장하는 날"]
        self.photos = [
            photo_service.add_photo(
                album=album,
                upload=jpeg_upload(f"p{n}.jpg", size=(320, 240), color=colour),
                by=family.owner,
                caption=caption,
            )[0]
            for n, (colour, caption) in enumerate(zip(colours, captions, strict=False))
        ]
        memorial_services.update_memorial(memorial=self.memorial, cover_photo=self.photos[0])
        # The 부고, with everything a guest reads in it (at the top of the page: the funeral is near).
        bugo.save_funeral(
            memorial=self.memorial,
            wording="byeolse",
            hall_name="전주병원 장례식장",
            hall_room="특1호실",
            hall_address="전북 전주시 완산구 서원로 365",
            hall_phone="063-220-7000",
            departure_at=timezone.now() + datetime.timedelta(days=1),
            burial_place="전주 효자공원묘지",
            mourners=[{"relation": "son", "name": "김민수", "chief": True}, {"relation": "daughter", "name": "김민지"}],
            message="마음으로 함께해 주셔서 감사합니다.",
        )
        # Died on lunar 1월 2일: the page shows the coming days of remembrance in both calendars,
        # and the members' page who asked to be reminded of them.
        memorial_services.update_memorial(
            memorial=self.memorial, died_calendar="lunar", died_lunar="2024-01-02", remembrance_calendar="both"
        )
        reminders.subscribe(memorial=self.memorial, user=family.viewer)
        memorial_services.add_timeline_event(
            memorial=self.memorial,
            kind="married",
            happened_on=datetime.date(1962, 5, 1),
            precision="year",
            title="결혼",
        )
        condolences.leave_condolence(
            memorial=self.memorial, message="따뜻한 김치 맛을 잊지 못합니다.", guest_name="이웃 최씨"
        )
        self.album = memorial_services.create_album(
            memorial=self.memorial, title="가족 여행", by=family.owner, description="제주도"
        )
        photo_service.add_photo(
            album=self.album, upload=jpeg_upload("trip.jpg", size=(320, 240)), by=family.owner, caption="제주도 바다"
        )

        # 마음 전하실 곳, shown to guests: the accounts with their copy buttons.
        condolence_accounts.add_account(
            memorial=self.memorial,
            by=family.owner,
            bank="KB국민은행",
            number="123-456-789012",
            holder="김철수",
            relation="상주",
        )
        condolence_accounts.set_shown(memorial=self.memorial, shown=True, by=family.owner)
        self.artwork = paint(self.photos[0], style, family.owner)
        assert self.artwork.backend == "filter:painterly"
        generation_services.publish_artwork(artwork=self.artwork, by=family.owner)
        # Comments under a photo and a painting (one waiting for the family: the moderation page).
        comments.leave_comment(
            target=self.photos[1], memorial=self.memorial, message="손주들 웃음소리가 들리는 듯해요.", guest_name="이웃"
        )
        comments.leave_comment(
            target=self.artwork, memorial=self.memorial, message="고운 그림이네요.", guest_name="친구"
        )
        comments.leave_comment(
            target=self.photos[1], memorial=self.memorial, message="www.example.com 생중계", guest_name="광고"
        )
        # Guests may send their memories: one story is on the page, a photo waits for the family.
        contributions.set_accepting(memorial=self.memorial, accepts=True, by=family.owner)
        story = contributions.send_story(memorial=self.memorial, story="김장철마다 생각납니다.", guest_name="이웃")
        contributions.approve(contribution=story, by=family.owner)
        contributions.send_photo(memorial=self.memorial, upload=jpeg_upload("friend.jpg"), guest_name="친구")
        # A job still waiting in the queue: the page with the progress bar.
        self.waiting_job = generation_services.request_artwork(photo=self.photos[1], style=style, by=family.owner)

    def public_pages(self):
        return {
            "home": reverse("home"),
            "memorial": self.memorial.get_absolute_url(),
            "album": self.album.get_absolute_url(),
            "photo": self.photos[1].get_absolute_url(),
            "artwork": self.artwork.get_absolute_url(),
            "sign-up": reverse("account_signup"),
            "log-in": reverse("account_login"),
            # A reminder e-mail's one-click unsubscribe, opened in a browser: it asks first.
            "stop reminders": reverse(
                "memorial:reminder_unsubscribe",
                args=[reminders.unsubscribe_token(user=self.family.viewer, memorial=self.memorial)],
            ),
        }

    def owner_pages(self):
        return {
            "job": self.waiting_job.get_absolute_url(),
            "members": reverse("memorial:members", args=[self.memorial.slug]),
            "condolence accounts": reverse("memorial:accounts", args=[self.memorial.slug]),
            "post a funeral notice": reverse("memorial:create_bugo"),
            "funeral notice": reverse("memorial:funeral_edit", args=[self.memorial.slug]),
            "printed card": reverse("memorial:card", args=[self.memorial.slug, "a6"]),
            "reminders and calendar": reverse("memorial:remembrance", args=[self.memorial.slug]),
            "edit (dates by the lunar calendar)": reverse("memorial:edit", args=[self.memorial.slug]),
            "add to the timeline": reverse("memorial:timeline_add", args=[self.memorial.slug]),
            "memorial (owner)": self.memorial.get_absolute_url(),
            "photo (owner)": self.photos[1].get_absolute_url(),
            "artwork (owner)": self.artwork.get_absolute_url(),
            "moderation": reverse("memorial:moderation", args=[self.memorial.slug]),
            "notifications": reverse("memorial:notifications", args=[self.memorial.slug]),
            "thank the guests": reverse("memorial:thank_guests", args=[self.memorial.slug]),
            "share a memory": reverse("memorial:share", args=[self.memorial.slug]),
        }


@pytest.fixture
def site(family, style):
    return Site(family, style)


def session_cookie(user, base):
    client = Client()
    client.force_login(user)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": base,
    }


def new_context(browser, base, language, *, bypass_csp=False, user=None):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US", bypass_csp=bypass_csp)
    cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base}]
    if user is not None:
        cookies.append(session_cookie(user, base))
    context.add_cookies(cookies)
    return context


def axe_violations(page):
    page.add_script_tag(path=AXE)
    return page.evaluate("options => axe.run(document, options).then(r => r.violations)", AXE_OPTIONS)


def describe(name, language, violations):
    lines = []
    for v in violations:
        lines.append(f"[{language}] {name}: {v['id']} ({v['impact']}) {v['help']}")
        for node in v["nodes"]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['html'][:160]}")
            summary = (node.get("failureSummary") or "").replace("\n", " / ")
            lines.append(f"      {summary[:300]}")
    return lines


@pytest.mark.parametrize("language", ["en", "ko"])
def test_axe_finds_nothing_serious_on_the_pages(live_server, browser, site, language):  # noqa: F811
    base = live_server.url
    report, blocking = [], []
    for user, pages in ((None, site.public_pages()), (site.family.owner, site.owner_pages())):
        context = new_context(browser, base, language, bypass_csp=True, user=user)
        page = context.new_page()
        page.set_default_timeout(15000)

        def check(page, name):
            violations = axe_violations(page)
            report.extend(describe(name, language, violations))
            blocking.extend(f"{name}: {v['id']}" for v in violations if v["impact"] in BLOCKING)

        try:
            for name, path in pages.items():
                response = page.goto(base + path)
                assert response.status == 200, (name, response.status)
                page.wait_for_load_state("load")
                # The page is in the language asked for, and says so.
                assert page.locator("html").get_attribute("lang") == language, name
                body = page.locator("body").inner_text()
                if language == "ko":
                    assert HANGUL.search(page.locator(".site-nav").inner_text()), (
                        f"{name}: the navigation is not in Korean"
                    )
                else:
                    assert "Sign" in body or "My memorials" in body, name
                check(page, name)
            if user is None:
                # States a page passes through: a thank-you message, the open lightbox, a refused sign-in.
                page.goto(base + site.memorial.get_absolute_url())
                page.locator("#id_guest_name").fill("이웃 박씨")
                page.locator("#id_message").fill("편히 쉬세요.")
                page.locator(".condolence-form button[type=submit]").click()
                page.wait_for_selector("[role=status] .message")
                check(page, "memorial, after leaving a message")
                page.locator(".photo-grid a").first.click()
                page.locator("#lightbox").wait_for(state="visible")
                check(page, "memorial, lightbox open")
                page.goto(base + reverse("account_login"))
                page.locator("#id_login").fill("nobody@example.com")
                page.locator("#id_password").fill("not the password")
                page.locator("main form button[type=submit]").click()
                page.wait_for_selector(".errorlist, .alert, [role=alert]")
                check(page, "log-in, refused")
        finally:
            context.close()
    print("\n".join(report) or f"[{language}] axe: no violations at all")
    assert not blocking, "axe found serious or critical violations:\n" + "\n".join(report)


def focused(page):
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return {
                tag: el.tagName.toLowerCase(),
                text: (el.innerText || el.value || (el.querySelector("img") || {}).alt || el.getAttribute("aria-label") || "").replace(/\\s+/g, " ").trim().slice(0, 60),
                id: el.id,
                classes: el.className || "",
                inNav: !!el.closest("nav.site-nav"),
                inOfferings: !!el.closest("#offerings"),
                inGrid: !!el.closest(".photo-grid"),
                inCondolenceForm: !!el.closest(".condolence-form"),
                outlineStyle: style.outlineStyle,
                outlineWidth: parseFloat(style.outlineWidth) || 0,
                boxShadow: style.boxShadow,
                visible: el.getBoundingClientRect().width > 0 && el.getBoundingClientRect().height > 0,
            };
        }"""
    )


def test_the_memorial_page_works_by_keyboard(live_server, browser, site, artifacts_dir):  # noqa: F811
    base = live_server.url
    context = new_context(browser, base, "ko")  # the real Content-Security-Policy
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        page.goto(base + site.memorial.get_absolute_url())
        page.screenshot(path=os.path.join(artifacts_dir, "memorial-ko-accessibility.png"), full_page=True)

        stops = []
        for _ in range(60):
            page.keyboard.press("Tab")
            stop = focused(page)
            stops.append(stop)
            # Wherever focus lands, the reader can see it.
            assert stop["visible"], stop
            assert (stop["outlineStyle"] != "none" and stop["outlineWidth"] >= 2) or stop["boxShadow"] != "none", stop
            if stop["inCondolenceForm"] and stop["tag"] == "button":
                break

        print("Tab order:", " → ".join(f"{s['tag']}:{s['text'] or s['id']}" for s in stops))

        def first(predicate):
            return next(i for i, stop in enumerate(stops) if predicate(stop))

        assert "skip-link" in stops[0]["classes"], stops[0]
        nav = first(lambda s: s["inNav"])
        candle = first(lambda s: s["inOfferings"] and s["tag"] == "button")
        photo = first(lambda s: s["inGrid"] and s["tag"] == "a")
        form = first(lambda s: s["inCondolenceForm"])
        assert 0 < nav < candle < photo < form, [(s["tag"], s["text"]) for s in stops]
        assert "촛불" in stops[candle]["text"] or "candle" in stops[candle]["text"].lower()
        assert stops[form]["id"] == "id_guest_name"
        assert not any(s["id"] == "id_website" for s in stops), "the honeypot is never a tab stop"

        # The skip link takes the reader straight to the content.
        page.goto(base + site.memorial.get_absolute_url())
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"

        # Enter on a photo opens the lightbox; Escape closes it and focus returns to the photo.
        link = page.locator(".photo-grid a").first
        link.focus()
        page.keyboard.press("Enter")
        lightbox = page.locator("#lightbox")
        lightbox.wait_for(state="visible")
        assert lightbox.locator("img").get_attribute("alt")
        page.keyboard.press("Escape")
        lightbox.wait_for(state="hidden")
        assert page.evaluate("document.activeElement.closest('.photo-grid') !== null")
    finally:
        context.close()
