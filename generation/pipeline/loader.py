"""Load the painting models once per worker process.

``get_models(config)`` returns the Stable Diffusion 1.5 ControlNet img2img pipeline (with
its three ControlNets) and the three annotators, loading them on the first call and
handing back the same objects afterwards. The cache holds one configuration: a job with
a different ``ModelConfig`` frees the old models before loading the new ones (a GPU rarely
holds two sets).

Model locations are local folders or Hugging Face hub ids. Nothing is ever downloaded
here: a folder is read as it is, a hub id only from the local Hugging Face cache
(``local_files_only=True``, what ``HF_HUB_OFFLINE=1`` would do, but without relying on an
environment variable read when huggingface_hub was imported). ``fetch.fetch_models`` fills
that cache on a machine with internet access. Anything missing fails at once with a
``ModelLoadError`` naming the path.
"""

from __future__ import annotations

import collections
import contextlib
import gc
import os
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generation.pipeline import speed, torch_compat
from generation.pipeline.config import ModelConfig

# controlnet-aux 0.0.10 reads these names from an annotators folder (or the hub repo
# lllyasviel/Annotators). The OpenPose networks carry CMU's non-commercial licence.
ANNOTATOR_FILES = {
    "openpose": ("body_pose_model.pth", "hand_pose_model.pth", "facenet.pth"),
    "depth": ("res101.pth", "latest_net_G.pth"),
    "mlsd": ("mlsd_large_512_fp32.pth",),
}
CONTROL_NAMES = ("openpose", "depth", "mlsd")  # the order of ControlNets, annotators and scales

_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")


class ModelLoadError(RuntimeError):
    """A model could not be loaded; the message names what and where."""


@dataclass(eq=False)
class LoadedModels:
    config: ModelConfig
    pipe: Any  # StableDiffusionControlNetImg2ImgPipeline with a MultiControlNetModel
    annotators: dict[str, Any]  # "openpose" | "depth" | "mlsd" -> controlnet-aux detector
    device: str
    dtype: Any  # torch.dtype
    load_seconds: float
    # LoRA adapters in the pipeline, managed by styles.py: adapter name -> styles._Adapter
    adapters: collections.OrderedDict = field(default_factory=collections.OrderedDict)
    # How often each annotator ran in this process (tests and benchmarks read it).
    annotator_runs: collections.Counter = field(default_factory=collections.Counter)
    # A pipeline is not thread-safe: painting holds this.
    lock: threading.RLock = field(default_factory=threading.RLock)
    # Pipelines sharing ``pipe``'s modules that run only some ControlNets (painter.pipeline_for):
    # indices of the ControlNets that run -> pipeline.
    partial_pipes: dict = field(default_factory=dict)
    # How the pipeline was set up for speed (speed.prepare): attention, channels-last, compile, ...
    gpu_path: dict = field(default_factory=dict)
    # Schedulers by name, "base" being the model's own (few_step.use_scheduler switches them).
    schedulers: dict = field(default_factory=dict)


_cache: dict[ModelConfig, LoadedModels] = {}
_cache_lock = threading.Lock()
_load_count = 0


def get_models(config: ModelConfig) -> LoadedModels:
    """The loaded models for ``config``; loads them only when this process has not yet."""
    global _load_count
    if not config.enabled:
        raise ModelLoadError(
            "No base model is configured (ARTWORK_MODELS['base'] is None): the diffusion pipeline is switched off."
        )
    with _cache_lock:
        models = _cache.get(config)
        if models is None:
            check_locations(config)  # a missing folder fails before the loaded models are dropped
            _free_all()
            models = _load(config)
            _cache[config] = models
            _load_count += 1
        return models


def load_count() -> int:
    """How many times this process actually loaded weights (a cache hit does not count)."""
    return _load_count


def clear_cache() -> None:
    """Drop the loaded models (and their memory). The load counter keeps counting."""
    with _cache_lock:
        _free_all()


def _free_all() -> None:
    if not _cache:
        return
    _cache.clear()
    gc.collect()
    import torch

    if torch.cuda.is_available():
        torch.cuda.empty_cache()


# --- locations -------------------------------------------------------------------------------


def resolve_location(value: str, what: str) -> tuple[str, bool]:
    """``(location, is_local_folder)``. A folder that exists is local; something that can
    only be a path (absolute, ``./``, ``~``, several slashes) but is missing is an error; the
    rest is a hub id to be read from the local cache."""
    expanded = os.path.expanduser(value)
    if os.path.isdir(expanded):
        return os.path.abspath(expanded), True
    if os.path.exists(expanded):
        raise ModelLoadError(f"{what}: {expanded} is a file; it must be a folder")
    if not _HUB_ID.match(value):
        raise ModelLoadError(f"{what}: the folder {os.path.abspath(expanded)} does not exist")
    return value, False


def check_locations(config: ModelConfig) -> None:
    """Fail fast, without loading anything, when a configured folder does not exist."""
    resolve_location(config.base, "base model")
    for name in CONTROL_NAMES:
        resolve_location(getattr(config, f"controlnet_{name}"), f"ControlNet ({name})")
    resolve_location(config.annotators, "annotators")
    if config.vae:
        resolve_location(config.vae, "VAE")


def _not_cached(what: str, hub_id: str, exc: BaseException) -> ModelLoadError:
    from huggingface_hub import constants

    return ModelLoadError(
        f"{what}: {hub_id!r} is not a folder on this machine and not in the local Hugging Face "
        f"cache ({constants.HF_HUB_CACHE}). Run `manage.py fetch_models` where there is internet "
        f"access, or point the setting at a local folder. ({type(exc).__name__}: {exc})"
    )


def _from_pretrained(cls, what: str, value: str, **kwargs):
    location, local = resolve_location(value, what)
    try:
        return cls.from_pretrained(location, local_files_only=True, **kwargs)
    except Exception as exc:
        if not local and _is_missing_from_cache(exc):
            raise _not_cached(what, location, exc) from exc
        raise ModelLoadError(f"{what}: could not load from {location}: {type(exc).__name__}: {exc}") from exc


def _is_missing_from_cache(exc: BaseException) -> bool:
    from huggingface_hub.errors import LocalEntryNotFoundError

    return isinstance(exc, (LocalEntryNotFoundError, OSError, EnvironmentError))


def resolved_device(config: ModelConfig) -> str:
    """``auto`` is CUDA where present, then Apple's MPS, else the CPU."""
    if config.device != "auto":
        return config.device
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def resolved_dtype(config: ModelConfig):
    """A ``torch.dtype``. ``auto`` is float16 on CUDA and float32 everywhere else."""
    import torch

    if config.dtype != "auto":
        return getattr(torch, config.dtype)
    return torch.float16 if resolved_device(config).startswith("cuda") else torch.float32


# --- loading ---------------------------------------------------------------------------------


def _load(config: ModelConfig) -> LoadedModels:
    started = time.perf_counter()
    pipe, device, dtype, gpu_path = load_pipeline(config)
    annotators = load_annotators(config.annotators, device)
    return LoadedModels(
        config=config,
        pipe=pipe,
        annotators=annotators,
        device=device,
        dtype=dtype,
        load_seconds=time.perf_counter() - started,
        gpu_path=gpu_path,
        schedulers={"base": pipe.scheduler},
    )


def load_pipeline(config: ModelConfig):
    """``(pipe, device, dtype, gpu_path)``: the ControlNet img2img pipeline with its three
    ControlNets, set up for ``device`` by ``speed.prepare`` (no annotators)."""
    torch_compat.install()  # before diffusers imports transformers (and so torchvision)
    import torch
    from diffusers import AutoencoderKL, ControlNetModel, StableDiffusionControlNetImg2ImgPipeline
    from diffusers.models.controlnets.multicontrolnet import MultiControlNetModel

    device, dtype = resolved_device(config), resolved_dtype(config)
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ModelLoadError("ARTWORK_MODELS['device'] is 'cuda' but torch sees no CUDA device")

    controlnets = [
        _from_pretrained(ControlNetModel, f"ControlNet ({name})", getattr(config, f"controlnet_{name}"), dtype=dtype)
        for name in CONTROL_NAMES
    ]
    extra = {}
    if config.vae:  # e.g. an fp16-fix VAE in place of the base model's
        extra["vae"] = _from_pretrained(AutoencoderKL, "VAE", config.vae, dtype=dtype)
    pipe = _from_pretrained(
        StableDiffusionControlNetImg2ImgPipeline,
        "base model",
        config.base,
        controlnet=MultiControlNetModel(controlnets),  # a plain list is not accepted here
        safety_checker=None,
        requires_safety_checker=False,
        dtype=dtype,
        **extra,
    )
    gpu_path = speed.prepare(
        pipe,
        device=device,
        dtype=dtype,
        channels_last=config.channels_last,
        cpu_offload=config.cpu_offload,
        compile=config.compile,
    )
    pipe.set_progress_bar_config(disable=True)
    return pipe, device, dtype, gpu_path


def load_annotators(value: str, device: str) -> dict[str, Any]:
    """The three controlnet-aux detectors from a folder or a cached hub repo, on ``device``."""
    torch_compat.install()
    from controlnet_aux import LeresDetector, MLSDdetector, OpenposeDetector

    location, local = resolve_location(value, "annotators")
    if local:
        missing = [f for files in ANNOTATOR_FILES.values() for f in files if not os.path.isfile(Path(location, f))]
        if missing:
            raise ModelLoadError(f"annotators: {location} lacks {', '.join(missing)}")

    def load(name, cls):
        what = f"annotator ({name})"
        try:
            with _leres_safe_globals():
                detector = cls.from_pretrained(location, local_files_only=not local)
        except Exception as exc:
            if not local and _is_missing_from_cache(exc):
                raise _not_cached(what, location, exc) from exc
            raise ModelLoadError(f"{what}: could not load from {location}: {type(exc).__name__}: {exc}") from exc
        return detector.to(device)

    return {
        "openpose": load("openpose", OpenposeDetector),
        "depth": load("depth", LeresDetector),
        "mlsd": load("mlsd", MLSDdetector),
    }


@contextlib.contextmanager
def _leres_safe_globals():
    """Shield the process from two side effects of LeReS's loader.

    1. It builds its pix2pix options with argparse over ``sys.argv``; under pytest or
       ``manage.py qcluster`` those are someone else's arguments (``parse_known_args`` skips
       unknown ones, but ``--name`` or ``--gpu_ids`` of another program would be taken).
       We hand it a clean argv. ``--gpu_ids -1`` keeps its refinement network (used only by
       the "boost" mode, which we never run) on the CPU instead of taking GPU memory.
    2. It sets ``torch.backends.cudnn.benchmark = True`` globally, which makes later GPU
       results depend on autotuning; we restore the previous value.
    """
    import torch

    argv, benchmark = sys.argv, torch.backends.cudnn.benchmark
    sys.argv = [argv[0] if argv else "worker", "--gpu_ids", "-1"]
    try:
        yield
    finally:
        sys.argv = argv
        torch.backends.cudnn.benchmark = benchmark
