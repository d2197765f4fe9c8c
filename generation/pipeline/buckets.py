"""Paint at a few fixed sizes: the photo is padded up to a bucket, the painting cropped back.

``torch.compile`` (speed.py) compiles the UNet and ControlNets for each input shape, and a
compiled graph serves only its own shape: were every photo painted at its own size, each new
aspect would compile again (tens of seconds). So the painter always paints at a *bucket*:
both sides rounded up to a multiple of ``STEP`` (64 px, 8 latent pixels: what SD 1.5's three
down-samplings divide evenly). The photo is centred in it with mirrored edges (what img2img
continues naturally), the control images are padded with black (no pose, no lines, far
depth), and the painting is cropped back to the photo's box: the painting keeps the
photo's aspect exactly (the only rounding left is ``painter.output_size``'s multiple of 8),
nothing is stretched. With the long side fixed (``ARTWORK_LONG_SIDE``, 768 by default) there
are at most 2 x 768 / 64 = 24 sizes, whatever the photos; on a CPU the padding costs at most
63 px of one side, and it is applied there too so a painting does not depend on the device.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

STEP = 64


@dataclass(frozen=True)
class Bucket:
    width: int  # the size painted at
    height: int
    box: tuple[int, int, int, int]  # where the painting lies in it: left, top, right, bottom

    @property
    def size(self) -> tuple[int, int]:
        return (self.width, self.height)

    @property
    def padded(self) -> bool:
        return self.size != (self.box[2] - self.box[0], self.box[3] - self.box[1])

    def pad_photo(self, image: Image.Image) -> Image.Image:
        """``image`` (the painting's size) centred in the bucket, the rest its mirror image."""
        if not self.padded:
            return image
        left, top, right, bottom = self.box
        pixels = np.asarray(image.convert("RGB"))
        pads = ((top, self.height - bottom), (left, self.width - right), (0, 0))
        return Image.fromarray(np.pad(pixels, pads, mode="symmetric"))

    def pad_control(self, image: Image.Image) -> Image.Image:
        """A control image (the painting's size) centred on black."""
        if not self.padded:
            return image
        canvas = Image.new("RGB", self.size)
        canvas.paste(image.convert("RGB"), self.box[:2])
        return canvas

    def crop(self, image: Image.Image) -> Image.Image:
        """The painting, cut back out of what was painted at the bucket's size."""
        if image.size != self.size:  # not expected: the pipeline paints at height x width
            image = image.resize(self.size, Image.LANCZOS)
        return image.crop(self.box) if self.padded else image


def bucket_for(width: int, height: int) -> Bucket:
    """The bucket a painting of ``width`` x ``height`` is painted in."""
    if width <= 0 or height <= 0:
        raise ValueError(f"width and height must be positive, got {width}x{height}")
    bw, bh = _up(width), _up(height)
    left, top = (bw - width) // 2, (bh - height) // 2
    return Bucket(width=bw, height=bh, box=(left, top, left + width, top + height))


def _up(value: int) -> int:
    return -(-value // STEP) * STEP
