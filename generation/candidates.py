"""The other paintings of a job (generation.models.ArtworkCandidate): the family sees them on the
artwork's page and a manager may choose one instead of the painting the worker kept."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from generation.models import Artwork, ArtworkCandidate
from memorial import moderation

# What a candidate and the shown painting trade when one is chosen: the files, the seed and the
# likeness the worker measured for each (the web process measures nothing).
SWAPPED = ("image", "thumbnail", "seed", "strength", "likeness_state", "likeness", "faces")


class CandidateRefused(ValueError):
    pass


@transaction.atomic
def choose_candidate(*, artwork: Artwork, candidate: ArtworkCandidate, by) -> Artwork:
    """Show ``candidate`` as the painting; the painting it replaces becomes a candidate, so the
    choice can be undone the same way. The likeness shown is the chosen painting's own."""
    if candidate.artwork_id != artwork.pk:
        raise CandidateRefused(_("This painting has no such other version. Choose one shown on its page."))
    artwork = Artwork.objects.select_for_update().get(pk=artwork.pk)
    candidate = ArtworkCandidate.objects.select_for_update().get(pk=candidate.pk)
    shown = {name: _value(artwork, name) for name in SWAPPED}
    chosen = {name: getattr(candidate, name) for name in SWAPPED}
    for name, value in chosen.items():
        _set(artwork, name, value)
    for name, value in shown.items():
        setattr(candidate, name, value)
    artwork.save(update_fields=["image", "thumbnail", "seed", "parameters", "likeness_state", "likeness", "faces"])
    candidate.save(update_fields=list(SWAPPED))
    moderation.record(moderator=by, action="choose_candidate", target=artwork, memorial=artwork.memorial)
    return artwork


def _value(artwork: Artwork, name: str):
    if name == "strength":
        return artwork.parameters.get("strength")
    return getattr(artwork, name)


def _set(artwork: Artwork, name: str, value) -> None:
    if name == "strength":
        artwork.parameters = {**artwork.parameters, "strength": value}
    elif name == "seed":
        artwork.seed = value
        artwork.parameters = {**artwork.parameters, "seed": value}
    else:
        setattr(artwork, name, value)
