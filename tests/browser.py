"""Playwright driving Debian's Chromium (never a browser Playwright downloads itself)."""

import os
import shutil

import pytest

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail(
            "Chromium is not installed: bin/setup installs Debian's chromium package (apt-get install chromium)."
        )
    return path


# Chromium's own test microphone, for the pages that record sound: the prompt is answered "allow"
# and the microphone plays a beep.
MEDIA_FLAGS = [
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
]


@pytest.fixture(scope="session")
def playwright_driver():
    """One Playwright per test process: its sync API runs an event loop in this thread, and a
    second one beside it would refuse to start."""
    from playwright.sync_api import sync_playwright

    # The live server's ORM calls are made from its own thread, and the test's own ORM calls are
    # safe to make between steps.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            yield playwright
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser(playwright_driver):
    browser = playwright_driver.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def media_browser(playwright_driver):
    """A Chromium with a fake microphone (MEDIA_FLAGS), started only by the tests that record."""
    browser = playwright_driver.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS + MEDIA_FLAGS)
    yield browser
    browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def new_page(browser):
    """``new_page(**context_options)``: a page in a fresh context of the session's browser, one per
    person a test plays; every context is closed when the test ends, so nothing (cookies, storage,
    open pages) reaches the next test."""
    contexts = []

    def make(**options):
        context = browser.new_context(**options)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
