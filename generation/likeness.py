"""What the family reads about a painting's likeness: a sentence, never a raw number.

The worker measures it (generation/worker/likeness.py, with dlib) and stores the state, the
worst distance and each face on the artwork; this module only reads those records, so the web
process can show them without any face model.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

KEPT = "kept"
CHANGED = "changed"
NO_FACE = "no_face"
TOO_SMALL = "too_small"
STATES = (KEPT, CHANGED, NO_FACE, TOO_SMALL)


def sentence(state: str, *, retried: bool = False) -> str:
    """The sentence for a likeness ``state``; empty when it was not measured (older paintings)."""
    if state == KEPT:
        return _("The face is kept: it still looks like the person in the photo.")
    if state == CHANGED:
        if retried:
            return _(
                "The face could not be kept, even when painted again more gently: try a gentler style, "
                "or a photo where the face is clearer."
            )
        return _("The face changed: try a gentler style.")
    if state == NO_FACE:
        return _("No face was found in this photo, so likeness was not measured.")
    if state == TOO_SMALL:
        return _("The faces are too small to compare, so likeness was not measured.")
    return ""


def fields(likeness: dict | None) -> dict:
    """The artwork's (or a candidate's) likeness fields from the worker's measurement."""
    if likeness is None:
        return {"likeness_state": "", "likeness": None, "faces": []}
    return {"likeness_state": likeness["state"], "likeness": likeness["worst"], "faces": likeness["faces"]}
