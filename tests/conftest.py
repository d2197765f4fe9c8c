import os

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


# Real Chromium for the browser tests, registered once for the whole session.
from tests.browser import browser, page  # noqa: E402,F401
