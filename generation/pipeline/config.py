"""Where the models live and how to run them: one frozen, hashable value per configuration."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

DEVICES = ("auto", "cpu", "cuda", "mps")
DTYPES = ("auto", "float32", "float16", "bfloat16")
# torch.compile of the UNet and ControlNets (speed.py): off, or one of torch.compile's modes.
# "reduce-overhead" adds CUDA graphs (the fastest on a GPU, more memory);
# "max-autotune-no-cudagraphs" tunes kernels without them.
COMPILE_MODES = ("off", "default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")
_BOOLEANS = ("cpu_offload", "channels_last")


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
    # The GPU path (generation/pipeline/speed.py): torch.compile mode, model CPU offload for
    # small GPUs, channels-last UNet and ControlNets, and an optional VAE (e.g. an fp16-fix
    # one) replacing the base model's.
    compile: str = "off"
    cpu_offload: bool = False
    channels_last: bool = True
    vae: str | None = None

    def __post_init__(self):
        if self.device not in DEVICES and not self.device.startswith("cuda:"):
            raise ValueError(f"device must be one of {DEVICES} (or cuda:N), got {self.device!r}")
        if self.dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {DTYPES}, got {self.dtype!r}")
        if self.compile not in COMPILE_MODES:
            raise ValueError(f"compile must be one of {COMPILE_MODES}, got {self.compile!r}")
        for name in _BOOLEANS:
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be True or False, got {getattr(self, name)!r}")  # noqa: TRY004 (one error type for every bad value)
        if self.cpu_offload and self.compile != "off":
            raise ValueError(
                "cpu_offload and compile do not go together: offloading moves the compiled models every step"
            )
        if self.cpu_offload and self.device in ("cpu", "mps"):
            raise ValueError(
                f"cpu_offload moves models between the CPU and a GPU; it cannot run with device {self.device!r}"
            )
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
        return cls(**{k: _value(k, v) for k, v in values.items()})

    @property
    def enabled(self) -> bool:
        """False when no base model is configured: the site then uses its painterly filter."""
        return self.base is not None


def _value(name: str, value: Any) -> Any:
    if name in _BOOLEANS:
        return value if isinstance(value, bool) else str(value).strip().lower() in ("1", "true", "yes", "on")
    return str(value) if value is not None else None
