"""An AUTOMATIC1111 ``img2img`` request read as this site's painting (plain web-side code, no torch).

``read_img2img(body, styles=..., default_style=..., checkpoint=...)`` checks the types of the
fields AUTOMATIC1111 knows (a wrong one is a ``FieldErrors``, answered as FastAPI answers a
pydantic error: 422 ``{"detail": [{"loc": [...], "msg": ..., "type": ...}]}``), ignores the fields
it does not know, as AUTOMATIC1111 does, and maps the rest to this site's painting: the style,
the settings ``painting_settings.clean`` checks, the subject, and what was only recorded. What it
cannot paint (a ControlNet module or model the site does not have, a scheduler it does not
know, too many images) is a ``Refused`` naming it (422, AUTOMATIC1111's ``HTTPException`` shape).
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from generation import painting_settings as ps
from generation.subjects import clean_subject

# AUTOMATIC1111 ControlNet module names -> this site's unit (painting_settings.UNITS).
MODULES = {
    "openpose": "openpose",
    "openpose_full": "openpose",
    "openpose_face": "openpose",
    "openpose_hand": "openpose",
    "dw_openpose_full": "openpose",
    "depth_leres": "depth",
    "depth_leres++": "depth",
    "mlsd": "mlsd",
}
# The ControlNet models (their AUTOMATIC1111 titles) -> the unit; "None" and "" leave it to the module.
MODELS = {
    "control_v11p_sd15_openpose [cab727d4]": "openpose",
    "control_v11f1p_sd15_depth [cfd03158]": "depth",
    "control_v11p_sd15_mlsd [aca30ff0]": "mlsd",
}
MODEL_OF_UNIT = {unit: title for title, unit in MODELS.items()}
# The schedulers (AUTOMATIC1111 1.9+) this site paints with; "Karras" joins the sampler's name.
SCHEDULERS = {"automatic": "Automatic", "karras": "Karras"}
LORA_TAG = re.compile(r"<lora:([^:>]+)(?::([^:>]*))?(?::[^>]*)?>", re.IGNORECASE)
# The fields read here (and kept with the job); the others AUTOMATIC1111 knows, or none does, are ignored.
KNOWN_FIELDS = (
    "prompt",
    "negative_prompt",
    "denoising_strength",
    "steps",
    "cfg_scale",
    "sampler_name",
    "sampler_index",
    "scheduler",
    "seed",
    "width",
    "height",
    "batch_size",
    "n_iter",
    "styles",
    "override_settings",
    "alwayson_scripts",
)
MAX_PROMPT_CHARS = 4000
# webuiapi's and AUTOMATIC1111's defaults of a unit: they mean "the module's own" here.
DEFAULT_PROCESSOR_RES = 512
DEFAULT_THRESHOLD = 64


class FieldErrors(ValueError):
    """Wrong types, as pydantic (v1, as AUTOMATIC1111 runs it) reports them."""

    def __init__(self, errors: list[dict]):
        super().__init__("; ".join(f"{'.'.join(map(str, e['loc'][1:]))}: {e['msg']}" for e in errors))
        self.errors = errors


class Refused(ValueError):
    """A request this site cannot paint: the message names the value."""


@dataclass
class Img2Img:
    style: object
    settings: dict
    init_image: bytes
    subject: str = ""
    prompt: str = ""
    lora_weight: float | None = None
    width: int = 512
    height: int = 512
    batch_size: int = 1
    n_iter: int = 1
    recorded: dict = field(default_factory=dict)  # what was read but does not change the painting
    notes: list[str] = field(default_factory=list)


class _Reader:
    def __init__(self):
        self.errors: list[dict] = []

    def _error(self, loc, msg, kind):
        self.errors.append({"loc": ["body", *loc], "msg": msg, "type": kind})

    def string(self, value, loc):
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        self._error(loc, "str type expected", "type_error.str")
        return None

    def integer(self, value, loc):
        if value is None:
            return None
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                pass
        self._error(loc, "value is not a valid integer", "type_error.integer")
        return None

    def number(self, value, loc):
        if value is None:
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if math.isfinite(value):
                return float(value)
        elif isinstance(value, str):
            try:
                number = float(value.strip())
            except ValueError:
                number = math.nan
            if math.isfinite(number):
                return number
        self._error(loc, "value is not a valid float", "type_error.float")
        return None

    def boolean(self, value, loc):
        if value is None or isinstance(value, bool):
            return value
        if value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in ("true", "false", "yes", "no", "on", "off", "1", "0"):
            return value.strip().lower() in ("true", "yes", "on", "1")
        self._error(loc, "value could not be parsed to a boolean", "type_error.bool")
        return None

    def listing(self, value, loc):
        if value is None or isinstance(value, list):
            return value
        self._error(loc, "value is not a valid list", "type_error.list")
        return None

    def mapping(self, value, loc):
        if value is None or isinstance(value, dict):
            return value
        self._error(loc, "value is not a valid dict", "type_error.dict")
        return None


def decode_image(text, name: str) -> bytes:
    """The bytes of a base64 image, with or without a ``data:image/...;base64,`` prefix."""
    if isinstance(text, dict):  # ControlNet's {"image": ..., "mask": ...}
        text = text.get("image")
    if not isinstance(text, str) or not text.strip():
        raise Refused(f"{name} must be a base64-encoded image")
    text = text.strip()
    if text.startswith("data:"):
        header, comma, text = text.partition(",")
        if not comma or ";base64" not in header:
            raise Refused(f"{name} must be a base64-encoded image (a data: address needs ;base64,)")
    if text.startswith(("http://", "https://")):
        raise Refused(f"{name}: images are not fetched from addresses here; send the image itself, base64-encoded")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise Refused(f"{name} is not valid base64") from None


def style_by_name(name: str, styles):
    """The active style a LoRA, checkpoint or style name means: its slug or its name (English or
    Korean), case-insensitive, with or without an AUTOMATIC1111 " [hash]" or a file extension."""
    wanted = re.sub(r"\s*\[[0-9a-f]+\]\s*$", "", str(name or "").strip(), flags=re.IGNORECASE)
    wanted = re.sub(r"\.(safetensors|ckpt|pt)$", "", wanted, flags=re.IGNORECASE).lower()
    if not wanted:
        return None
    for style in styles:
        if wanted in {style.slug.lower(), style.name.lower(), (style.name_ko or "").lower()}:
            return style
    return None


def read_img2img(body, *, styles, default_style, checkpoint: str = "") -> Img2Img:
    """The painting ``body`` asks for. ``styles``: the active styles; ``checkpoint``: the key's
    ``sd_model_checkpoint`` option (POST /sdapi/v1/options), a style's name or empty."""
    if not isinstance(body, dict):
        raise FieldErrors([{"loc": ["body"], "msg": "value is not a valid dict", "type": "type_error.dict"}])
    read = _Reader()
    images = read.listing(body.get("init_images"), ["init_images"])
    prompt = read.string(body.get("prompt"), ["prompt"]) or ""
    negative = read.string(body.get("negative_prompt"), ["negative_prompt"])
    strength = read.number(body.get("denoising_strength"), ["denoising_strength"])
    steps = read.integer(body.get("steps"), ["steps"])
    cfg = read.number(body.get("cfg_scale"), ["cfg_scale"])
    sampler = read.string(body.get("sampler_name"), ["sampler_name"])
    sampler_index = read.string(body.get("sampler_index"), ["sampler_index"])
    scheduler = read.string(body.get("scheduler"), ["scheduler"])
    seed = read.integer(body.get("seed"), ["seed"])
    width = read.integer(body.get("width"), ["width"])
    height = read.integer(body.get("height"), ["height"])
    batch_size = read.integer(body.get("batch_size"), ["batch_size"])
    n_iter = read.integer(body.get("n_iter"), ["n_iter"])
    style_names = read.listing(body.get("styles"), ["styles"])
    overrides = read.mapping(body.get("override_settings"), ["override_settings"])
    scripts = read.mapping(body.get("alwayson_scripts"), ["alwayson_scripts"])
    for index, name in enumerate(style_names or []):
        read.string(name, ["styles", index])
    for index, image in enumerate(images or []):
        read.string(image, ["init_images", index])
    units = _units(read, scripts or {})
    if read.errors:
        raise FieldErrors(read.errors)

    if len(prompt) > MAX_PROMPT_CHARS or len(negative or "") > MAX_PROMPT_CHARS:
        raise Refused(f"prompt and negative_prompt must be at most {MAX_PROMPT_CHARS} characters")
    if not images:
        raise Refused("init_images must hold one image (base64): img2img paints from a photo")
    if len(images) > 1:
        raise Refused("init_images: one image at a time here (each becomes a photo of the memorial's Studio album)")
    init_image = decode_image(images[0], "init_images[0]")

    batch_size, n_iter = batch_size or 1, n_iter or 1
    if batch_size < 1 or n_iter < 1:
        raise Refused(f"batch_size and n_iter must be at least 1, got {batch_size} and {n_iter}")
    if batch_size * n_iter > ps.MAX_CANDIDATES:
        raise Refused(
            f"batch_size × n_iter must be at most {ps.MAX_CANDIDATES} (the site's limit of paintings of one photo "
            f"at once), got {batch_size} × {n_iter} = {batch_size * n_iter}"
        )
    for name, value in (("width", width), ("height", height)):
        if value is not None and not 64 <= value <= 2048:
            raise Refused(f"{name} must be between 64 and 2048, got {value}")

    style, lora_weight, text, notes = _style(prompt, style_names or [], overrides or {}, checkpoint, styles)
    style = style or default_style
    if style is None:
        raise Refused("This site offers no painting style at the moment")
    if width is not None or height is not None:
        notes.append("width and height are recorded; the painting keeps the photo's proportions at the site's size")
    subject = ""
    try:
        subject = clean_subject(text)
    except ValidationError:
        if text:
            notes.append(
                "The prompt's text is recorded but not painted: the site's painter takes a short English subject "
                "(at most 80 Latin characters) in its style's own prompt"
            )

    settings = {
        "seed": seed,
        "denoising_strength": strength,
        "steps": steps,
        "cfg_scale": cfg,
        "sampler_name": _sampler(sampler or sampler_index, scheduler),
        "negative_prompt": " ".join(negative.split()) if negative else None,
        "candidates": batch_size * n_iter,
    }
    if units:
        settings["controlnet"] = _unit_settings(units, init_image, notes)
    return Img2Img(
        style=style,
        settings=settings,
        init_image=init_image,
        subject=subject,
        prompt=prompt,
        lora_weight=lora_weight,
        width=width or 512,
        height=height or 512,
        batch_size=batch_size,
        n_iter=n_iter,
        notes=notes,
    )


def _style(prompt: str, style_names: list, overrides: dict, checkpoint: str, styles):
    """(style or None, the LoRA tag's weight, the prompt's text without LoRA tags, notes)."""
    notes = []
    chosen, weight = None, None
    for match in LORA_TAG.finditer(prompt):
        style = style_by_name(match.group(1), styles)
        if style is None:
            raise Refused(f"LoRA {match.group(1)!r} is not one of this site's styles (GET /sdapi/v1/loras lists them)")
        if chosen is None:
            chosen = style
            try:
                weight = float(match.group(2)) if match.group(2) else None
            except ValueError:
                raise Refused(f"The weight of <lora:{match.group(1)}:{match.group(2)}> is not a number") from None
        else:
            notes.append(f"<lora:{match.group(1)}> ignored: one style paints each painting ({chosen.slug})")
    text = " ".join(LORA_TAG.sub(" ", prompt).replace(" ,", ",").split()).strip(" ,")
    if weight is not None:
        notes.append(f"The LoRA weight {weight} is recorded; the style paints with its own scale")
    if chosen is None:
        for name in style_names:
            chosen = style_by_name(name, styles)
            if chosen is None:
                raise Refused(f"Style {name!r} is not one of this site's styles (GET /sdapi/v1/loras lists them)")
            break
    if chosen is None:
        name = overrides.get("sd_model_checkpoint") or checkpoint
        if name:
            chosen = style_by_name(name, styles)
            if chosen is None:
                raise Refused(
                    f"sd_model_checkpoint {name!r} is not one of this site's styles (GET /sdapi/v1/sd-models lists them)"
                )
    return chosen, weight, text, notes


def _sampler(name: str | None, scheduler: str | None) -> str | None:
    if not name:
        return None
    scheduler_key = (scheduler or "automatic").strip().lower()
    if scheduler_key not in SCHEDULERS:
        raise Refused(f"scheduler must be one of {', '.join(SCHEDULERS.values())}, got {scheduler!r}")
    if scheduler_key == "karras" and not name.strip().lower().endswith("karras"):
        name = f"{name.strip()} Karras"
    return name


def _units(read: _Reader, scripts: dict) -> list[dict]:
    """The ControlNet units of ``alwayson_scripts`` (``ControlNet`` or ``controlnet``), types checked."""
    script = None
    for key, value in scripts.items():
        if isinstance(key, str) and key.lower() == "controlnet":
            script, name = value, key
            break
    if script is None:
        return []
    script = read.mapping(script, ["alwayson_scripts", name])
    if not script:
        return []
    args = read.listing(script.get("args"), ["alwayson_scripts", name, "args"])
    units = []
    for index, unit in enumerate(args or []):
        loc = ["alwayson_scripts", name, "args", index]
        if isinstance(unit, bool) or unit is None:
            continue  # a switch some clients send first
        unit = read.mapping(unit, loc)
        if unit is None:
            continue
        units.append(
            {
                "index": index,
                "enabled": read.boolean(unit.get("enabled", True), [*loc, "enabled"]),
                "module": read.string(unit.get("module"), [*loc, "module"]),
                "model": read.string(unit.get("model"), [*loc, "model"]),
                "weight": read.number(unit.get("weight"), [*loc, "weight"]),
                "guidance_start": read.number(unit.get("guidance_start"), [*loc, "guidance_start"]),
                "guidance_end": read.number(unit.get("guidance_end"), [*loc, "guidance_end"]),
                "processor_res": read.integer(unit.get("processor_res"), [*loc, "processor_res"]),
                "threshold_a": read.number(unit.get("threshold_a"), [*loc, "threshold_a"]),
                "threshold_b": read.number(unit.get("threshold_b"), [*loc, "threshold_b"]),
                "image": unit.get("image") or unit.get("input_image"),
            }
        )
    return units


def unit_of(module: str | None, model: str | None, index: int) -> str:
    """This site's unit that a ControlNet module and model name; ``Refused`` naming an unknown one."""
    module_key = (module or "").strip().lower()
    model_key = (model or "").strip()
    by_module = MODULES.get(module_key) if module_key not in ("", "none") else None
    if module_key not in ("", "none") and by_module is None:
        raise Refused(
            f"ControlNet unit {index}: module {module!r} is not one this site has "
            f"(GET /controlnet/module_list: {', '.join(MODULES)})"
        )
    by_model = None
    if model_key and model_key.lower() != "none":
        by_model = MODELS.get(model_key) or next(
            (unit for title, unit in MODELS.items() if title.split(" [")[0] == model_key.split(" [")[0]), None
        )
        if by_model is None:
            raise Refused(
                f"ControlNet unit {index}: model {model!r} is not one this site has "
                f"(GET /controlnet/model_list: {', '.join(MODELS)})"
            )
    if by_module and by_model and by_module != by_model:
        raise Refused(f"ControlNet unit {index}: module {module!r} does not go with model {model!r}")
    unit = by_module or by_model
    if unit is None:
        raise Refused(f"ControlNet unit {index}: name its module or model (GET /controlnet/module_list)")
    return unit


def _unit_settings(units: list[dict], init_image: bytes, notes: list[str]) -> dict:
    """painting_settings' ``controlnet`` from the units: the units named are on with their values,
    the site's other units off (as in AUTOMATIC1111, only the units sent guide the painting)."""
    chosen = {unit: {"enabled": False} for unit in ps.UNITS}
    named = set()
    for unit in units:
        if unit["enabled"] is False:
            continue
        name = unit_of(unit["module"], unit["model"], unit["index"])
        if name in named:
            raise Refused(f"ControlNet unit {unit['index']}: the {name} unit is already given by another unit")
        named.add(name)
        if unit["image"]:
            image = decode_image(unit["image"], f"ControlNet unit {unit['index']} image")
            if image != init_image:
                raise Refused(
                    f"ControlNet unit {unit['index']}: an image of its own is not supported here; the site's "
                    f"annotators read the init image (leave the unit's image empty)"
                )
        values = {"enabled": True}
        for key in ("weight", "guidance_start", "guidance_end"):
            if unit[key] is not None:
                values[key] = unit[key]
        res = unit["processor_res"]
        if res is not None and res not in (-1, DEFAULT_PROCESSOR_RES):
            values["processor_res"] = res
        thresholds = ps.THRESHOLDS[name]
        for key in ("threshold_a", "threshold_b"):
            value = unit[key]
            if value is None or value == -1 or value == DEFAULT_THRESHOLD or thresholds is None:
                continue  # "unset", webuiapi's default, or a unit without thresholds: the style's own
            values[key] = value
        chosen[name] = values
    if not named:
        notes.append("No ControlNet unit was enabled: the painting is guided by none")
    return chosen
