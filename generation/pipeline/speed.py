"""The GPU path: how a loaded pipeline is set up to paint fast (``prepare``), once per worker.

What it does, in order (each recorded in the dict it returns, which the painting records too):

1. **SDPA attention.** diffusers' ``AttnProcessor2_0`` (PyTorch's
   ``scaled_dot_product_attention``: flash / memory-efficient kernels on a GPU) is set
   explicitly on the UNet, the ControlNets and the VAE. It is diffusers' default on torch 2,
   but ``set_default_attn_processor()`` switches to the old ``AttnProcessor`` (plain
   matmuls) and a loaded LoRA or an earlier experiment may leave others: we never rely on
   whatever was there.
2. **The VAE without needless upcasting.** SD 1.5's VAE config says ``force_upcast: true``,
   but diffusers' SD 1.5 pipelines (img2img and ControlNet img2img included) never read it:
   only the SDXL pipelines upcast the VAE to fp32 for the decode. So the decode already runs
   in fp16, and SD 1.5's VAE is fine there (the NaN overflow that made ``force_upcast``
   necessary is SDXL's VAE). We set ``force_upcast`` false so the config says what happens;
   an fp16-fix VAE can replace the base model's with ``ARTWORK_VAE`` (loader.py).
3. **Channels-last** UNet and ControlNets (``ARTWORK_CHANNELS_LAST``, default on):
   convolutions in NHWC, what cuDNN's fp16 tensor-core kernels want. On a CPU it changes
   nothing but the memory layout.
4. **Placement:** ``pipe.to(device)``, or ``enable_model_cpu_offload`` (``ARTWORK_CPU_OFFLOAD``)
   for GPUs too small for SD 1.5 with three ControlNets: each model moves to the GPU only
   while it runs, and the VAE decodes a batch one image at a time.
5. **torch.compile** (``ARTWORK_COMPILE``, default off) of the UNet and each ControlNet with
   the chosen mode and ``dynamic=False``. ``nn.Module.compile`` compiles in place, so the
   modules keep their class, config and adapters. Compilation itself happens on the first
   painting of each size; the painter pads every photo to a bucket (buckets.py) so there are
   few sizes, and the loaded models (with their compiled code) stay in the worker's cache.

fp16 itself is the loader's: ``ARTWORK_DTYPE=auto`` is float16 on CUDA.
"""

from __future__ import annotations

from typing import Any

ATTENTION = "sdpa"
# Enough compiled graphs for every bucket of a long side of up to 1024 px (16 short sides x 2
# orientations) and a few styles; torch's default (8) would fall back to eager silently.
COMPILE_CACHE_SIZE = 64


def controlnets(pipe) -> list:
    """The ControlNet models of ``pipe`` (none for plain img2img)."""
    net = getattr(pipe, "controlnet", None)
    if net is None:
        return []
    return list(getattr(net, "nets", [net]))


def set_sdpa(pipe) -> None:
    """PyTorch's scaled-dot-product attention in every attention layer of the UNet, the
    ControlNets and the VAE."""
    from diffusers.models.attention_processor import AttnProcessor2_0

    for module in (pipe.unet, *controlnets(pipe), pipe.vae):
        module.set_attn_processor(AttnProcessor2_0())


def uses_sdpa(pipe) -> bool:
    from diffusers.models.attention_processor import AttnProcessor2_0

    return all(
        isinstance(processor, AttnProcessor2_0)
        for module in (pipe.unet, *controlnets(pipe), pipe.vae)
        for processor in module.attn_processors.values()
    )


def prepare(pipe, *, device: str, dtype: Any, channels_last: bool, cpu_offload: bool, compile: str) -> dict:
    """Set ``pipe`` up for painting on ``device`` (see the module's docstring); returns what was done."""
    import torch

    set_sdpa(pipe)
    if pipe.vae.config.get("force_upcast", False):
        pipe.vae.register_to_config(force_upcast=False)  # SD 1.5 pipelines do not upcast anyway
    fast_models = [pipe.unet, *controlnets(pipe)]
    if channels_last:
        for module in fast_models:
            module.to(memory_format=torch.channels_last)
    offload = bool(cpu_offload) and not str(device).startswith(("cpu", "mps"))
    if offload:
        pipe.enable_model_cpu_offload(device=device)
        pipe.vae.enable_slicing()
    else:
        pipe.to(device)
    if compile != "off":
        import torch._dynamo

        torch._dynamo.config.cache_size_limit = max(torch._dynamo.config.cache_size_limit, COMPILE_CACHE_SIZE)
        for module in fast_models:
            module.compile(mode=None if compile == "default" else compile, fullgraph=False, dynamic=False)
    return {
        "attention": ATTENTION,
        "dtype": str(dtype).removeprefix("torch."),
        "channels_last": bool(channels_last),
        "cpu_offload": offload,
        "compile": compile,
        "vae_upcast": False,
    }


def is_compiled(module) -> bool:
    """True when ``module.compile(...)`` was called on it (the compilation itself is lazy)."""
    return getattr(module, "_compiled_call_impl", None) is not None


def is_channels_last(module) -> bool:
    import torch

    weights = [p for p in module.parameters() if p.dim() == 4]
    return bool(weights) and all(p.is_contiguous(memory_format=torch.channels_last) for p in weights)
