"""Make ``import torchvision`` work when its compiled ops cannot load.

The registry's torchvision 0.28.0 (the only release that pins torch 2.13.0) is a CUDA
build. On a machine with the CPU torch its ``_C`` extension fails to load (it needs CUDA
libraries), torchvision swallows that, and then ``torchvision/_meta_registrations.py``
calls ``torch.library.register_fake("torchvision::nms")`` for an operator nobody defined:
``RuntimeError: operator torchvision::nms does not exist``. transformers imports
torchvision when it is installed, so transformers, peft, timm and controlnet-aux all fail.

The fix: define the two operators whose fake kernels torchvision registers unguarded
(``nms`` and ``qnms``; every other one sits behind ``if _has_ops()``) before torchvision is
first imported. Only the schemas are defined, no kernel: ``torchvision.ops.nms`` still
raises torchvision's own "Couldn't load custom C++ ops" error if something calls it. The
annotators and pipelines here never do.

On a machine where the extension loads (a matching CUDA torch), we do nothing: we try to
load ``torchvision/_C`` exactly as torchvision would (``torch.ops.load_library``, which
is what registers the real operators) and leave everything alone when that works. The
check never imports torchvision itself, so a failed trial import cannot leave half a
package in ``sys.modules``.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys

# The schemas exactly as torchvision 0.28.0's compiled _C.so defines them (its schema strings).
_SCHEMAS = {
    "nms": "nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
    "qnms": "qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
}

# Libraries must stay alive for as long as their definitions should; keep a reference.
_library = None
_status: str | None = None


def _operator_exists(name: str) -> bool:
    import torch

    try:
        torch._C._get_schema(f"torchvision::{name}", "")
        return True
    except RuntimeError:
        return False


def _load_native_ops() -> bool:
    """Load torchvision's compiled ops the way torchvision does; True when they loaded."""
    import torch

    spec = importlib.util.find_spec("torchvision")  # finds the package, does not run it
    if spec is None or not spec.submodule_search_locations:
        return False
    for folder in spec.submodule_search_locations:
        finder = importlib.machinery.FileFinder(
            folder, (importlib.machinery.ExtensionFileLoader, importlib.machinery.EXTENSION_SUFFIXES)
        )
        ext = finder.find_spec("_C")
        if ext is None or not ext.origin:
            continue
        try:
            torch.ops.load_library(ext.origin)  # torchvision loads it again later: harmless
            return True
        except (ImportError, OSError):
            return False
    return False


def install() -> str:
    """Make torchvision importable. Idempotent; returns what it found or did:

    ``"absent"`` (torchvision not installed), ``"imported"`` (already imported, too late or
    not needed), ``"native"`` (its compiled ops load: nothing to fix), ``"patched"``
    (schemas defined so the import succeeds).
    """
    global _library, _status
    if _status is not None:
        return _status
    if "torchvision" in sys.modules:
        _status = "imported"
    elif importlib.util.find_spec("torchvision") is None:
        _status = "absent"
    elif _load_native_ops() and all(_operator_exists(n) for n in _SCHEMAS):
        _status = "native"
    else:
        import torch

        missing = [name for name in _SCHEMAS if not _operator_exists(name)]
        if missing:
            _library = torch.library.Library("torchvision", "DEF")
            for name in missing:
                _library.define(_SCHEMAS[name])
        _status = "patched"
    return _status


def status() -> str | None:
    """What ``install()`` did in this process, or None before it ran."""
    return _status
