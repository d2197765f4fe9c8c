"""Tiny random-weight models, saved the way real ones are, so tests load them through the
same ``from_pretrained`` / ``torch.load`` code production uses. Nothing is downloaded.

``build_all(root)`` writes everything into ``root`` and returns the paths; a second call
finds the marker file and only returns them. ``cached_build(cache_base)`` picks
``cache_base/tiny-models-<key>``, where the key hashes the library versions and this file's
source, so a changed builder or library never reuses stale weights. The test fixture
(tests/pipeline/conftest.py) passes ``$MEMORIAL_TINY_MODELS_CACHE`` or
``<tmp>/memorial-tiny-models``: the first run on a machine builds (~20 s, ~0.65 GB on disk,
most of it the annotators' fixed-size networks in fp16), later runs reuse it.

Layout of ``root``::

    base/                 StableDiffusionPipeline folder (unet, vae, text_encoder, tokenizer, scheduler)
    controlnet_openpose/  ControlNetModel folders, one each
    controlnet_depth/
    controlnet_mlsd/
    annotators/           body_pose_model.pth hand_pose_model.pth facenet.pth res101.pth
                          latest_net_G.pth mlsd_large_512_fp32.pth (random weights, fp16)
    loras/<name>/pytorch_lora_weights.safetensors
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from generation.pipeline import torch_compat

torch_compat.install()  # before transformers imports torchvision

MARKER = "BUILT.json"
LORA_FILE = "pytorch_lora_weights.safetensors"
LORA_NAMES = {"watercolor": 1, "oil": 2}  # name -> seed
CONTROLNET_SEEDS = {"controlnet_openpose": 11, "controlnet_depth": 12, "controlnet_mlsd": 13}
ANNOTATOR_FILES = (
    "body_pose_model.pth",
    "hand_pose_model.pth",
    "facenet.pth",
    "res101.pth",
    "latest_net_G.pth",
    "mlsd_large_512_fp32.pth",
)


# --- base pipeline ---------------------------------------------------------------------------


def _byte_vocab() -> dict[str, int]:
    """GPT-2's byte-to-unicode table: 256 byte characters, the same with ``</w>``, two specials."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    chars = [chr(c) for c in cs]
    tokens = chars + [c + "</w>" for c in chars] + ["<|startoftext|>", "<|endoftext|>"]
    return {token: i for i, token in enumerate(tokens)}


def make_tokenizer(folder: Path):
    from transformers import CLIPTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vocab.json").write_text(json.dumps(_byte_vocab(), ensure_ascii=False), encoding="utf-8")
    (folder / "merges.txt").write_text("#version: 0.2\n", encoding="utf-8")
    return CLIPTokenizer(str(folder / "vocab.json"), str(folder / "merges.txt"), model_max_length=77)


def make_base(out_dir: Path, seed: int = 0) -> Path:
    """A tiny Stable Diffusion 1.5-shaped pipeline saved with ``save_pretrained``."""
    import torch
    from diffusers import (
        AutoencoderKL,
        DDIMScheduler,
        StableDiffusionPipeline,
        UNet2DConditionModel,
    )
    from transformers import CLIPTextConfig, CLIPTextModel

    out_dir = Path(out_dir)
    torch.manual_seed(seed)
    unet = UNet2DConditionModel(
        block_out_channels=(32, 64),
        layers_per_block=2,
        sample_size=32,
        in_channels=4,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=32,
        norm_num_groups=8,
    )
    vae = AutoencoderKL(
        block_out_channels=(32, 64),
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D", "DownEncoderBlock2D"),
        up_block_types=("UpDecoderBlock2D", "UpDecoderBlock2D"),
        latent_channels=4,
        norm_num_groups=8,
    )
    with tempfile.TemporaryDirectory() as tmp:
        tokenizer = make_tokenizer(Path(tmp))
    text_encoder = CLIPTextModel(
        CLIPTextConfig(
            hidden_size=32,
            intermediate_size=37,
            num_attention_heads=4,
            num_hidden_layers=2,
            projection_dim=32,
            vocab_size=len(tokenizer),
            max_position_embeddings=77,
            bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
        )
    )
    scheduler = DDIMScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        clip_sample=False,
        set_alpha_to_one=False,
    )
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
    pipe.save_pretrained(out_dir, safe_serialization=True)
    return out_dir


def make_controlnet(base_dir: Path, out_dir: Path, seed: int) -> Path:
    """A ControlNet copied from the tiny UNet, its zero convolutions given small random
    weights so that the control image changes the painting (a fresh ControlNet adds zero)."""
    import torch
    from diffusers import ControlNetModel, UNet2DConditionModel

    unet = UNet2DConditionModel.from_pretrained(Path(base_dir) / "unet")
    controlnet = ControlNetModel.from_unet(unet, conditioning_embedding_out_channels=(16, 32))
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        zero_convs = [
            *controlnet.controlnet_down_blocks,
            controlnet.controlnet_mid_block,
            controlnet.controlnet_cond_embedding.conv_out,
        ]
        for conv in zero_convs:
            conv.weight.copy_(torch.randn(conv.weight.shape, generator=generator) * 0.05)
    controlnet.save_pretrained(out_dir, safe_serialization=True)
    return Path(out_dir)


def make_lora(base_dir: Path, out_dir: Path, seed: int, rank: int = 4) -> Path:
    """A style LoRA for the tiny UNet with random A and B (``init_lora_weights=False``: peft's
    default starts B at zero, which would change nothing). Returns the .safetensors file."""
    import torch
    from diffusers import StableDiffusionPipeline, UNet2DConditionModel
    from diffusers.utils import convert_state_dict_to_diffusers
    from peft import LoraConfig
    from peft.utils import get_peft_model_state_dict

    unet = UNet2DConditionModel.from_pretrained(Path(base_dir) / "unet")
    torch.manual_seed(seed)
    unet.add_adapter(
        LoraConfig(
            r=rank,
            lora_alpha=rank,
            init_lora_weights=False,
            target_modules=["to_k", "to_q", "to_v", "to_out.0"],
        )
    )
    layers = convert_state_dict_to_diffusers(get_peft_model_state_dict(unet))
    StableDiffusionPipeline.save_lora_weights(out_dir, unet_lora_layers=layers, safe_serialization=True)
    return Path(out_dir) / LORA_FILE


# --- annotators ------------------------------------------------------------------------------


def _half(state_dict):
    """fp16 halves disk and save time; the annotators' loaders copy into fp32 parameters."""
    return {k: (v.half() if v.is_floating_point() else v) for k, v in state_dict.items()}


def _strip_first(state_dict):
    # controlnet-aux's open_pose.util.transfer adds the first segment of each name back.
    return {k.split(".", 1)[1]: v for k, v in state_dict.items()}


def make_annotators(out_dir: Path, seed: int = 0) -> Path:
    """Random weights in the layouts controlnet-aux 0.0.10's ``from_pretrained`` reads."""
    import torch
    from controlnet_aux.leres.leres.multi_depth_model_woauxi import RelDepthModel
    from controlnet_aux.leres.pix2pix.models.networks import define_G
    from controlnet_aux.mlsd.models.mbv2_mlsd_large import MobileV2_MLSD_Large
    from controlnet_aux.open_pose.body import bodypose_model
    from controlnet_aux.open_pose.face import FaceNet
    from controlnet_aux.open_pose.hand import handpose_model

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    torch.save(_half(_strip_first(bodypose_model().state_dict())), out_dir / "body_pose_model.pth")
    torch.save(_half(_strip_first(handpose_model().state_dict())), out_dir / "hand_pose_model.pth")
    torch.save(_half(FaceNet().state_dict()), out_dir / "facenet.pth")
    torch.save({"depth_model": _half(RelDepthModel(backbone="resnext101").state_dict())}, out_dir / "res101.pth")
    # Pix2Pix4DepthModel builds its generator as define_G(2, 1, 64, "unet_1024", "none", ...).
    generator = define_G(2, 1, 64, "unet_1024", "none", False, "normal", 0.02, [])
    torch.save(_half(generator.state_dict()), out_dir / "latest_net_G.pth")
    torch.save(_half(MobileV2_MLSD_Large().state_dict()), out_dir / "mlsd_large_512_fp32.pth")
    return out_dir


# --- everything ------------------------------------------------------------------------------


def build_all(root: str | os.PathLike) -> dict:
    """Build every tiny model into ``root`` (or reuse what a finished build left there).

    Returns ``{"root", "base", "controlnet_openpose", "controlnet_depth", "controlnet_mlsd",
    "annotators", "loras": {name: file}}``, all absolute path strings. The build goes into a
    sibling temporary folder renamed into place at the end, so an interrupted build or two
    concurrent sessions never leave a half-built ``root`` behind a marker.
    """
    root = Path(root).resolve()
    if (root / MARKER).exists():
        return _paths(root)
    root.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=root.name + ".partial-", dir=root.parent))
    os.chmod(work, 0o755)  # mkdtemp makes it private; the cache may be shared
    try:
        make_base(work / "base")
        for name, seed in CONTROLNET_SEEDS.items():
            make_controlnet(work / "base", work / name, seed)
        make_annotators(work / "annotators")
        for name, seed in LORA_NAMES.items():
            make_lora(work / "base", work / "loras" / name, seed)
        (work / MARKER).write_text(json.dumps({"versions": _versions()}, indent=1))
        if root.exists():  # an unfinished leftover without a marker
            shutil.rmtree(root)
        try:
            os.rename(work, root)
        except OSError:
            if not (root / MARKER).exists():  # someone else's finished build is fine
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return _paths(root)


def _paths(root: Path) -> dict:
    paths = {"root": str(root)}
    for name in ("base", *CONTROLNET_SEEDS, "annotators"):
        paths[name] = str(root / name)
    paths["loras"] = {name: str(root / "loras" / name / LORA_FILE) for name in LORA_NAMES}
    return paths


def _versions() -> dict:
    from importlib.metadata import version

    names = ("torch", "diffusers", "transformers", "peft", "controlnet_aux", "safetensors")
    return {name: version(name) for name in names} | {"python": sys.version.split()[0]}


def cache_key() -> str:
    """Changes whenever a library version or this builder changes."""
    digest = hashlib.sha256(json.dumps(_versions(), sort_keys=True).encode())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:16]


def cached_build(cache_base: str | os.PathLike | None = None) -> dict:
    """``build_all`` into ``cache_base/tiny-models-<key>``; by default under
    ``$MEMORIAL_TINY_MODELS_CACHE`` or ``<tmp>/memorial-tiny-models``."""
    cache_base = (
        cache_base
        or os.environ.get("MEMORIAL_TINY_MODELS_CACHE")
        or Path(tempfile.gettempdir()) / "memorial-tiny-models"
    )
    return build_all(Path(cache_base) / f"tiny-models-{cache_key()}")


def artwork_env(paths: dict) -> dict[str, str]:
    """The environment that points a worker's ARTWORK_* settings at these models (CPU, fp32)."""
    return {
        "ARTWORK_BASE_MODEL": paths["base"],
        "ARTWORK_CONTROLNET_OPENPOSE": paths["controlnet_openpose"],
        "ARTWORK_CONTROLNET_DEPTH": paths["controlnet_depth"],
        "ARTWORK_CONTROLNET_MLSD": paths["controlnet_mlsd"],
        "ARTWORK_ANNOTATORS": paths["annotators"],
        "ARTWORK_DEVICE": "cpu",
        "ARTWORK_DTYPE": "float32",
    }


if __name__ == "__main__":  # python -m tests.tiny_models /some/folder
    import time

    started = time.perf_counter()
    print(json.dumps(build_all(sys.argv[1]), indent=1))
    print(f"built in {time.perf_counter() - started:.1f} s")
