import os

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache

from accounts.models import User

PASSWORD = "a-long-and-kind-passphrase"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits live in the cache: each test starts with none used."""
    cache.clear()
    yield
    cache.clear()


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
