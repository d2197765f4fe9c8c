"""Download the configured models into the local Hugging Face cache (where workers read them).

Only the files the loader reads are fetched: the base model's diffusers folders in fp32
safetensors, each ControlNet's config and safetensors weights, and the six annotator
checkpoints (the lllyasviel/Annotators repository holds many gigabytes more).
"""

from __future__ import annotations

import sys
from typing import TextIO

from generation.pipeline.config import ModelConfig
from generation.pipeline.loader import (
    ANNOTATOR_FILES,
    CONTROL_NAMES,
    ModelLoadError,
    resolve_location,
)

BASE_FILES = [
    "model_index.json",
    "scheduler/scheduler_config.json",
    "text_encoder/config.json",
    "text_encoder/model.safetensors",
    "tokenizer/*",
    "unet/config.json",
    "unet/diffusion_pytorch_model.safetensors",
    "vae/config.json",
    "vae/diffusion_pytorch_model.safetensors",
    "feature_extractor/preprocessor_config.json",
]
CONTROLNET_FILES = ["config.json", "diffusion_pytorch_model.safetensors"]


class FetchError(RuntimeError):
    """Fetching failed; the message says which model and why."""


def fetch_plan(config: ModelConfig) -> list[tuple[str, str, list[str] | None]]:
    """``(what, location, patterns)`` per configured model; patterns None for a local folder."""
    plan = []
    wanted = [("base", config.base, BASE_FILES)]
    wanted += [(f"controlnet_{n}", getattr(config, f"controlnet_{n}"), CONTROLNET_FILES) for n in CONTROL_NAMES]
    wanted += [("annotators", config.annotators, [f for files in ANNOTATOR_FILES.values() for f in files])]
    for what, value, patterns in wanted:
        if value is None:
            continue
        try:
            location, local = resolve_location(value, what)
        except ModelLoadError as exc:
            raise FetchError(str(exc)) from exc
        plan.append((what, location, None if local else patterns))
    return plan


def fetch_models(
    config: ModelConfig,
    stdout: TextIO | None = None,
    *,
    cache_dir: str | None = None,
    endpoint: str | None = None,
) -> dict[str, str]:
    """Download every configured hub id (local folders are skipped). Returns ``{what: folder}``.

    ``endpoint`` points at a hub mirror; ``cache_dir`` at another cache than the default
    (workers must then read the same one, e.g. through ``HF_HUB_CACHE``).
    """
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import (
        GatedRepoError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
    )

    out = stdout or sys.stdout
    if config.base is None:
        out.write("base: not configured (ARTWORK_MODELS['base'] is None); the painterly filter is used.\n")
    folders = {}
    for what, location, patterns in fetch_plan(config):
        if patterns is None:
            out.write(f"{what}: local folder {location}, nothing to fetch\n")
            folders[what] = location
            continue
        out.write(f"{what}: fetching {location} ...\n")
        if what == "annotators":
            out.write("  note: the OpenPose weights carry CMU's licence, for non-commercial use only.\n")
        try:
            folders[what] = snapshot_download(location, allow_patterns=patterns, cache_dir=cache_dir, endpoint=endpoint)
        except (RepositoryNotFoundError, GatedRepoError) as exc:
            raise FetchError(
                f"{what}: the hub repository {location!r} does not exist or needs an access token (set HF_TOKEN): {exc}"
            ) from exc
        except LocalEntryNotFoundError as exc:
            raise FetchError(
                f"{what}: cannot download {location!r}: this machine has no internet access to the "
                f"Hugging Face hub ({endpoint or 'https://huggingface.co'}), or HF_HUB_OFFLINE is set. "
                f"Fetch on a machine that has, then copy the cache or the folders and point "
                f"ARTWORK_MODELS at them. ({type(exc).__name__}: {exc})"
            ) from exc
        except Exception as exc:  # HTTP errors mid-download, a full disk, ...
            raise FetchError(f"{what}: downloading {location!r} failed: {type(exc).__name__}: {exc}") from exc
        out.write(f"  -> {folders[what]}\n")
    return folders
