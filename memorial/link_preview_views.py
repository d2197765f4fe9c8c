"""The link preview's card of a memorial, for crawlers (no cookies): at the memorial's own
address only, so an unlisted memorial's card is found with its secret link and never by an id."""

from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.views.decorators.http import require_safe

from core.serving import cache_for_viewers, serve_file
from memorial import permissions, previews


@require_safe
def memorial_card(request, slug):
    # Seen as a crawler sees it, whoever asks: a member of a private memorial gets no card either.
    memorial = permissions.memorial_for(AnonymousUser(), slug)
    stored = previews.memorial_card(memorial)
    if stored is None:
        raise Http404("No preview.")
    return cache_for_viewers(serve_file(request, stored, content_type="image/jpeg"), public=True)
