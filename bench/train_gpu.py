"""LoRA training step rate of OUR trainer on the full-size Stable Diffusion 1.5 architecture, on a GPU.

Standalone (no Django, no download): the script builds SD 1.5's UNet (860M parameters), its VAE
and the CLIP ViT-L/14 text encoder from configs written below, with random weights, saves them
with ``save_pretrained`` in the diffusers pipeline layout (``model_index.json``, ``unet/``,
``vae/``, ``text_encoder/``, ``tokenizer/``, ``scheduler/``), draws a dataset of captioned
random images, and runs ``generation.training.trainer.train`` on them: the product's own
loading path (``loader._from_pretrained``), dataset reader and training loop. Random weights
change no shape and so no speed; only the loss values mean nothing.

The recipe (the trainer's defaults): LoRA rank 8 on to_q/to_k/to_v/to_out.0, lr 1e-4, batch 4,
512x512, fp16 mixed precision (base weights in fp16, LoRA in fp32, GradScaler), 8-bit AdamW
(bitsandbytes; the trainer falls back to torch AdamW where it cannot run, and this script
prints which one was used). ``--warmup`` steps are run first, then ``--steps`` timed steps;
the clock is read after each optimizer step, behind ``torch.cuda.synchronize()``.

    python bench/train_gpu.py                    # full size, 512x512, batch 4, 10 + 50 steps
    python bench/train_gpu.py --tiny             # tiny configs, 64x64, 1 + 3 steps (checks the script, on a CPU too)

The repository root must be importable (the script puts it on ``sys.path`` itself); diffusers,
transformers, peft and (for 8-bit AdamW) bitsandbytes must be installed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shlex
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

WORDS = (
    "portrait",
    "garden",
    "harbour",
    "family",
    "candle",
    "river",
    "mountain",
    "table",
    "window",
    "evening",
    "autumn",
    "light",
    "old",
    "quiet",
    "warm",
    "blue",
    "golden",
    "smiling",
)

# Stable Diffusion 1.5's configs (runwayml/stable-diffusion-v1-5), the values that set shapes.
SD15_UNET = dict(
    sample_size=64,
    in_channels=4,
    out_channels=4,
    layers_per_block=2,
    block_out_channels=(320, 640, 1280, 1280),
    down_block_types=("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
    up_block_types=("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"),
    cross_attention_dim=768,
    attention_head_dim=8,
    norm_num_groups=32,
    act_fn="silu",
    downsample_padding=1,
    flip_sin_to_cos=True,
    freq_shift=0,
    mid_block_scale_factor=1,
    norm_eps=1e-5,
)
SD15_VAE = dict(
    in_channels=3,
    out_channels=3,
    latent_channels=4,
    layers_per_block=2,
    sample_size=512,
    block_out_channels=(128, 256, 512, 512),
    down_block_types=("DownEncoderBlock2D",) * 4,
    up_block_types=("UpDecoderBlock2D",) * 4,
    norm_num_groups=32,
    act_fn="silu",
    scaling_factor=0.18215,
)
CLIP_L14_TEXT = dict(  # openai/clip-vit-large-patch14's text model
    vocab_size=49408,
    hidden_size=768,
    intermediate_size=3072,
    num_hidden_layers=12,
    num_attention_heads=12,
    max_position_embeddings=77,
    hidden_act="quick_gelu",
    layer_norm_eps=1e-5,
    projection_dim=768,
)
# Tiny configs (tests/tiny_models.py's), for --tiny.
TINY_UNET = dict(
    sample_size=32,
    in_channels=4,
    out_channels=4,
    layers_per_block=2,
    block_out_channels=(32, 64),
    down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
    up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
    cross_attention_dim=32,
    norm_num_groups=8,
)
TINY_VAE = dict(
    in_channels=3,
    out_channels=3,
    latent_channels=4,
    block_out_channels=(32, 64),
    down_block_types=("DownEncoderBlock2D",) * 2,
    up_block_types=("UpDecoderBlock2D",) * 2,
    norm_num_groups=8,
    scaling_factor=0.18215,
)
TINY_TEXT = dict(
    vocab_size=49408,
    hidden_size=32,
    intermediate_size=37,
    num_hidden_layers=2,
    num_attention_heads=4,
    max_position_embeddings=77,
    projection_dim=32,
)


def build_base(folder: Path, tiny: bool, device: str) -> dict:
    """Random-weight SD 1.5 (or tiny) saved as a StableDiffusionPipeline folder, weights in fp16
    on CUDA (the trainer loads them in its mixed-precision dtype anyway), fp32 elsewhere."""
    import tempfile

    import torch
    from diffusers import AutoencoderKL, DDPMScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    from tests.tiny_models import make_tokenizer

    torch.manual_seed(0)
    # Random initialisation of 1.1 billion parameters is much faster on the GPU.
    with torch.device(device if device.startswith("cuda") else "cpu"):
        unet = UNet2DConditionModel(**(TINY_UNET if tiny else SD15_UNET))
        vae = AutoencoderKL(**(TINY_VAE if tiny else SD15_VAE))
        with tempfile.TemporaryDirectory() as tmp:
            # The byte-level vocabulary of tests/tiny_models.py (514 tokens, every text
            # encodable); the text model keeps CLIP's 49408-row embedding, which covers its ids.
            tokenizer = make_tokenizer(Path(tmp))
        text_encoder = CLIPTextModel(
            CLIPTextConfig(
                **(TINY_TEXT if tiny else CLIP_L14_TEXT),
                bos_token_id=tokenizer.bos_token_id,
                eos_token_id=tokenizer.eos_token_id,
                pad_token_id=tokenizer.pad_token_id,
            )
        )
    scheduler = DDPMScheduler(
        num_train_timesteps=1000,
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        prediction_type="epsilon",
        clip_sample=False,
        steps_offset=1,
    )
    counts = {
        name: sum(p.numel() for p in model.parameters())
        for name, model in (("unet", unet), ("vae", vae), ("text_encoder", text_encoder))
    }
    pipe = StableDiffusionPipeline(
        unet=unet,
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        scheduler=scheduler,
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    if device.startswith("cuda"):
        pipe.to(torch.float16)
    shutil.rmtree(folder, ignore_errors=True)
    pipe.save_pretrained(folder, safe_serialization=True)
    del pipe, unet, vae, text_encoder
    return counts


def make_dataset(folder: Path, n: int, size: int, seed: int = 0) -> None:
    """``n`` random size x size images (smooth colour fields plus grain), each with a caption."""
    import numpy as np
    from PIL import Image

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    words = random.Random(seed)
    for i in range(n):
        coarse = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
        field = np.asarray(Image.fromarray(coarse).resize((size, size), Image.BICUBIC), dtype=np.int16)
        grain = rng.integers(-20, 21, (size, size, 3), dtype=np.int16)
        Image.fromarray(np.clip(field + grain, 0, 255).astype(np.uint8)).save(folder / f"img{i:03d}.png")
        caption = "a " + " ".join(words.choice(WORDS) for _ in range(6))
        (folder / f"img{i:03d}.txt").write_text(caption, encoding="utf-8")


def versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in ("torch", "diffusers", "transformers", "peft", "bitsandbytes", "accelerate"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="tiny configs, 64x64, 1 + 3 steps (a check of the script)")
    parser.add_argument("--steps", type=int, help="timed optimizer steps (default 50; --tiny: 3)")
    parser.add_argument("--warmup", type=int, help="untimed steps first (default 10; --tiny: 1)")
    parser.add_argument("--resolution", type=int, help="default 512; --tiny: 64")
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--images", type=int, default=64)
    parser.add_argument("--rank", type=int, default=8)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--optimizer", choices=("adamw8bit", "adamw"), default="adamw8bit")
    parser.add_argument(
        "--mixed-precision",
        choices=("fp16", "bf16", "no", "auto"),
        default="fp16",
        help="default fp16 (the recipe); on a CPU the trainer runs fp32 whatever is asked",
    )
    parser.add_argument("--device", default="auto")
    parser.add_argument("--workdir", default=os.path.join("/tmp", "sd15-train-bench"))
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    steps = args.steps if args.steps is not None else (3 if args.tiny else 50)
    warmup = args.warmup if args.warmup is not None else (1 if args.tiny else 10)
    resolution = args.resolution or (64 if args.tiny else 512)
    command = " ".join(shlex.quote(a) for a in [os.path.basename(sys.executable), *sys.argv])

    import torch

    from generation.pipeline import torch_compat

    torch_compat.install()  # the torchvision fix, as the worker does
    from generation.training.trainer import TrainingConfig, TrainingError, resolve_device, train

    device = resolve_device(args.device)
    cuda = device.startswith("cuda")
    gpu = torch.cuda.get_device_name(device) if cuda else f"none (CPU, {os.cpu_count()} cores)"
    work = Path(args.workdir)
    base, data, output = work / "sd15-random", work / "images", work / "output"

    started = time.perf_counter()
    counts = build_base(base, args.tiny, device)
    build_s = time.perf_counter() - started
    if cuda:
        torch.cuda.empty_cache()
    started = time.perf_counter()
    make_dataset(data, args.images, resolution)
    data_s = time.perf_counter() - started
    print(
        f"built {'tiny' if args.tiny else 'full-size SD 1.5'} random-weight model in {build_s:.1f} s "
        f"(parameters: " + ", ".join(f"{k} {v / 1e6:.1f}M" for k, v in counts.items()) + f"); "
        f"{args.images} images {resolution}x{resolution} in {data_s:.1f} s",
        flush=True,
    )

    def run(precision: str):
        marks = []

        def on_step(step, total, loss):
            if cuda:
                torch.cuda.synchronize()
            marks.append((step, time.perf_counter(), loss))
            if step == 1 or step == warmup or step % 10 == 0 or step == total:
                print(f"  step {step}/{total} loss {loss:.4f}", flush=True)

        if cuda:
            torch.cuda.reset_peak_memory_stats()
        config = TrainingConfig(
            base=str(base),
            dataset=str(data),
            output_dir=str(output),
            rank=args.rank,
            learning_rate=args.lr,
            batch_size=args.batch,
            optimizer=args.optimizer,
            resolution=resolution,
            max_steps=warmup + steps,
            mixed_precision=precision,
            device=device,
            seed=0,
            checkpoint_every=None,
            preview_prompts=(),
        )
        result = train(config, on_step=on_step)
        return result, marks

    notes = []
    try:
        result, marks = run(args.mixed_precision)
    except TrainingError as exc:
        if args.mixed_precision != "fp16" or "loss became" not in str(exc):
            raise
        notes.append(f"fp16 failed ({exc}); ran again in bf16")
        print(notes[-1], flush=True)
        result, marks = run("bf16")

    timed = [m for m in marks if m[0] >= warmup]  # from the end of the last warm-up step
    seconds = timed[-1][1] - timed[0][1]
    n = timed[-1][0] - timed[0][0]
    per_step = [b[1] - a[1] for a, b in zip(timed, timed[1:], strict=False)]
    report = {
        "command": command,
        "gpu": gpu,
        "device": result.device,
        "versions": versions(),
        "model": "tiny (test configs)" if args.tiny else "full-size SD 1.5 architecture, random weights",
        "parameters": counts,
        "resolution": resolution,
        "batch_size": args.batch,
        "rank": args.rank,
        "learning_rate": args.lr,
        "images": args.images,
        "precision": result.mixed_precision_used,
        "optimizer_asked": args.optimizer,
        "optimizer_used": result.optimizer_used,
        "optimizer_note": result.optimizer_note,
        "warmup_steps": warmup,
        "timed_steps": n,
        "timed_seconds": round(seconds, 3),
        "steps_per_s": round(n / seconds, 3),
        "images_per_s": round(n * args.batch / seconds, 2),
        "median_step_s": round(statistics.median(per_step), 4),
        "slowest_step_s": round(max(per_step), 4),
        "peak_gpu_memory_allocated_gib": round(torch.cuda.max_memory_allocated() / 2**30, 2) if cuda else None,
        "peak_gpu_memory_reserved_gib": round(torch.cuda.max_memory_reserved() / 2**30, 2) if cuda else None,
        "losses_last5": result.losses[-5:],
        "trainer_notes": result.notes,
        "notes": notes,
    }
    print()
    print(f"GPU: {gpu}")
    v = report["versions"]
    print(
        f"python {v['python']}, torch {v['torch']}, diffusers {v['diffusers']}, transformers {v['transformers']}, "
        f"peft {v['peft']}, bitsandbytes {v['bitsandbytes']}"
    )
    print(f"model: {report['model']} (" + ", ".join(f"{k} {c / 1e6:.1f}M" for k, c in counts.items()) + " parameters)")
    print(
        f"trainer: generation.training.trainer.train, LoRA rank {args.rank} on to_q/to_k/to_v/to_out.0, "
        f"lr {args.lr:g}, batch {args.batch}, {resolution}x{resolution}, {args.images} images"
    )
    print(f"precision: {result.mixed_precision_used} (asked {args.mixed_precision})")
    print(
        f"optimizer: {result.optimizer_used} (asked {args.optimizer})"
        + (f" - {result.optimizer_note}" if result.optimizer_note else "")
    )
    print(f"timed: {n} steps after {warmup} warm-up steps in {seconds:.2f} s")
    print(
        f"speed: {report['steps_per_s']:.2f} steps/s, {report['images_per_s']:.1f} images/s "
        f"(median step {report['median_step_s'] * 1000:.0f} ms, slowest {report['slowest_step_s'] * 1000:.0f} ms)"
    )
    if cuda:
        print(
            f"peak GPU memory: {report['peak_gpu_memory_allocated_gib']:.2f} GiB allocated "
            f"(torch.cuda.max_memory_allocated), {report['peak_gpu_memory_reserved_gib']:.2f} GiB reserved"
        )
    for note in result.notes + notes:
        print(f"note: {note}")
    print(f"command: {command}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
