"""What every test may use.

Standing people and things, made through the real services (names to use in new tests; a test
file that needs something different defines its own fixture of the same name):

- ``family``: a ``Family`` with ``owner``, ``manager``, ``contributor``, ``viewer`` and ``stranger``
  (``family.user("anonymous")`` is None); ``family.memorial(visibility, **fields)`` makes another
  memorial of theirs with every role a member.
- ``alice``: one verified user of her own.
- ``public_memorial``, ``unlisted_memorial``, ``private_memorial``: one memorial of the family per
  visibility; ``memorial`` is the public one.
- ``photo``: a real small JPEG added by the contributor to ``memorial``'s album (``add_photo``).
- ``style``: the "Watercolor" style (slug ``watercolor``).
- ``artwork``: ``photo`` painted in ``style`` by the worker's own function (``run_stylization``):
  the painterly filter, the built-in tribute text and espeak-ng's narration.
- ``tiny_models`` (tests/pipeline/conftest.py, shared with tests/training): tiny random-weight
  diffusion models, built once per machine.
- ``browser``, ``page``, ``new_page`` (tests/browser.py): one Chromium per session (per xdist
  worker); ``page`` is a page in a new context per test, ``new_page(**context_options)`` makes one
  more per person a test plays; every context is closed when the test ends.

Every test writes files into its own ``tmp_path`` (MEDIA_ROOT, PRIVATE_MEDIA_ROOT), starts with an
empty cache and hashes passwords with MD5.

Run in parallel (``bin/test`` passes ``-n 2 --dist loadgroup``): tests marked ``live`` (real
server and worker processes) are put in two xdist groups ("live-models" for those painting or
training on the tiny models, "live" for the others), each run one test after another on one
worker, so at most two live tests run at once; the other tests are spread one by one. Each
xdist worker has its own test database (pytest-django), its own django-q2 queue name and, on
Redis, its own Redis database for the cache and the queue (``pytest_configure_node`` below), so
one worker's ``cache.clear()`` never empties another's; live tests' processes get a database and
a queue name of their own per test (tests/processes.py).
"""

import os
from urllib.parse import urlsplit, urlunsplit

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache

from accounts.models import User

PASSWORD = "a-long-and-kind-passphrase"


@pytest.fixture(scope="session", autouse=True)
def _empty_queue_afterwards():
    """Tasks the tests enqueue (no worker runs them) are not left in the broker's queue."""
    yield
    from django_q.brokers import get_broker

    try:
        get_broker().purge_queue()
    except Exception:  # the ORM broker's table went with the test database
        pass


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits live in the cache: each test starts with none used, and no web process
    remembers another test's memorial pages (ids are reused after a rollback)."""
    from memorial import page_cache

    cache.clear()
    page_cache.forget_everything()
    yield
    cache.clear()
    page_cache.forget_everything()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Every test writes files into its own folder, never into the project's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"


def make_user(email: str, name: str, *, verified: bool = True, **extra) -> User:
    user = User.objects.create_user(email=email, password=PASSWORD, display_name=name, **extra)
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    return user


@pytest.fixture
def alice(db):
    return make_user("alice@example.com", "Alice Kim")


@pytest.fixture
def artifacts_dir():
    """Screenshots and other things a person should look at after the run."""
    path = os.path.join(os.path.dirname(os.path.dirname(__file__)), "test-artifacts")
    os.makedirs(path, exist_ok=True)
    return path


@pytest.fixture(autouse=True)
def _private_media_in_tmp(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private-media"


def jpeg_upload(name: str = "photo.jpg", size=(64, 48), color=(180, 120, 90)):
    """A small real JPEG, as a phone would send it."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    image = Image.new("RGB", size, color)
    image.putpixel((1, 1), (color[0] ^ 255, 0, 0))
    image.save(buffer, "JPEG", quality=90)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


class Family:
    """Standing people around one memorial: an owner, a manager, a contributor, a viewer, and a stranger."""

    ROLES = ("owner", "manager", "contributor", "viewer")

    def __init__(self):
        from memorial.models import Membership

        self.owner = make_user("owner@example.com", "Owner")
        self.manager = make_user("manager@example.com", "Manager")
        self.contributor = make_user("contributor@example.com", "Contributor")
        self.viewer = make_user("viewer@example.com", "Viewer")
        self.stranger = make_user("stranger@example.com", "Stranger")
        self._membership = Membership

    def memorial(self, visibility="public", **fields):
        from memorial import services

        fields.setdefault("full_name", "김순자")
        memorial = services.create_memorial(by=self.owner, visibility=visibility, **fields)
        for role in ("manager", "contributor", "viewer"):
            self._membership.objects.create(memorial=memorial, user=getattr(self, role), role=role)
        return memorial

    def user(self, who):
        return None if who == "anonymous" else getattr(self, who)


@pytest.fixture
def family(db):
    return Family()


@pytest.fixture
def public_memorial(family):
    return family.memorial("public", full_name="김영희", name_other_script="Kim Young-hee")


@pytest.fixture
def unlisted_memorial(family):
    return family.memorial("unlisted", full_name="박철수", name_other_script="Park Chul-soo")


@pytest.fixture
def private_memorial(family):
    return family.memorial("private", full_name="이순신", name_other_script="Lee Sun-shin")


@pytest.fixture
def memorial(public_memorial):
    return public_memorial


def add_photo(memorial, by, *, caption="", **upload):
    """A real small JPEG stored through the upload service, as the site stores one."""
    from memorial import photos

    upload.setdefault("size", (120, 80))
    photo, _ = photos.add_photo(album=memorial.albums.get(), upload=jpeg_upload(**upload), by=by, caption=caption)
    return photo


@pytest.fixture
def photo(memorial, family):
    return add_photo(memorial, family.contributor, caption="바닷가에서")


@pytest.fixture
def style(db):
    from generation.models import Style

    return Style.objects.create(name="Watercolor", slug="watercolor", description="Soft washes of colour")


def paint(photo, style, by):
    """Ask for a painting and let the worker's own function make it; returns the artwork."""
    from generation import services, tasks
    from generation.models import Artwork

    job = services.request_artwork(photo=photo, style=style, by=by)
    assert tasks.run_stylization(job.pk) == "succeeded"
    return Artwork.objects.select_related("tribute__narration").get(job=job)


@pytest.fixture
def artwork(photo, style, family):
    """A painting made by the worker: the painterly filter, the built-in words, espeak-ng's voice."""
    return paint(photo, style, family.contributor)


# Real Chromium for the browser tests, registered once for the whole session.
from tests.browser import browser, media_browser, new_page, page, playwright_driver  # noqa: E402,F401

# --- Running in parallel (pytest-xdist) ----------------------------------------------------------


def _worker_environment(workerid: str, environ=os.environ) -> dict[str, str]:
    """What an xdist worker's Django reads differently from its siblings: its own django-q2 queue
    and, on Redis, its own database number (the cache's clear() is Redis' FLUSHDB)."""
    index = int(workerid.removeprefix("gw") or 0)
    env = {"Q_CLUSTER_NAME": f"{environ.get('Q_CLUSTER_NAME') or 'memorial-tests'}-{workerid}"}
    if environ.get("Q_QUEUE"):
        env["Q_QUEUE"] = f"{environ['Q_QUEUE']}-{workerid}"
    if environ.get("REDIS_URL"):
        parts = urlsplit(environ["REDIS_URL"])
        base = int(parts.path.strip("/") or 0)
        # The live tests' processes keep the configured database (tests/processes.py).
        env["REDIS_URL"] = urlunsplit(parts._replace(path=f"/{(base + 1 + index) % 16}"))
    return env


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """Runs in the controller before the worker's pytest (and so its Django) starts."""
    env = _worker_environment(node.workerinput["workerid"])
    node.gateway.remote_exec(f"import os; os.environ.update({env!r})").waitclose()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """The live tests start servers and workers that need the CPU: under ``--dist loadgroup`` they
    run one at a time per group, in two groups of about the same length: those whose worker paints
    or trains on the tiny models, and the others."""
    for item in items:
        if item.get_closest_marker("live") is not None:
            group = "live-models" if "tiny_models" in getattr(item, "fixturenames", ()) else "live"
            item.add_marker(pytest.mark.xdist_group(group))
