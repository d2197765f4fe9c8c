"""Train a style LoRA for Stable Diffusion 1.5 on a captioned image folder.

This follows diffusers' own LoRA text-to-image recipe
(``examples/text_to_image/train_text_to_image_lora.py``): the frozen VAE encodes the
images (times ``scaling_factor``), a ``DDPMScheduler`` made from the base model's
scheduler config adds noise at random timesteps, the UNet carries a peft LoRA
(``init_lora_weights="gaussian"`` on ``to_k/to_q/to_v/to_out.0``) and learns to predict
the noise (or the velocity, when the scheduler says ``v_prediction``) under an MSE loss,
optionally weighted by min-SNR (``snr_gamma``). AdamW with weight decay 1e-2 and eps 1e-8,
gradients clipped at 1.0, a constant learning rate. Two liberties, neither changing the
mathematics: the captions are encoded once up front (the text encoder is frozen and has
no dropout), and the decoded, cropped images are kept in memory.

Defaults are the thesis recipe: rank 8, lr 1e-4, batch size 4, 8-bit AdamW (bitsandbytes).
Where bitsandbytes cannot run on the device, torch's AdamW is used and the result says so.

Everything random (data order, VAE sampling, noise, timesteps, flips) comes from seeded
generators whose state goes into each checkpoint, so a run resumed from a checkpoint takes
the same steps, with the same losses, as one that never stopped.

Output folder::

    pytorch_lora_weights.safetensors   what pipe.load_lora_weights(folder) reads
    previews/preview-1.png ...          fixed prompts and seeds, painted with the LoRA
    training.json                       what was asked, what was used, the losses
    checkpoints/step-N/                 LoRA + optimizer + step + RNG states

Imported by the worker and the management command only (it imports torch).
"""

from __future__ import annotations

import json
import logging
import math
import random
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from generation.pipeline import torch_compat
from generation.pipeline.loader import ModelLoadError, _from_pretrained
from generation.training.dataset import Dataset, check_dataset, with_trigger

log = logging.getLogger(__name__)

LORA_FILE = "pytorch_lora_weights.safetensors"
TARGET_MODULES = ("to_k", "to_q", "to_v", "to_out.0")
OPTIMIZERS = ("adamw8bit", "adamw")
MIXED_PRECISIONS = ("auto", "no", "fp16", "bf16")
DEFAULT_EPOCHS = 10
DEFAULT_PREVIEW_PROMPTS = (
    "a portrait of an elderly woman smiling",
    "a family sitting together at a table",
    "a quiet harbour at dawn",
)
CHECKPOINT_DONE = "state.json"  # written last: a checkpoint without it is unfinished


class TrainingError(RuntimeError):
    """Training could not go on (a checkpoint that does not fit, a loss that became NaN...)."""


@dataclass(frozen=True)
class TrainingConfig:
    base: str  # a local folder or a hub id, read as production reads it
    dataset: str
    output_dir: str
    trigger: str = ""
    rank: int = 8
    alpha: float | None = None  # None: the rank (scale 1)
    learning_rate: float = 1e-4
    batch_size: int = 4
    grad_accum: int = 1
    optimizer: str = "adamw8bit"
    epochs: int | None = None  # neither epochs nor max_steps: DEFAULT_EPOCHS
    max_steps: int | None = None  # wins over epochs
    resolution: int = 512
    seed: int = 0
    snr_gamma: float | None = None
    mixed_precision: str = "auto"  # auto: bf16 (or fp16) on CUDA, fp32 elsewhere
    device: str = "auto"
    checkpoint_every: int | None = 100  # optimizer steps; None or 0: only on stop and at the end
    checkpoints_kept: int = 2
    resume: bool = False
    random_flip: bool = False
    gradient_checkpointing: bool = False
    max_grad_norm: float = 1.0
    weight_decay: float = 1e-2
    adam_beta1: float = 0.9
    adam_beta2: float = 0.999
    adam_epsilon: float = 1e-8
    preview_prompts: tuple[str, ...] = DEFAULT_PREVIEW_PROMPTS
    preview_steps: int = 30
    preview_guidance: float = 7.5
    preview_seed: int = 1234

    def __post_init__(self):
        check_config(self)

    @property
    def lora_alpha(self) -> float:
        return float(self.alpha) if self.alpha is not None else float(self.rank)


def check_config(c: TrainingConfig) -> None:
    """Raise ``ValueError`` naming the first bad value."""
    for name in ("base", "dataset", "output_dir"):
        if not getattr(c, name) or not isinstance(getattr(c, name), str):
            raise ValueError(f"{name} must be a non-empty string, got {getattr(c, name)!r}")
    _int("rank", c.rank, 1, 1024)
    _int("batch_size", c.batch_size, 1, 4096)
    _int("grad_accum", c.grad_accum, 1, 4096)
    _int("resolution", c.resolution, 8, 4096)
    if c.resolution % 8:
        raise ValueError(f"resolution must be a multiple of 8, got {c.resolution}")
    _int("seed", c.seed, 0, 2**63 - 1)
    _int("checkpoints_kept", c.checkpoints_kept, 1, 1000)
    _int("preview_steps", c.preview_steps, 1, 500)
    _int("preview_seed", c.preview_seed, 0, 2**63 - 1)
    for name in ("epochs", "max_steps"):
        if getattr(c, name) is not None:
            _int(name, getattr(c, name), 1, 10**9)
    if c.checkpoint_every is not None:
        _int("checkpoint_every", c.checkpoint_every, 0, 10**9)
    if c.alpha is not None:
        _float("alpha", c.alpha, 0.0, 1e6, low_open=True)
    _float("learning_rate", c.learning_rate, 0.0, 1.0, low_open=True)
    if c.snr_gamma is not None:
        _float("snr_gamma", c.snr_gamma, 0.0, 1e6, low_open=True)
    _float("max_grad_norm", c.max_grad_norm, 0.0, 1e6, low_open=True)
    _float("weight_decay", c.weight_decay, 0.0, 1.0)
    _float("adam_epsilon", c.adam_epsilon, 0.0, 1.0, low_open=True)
    _float("adam_beta1", c.adam_beta1, 0.0, 1.0)
    _float("adam_beta2", c.adam_beta2, 0.0, 1.0)
    _float("preview_guidance", c.preview_guidance, 0.0, 30.0)
    if c.optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {c.optimizer!r}")
    if c.mixed_precision not in MIXED_PRECISIONS:
        raise ValueError(f"mixed_precision must be one of {MIXED_PRECISIONS}, got {c.mixed_precision!r}")
    if not isinstance(c.preview_prompts, (tuple, list)) or not all(isinstance(p, str) for p in c.preview_prompts):
        raise ValueError(f"preview_prompts must be a tuple of strings, got {c.preview_prompts!r}")


def _int(name, value, low, high):
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be an integer from {low} to {high}, got {value!r}")


def _float(name, value, low, high, low_open=False):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if value < low or value > high or (low_open and value == low):
        raise ValueError(f"{name} must be in {'(' if low_open else '['}{low}, {high}], got {value!r}")


@dataclass
class TrainingResult:
    output_dir: str
    lora_file: str | None  # None when the run was stopped before the end
    previews: list[str]
    step: int  # optimizer steps done, counting those before a resume
    total_steps: int
    losses: list[float]  # one per optimizer step, from step 1
    optimizer_used: str  # "adamw8bit" or "adamw"
    optimizer_note: str  # why the requested optimizer was not used ("" when it was)
    optimizer_state_step: int  # the step count inside the optimizer's state
    mixed_precision_used: str  # "no", "fp16" or "bf16"
    device: str
    resumed_from: int | None  # the checkpoint's step, when resumed
    stopped: bool  # should_stop() ended the run early (a checkpoint holds where it was)
    seconds: float
    train_seconds: float  # the step loop only
    dataset_size: int
    notes: list[str] = field(default_factory=list)


# --- the plan: which images make each step ------------------------------------------------


@dataclass(frozen=True)
class Plan:
    dataset_size: int
    batch_size: int
    grad_accum: int
    total_steps: int
    seed: int

    @property
    def batches_per_epoch(self) -> int:
        return math.ceil(self.dataset_size / self.batch_size)

    @property
    def steps_per_epoch(self) -> int:
        return math.ceil(self.batches_per_epoch / self.grad_accum)


def make_plan(config: TrainingConfig, dataset_size: int) -> Plan:
    batches = math.ceil(dataset_size / config.batch_size)
    steps_per_epoch = math.ceil(batches / config.grad_accum)
    total = config.max_steps or (config.epochs or DEFAULT_EPOCHS) * steps_per_epoch
    return Plan(dataset_size, config.batch_size, config.grad_accum, total, config.seed)


class _Order:
    """Micro-batch ``m`` -> dataset indices. Each epoch is a permutation seeded by
    ``seed + epoch``: the same whether the run was resumed or not."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self._epoch = None
        self._perm = None

    def indices(self, micro_batch: int) -> list[int]:
        import torch

        plan = self.plan
        epoch, position = divmod(micro_batch, plan.batches_per_epoch)
        if epoch != self._epoch:
            generator = torch.Generator().manual_seed(plan.seed + epoch)
            self._perm = torch.randperm(plan.dataset_size, generator=generator).tolist()
            self._epoch = epoch
        start = position * plan.batch_size
        return self._perm[start : start + plan.batch_size]


# --- devices, precision, optimizer ---------------------------------------------------------


def resolve_device(requested: str) -> str:
    import torch

    if requested != "auto":
        if requested.startswith("cuda") and not torch.cuda.is_available():
            raise TrainingError(f"device {requested!r} was asked for but torch sees no CUDA device")
        return requested
    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def resolve_mixed_precision(requested: str, device: str) -> tuple[str, str]:
    """``(used, note)``: half precision only on CUDA; fp32 elsewhere."""
    import torch

    if not device.startswith("cuda"):
        note = "" if requested in ("auto", "no") else f"mixed precision {requested} needs CUDA; fp32 on {device}"
        return "no", note
    if requested == "auto":
        return ("bf16" if torch.cuda.is_bf16_supported() else "fp16"), ""
    if requested == "bf16" and not torch.cuda.is_bf16_supported():
        return "fp16", "this GPU has no bf16; fp16 used"
    return requested, ""


def make_optimizer(name: str, params: list, config: TrainingConfig, device: str):
    """``(optimizer, used, note)``. 8-bit AdamW is tried for real on ``device`` (one step on
    a scratch tensor big enough to take 8-bit state) before it is trusted."""
    import torch

    kwargs = {
        "lr": config.learning_rate,
        "betas": (config.adam_beta1, config.adam_beta2),
        "weight_decay": config.weight_decay,
        "eps": config.adam_epsilon,
    }
    note = ""
    if name == "adamw8bit":
        try:
            import bitsandbytes as bnb

            scratch = torch.nn.Parameter(torch.ones(64, 128, device=device))
            probe = bnb.optim.AdamW8bit([scratch], lr=1e-3)
            scratch.grad = torch.ones_like(scratch)
            probe.step()
            if not torch.isfinite(scratch).all():
                raise RuntimeError("a trial step gave non-finite values")
            return bnb.optim.AdamW8bit(params, **kwargs), "adamw8bit", ""
        except Exception as exc:  # noqa: BLE001 - not installed, or no kernel for this device
            note = (
                f"8-bit AdamW (bitsandbytes) cannot run on {device} here "
                f"({type(exc).__name__}: {str(exc)[:200]}); torch AdamW used instead"
            )
            log.warning(note)
    return torch.optim.AdamW(params, **kwargs), "adamw", note


def optimizer_state_step(optimizer) -> int:
    """The step counter inside the optimizer's state (the same for every parameter)."""
    steps = []
    for state in optimizer.state.values():
        step = state.get("step")
        if step is not None:
            steps.append(int(step.item() if hasattr(step, "item") else step))
    return max(steps) if steps else 0


# --- checkpoints ---------------------------------------------------------------------------


def _signature(config: TrainingConfig, plan: Plan) -> dict:
    """What must match for a checkpoint to be continued."""
    return {
        "rank": config.rank,
        "alpha": config.lora_alpha,
        "learning_rate": config.learning_rate,
        "batch_size": config.batch_size,
        "grad_accum": config.grad_accum,
        "optimizer": config.optimizer,
        "resolution": config.resolution,
        "seed": config.seed,
        "snr_gamma": config.snr_gamma,
        "random_flip": config.random_flip,
        "dataset_size": plan.dataset_size,
    }


def checkpoints_dir(output_dir: str | Path) -> Path:
    return Path(output_dir) / "checkpoints"


def list_checkpoints(output_dir: str | Path) -> list[tuple[int, Path]]:
    """Finished checkpoints, oldest first."""
    found = []
    folder = checkpoints_dir(output_dir)
    if folder.is_dir():
        for path in folder.iterdir():
            if path.name.startswith("step-") and path.name[5:].isdigit() and (path / CHECKPOINT_DONE).is_file():
                found.append((int(path.name[5:]), path))
    return sorted(found)


def _lora_parameters(unet) -> dict:
    return {name: p for name, p in unet.named_parameters() if p.requires_grad}


def _save_checkpoint(output_dir, step, unet, optimizer, scaler, generator, losses, meta, kept) -> Path:
    import numpy as np
    import torch
    from safetensors.torch import save_file

    folder = checkpoints_dir(output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / f"step-{step}"
    work = folder / f"step-{step}.partial"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    save_file(
        {k: v.detach().to("cpu").contiguous() for k, v in _lora_parameters(unet).items()},
        str(work / "lora.safetensors"),
    )
    torch.save(optimizer.state_dict(), work / "optimizer.pt")
    if scaler is not None:
        torch.save(scaler.state_dict(), work / "scaler.pt")
    rng = {
        "generator": generator.get_state(),
        "torch": torch.get_rng_state(),
        "python": random.getstate(),
        "numpy": np.random.get_state(),
    }
    if torch.cuda.is_available():
        rng["cuda"] = torch.cuda.get_rng_state_all()
    torch.save(rng, work / "rng.pt")
    state = {"step": step, "losses": losses, **meta}
    (work / CHECKPOINT_DONE).write_text(json.dumps(state, indent=1))
    shutil.rmtree(final, ignore_errors=True)
    work.rename(final)
    for _, old in list_checkpoints(output_dir)[:-kept]:
        shutil.rmtree(old, ignore_errors=True)
    return final


def _load_checkpoint(path: Path, unet, optimizer, scaler, generator, signature: dict) -> tuple[int, list[float]]:
    import numpy as np
    import torch
    from safetensors.torch import load_file

    state = json.loads((path / CHECKPOINT_DONE).read_text())
    saved = state.get("signature", {})
    differences = [f"{k}: checkpoint {saved.get(k)!r}, now {v!r}" for k, v in signature.items() if saved.get(k) != v]
    if differences:
        raise TrainingError(
            f"The checkpoint {path} was made with other settings, so it cannot be continued "
            f"({'; '.join(differences)}). Train again without resuming, or use the same settings."
        )
    params = _lora_parameters(unet)
    weights = load_file(str(path / "lora.safetensors"))
    if set(weights) != set(params):
        raise TrainingError(f"The checkpoint {path} holds other LoRA layers than this model has.")
    with torch.no_grad():
        for name, value in weights.items():
            params[name].copy_(value.to(params[name].device, params[name].dtype))
    optimizer.load_state_dict(torch.load(path / "optimizer.pt", map_location="cpu", weights_only=False))
    if scaler is not None and (path / "scaler.pt").is_file():
        scaler.load_state_dict(torch.load(path / "scaler.pt", weights_only=False))
    rng = torch.load(path / "rng.pt", weights_only=False)
    generator.set_state(rng["generator"])
    torch.set_rng_state(rng["torch"])
    random.setstate(rng["python"])
    np.random.set_state(rng["numpy"])
    if "cuda" in rng and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(rng["cuda"])
    return int(state["step"]), [float(x) for x in state["losses"]]


# --- loading the base ------------------------------------------------------------------------


@dataclass
class BaseParts:
    tokenizer: object
    text_encoder: object
    vae: object
    unet: object
    noise_scheduler: object


def load_base(base: str, dtype=None) -> BaseParts:
    """The parts of the base pipeline, through the loader production uses (a local folder, or
    a hub id read from the local cache only; ``ModelLoadError`` names what is missing).
    ``dtype``: the weights' dtype (None: as saved, normally fp32)."""
    torch_compat.install()
    from diffusers import AutoencoderKL, DDPMScheduler, UNet2DConditionModel
    from transformers import CLIPTextModel, CLIPTokenizer

    what = "base model"
    kw = {} if dtype is None else {"dtype": dtype}
    return BaseParts(
        tokenizer=_from_pretrained(CLIPTokenizer, what, base, subfolder="tokenizer"),
        text_encoder=_from_pretrained(CLIPTextModel, what, base, subfolder="text_encoder", **kw),
        vae=_from_pretrained(AutoencoderKL, what, base, subfolder="vae", **kw),
        unet=_from_pretrained(UNet2DConditionModel, what, base, subfolder="unet", **kw),
        noise_scheduler=_from_pretrained(DDPMScheduler, what, base, subfolder="scheduler"),
    )


def lora_config(config: TrainingConfig):
    torch_compat.install()
    from peft import LoraConfig

    return LoraConfig(
        r=config.rank, lora_alpha=config.lora_alpha, init_lora_weights="gaussian", target_modules=list(TARGET_MODULES)
    )


def encode_prompts(tokenizer, text_encoder, prompts: list[str], device: str, dtype, chunk: int = 32):
    """CLIP hidden states for each prompt (padded to the tokenizer's max length), on ``device``."""
    import torch

    out = []
    with torch.no_grad():
        for start in range(0, len(prompts), chunk):
            ids = tokenizer(
                prompts[start : start + chunk],
                max_length=tokenizer.model_max_length,
                padding="max_length",
                truncation=True,
                return_tensors="pt",
            ).input_ids
            out.append(text_encoder(ids.to(device), return_dict=False)[0].to(dtype))
    return torch.cat(out)


# --- training --------------------------------------------------------------------------------


def train(
    config: TrainingConfig,
    *,
    on_step: Callable[[int, int, float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    dataset: Dataset | None = None,
) -> TrainingResult:
    """Train the LoRA described by ``config``; see the module docstring.

    ``on_step(step, total, loss)`` is called after every optimizer step. ``should_stop()`` is
    asked before each step: True saves a checkpoint and returns (``stopped=True``, no LoRA
    file); ``resume=True`` then carries on from there. The dataset is checked before anything
    is loaded or written: a ``DatasetError`` leaves the output folder untouched.
    """
    started = time.perf_counter()
    if dataset is None:
        dataset = check_dataset(config.dataset, config.resolution, config.trigger)
    torch_compat.install()
    import numpy as np
    import torch
    import torch.nn.functional as F
    from diffusers.training_utils import cast_training_params, compute_snr

    notes = list(dataset.notes)
    output = Path(config.output_dir)
    plan = make_plan(config, len(dataset))
    signature = _signature(config, plan)
    device = resolve_device(config.device)
    precision, precision_note = resolve_mixed_precision(config.mixed_precision, device)
    if precision_note:
        notes.append(precision_note)
    weight_dtype = {"no": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}[precision]

    parts = load_base(config.base, dtype=None if weight_dtype == torch.float32 else weight_dtype)
    tokenizer, text_encoder, vae, unet = parts.tokenizer, parts.text_encoder, parts.vae, parts.unet
    noise_scheduler = parts.noise_scheduler
    prediction_type = noise_scheduler.config.prediction_type
    if prediction_type not in ("epsilon", "v_prediction"):
        raise TrainingError(f"the base scheduler's prediction_type {prediction_type!r} is not supported")
    for model in (text_encoder, vae, unet):
        model.requires_grad_(False)
        model.to(device)
    text_encoder.eval()
    vae.eval()
    torch.manual_seed(config.seed)  # the LoRA's gaussian A matrices come from the global RNG
    unet.add_adapter(lora_config(config))
    if precision != "no":
        cast_training_params(unet, dtype=torch.float32)  # the LoRA trains in fp32
    if config.gradient_checkpointing:
        unet.enable_gradient_checkpointing()
    trainable = [p for p in unet.parameters() if p.requires_grad]

    optimizer, optimizer_used, optimizer_note = make_optimizer(config.optimizer, trainable, config, device)
    scaler = torch.amp.GradScaler("cuda") if precision == "fp16" else None
    generator = torch.Generator().manual_seed(config.seed)

    step, losses, resumed_from = 0, [], None
    if config.resume:
        found = list_checkpoints(output)
        if found:
            step, losses = _load_checkpoint(found[-1][1], unet, optimizer, scaler, generator, signature)
            resumed_from = step
            log.info("resumed from %s at step %d of %d", found[-1][1], step, plan.total_steps)
        else:
            notes.append(f"no checkpoint in {checkpoints_dir(output)} to resume from; started from step 0")
    else:
        shutil.rmtree(checkpoints_dir(output), ignore_errors=True)  # a fresh run
    output.mkdir(parents=True, exist_ok=True)

    embeddings = encode_prompts(tokenizer, text_encoder, dataset.prompts(), device, weight_dtype)
    order = _Order(plan)
    autocast = _autocast(device, precision, weight_dtype)
    meta = {"signature": signature, "optimizer_used": optimizer_used, "base": config.base}
    scaling = vae.config.scaling_factor
    num_timesteps = noise_scheduler.config.num_train_timesteps
    stopped, last_checkpoint = False, resumed_from
    train_started = time.perf_counter()
    unet.train()

    while step < plan.total_steps:
        if should_stop is not None and should_stop():
            stopped = True
            break
        optimizer.zero_grad(set_to_none=True)
        step_loss = 0.0
        for k in range(plan.grad_accum):
            indices = order.indices(step * plan.grad_accum + k)
            flips = (
                (torch.rand(len(indices), generator=generator) < 0.5).tolist()
                if config.random_flip
                else [False] * len(indices)
            )
            pixels = torch.from_numpy(
                np.stack([dataset.pixels(i, flip=f) for i, f in zip(indices, flips, strict=False)])
            )
            pixels = pixels.to(device, dtype=weight_dtype)
            with torch.no_grad():
                latents = vae.encode(pixels).latent_dist.sample(generator=generator) * scaling
            noise = torch.randn(latents.shape, generator=generator, dtype=torch.float32).to(device, latents.dtype)
            timesteps = torch.randint(0, num_timesteps, (latents.shape[0],), generator=generator).to(device)
            noisy = noise_scheduler.add_noise(latents, noise, timesteps)
            target = noise if prediction_type == "epsilon" else noise_scheduler.get_velocity(latents, noise, timesteps)
            with autocast:
                pred = unet(noisy, timesteps, embeddings[indices], return_dict=False)[0]
            if config.snr_gamma is None:
                loss = F.mse_loss(pred.float(), target.float(), reduction="mean")
            else:  # min-SNR weighting, https://arxiv.org/abs/2303.09556
                snr = compute_snr(noise_scheduler, timesteps)
                weights = torch.clamp(snr, max=config.snr_gamma)
                weights = weights / snr if prediction_type == "epsilon" else weights / (snr + 1)
                loss = F.mse_loss(pred.float(), target.float(), reduction="none")
                loss = (loss.mean(dim=list(range(1, loss.ndim))) * weights).mean()
            scaled = loss / plan.grad_accum
            (scaler.scale(scaled) if scaler is not None else scaled).backward()
            step_loss += float(loss.detach().item()) / plan.grad_accum
        if not math.isfinite(step_loss):
            raise TrainingError(f"the loss became {step_loss} at step {step + 1}; try a lower learning rate")
        if scaler is not None:
            scaler.unscale_(optimizer)
        torch.nn.utils.clip_grad_norm_(trainable, config.max_grad_norm)
        if scaler is not None:
            scaler.step(optimizer)
            scaler.update()
        else:
            optimizer.step()
        step += 1
        losses.append(round(step_loss, 6))
        if on_step is not None:
            on_step(step, plan.total_steps, step_loss)
        if config.checkpoint_every and step % config.checkpoint_every == 0 and step < plan.total_steps:
            _save_checkpoint(output, step, unet, optimizer, scaler, generator, losses, meta, config.checkpoints_kept)
            last_checkpoint = step
    train_seconds = time.perf_counter() - train_started

    if last_checkpoint != step:  # the end, or a stop: keep where we are
        _save_checkpoint(output, step, unet, optimizer, scaler, generator, losses, meta, config.checkpoints_kept)
    lora_file, previews = None, []
    if not stopped:
        unet.eval()
        lora_file = save_lora(unet, output)
        previews = render_previews(config, parts, output, device, weight_dtype, precision)
    result = TrainingResult(
        output_dir=str(output),
        lora_file=lora_file,
        previews=previews,
        step=step,
        total_steps=plan.total_steps,
        losses=losses,
        optimizer_used=optimizer_used,
        optimizer_note=optimizer_note,
        optimizer_state_step=optimizer_state_step(optimizer),
        mixed_precision_used=precision,
        device=device,
        resumed_from=resumed_from,
        stopped=stopped,
        seconds=round(time.perf_counter() - started, 3),
        train_seconds=round(train_seconds, 3),
        dataset_size=len(dataset),
        notes=notes,
    )
    summary = {"config": _jsonable(asdict(config)), "result": asdict(result)}
    (output / "training.json").write_text(json.dumps(summary, indent=1, ensure_ascii=False))
    return result


def _autocast(device: str, precision: str, dtype):
    import torch

    kind = device.split(":")[0]
    return torch.autocast(device_type=kind, dtype=dtype, enabled=precision != "no")


def _jsonable(value):
    return json.loads(json.dumps(value, default=str))


def save_lora(unet, output: Path) -> str:
    """The LoRA in the layout ``pipe.load_lora_weights(output)`` reads."""
    torch_compat.install()
    from diffusers import StableDiffusionPipeline
    from diffusers.utils import convert_state_dict_to_diffusers
    from peft.utils import get_peft_model_state_dict

    layers = convert_state_dict_to_diffusers(get_peft_model_state_dict(unet))
    StableDiffusionPipeline.save_lora_weights(str(output), unet_lora_layers=layers, safe_serialization=True)
    return str(output / LORA_FILE)


def render_previews(
    config: TrainingConfig, parts: BaseParts, output: Path, device, weight_dtype, precision
) -> list[str]:
    """Fixed prompts (trigger word in front) and seeds, text-to-image with the trained LoRA."""
    torch_compat.install()
    import torch
    from diffusers import StableDiffusionPipeline

    if not config.preview_prompts:
        return []
    pipe = _from_pretrained(
        StableDiffusionPipeline,
        "base model",
        config.base,
        unet=parts.unet,
        vae=parts.vae,
        text_encoder=parts.text_encoder,
        tokenizer=parts.tokenizer,
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    pipe.set_progress_bar_config(disable=True)
    folder = output / "previews"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    paths = []
    autocast = _autocast(device, precision, weight_dtype)
    for i, prompt in enumerate(config.preview_prompts):
        with torch.no_grad(), autocast:
            image = pipe(
                with_trigger(prompt, config.trigger),
                height=config.resolution,
                width=config.resolution,
                num_inference_steps=config.preview_steps,
                guidance_scale=config.preview_guidance,
                generator=torch.Generator(device="cpu").manual_seed(config.preview_seed + i),
            ).images[0]
        path = folder / f"preview-{i + 1}.png"
        image.save(path)
        paths.append(str(path))
    return paths


__all__ = [
    "LORA_FILE",
    "ModelLoadError",
    "TrainingConfig",
    "TrainingError",
    "TrainingResult",
    "list_checkpoints",
    "make_plan",
    "train",
]
