"""What the painter tests share: a small paint request on the tiny models, and pixels to compare."""

import numpy as np

from generation.pipeline.painter import PaintRequest


def request(photo, **changes) -> PaintRequest:
    """A two-step painting of ``photo`` at 64 px with every ControlNet on; ``changes`` override."""
    values = {
        "image": photo,
        "prompt": "a watercolor portrait",
        "negative_prompt": "blurry",
        "lora_name": None,
        "lora_path": None,
        "lora_scale": 1.0,
        "strength": 1.0,
        "steps": 2,
        "guidance_scale": 5.0,
        "control_scales": (1.0, 1.0, 1.0),
        "seed": 7,
        "long_side": 64,
    }
    values.update(changes)
    return PaintRequest(**values)


def pixels(image):
    return np.asarray(image).astype(np.int16)
