"""The studio keys' part of the members page, and making and revoking keys from it (the API's
twin is in generation/api.py). A new key's password is shown on the answer page, once."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core import ratelimit
from generation import studio_keys
from generation.models import StudioKey
from memorial import permissions
from memorial.permissions import sign_in_to_act


def members_part(request, memorial) -> dict | None:
    """For memorial.extensions: the keys, to those who manage them."""
    if not permissions.can(request.user, "studio_keys", memorial):
        return None
    return {
        "template": "generation/_studio_keys.html",
        "keys": list(studio_keys.keys_of(memorial)),
        "api_root": request.build_absolute_uri("/sdapi/v1"),
    }


@never_cache
@sign_in_to_act
@require_POST
def key_create(request, slug):
    memorial = permissions.memorial_for(request.user, slug, "studio_keys")
    ratelimit.enforce(request, "studio_key")
    try:
        made = studio_keys.create_key(memorial=memorial, by=request.user, label=request.POST.get("label", ""))
    except studio_keys.KeyRefused as exc:
        messages.error(request, str(exc))
        return redirect(reverse("memorial:members", args=[memorial.slug]) + "#studio-keys")
    return render(
        request,
        "generation/studio_key_created.html",
        {"memorial": memorial, "made": made, "api_root": request.build_absolute_uri("/sdapi/v1")},
    )


@sign_in_to_act
@require_POST
def key_revoke(request, slug, key_id):
    memorial = permissions.memorial_for(request.user, slug, "view")
    key = permissions.studio_key_for(request.user, key_id, keys=StudioKey.objects.all(), memorial=memorial)
    studio_keys.revoke_key(key=key, by=request.user)
    messages.success(request, _("The studio key %(name)s no longer works.") % {"name": key.username})
    return redirect(reverse("memorial:members", args=[memorial.slug]) + "#studio-keys")
