"""What a ControlNet switched off (scale 0) costs, on the tiny random-weight models.

A style may switch a control off. Painting then runs only the other ControlNets
(painter.pipeline_for); before, every ControlNet ran at every step and the off one was
multiplied by 0. This paints the same photo, in the same run, three ways and prints the median
painting time of each (annotators excluded):

  all three controls on                          (the full pipeline)
  one control off, run anyway at scale 0          (the full pipeline: the old way)
  one control off, left out                       (pipeline_for: what paint() does now)

    .venv/bin/python bench/controls.py [--runs 5] [--long-side 192] [--steps 20] [--off depth]

A ControlNet is a copy of its UNet's encoder: the tiny ones hold 0.48x their UNet's parameters,
SD 1.5's about 0.42x (361 M against 860 M), so the ratio is indicative; the seconds are not.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 0.95
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--long-side", type=int, default=192)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--off", choices=["openpose", "depth", "mlsd"], default="depth")
    args = parser.parse_args()

    from generation.pipeline import torch_compat

    torch_compat.install()
    import torch
    from PIL import Image, ImageDraw

    from generation.pipeline.config import ModelConfig
    from generation.pipeline.loader import CONTROL_NAMES, get_models
    from generation.pipeline.painter import output_size, pipeline_for, prepare_controls
    from tests.tiny_models import cached_build

    paths = cached_build()
    models = get_models(
        ModelConfig(
            base=paths["base"],
            controlnet_openpose=paths["controlnet_openpose"],
            controlnet_depth=paths["controlnet_depth"],
            controlnet_mlsd=paths["controlnet_mlsd"],
            annotators=paths["annotators"],
            device="cpu",
            dtype="float32",
        )
    )
    photo = Image.new("RGB", (480, 360), (200, 190, 170))
    draw = ImageDraw.Draw(photo)
    draw.ellipse((200, 60, 280, 140), fill=(230, 180, 150))
    draw.rectangle((210, 140, 270, 330), fill=(60, 90, 160))
    draw.line((0, 300, 480, 280), fill=(40, 40, 40), width=4)
    width, height = output_size(*photo.size, args.long_side)
    photo = photo.resize((width, height))
    controls = prepare_controls(models, photo, (1.0, 1.0, 1.0))
    off = CONTROL_NAMES.index(args.off)
    scales = [0.0 if i == off else 1.0 for i in range(len(CONTROL_NAMES))]

    def call(pipe, indices, conditioning):
        return pipe(
            prompt="a watercolor portrait",
            image=photo,
            control_image=[controls[i] for i in indices],
            height=height,
            width=width,
            strength=0.6,
            num_inference_steps=args.steps,
            guidance_scale=5.0,
            controlnet_conditioning_scale=[conditioning[i] for i in indices],
            control_guidance_start=[0.0] * len(indices),
            control_guidance_end=[1.0] * len(indices),
            generator=torch.Generator(device="cpu").manual_seed(1),
            output_type="pil",
        ).images[0]

    partial, active = pipeline_for(models, scales)
    everything = tuple(range(len(CONTROL_NAMES)))
    ways = {
        "all three controls on": lambda: call(models.pipe, everything, [1.0] * 3),
        f"{args.off} off, run at scale 0 (old)": lambda: call(models.pipe, everything, scales),
        f"{args.off} off, left out (now)": lambda: call(partial, active, scales),
    }
    times = {name: [] for name in ways}
    images = {}
    for name, way in ways.items():
        images[name] = way()  # warm
    for _ in range(args.runs):  # interleaved: the shared machine's load falls on all three alike
        for name, way in ways.items():
            started = time.perf_counter()
            way()
            times[name].append(time.perf_counter() - started)

    import numpy as np

    old, new = (list(images.values())[1], list(images.values())[2])
    difference = int(np.abs(np.asarray(old, dtype=np.int16) - np.asarray(new, dtype=np.int16)).max())
    print(
        f"tiny models, {width}x{height}, {args.steps} steps x strength 0.6, {args.runs} runs each, torch threads {torch.get_num_threads()}"
    )
    base = statistics.median(times["all three controls on"])
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name:<36} median {median:6.3f} s   {median / base:5.2f}x of all three on")
    old_t, new_t = (statistics.median(v) for v in list(times.values())[1:])
    met = new_t / old_t <= TARGET and difference <= 1
    print(
        f"leaving the switched-off ControlNet out: {new_t / old_t:.2f}x the time of running it at scale 0 "
        f"(target <= {TARGET}); largest pixel difference between the two paintings: {difference} (of 255, target <= 1)"
    )
    print(f"TARGET {'MET' if met else 'MISSED'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
