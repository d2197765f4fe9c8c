"""Guests of a memorial get a kept rendering of its page: fast, and never showing what the
family has hidden (memorial/page_cache.py)."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from memorial import page_cache, services
from memorial.models import Condolence, Memorial
from tests.conftest import add_photo, paint

pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(page_cache, "_now", clock)
    return clock


def without_tokens(html: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", html)


def visit(client, memorial, **params):
    return client.get(memorial.get_absolute_url(), params)


def as_another_process_would(memorial, **fields):
    """A change written by another web process: this one hears no signal of it."""
    Memorial.objects.filter(pk=memorial.pk).update(**fields)


def test_a_guest_visiting_again_costs_no_database_query(family, clock, django_assert_num_queries):
    # The clock stands still: on a loaded machine a real second could pass between two visits,
    # and then the page is rightly checked again (the test below covers that).
    memorial = family.memorial()
    guest = Client()
    first = visit(guest, memorial)
    assert first.status_code == 200
    with django_assert_num_queries(0):
        again = visit(guest, memorial)
    assert again.status_code == 200
    # A new guest (no cookie yet) is served from memory too.
    with django_assert_num_queries(0):
        assert visit(Client(), memorial).status_code == 200


def test_a_memorial_made_private_is_hidden_from_guests_at_once(family):
    memorial = family.memorial()
    guest = Client()
    assert visit(guest, memorial).status_code == 200
    services.update_memorial(memorial=memorial, visibility="private")
    assert visit(guest, memorial).status_code == 404


def test_a_deleted_memorial_is_hidden_from_guests_at_once(family):
    memorial = family.memorial()
    guest = Client()
    assert visit(guest, memorial).status_code == 200
    services.delete_memorial(memorial=memorial, by=family.owner)
    assert visit(guest, memorial).status_code == 404
    services.restore_memorial(memorial=memorial)
    assert visit(guest, memorial).status_code == 200


def test_a_change_made_through_another_process_reaches_guests_within_a_second(family, clock):
    memorial = family.memorial()
    guest = Client()
    assert visit(guest, memorial).status_code == 200
    as_another_process_would(memorial, visibility="private")
    clock.now += 0.5
    assert visit(guest, memorial).status_code == 200  # this process trusts what it read half a second ago
    clock.now += 0.6
    assert visit(guest, memorial).status_code == 404


def test_with_no_freshness_window_every_visit_reads_the_memorial(family, settings, clock):
    settings.MEMORIAL_PAGE_FRESH_SECONDS = 0
    memorial = family.memorial()
    guest = Client()
    assert visit(guest, memorial).status_code == 200
    as_another_process_would(memorial, visibility="private")
    assert visit(guest, memorial).status_code == 404


def test_a_new_message_from_another_process_shows_within_a_second(family, clock):
    memorial = family.memorial()
    guest = Client()
    assert "A message written elsewhere" not in visit(guest, memorial).content.decode()
    Condolence.objects.bulk_create(
        [Condolence(memorial=memorial, guest_name="Far away", message="A message written elsewhere")]
    )
    as_another_process_would(memorial, content_version=memorial.content_version + 5)
    clock.now += 1.1
    assert "A message written elsewhere" in visit(guest, memorial).content.decode()


def test_a_share_link_with_tracking_parameters_gets_the_same_page_and_leaks_nothing(family, django_assert_num_queries):
    memorial = family.memorial()
    first = visit(Client(), memorial, fbclid="IwAR-secret-click-id", utm_source="kakao")
    assert first.status_code == 200
    assert "IwAR-secret-click-id" not in first.content.decode() and "kakao" not in first.content.decode()
    next_path = re.search(r'name="next" value="([^"]*)"', first.content.decode()).group(1)
    assert next_path == memorial.get_absolute_url()
    with django_assert_num_queries(0):  # the same rendering, however the link was decorated
        again = visit(Client(), memorial, fbclid="another-click")
    assert without_tokens(again.content) == without_tokens(first.content)


def test_each_page_of_messages_is_kept_apart(family):
    memorial = family.memorial()
    Condolence.objects.bulk_create(
        [Condolence(memorial=memorial, guest_name=f"Guest {n}", message=f"Message number {n}.") for n in range(60)]
    )
    page_cache.bump(memorial.pk)
    guest = Client()
    first, second = visit(guest, memorial).content.decode(), visit(guest, memorial, page="2").content.decode()
    assert set(re.findall(r"Message number (\d+)\.", first)).isdisjoint(re.findall(r"Message number (\d+)\.", second))
    assert f'name="next" value="{memorial.get_absolute_url()}?page=2"' in second
    # A page number that is not one is the first page.
    assert set(re.findall(r"Message number (\d+)\.", visit(guest, memorial, page="x'--").content.decode())) == set(
        re.findall(r"Message number (\d+)\.", first)
    )


def test_every_guest_gets_a_token_of_their_own_in_the_kept_page(family):
    memorial = family.memorial()
    tokens = set()
    for _ in range(3):
        guest = Client(enforce_csrf_checks=True)
        html = visit(guest, memorial).content.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        assert page_cache.CSRF_PLACEHOLDER not in html
        tokens.add(token)
        response = guest.post(
            reverse("memorial:offer", args=[memorial.slug]), {"kind": "candle", "csrfmiddlewaretoken": token}
        )
        assert response.status_code == 302
    assert len(tokens) == 3


def _photo(family, memorial):
    return add_photo(memorial, family.owner, size=(64, 48))


def thumbnail(client, photo):
    return client.get(reverse("memorial:photo_file", args=[photo.pk, "thumb"]))


def test_a_guests_phone_fetching_the_pages_thumbnails_costs_no_query(family, django_assert_num_queries):
    memorial = family.memorial()
    photo = _photo(family, memorial)
    guest = Client()
    first = thumbnail(guest, photo)
    assert first.status_code == 200
    with django_assert_num_queries(0):
        again = thumbnail(guest, photo)
    assert b"".join(again.streaming_content) == b"".join(first.streaming_content)
    # What is kept per photo leaves the life story out (thousands of photos may be kept).
    with django_assert_num_queries(0):
        kept = page_cache.guest_photo(photo.pk)
    assert "life_story" in kept.album.memorial.get_deferred_fields()


def test_a_photo_hidden_by_a_moderator_is_gone_for_guests_at_once(family):
    from memorial import photos as photo_service

    memorial = family.memorial()
    photo = _photo(family, memorial)
    guest = Client()
    assert thumbnail(guest, photo).status_code == 200
    photo_service.set_hidden(photo=photo, hidden=True, by=family.manager)
    assert thumbnail(guest, photo).status_code == 404


def test_the_photos_of_a_memorial_made_private_are_gone_for_guests_at_once(family):
    memorial = family.memorial()
    photo = _photo(family, memorial)
    guest = Client()
    assert thumbnail(guest, photo).status_code == 200
    services.update_memorial(memorial=memorial, visibility="private")
    assert thumbnail(guest, photo).status_code == 404
    # Members still see it (they are never served from memory).
    member = Client()
    member.force_login(family.viewer)
    assert thumbnail(member, photo).status_code == 200


def test_photos_made_private_through_another_process_are_gone_for_guests_within_a_second(family, clock):
    memorial = family.memorial()
    photo = _photo(family, memorial)
    guest = Client()
    assert thumbnail(guest, photo).status_code == 200
    as_another_process_would(memorial, visibility="private")
    clock.now += 0.5
    assert thumbnail(guest, photo).status_code == 200
    clock.now += 0.6
    assert thumbnail(guest, photo).status_code == 404


@pytest.fixture
def published_painting(family, style):
    from generation import services as artwork_services

    memorial = family.memorial()
    artwork = paint(_photo(family, memorial), style, family.owner)
    artwork_services.publish_artwork(artwork=artwork, by=family.manager)
    return memorial, artwork


def test_the_gallerys_paintings_cost_a_guest_no_query_and_unpublishing_hides_them_at_once(
    family, published_painting, django_assert_num_queries
):
    from generation import services as artwork_services

    memorial, artwork = published_painting
    url = reverse("generation:artwork_thumbnail", args=[artwork.pk])
    guest = Client()
    assert guest.get(url).status_code == 200
    with django_assert_num_queries(0):
        assert guest.get(url).status_code == 200
    artwork_services.publish_artwork(artwork=artwork, by=family.manager, published=False)
    assert guest.get(url).status_code == 404
    assert guest.get(reverse("generation:artwork_image", args=[artwork.pk])).status_code == 404


def test_paintings_unpublished_through_another_process_are_gone_for_guests_within_a_second(
    family, published_painting, clock
):
    from generation.models import Artwork

    memorial, artwork = published_painting
    url = reverse("generation:artwork_thumbnail", args=[artwork.pk])
    guest = Client()
    assert guest.get(url).status_code == 200
    Artwork.objects.filter(pk=artwork.pk).update(published=False)  # no signal here
    clock.now += 0.5
    assert guest.get(url).status_code == 200
    clock.now += 0.6
    assert guest.get(url).status_code == 404
