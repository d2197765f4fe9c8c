"""The built-in painter: what paints when no diffusion weights are configured.

Each built-in style has its own recipe, a non-photorealistic rendering composed from OpenCV and
scikit-image, keyed by the style's slug (a stable field; the display name may be translated or
renamed): watercolour washes on cold-press paper, oil paint laid with a Kuwahara filter and
brushstrokes on canvas, ink wash (수묵화) on hanji, and a pencil drawing. Paper and canvas are
generated procedurally from the job's seed, so a painting is the same for the same seed.

It is face-aware: the faces found in the photo (``generation.worker.faces``) are painted by a
gentler version of the same recipe, blended into the full painting through a soft, feathered
mask, so the person stays recognisable and the face is still painted, not pasted.

It is honest about what it is: the artwork's backend says "filter:painterly", and the page says
that the built-in painter, not the AI painter, made it. No torch; CPU only (a few seconds a
768-pixel image).

``paint_light`` is the former light filter (Pillow only), kept as the bench's baseline.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageChops, ImageEnhance, ImageFilter, ImageOps

BACKEND = "filter:painterly"
logger = logging.getLogger(__name__)


def output_size(width: int, height: int, long_side: int) -> tuple[int, int]:
    """Same aspect as the photo, the long side `long_side`, both sides multiples of 8."""
    scale = long_side / max(width, height)
    return max(8, round(width * scale / 8) * 8), max(8, round(height * scale / 8) * 8)


# --------------------------------------------------------------------------------------------
# Procedural textures (deterministic for a seed)


class Textures:
    """Noise fields for one painting, made from its seed at the painting's size."""

    def __init__(self, height: int, width: int, seed: int):
        self.height, self.width, self.seed = height, width, int(seed) % (2**32)
        self.unit = max(height, width) / 768  # 1.0 at the default painting size
        self._cache: dict[str, np.ndarray] = {}

    def _rng(self, name: str) -> np.random.Generator:
        return np.random.default_rng([self.seed, sum(ord(c) * 31**i for i, c in enumerate(name)) % (2**32)])

    def get(self, name: str, make: Callable[[np.random.Generator, int, int], np.ndarray]) -> np.ndarray:
        """The field ``name``, made once by ``make(rng, height, width)`` from this painting's seed."""
        if name not in self._cache:
            self._cache[name] = make(self._rng(name), self.height, self.width).astype(np.float32)
        return self._cache[name]

    def smooth_noise(self, name: str, cell: float) -> np.ndarray:
        """Noise in [-1, 1] with features about ``cell`` pixels (of a 768 painting) wide."""

        def make(rng, height, width):
            cell_px = max(1.0, cell * self.unit)
            gh, gw = max(2, int(height / cell_px) + 2), max(2, int(width / cell_px) + 2)
            grid = rng.uniform(-1, 1, (gh, gw)).astype(np.float32)
            field = cv2.resize(grid, (width, height), interpolation=cv2.INTER_CUBIC)
            return np.clip(field / (np.abs(field).max() + 1e-6), -1, 1)

        return self.get(f"smooth:{name}:{cell}", make)

    def grain(self, name: str) -> np.ndarray:
        """Pixel-fine grain in about [-1, 1]."""
        return self.get(
            f"grain:{name}",
            lambda rng, height, width: (
                cv2.GaussianBlur(rng.normal(0, 1, (height, width)).astype(np.float32), (0, 0), 0.7) * 1.6
            ),
        )

    def fibres(self, name: str, count_per_mpx: int, length: float, width: int = 1) -> np.ndarray:
        """Paper fibres: short, thin random curves; 1 on a fibre, 0 elsewhere (softened)."""

        def make(rng, height, width):
            canvas = np.zeros((height, width), np.float32)
            count = int(count_per_mpx * height * width / 1e6)
            for _ in range(count):
                x, y = rng.uniform(0, width), rng.uniform(0, height)
                angle = rng.uniform(0, np.pi)
                points = [(x, y)]
                for _ in range(4):
                    angle += rng.normal(0, 0.35)
                    step = rng.uniform(0.5, 1.0) * length * self.unit / 4
                    x, y = x + step * np.cos(angle), y + step * np.sin(angle)
                    points.append((x, y))
                cv2.polylines(canvas, [np.int32(points)], False, float(rng.uniform(0.4, 1.0)), width, cv2.LINE_AA)
            return cv2.GaussianBlur(canvas, (0, 0), 0.6)

        return self.get(f"fibres:{name}", make)


def _smear(noise: np.ndarray, theta: float, length: int) -> np.ndarray:
    half = length // 2
    kernel = np.zeros((length, length), np.float32)
    dx, dy = np.cos(theta) * half, np.sin(theta) * half
    cv2.line(kernel, (round(half - dx), round(half - dy)), (round(half + dx), round(half + dy)), 1.0, 1)
    kernel /= kernel.sum()
    return cv2.filter2D(noise, -1, kernel, borderType=cv2.BORDER_REFLECT)


def streaks(noise: np.ndarray, angle: np.ndarray | float, length: int, bins: int = 8) -> np.ndarray:
    """Noise smeared along ``angle`` (radians, per pixel or one value): strokes of a brush or pencil."""
    length = max(3, int(length) | 1)
    if np.ndim(angle) == 0:
        return _smear(noise, float(angle), length)
    index = np.round(((np.asarray(angle) % np.pi) / np.pi) * bins).astype(np.int32) % bins
    out = np.zeros_like(noise)
    for k in range(bins):
        if (index == k).any():
            out = np.where(index == k, _smear(noise, k * np.pi / bins, length), out)
    return out


def stroke_angle(grey: np.ndarray, sigma: float) -> np.ndarray:
    """The direction along the edges (radians), from the smoothed structure tensor of ``grey``."""
    gx = cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3)
    jxx = cv2.GaussianBlur(gx * gx, (0, 0), sigma)
    jyy = cv2.GaussianBlur(gy * gy, (0, 0), sigma)
    jxy = cv2.GaussianBlur(gx * gy, (0, 0), sigma)
    gradient = 0.5 * np.arctan2(2 * jxy, jxx - jyy)
    return gradient + np.pi / 2


# --------------------------------------------------------------------------------------------
# Building blocks


def kuwahara(image: np.ndarray, radius: int, sharpness: float = 4.0) -> np.ndarray:
    """A smooth Kuwahara filter (float RGB in [0, 1]): each pixel takes the mean of the calmest of
    the four windows around it (weighted by their variance), which flattens colour into patches of
    paint with crisp edges. The windows are Gaussian (a blur sampled half a radius away on each
    diagonal), so the patches have no square corners; O(1) in the radius."""
    radius = max(1, int(radius))
    sigma = radius / 2
    grey = luminance(image)
    mean = cv2.GaussianBlur(image, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
    g_mean = cv2.GaussianBlur(grey, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
    g_sq = cv2.GaussianBlur(grey * grey, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
    variance = np.maximum(g_sq - g_mean * g_mean, 0)
    h, w = grey.shape
    means, weights = [], []
    for dx, dy in ((-1, -1), (1, -1), (-1, 1), (1, 1)):
        shift = np.float32([[1, 0, dx * radius / 2], [0, 1, dy * radius / 2]])
        means.append(cv2.warpAffine(mean, shift, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT))
        weights.append(cv2.warpAffine(variance, shift, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT))
    calmest = np.minimum.reduce(weights) + 1e-5
    weights = [(calmest / (v + 1e-5)) ** sharpness for v in weights]  # the calmest window weighs 1
    total = sum(weights)
    return sum(m * (wt / total)[..., None] for m, wt in zip(means, weights, strict=True))


def luminance(rgb: np.ndarray) -> np.ndarray:
    return rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114


def saturate(rgb: np.ndarray, amount: float) -> np.ndarray:
    grey = luminance(rgb)[..., None]
    return np.clip(grey + (rgb - grey) * amount, 0, 1)


def dog_lines(
    grey: np.ndarray, sigma: float, k: float = 1.6, threshold: float = 0.005, sharp: float = 60
) -> np.ndarray:
    """Difference-of-Gaussians line drawing: 1 on a line, 0 on paper (grey in [0, 1])."""
    a = cv2.GaussianBlur(grey, (0, 0), sigma)
    b = cv2.GaussianBlur(grey, (0, 0), sigma * k)
    d = b - a  # positive on the dark side of an edge
    return np.clip(np.tanh(sharp * (d - threshold)), 0, 1)


def wobble(image: np.ndarray, tex: Textures, name: str, amount: float, cell: float) -> np.ndarray:
    """Displace the image by smooth noise: the wandering edges of wet paint."""
    h, w = image.shape[:2]
    dx = tex.smooth_noise(name + "x", cell) * amount * tex.unit
    dy = tex.smooth_noise(name + "y", cell) * amount * tex.unit
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return cv2.remap(image, xs + dx, ys + dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


# --------------------------------------------------------------------------------------------
# The recipes. Each takes the photo (float RGB in [0, 1]) and ``gentle`` (0: fully painted; 1: the
# gentle version painted over faces) and returns the painting's layer before its ground.


def watercolor(photo: np.ndarray, tex: Textures, gentle: float) -> np.ndarray:
    u = tex.unit
    image8 = (photo * 255).astype(np.uint8)
    # Flat washes: mean shift merges areas of similar colour (at a third of the size: fast, softer).
    third = 1 / 3 if gentle < 0.5 else 1 / 2
    small = cv2.resize(image8, None, fx=third, fy=third, interpolation=cv2.INTER_AREA)
    spatial = (12 - 8 * gentle) * u
    colour = 40 - 24 * gentle
    washes = cv2.pyrMeanShiftFiltering(small, spatial, colour, maxLevel=1)
    washes = cv2.resize(washes, (photo.shape[1], photo.shape[0]), interpolation=cv2.INTER_LINEAR)
    washes = cv2.edgePreservingFilter(washes, flags=cv2.RECURS_FILTER, sigma_s=40, sigma_r=0.45 - 0.3 * gentle)
    wash = washes.astype(np.float32) / 255
    wash = wobble(wash, tex, "wc-bleed", 7.0 * (1 - 0.7 * gentle), 35)
    wash = wobble(wash, tex, "wc-fringe", 2.0 * (1 - 0.5 * gentle), 6)
    # Transparent pigment: lighter than the photo, the paper shows through in the lights.
    pigment = 1 - wash
    pigment *= 0.7 + 0.3 * (1 + tex.smooth_noise("wc-density", 70)[..., None]) / 2
    pigment *= 1 + 0.12 * tex.smooth_noise("wc-granulation", 2.5)[..., None]  # pigment settling in the tooth
    # Darker rims where a wash dries: the gradient of the washes, softened.
    wl = luminance(wash)
    rims = np.hypot(cv2.Sobel(wl, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(wl, cv2.CV_32F, 0, 1, ksize=3))
    rims = cv2.GaussianBlur(np.clip(rims * 2.5, 0, 1), (0, 0), 1.2 * u)
    pigment = pigment * (0.9 + 0.6 * rims[..., None] * (1 - 0.5 * gentle))
    # A faint pencil underdrawing.
    lines = dog_lines(luminance(photo), 1.2 * u, threshold=0.01 + 0.01 * (1 - gentle))
    painted = 1 - np.clip(pigment * 0.85, 0, 1)
    painted = saturate(painted, 1.15)
    painted *= (1 - 0.35 * lines)[..., None]
    # Highlights stay the white of the paper.
    lights = np.clip((luminance(painted) - 0.8) / 0.12, 0, 1)[..., None]
    return painted * (1 - lights) + lights


def watercolor_ground(layer: np.ndarray, tex: Textures) -> np.ndarray:
    paper = np.array([0.99, 0.975, 0.945], np.float32)
    tooth = 1 + 0.045 * tex.grain("wc-paper") + 0.03 * tex.smooth_noise("wc-paper-cockle", 12)
    return np.clip(layer * paper * tooth[..., None], 0, 1)


def oil(photo: np.ndarray, tex: Textures, gentle: float) -> np.ndarray:
    u = tex.unit
    radius = round((7 - 4.5 * gentle) * u)
    paint = kuwahara(photo, radius)
    paint = kuwahara(paint, max(1, radius // 2))
    paint = saturate(paint, 1.25)
    # Warm, slightly deeper colour, as under varnish.
    paint = np.clip(paint * np.array([1.04, 1.0, 0.9], np.float32), 0, 1) ** 1.08
    # Brushstrokes: noise smeared along the forms, lit from the upper left as impasto.
    grey = luminance(paint)
    angle = stroke_angle(grey, 4 * u)
    strokes = streaks(tex.grain("oil-bristles"), angle, round(15 * u))
    strokes += 0.5 * streaks(tex.smooth_noise("oil-loads", 6), angle, round(21 * u))
    height = cv2.GaussianBlur(grey, (0, 0), 1.0) * 2.0 + strokes * (0.5 - 0.3 * gentle)
    relief = cv2.Sobel(height, cv2.CV_32F, 1, 0, ksize=3) + cv2.Sobel(height, cv2.CV_32F, 0, 1, ksize=3)
    paint = paint * (1 + 0.14 * np.tanh(relief * 1.2))[..., None]
    return np.clip(paint, 0, 1)


def oil_ground(layer: np.ndarray, tex: Textures) -> np.ndarray:
    h, w = layer.shape[:2]
    period = 3.2 * tex.unit
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    jitter = tex.smooth_noise("oil-weave", 30) * 1.5
    weave = np.sin((xs + jitter) * 2 * np.pi / period) * np.sin((ys - jitter) * 2 * np.pi / period)
    canvas = 1 + 0.05 * weave + 0.02 * tex.grain("oil-canvas")
    vignette = 1 - 0.18 * (((xs / w - 0.5) ** 2 + (ys / h - 0.5) ** 2) * 2)
    return np.clip(layer * (canvas * vignette)[..., None], 0, 1)


INK = np.array([0.08, 0.08, 0.1], np.float32)


def ink_wash(photo: np.ndarray, tex: Textures, gentle: float) -> np.ndarray:
    u = tex.unit
    grey8 = (luminance(photo) * 255).astype(np.uint8)
    calm = cv2.bilateralFilter(grey8, round(9 * u) | 1, 40, 7 * u).astype(np.float32) / 255
    calm = (
        cv2.edgePreservingFilter(
            cv2.cvtColor((calm * 255).astype(np.uint8), cv2.COLOR_GRAY2BGR),
            flags=cv2.RECURS_FILTER,
            sigma_s=40,
            sigma_r=0.3,
        )[..., 0].astype(np.float32)
        / 255
    )
    # Ink density: the lights are left as bare hanji, the darks laid in a few diluted tones.
    detail = luminance(photo) * gentle + calm * (1 - gentle)  # a face keeps its own modelling
    density = np.clip((0.74 + 0.14 * gentle - detail) / 0.7, 0, 1) ** (1.5 - 0.5 * gentle)
    levels = 3 + 3 * gentle
    stepped = np.round(density * levels) / levels
    density = stepped * (1 - 0.4 * gentle) + density * 0.4 * gentle
    # Wet ink bleeds into the paper fibres: softened, wandering, unevenly loaded.
    density = wobble(density, tex, "ink-bleed", 5 * (1 - 0.6 * gentle), 25)
    density = cv2.GaussianBlur(density, (0, 0), (2.2 - 1.4 * gentle) * u)
    density *= 0.75 + 0.25 * (1 + tex.smooth_noise("ink-load", 45)) / 2
    density *= 1 + 0.3 * tex.smooth_noise("ink-mottle", 9) * (1 - 0.5 * gentle)  # ink soaking unevenly
    # Brush lines along the contours, dry at their ends.
    lines = dog_lines(
        cv2.GaussianBlur(detail, (0, 0), 0.8 * u), (1.3 - 0.4 * gentle) * u, threshold=0.008 - 0.005 * gentle
    )
    pressure = 0.6 + 0.4 * (1 + tex.smooth_noise("ink-pressure", 20)) / 2  # the brush presses and lifts
    lines *= pressure * (1 - gentle) + gentle
    dry = np.clip(0.6 + 0.9 * streaks(tex.grain("ink-dry"), stroke_angle(calm, 3 * u), round(11 * u)), 0, 1)
    ink = np.clip(density * 0.8 + lines * dry * 0.9, 0, 1)
    return ink[..., None] * np.ones(3, np.float32)  # the ink's density; the ground lays it on hanji


def ink_ground(layer: np.ndarray, tex: Textures) -> np.ndarray:
    density = layer[..., 0]
    hanji = np.array([0.965, 0.94, 0.885], np.float32)
    fibres = tex.fibres("ink-hanji", 2500, 40) * 0.11 + tex.fibres("ink-hanji-long", 300, 120) * 0.08
    paper = hanji * (1 - fibres[..., None]) * (1 + 0.04 * tex.grain("ink-paper")[..., None])
    paper *= (1 + 0.03 * tex.smooth_noise("ink-stain", 150))[..., None]
    ink = density[..., None]
    return np.clip(paper * (1 - ink) + INK * ink, 0, 1)


GRAPHITE = np.array([0.16, 0.16, 0.18], np.float32)


def pencil(photo: np.ndarray, tex: Textures, gentle: float) -> np.ndarray:
    u = tex.unit
    # Contours: a colour dodge of the grey image over its blurred negative (the classic sketch).
    light = luminance(photo)
    blurred = cv2.GaussianBlur(1 - light, (0, 0), (5 - 2 * gentle) * u)
    dodge = np.clip(light / np.maximum(1 - blurred, 1e-3), 0, 1)
    contour = np.clip((1 - dodge) * (3.0 - 0.8 * gentle), 0, 1) ** 1.2
    # Shading: hatching at one angle, cross-hatching in the darks, with the tone of the photo.
    grey = cv2.GaussianBlur(luminance(photo), (0, 0), 2 * u)
    tone = np.clip((0.9 - grey) / 0.8, 0, 1)
    levels = 4 + 4 * gentle
    tone = np.round(tone * levels) / levels * (1 - gentle) + tone * gentle
    hatch = streaks(tex.grain("pencil-h1"), np.pi * 0.3, round(25 * u))
    cross = streaks(tex.grain("pencil-h2"), np.pi * 0.8, round(25 * u))
    hatch = np.clip(0.5 + hatch * 3.0, 0, 1)
    cross = np.clip(0.5 + cross * 3.0, 0, 1)
    shading = tone * hatch * 0.75 + np.clip(tone - 0.45, 0, 1) * cross * 0.9
    fine = np.clip((0.95 - cv2.GaussianBlur(light, (0, 0), 0.8 * u)) / 0.85, 0, 1)  # blended graphite
    shading = np.clip(shading * (1 - 0.6 * gentle) + fine * 0.7 * gentle, 0, 1)
    graphite = np.clip(np.maximum(contour * 0.95, shading * 0.85), 0, 1)
    return graphite[..., None] * np.ones(3, np.float32)


def pencil_ground(layer: np.ndarray, tex: Textures) -> np.ndarray:
    graphite = layer[..., 0]
    tooth = np.clip(1 - 0.35 * np.clip(tex.grain("pencil-tooth"), 0, None), 0.5, 1)  # graphite skips the pits
    amount = graphite * tooth
    paper = np.array([0.975, 0.97, 0.955], np.float32) * (1 + 0.015 * tex.grain("pencil-paper"))[..., None]
    amount = amount[..., None]
    return np.clip(paper * (1 - amount) + GRAPHITE * amount, 0, 1)


@dataclass(frozen=True)
class Recipe:
    key: str
    layer: Callable[[np.ndarray, Textures, float], np.ndarray]
    ground: Callable[[np.ndarray, Textures], np.ndarray]
    face_gentleness: float  # how gently faces are painted (0: as the rest; 1: the gentle version)


RECIPES: dict[str, Recipe] = {
    "watercolor": Recipe("watercolor", watercolor, watercolor_ground, 1.0),
    "oil-painting": Recipe("oil-painting", oil, oil_ground, 1.0),
    "ink-wash": Recipe("ink-wash", ink_wash, ink_ground, 0.65),
    "pencil": Recipe("pencil", pencil, pencil_ground, 1.0),
}
DEFAULT_RECIPE = "watercolor"
# Slugs of styles a site adds itself are matched by the medium they name.
ALIASES = {
    "watercolour": "watercolor",
    "oil": "oil-painting",
    "ink": "ink-wash",
    "sumuk": "ink-wash",
    "sumi": "ink-wash",
    "pencil": "pencil",
    "sketch": "pencil",
    "charcoal": "pencil",
}


def recipe_for(style: str | None) -> Recipe:
    """The recipe of a style's slug; an unknown slug gets the medium its slug names, else watercolour."""
    key = (style or "").strip().lower()
    if key in RECIPES:
        return RECIPES[key]
    for word, target in ALIASES.items():
        if word in key:
            return RECIPES[target]
    for target in RECIPES:
        if target in key:
            return RECIPES[target]
    return RECIPES[DEFAULT_RECIPE]


# --------------------------------------------------------------------------------------------
# Faces


def face_mask(shape: tuple[int, int], boxes, feather: float = 0.25) -> np.ndarray:
    """A soft mask, 1 over each face (an ellipse a little larger than its box), fading to 0."""
    h, w = shape
    mask = np.zeros((h, w), np.float32)
    for box in boxes:
        cx, cy = (box.left + box.right) / 2, (box.top + box.bottom) / 2 - 0.05 * box.height
        ax, ay = box.width * 0.62, box.height * 0.8
        cv2.ellipse(mask, (round(cx), round(cy)), (round(ax), round(ay)), 0, 0, 360, 1.0, -1)
    if boxes:
        size = max(max(b.width, b.height) for b in boxes)
        mask = cv2.GaussianBlur(mask, (0, 0), max(1.0, feather * size))
        mask = np.clip(mask * 1.25, 0, 1)
    return mask


def find_faces(image8: np.ndarray) -> list:
    """The faces to paint gently. Without dlib's models (a broken install) the painting is still
    made, every part fully painted, and the worker's log says why."""
    from generation.worker import faces

    upsample = 1 if max(image8.shape[:2]) <= 1024 else 0
    try:
        return faces.find_faces(image8, upsample=upsample)
    except (ImportError, RuntimeError):
        logger.warning("the built-in painter found no face detector; faces are painted like the rest", exc_info=True)
        return []


def _region(boxes, shape, margin: float = 1.2) -> tuple[int, int, int, int]:
    h, w = shape
    top = min(b.top - margin * b.height for b in boxes)
    bottom = max(b.bottom + margin * b.height for b in boxes)
    left = min(b.left - margin * b.width for b in boxes)
    right = max(b.right + margin * b.width for b in boxes)
    return max(0, int(top)), min(h, int(bottom) + 1), max(0, int(left)), min(w, int(right) + 1)


class _CroppedTextures(Textures):
    """The same noise fields as a painting's, seen through a window (so a face's gentle painting
    lies on the same paper)."""

    def __init__(self, parent: Textures, top: int, bottom: int, left: int, right: int):
        self.parent, self.window = parent, (slice(top, bottom), slice(left, right))
        self.height, self.width, self.seed, self.unit = bottom - top, right - left, parent.seed, parent.unit
        self._cache = {}

    def get(self, name, make):
        if name not in self._cache:
            self._cache[name] = self.parent.get(name, make)[self.window]
        return self._cache[name]


def paint_array(photo: np.ndarray, *, style: str | None = None, seed: int = 0, face_boxes=None) -> np.ndarray:
    """Paint an RGB uint8 array at its own size. ``face_boxes``: None finds them; [] paints no face gently."""
    recipe = recipe_for(style)
    h, w = photo.shape[:2]
    image = photo.astype(np.float32) / 255
    tex = Textures(h, w, seed)
    layer = recipe.layer(image, tex, 0.0)
    boxes = find_faces(photo) if face_boxes is None else list(face_boxes)
    if boxes and recipe.face_gentleness > 0:
        top, bottom, left, right = _region(boxes, (h, w))
        window = _CroppedTextures(tex, top, bottom, left, right)
        gentle = recipe.layer(image[top:bottom, left:right], window, recipe.face_gentleness)
        mask = face_mask((h, w), boxes)[top:bottom, left:right, None]
        region = layer[top:bottom, left:right]
        layer[top:bottom, left:right] = region * (1 - mask) + gentle * mask
    painted = recipe.ground(layer, tex)
    return np.clip(painted * 255 + 0.5, 0, 255).astype(np.uint8)


def paint(
    photo: Image.Image, *, long_side: int, strength: float = 0.6, style: str | None = None, seed: int = 0
) -> Image.Image:
    """The built-in painter: the photo painted in ``style`` (a style's slug), the long side ``long_side``.

    ``strength`` is the diffusion pipeline's; each recipe knows how far its medium moves from the
    photo, and faces are painted gently whatever it says."""
    size = output_size(photo.width, photo.height, long_side)
    image = np.asarray(photo.convert("RGB").resize(size, Image.LANCZOS))
    return Image.fromarray(paint_array(image, style=style, seed=seed))


def paint_light(photo: Image.Image, *, long_side: int, strength: float = 0.6) -> Image.Image:
    """The former light filter (one Pillow filter for every style): the bench's baseline."""
    size = output_size(photo.width, photo.height, long_side)
    image = photo.convert("RGB").resize(size, Image.LANCZOS)
    radius = max(1, round(size[0] / 256))
    # Flatten colour into strokes: a median keeps edges, a mode filter makes patches of paint.
    paint_layer = image.filter(ImageFilter.MedianFilter(2 * radius + 1)).filter(ImageFilter.ModeFilter(2 * radius + 1))
    paint_layer = ImageOps.posterize(paint_layer, 5)
    paint_layer = ImageEnhance.Color(paint_layer).enhance(1.15)
    # Soft ink lines from the edges, laid back over the paint.
    edges = ImageOps.invert(image.convert("L").filter(ImageFilter.FIND_EDGES)).filter(ImageFilter.SMOOTH_MORE)
    edges = ImageEnhance.Contrast(edges).enhance(1.6).convert("RGB")
    painted = ImageChops.multiply(paint_layer, edges)
    # A warm paper tone, and `strength` decides how far the painting moves from the photo.
    paper = Image.new("RGB", size, (246, 238, 222))
    painted = Image.blend(painted, ImageChops.multiply(painted, paper), 0.35)
    return Image.blend(image, painted, max(0.0, min(1.0, 0.35 + strength)))
