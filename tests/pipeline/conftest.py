"""Tiny random-weight models for the painting pipeline, built once and shared.

Where they are built (see tests/tiny_models.py):
- ``$MEMORIAL_TINY_MODELS_CACHE`` set to a folder: a versioned cache under it, reused by
  later sessions;
- set to the empty string: a fresh build in pytest's tmp_path_factory, every session;
- unset: the versioned cache under ``<tmp>/memorial-tiny-models``.
"""

import os
from dataclasses import dataclass

import pytest

from generation.pipeline.config import ModelConfig
from tests.tiny_models import build_all, cached_build


@dataclass(frozen=True)
class TinyModels:
    paths: dict
    config: ModelConfig  # device cpu, float32

    @property
    def artwork_models(self) -> dict:
        """What ``settings.ARTWORK_MODELS`` should hold to use these models."""
        c = self.config
        return {
            "base": c.base,
            "controlnet_openpose": c.controlnet_openpose,
            "controlnet_depth": c.controlnet_depth,
            "controlnet_mlsd": c.controlnet_mlsd,
            "annotators": c.annotators,
            "device": c.device,
            "dtype": c.dtype,
        }

    @property
    def loras(self) -> dict:
        return self.paths["loras"]


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory):
    """Paths and a ``ModelConfig`` (cpu, float32) for the tiny models.

    While the fixture lives torch uses one CPU thread: the tiny models gain nothing from
    more, and on a shared machine OpenMP's spinning threads made the same tests 5x slower
    (26 s against 144 s measured on two busy cores).
    """
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield _build(tmp_path_factory)
    finally:
        torch.set_num_threads(threads)


def _build(tmp_path_factory) -> TinyModels:
    cache = os.environ.get("MEMORIAL_TINY_MODELS_CACHE")
    if cache == "":
        paths = build_all(tmp_path_factory.mktemp("tiny-models"))
    else:
        paths = cached_build()
    config = ModelConfig(
        base=paths["base"],
        controlnet_openpose=paths["controlnet_openpose"],
        controlnet_depth=paths["controlnet_depth"],
        controlnet_mlsd=paths["controlnet_mlsd"],
        annotators=paths["annotators"],
        device="cpu",
        dtype="float32",
    )
    return TinyModels(paths=paths, config=config)


@pytest.fixture(scope="module")
def models(tiny_models):
    """The tiny models loaded through the worker's own cache (generation.pipeline.loader)."""
    from generation.pipeline.loader import get_models

    return get_models(tiny_models.config)
