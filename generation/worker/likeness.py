"""Does the painting still look like the person in the photo? (worker side only: dlib)

``measure(photo, painting)`` finds the faces in the photo, looks for each one in the painting
(a face the painter lost counts as not recognisable), and compares their 128-number dlib
descriptors. The answer is a JSON-able dict, stored on the artwork as it is::

    {"state": "kept" | "changed" | "no_face" | "too_small",
     "worst": 0.31 or None,          # the largest distance of the faces compared
     "faces": [{"box": [l, t, r, b],  # in the painting's pixels
                "width": 212,         # of the face box, in the painting's pixels
                "found": True,        # the painter kept a face there
                "distance": 0.31}]}   # None when lost or too small

States: ``kept`` every compared face is the same person (distance < faces.SAME_PERSON);
``changed`` one of them is not (or was lost); ``no_face`` the photo has no face to compare;
``too_small`` its faces are narrower than faces.MIN_FACE_PX at the painting's size.
The sentences the family reads are in ``generation.likeness`` (the web side).

``choose(photo, paintings)`` measures each candidate and gives the index of the most faithful.
"""

from __future__ import annotations

import logging
import math

from PIL import Image

from generation.likeness import CHANGED, KEPT, NO_FACE, TOO_SMALL
from generation.worker import faces

log = logging.getLogger(__name__)

MATCH_IOU = 0.3  # a painting's face box overlapping the photo's this much is the same face


def _iou(a: faces.Box, b: faces.Box) -> float:
    left, top = max(a.left, b.left), max(a.top, b.top)
    right, bottom = min(a.right, b.right), min(a.bottom, b.bottom)
    inter = max(0, right - left) * max(0, bottom - top)
    union = a.width * a.height + b.width * b.height - inter
    return inter / union if union else 0.0


def _match(box: faces.Box, found: list[faces.Box]) -> faces.Box | None:
    """The painting's face at ``box``: the one overlapping it most, else None (lost)."""
    best = max(found, key=lambda other: _iou(box, other), default=None)
    return best if best is not None and _iou(box, best) >= MATCH_IOU else None


DETECT_LONG_SIDE = 1280  # the photo is searched for faces at most this large (dlib's HOG is slow)


PHOTO_MIN_SCORE = 0.3  # dlib's detector score a photo's face needs (real faces score about 1, stray shapes 0.1)


def photo_faces(image: Image.Image) -> list[faces.Box]:
    """The faces of the photo that dlib's detector is sure of, largest first (a painting's faces
    are searched with the plain ``faces.find_faces``: any face where the photo's was counts)."""
    rgb = faces.as_rgb_array(image)
    height, width = rgb.shape[:2]
    rects, scores, _ = faces._detector().run(rgb, 1, 0)
    boxes = []
    for rect, score in zip(rects, scores, strict=True):
        box = faces.Box(max(0, rect.left()), max(0, rect.top()), min(width, rect.right()), min(height, rect.bottom()))
        if score >= PHOTO_MIN_SCORE and box.width > 0 and box.height > 0:
            boxes.append(box)
    return sorted(boxes, key=lambda b: b.width * b.height, reverse=True)


def _scaled(box: faces.Box, scale_x: float, scale_y: float) -> faces.Box:
    return faces.Box(
        round(box.left * scale_x), round(box.top * scale_y), round(box.right * scale_x), round(box.bottom * scale_y)
    )


def measure(photo: Image.Image, painting: Image.Image) -> dict:
    """How well ``painting`` keeps the faces of ``photo`` (see the module's docstring)."""
    source = photo.convert("RGB")
    if max(source.size) > DETECT_LONG_SIDE:
        scale = DETECT_LONG_SIDE / max(source.size)
        source = source.resize((round(source.width * scale), round(source.height * scale)), Image.LANCZOS)
    painted = painting.convert("RGB")
    in_photo = photo_faces(source)
    if not in_photo:
        return {"state": NO_FACE, "worst": None, "faces": []}
    # The painting keeps the photo's aspect: a box of the photo, in the painting's pixels. A face
    # too small to compare is too small where it matters, in the painting.
    scale_x, scale_y = painted.width / source.width, painted.height / source.height
    found = None  # the painting's faces, searched once and only when a face is big enough
    records, distances = [], []
    for box in in_photo:
        there = _scaled(box, scale_x, scale_y)
        record = {"box": there.as_list(), "width": there.width, "found": None, "distance": None}
        records.append(record)
        if there.width < faces.MIN_FACE_PX:
            continue
        if found is None:
            found = faces.find_faces(painted)
        match = _match(there, found)
        record["found"] = match is not None
        if match is None:
            distances.append(math.inf)
            continue
        value = faces.distance(faces.describe(source, box), faces.describe(painted, match))
        record["distance"] = round(value, 4)
        distances.append(value)
    if not distances:
        return {"state": TOO_SMALL, "worst": None, "faces": records}
    worst = max(distances)
    state = KEPT if worst < faces.SAME_PERSON else CHANGED
    return {"state": state, "worst": None if math.isinf(worst) else round(worst, 4), "faces": records}


def measure_safely(photo: Image.Image, painting: Image.Image) -> dict | None:
    """``measure``, or None (not measured) when the face models fail: a painting must not be lost
    for want of its likeness figure."""
    try:
        return measure(photo, painting)
    except Exception:
        log.exception("the likeness of the painting could not be measured")
        return None


def rank(likeness: dict | None) -> float:
    """Smaller is more faithful: the worst distance; a lost face is infinitely far; a painting with
    nothing to compare (no face, too small, not measured) ranks after every measured one that
    keeps its faces, before every one that loses them."""
    if likeness is None or likeness["state"] in (NO_FACE, TOO_SMALL):
        return faces.SAME_PERSON
    if likeness["worst"] is None:
        return math.inf
    return float(likeness["worst"])


def recognisable(likeness: dict | None) -> bool:
    """False only when faces were compared and one is not the same person any more."""
    return likeness is None or likeness["state"] != CHANGED


def choose(photo: Image.Image, paintings: list[Image.Image]) -> tuple[int, list[dict | None]]:
    """The index of the painting whose worst face is closest to the photo's, and every
    painting's measurement (in order). Ties go to the earlier painting."""
    if not paintings:
        raise ValueError("choose needs at least one painting")
    measured = [measure_safely(photo, painting) for painting in paintings]
    return best(measured), measured


def best(measured: list[dict | None]) -> int:
    """The index of the most faithful of these measurements (the first of equals)."""
    return min(range(len(measured)), key=lambda i: (rank(measured[i]), i))
