"""Where the models live and how to run them: one frozen, hashable value per configuration."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

DEVICES = ("auto", "cpu", "cuda", "mps")
DTYPES = ("auto", "float32", "float16", "bfloat16")


@dataclass(frozen=True)
class ModelConfig:
    """Each location is a local folder or a Hugging Face hub id (see ``loader.resolve_location``)."""

    base: str | None
    controlnet_openpose: str
    controlnet_depth: str
    controlnet_mlsd: str
    annotators: str
    device: str = "auto"
    dtype: str = "auto"

    def __post_init__(self):
        if self.device not in DEVICES and not self.device.startswith("cuda:"):
            raise ValueError(f"device must be one of {DEVICES} (or cuda:N), got {self.device!r}")
        if self.dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {DTYPES}, got {self.dtype!r}")
        for field in ("controlnet_openpose", "controlnet_depth", "controlnet_mlsd", "annotators"):
            if self.base is not None and not getattr(self, field):
                raise ValueError(f"{field} must name a folder or a hub id when base is set")

    @classmethod
    def from_settings(cls, settings: Any = None) -> ModelConfig:
        """Read ``settings.ARTWORK_MODELS`` (Django's settings unless others are passed)."""
        if settings is None:
            from django.conf import settings
        values = dict(settings.ARTWORK_MODELS)
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - names)
        if unknown:
            raise ValueError(f"ARTWORK_MODELS has unknown keys {unknown}; known: {sorted(names)}")
        return cls(**{k: (str(v) if v is not None else None) for k, v in values.items()})

    @property
    def enabled(self) -> bool:
        """False when no base model is configured: the site then uses its painterly filter."""
        return self.base is not None
