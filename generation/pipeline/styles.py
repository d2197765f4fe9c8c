"""Style LoRAs: each file is loaded into the pipeline once per process, then only switched.

``ensure_adapter`` loads a style's LoRA under the style's name the first time it is needed
(``pipe.load_lora_weights``) and afterwards only activates it with ``set_adapters`` (cheap).
A LoRA file that changed on disk (same path, new size or mtime: a retrained style) is
loaded again. At most ``MAX_ADAPTERS`` stay loaded; the least recently used goes first.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

from generation.pipeline.loader import LoadedModels

MAX_ADAPTERS = 16

_lora_load_count = 0
_count_lock = threading.Lock()


class StyleWeightsError(RuntimeError):
    """A style's LoRA file is missing or unreadable; the message names the file."""


@dataclass(frozen=True)
class _Adapter:
    style: str
    path: str
    fingerprint: tuple


def lora_load_count() -> int:
    """How many LoRA files this process read into a pipeline (switching does not count)."""
    return _lora_load_count


def adapter_name(style: str) -> str:
    """peft keeps adapters in ModuleDicts, whose keys may not contain dots: a safe, stable name."""
    safe = re.sub(r"[^0-9A-Za-z_]", "_", style) or "style"
    if safe != style:
        safe += "_" + hashlib.sha1(style.encode()).hexdigest()[:8]
    return safe


def ensure_adapter(models: LoadedModels, name: str, lora_path: str | os.PathLike, scale: float = 1.0) -> str:
    """Make the style ``name`` (its LoRA at ``lora_path``) the only active adapter, at ``scale``.

    Loads the file only when this process has not loaded it yet (or it changed on disk).
    Returns the adapter name used inside the pipeline.
    """
    return activate(models, [(name, lora_path, scale)])[0]


def activate(models: LoadedModels, entries) -> list[str]:
    """Make exactly these LoRAs active, each at its scale: ``entries`` is ``[(style name, file,
    scale), ...]`` (a style's LoRA, and a few-step style's distillation LoRA beside it). Each
    file is loaded once per process, as ``ensure_adapter`` does. Returns the adapter names."""
    entries = list(entries)
    for _name, _path, scale in entries:
        if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not math.isfinite(scale):
            raise ValueError(f"LoRA scale must be a finite number, got {scale!r}")
    with models.lock:
        names = [_ensure_loaded(models, name, Path(path)) for name, path, _scale in entries]
        for aname in names:
            models.adapters.move_to_end(aname)
        if len(set(names)) != len(names):
            raise ValueError(f"the same LoRA twice in {[name for name, _, _ in entries]}")
        models.pipe.enable_lora()
        models.pipe.set_adapters(names, adapter_weights=[float(scale) for _, _, scale in entries])
    return names


def _ensure_loaded(models: LoadedModels, name: str, path: Path) -> str:
    global _lora_load_count
    try:
        stat = path.stat()
    except OSError:
        raise StyleWeightsError(f"The LoRA file {path} of style {name!r} does not exist.") from None
    if not path.is_file():
        raise StyleWeightsError(f"The LoRA file {path} of style {name!r} is not a file.")
    aname = adapter_name(name)
    fingerprint = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    current = models.adapters.get(aname)
    if current is None or current.fingerprint != fingerprint:
        if current is not None:
            _delete(models, aname)
        while len(models.adapters) >= MAX_ADAPTERS:
            _delete(models, next(iter(models.adapters)))
        _load(models, name, aname, path)
        models.adapters[aname] = _Adapter(style=name, path=str(path), fingerprint=fingerprint)
        with _count_lock:
            _lora_load_count += 1
    models.adapters.move_to_end(aname)
    return aname


def disable_adapters(models: LoadedModels) -> None:
    """Paint with the base model alone (a style without a LoRA)."""
    with models.lock:
        if models.adapters:
            models.pipe.disable_lora()


def apply_style(models: LoadedModels, name: str | None, lora_path: str | None, scale: float, extra=()) -> str | None:
    """Activate the style's LoRA (and the ``extra`` ones, ``[(name, file, scale)]``: a few-step
    style's), or paint with the base model alone when there is none. Returns the style's
    adapter name (None without a style LoRA)."""
    entries = list(extra)
    if lora_path is not None:
        entries.insert(0, (name or Path(lora_path).stem, lora_path, scale))
    if not entries:
        disable_adapters(models)
        return None
    names = activate(models, entries)
    return names[0] if lora_path is not None else None


def _load(models: LoadedModels, style: str, aname: str, path: Path) -> None:
    pipe = models.pipe
    try:
        with warnings.catch_warnings():
            # peft warns on every adapter after the first; several adapters is the design here.
            warnings.filterwarnings("ignore", message="Already found a `peft_config` attribute")
            pipe.load_lora_weights(str(path.parent), weight_name=path.name, adapter_name=aname)
    except Exception as exc:
        _forget_partial(models, aname)
        raise StyleWeightsError(
            f"The LoRA file {path} of style {style!r} could not be loaded: {type(exc).__name__}: {exc}"
        ) from exc
    loaded = {a for names in pipe.get_list_adapters().values() for a in names}
    if aname not in loaded:
        raise StyleWeightsError(
            f"The LoRA file {path} of style {style!r} holds no LoRA weights for this model's UNet or text encoder."
        )


def _delete(models: LoadedModels, aname: str) -> None:
    models.adapters.pop(aname, None)
    _forget_partial(models, aname)


def _forget_partial(models: LoadedModels, aname: str) -> None:
    pipe = models.pipe
    present = {a for names in pipe.get_list_adapters().values() for a in names}
    if aname in present:
        pipe.delete_adapters([aname])
