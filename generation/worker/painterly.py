"""The light painterly filter: what paints when no diffusion weights are configured.

It is honest about what it is: the artwork's backend says "filter:painterly", and the page
says that a filter, not the AI painter, made it. Pillow only; no torch.
"""

from __future__ import annotations

from PIL import Image, ImageChops, ImageEnhance, ImageFilter, ImageOps

BACKEND = "filter:painterly"


def output_size(width: int, height: int, long_side: int) -> tuple[int, int]:
    """Same aspect as the photo, the long side `long_side`, both sides multiples of 8."""
    scale = long_side / max(width, height)
    return max(8, round(width * scale / 8) * 8), max(8, round(height * scale / 8) * 8)


def paint(photo: Image.Image, *, long_side: int, strength: float = 0.6) -> Image.Image:
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
