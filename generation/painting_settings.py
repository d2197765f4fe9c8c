"""Every parameter of a painting, named as AUTOMATIC1111 names them, with the style's as defaults.

A plain module of the web side (no torch): the request form, the API and the worker share it.
``clean(values, style)`` checks a dict of chosen settings and returns the complete settings of a
job (the style's value where none was chosen); ``SettingsError`` names the bad value and the
field it belongs to (``error.field``, such as ``"controlnet.depth.guidance_start"``).

The settings of a job, as stored on ``StylizationJob.settings`` and recorded on the painting::

    {"denoising_strength": 0.6, "steps": 30, "cfg_scale": 7.0, "sampler_name": "DPM++ 2M Karras",
     "negative_prompt": "", "candidates": None,
     "controlnet": {"openpose": {"enabled": True, "weight": 1.0, "guidance_start": 0.0,
                                 "guidance_end": 1.0, "processor_res": None,
                                 "threshold_a": None, "threshold_b": None},
                    "depth": {...}, "mlsd": {...}}}

The seed is the job's own field (``StylizationJob.seed``); ``clean`` returns it as ``seed``
(None: "vary", a new random one).
"""

from __future__ import annotations

import math
import secrets
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _

MAX_SEED = 2**32 - 1  # AUTOMATIC1111's range; -1 (or "vary") asks for a new one
MAX_STEPS = 150
MAX_CFG = 30.0
MAX_CANDIDATES = 8
MAX_NEGATIVE_CHARS = 500
MIN_PROCESSOR_RES, MAX_PROCESSOR_RES = 64, 2048
MAX_WEIGHT = 2.0

# AUTOMATIC1111's sampler names; generation/pipeline/samplers.py maps each to a diffusers scheduler.
SAMPLERS = (
    "Euler a",
    "Euler",
    "DPM++ 2M",
    "DPM++ 2M Karras",
    "DPM++ SDE",
    "DPM++ SDE Karras",
    "UniPC",
    "DDIM",
    "PLMS",
    "LCM",
)

# The ControlNet units, in the pipeline's order (generation/pipeline/loader.CONTROL_NAMES), with
# the AUTOMATIC1111 module each one is, and the style's field that holds its default weight.
UNITS = ("openpose", "depth", "mlsd")
UNIT_MODULES = {"openpose": "openpose_full", "depth": "depth_leres", "mlsd": "mlsd"}
UNIT_WEIGHT_FIELDS = {"openpose": "openpose_scale", "depth": "depth_scale", "mlsd": "mlsd_scale"}


@dataclass(frozen=True)
class Threshold:
    """An annotator's threshold: what controlnet-aux calls it, its bounds and default."""

    argument: str  # the keyword of the controlnet-aux detector's __call__
    label: str  # AUTOMATIC1111's label
    low: float
    high: float
    default: float


# What each annotator accepts (controlnet-aux 0.0.10): M-LSD's __call__(thr_v=0.1, thr_d=0.1),
# LeReS's __call__(thr_a=0, thr_b=0) (the nearest and the farthest percent removed), OpenPose none.
THRESHOLDS: dict[str, tuple[Threshold, Threshold] | None] = {
    "openpose": None,
    "depth": (
        Threshold("thr_a", "Remove Near %", 0.0, 100.0, 0.0),
        Threshold("thr_b", "Remove Background %", 0.0, 100.0, 0.0),
    ),
    "mlsd": (
        Threshold("thr_v", "MLSD Value Threshold", 0.01, 2.0, 0.1),
        Threshold("thr_d", "MLSD Distance Threshold", 0.01, 20.0, 0.1),
    ),
}

UNIT_KEYS = ("enabled", "weight", "guidance_start", "guidance_end", "processor_res", "threshold_a", "threshold_b")
TOP_KEYS = ("seed", "denoising_strength", "steps", "cfg_scale", "sampler_name", "negative_prompt", "candidates")


class SettingsError(ValueError):
    """A bad setting: the message names it and its value; ``field`` is its dotted name."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def style_sampler(style) -> str:
    """The style's sampler (AUTOMATIC1111's name); "" when the style keeps the model's own."""
    return getattr(style, "sampler", "") or ""


def defaults(style) -> dict:
    """The style's settings: what a job uses when nothing is chosen."""
    units = {}
    for unit in UNITS:
        weight = float(getattr(style, UNIT_WEIGHT_FIELDS[unit]))
        thresholds = THRESHOLDS[unit]
        units[unit] = {
            "enabled": weight > 0,
            "weight": weight,
            "guidance_start": 0.0,
            "guidance_end": 1.0,
            "processor_res": None,  # the painting's short side
            "threshold_a": thresholds[0].default if thresholds else None,
            "threshold_b": thresholds[1].default if thresholds else None,
        }
    return {
        "denoising_strength": float(style.strength),
        "steps": int(style.steps),
        "cfg_scale": float(style.guidance_scale),
        "sampler_name": style_sampler(style),
        "negative_prompt": "",
        "candidates": style.candidates,
        "controlnet": units,
    }


def new_seed() -> int:
    return secrets.randbelow(MAX_SEED + 1)


def clean(values: dict | None, style) -> dict:
    """The complete settings of a job: ``values`` checked, the style's where a value is missing
    or None. Raises ``SettingsError`` naming the first bad value. The result has ``seed``: an
    integer, or None for a new random one ("vary", -1, or left out)."""
    values = {} if values is None else values
    if not isinstance(values, dict):
        raise SettingsError("settings", f"settings must be an object, got {values!r}")
    result = defaults(style)
    unknown = sorted(set(values) - set(TOP_KEYS) - {"controlnet"})
    if unknown:
        raise SettingsError(unknown[0], f"{unknown[0]} is not a setting of a painting")

    result["seed"] = _seed(values.get("seed"))
    if values.get("denoising_strength") is not None:
        result["denoising_strength"] = _number("denoising_strength", values["denoising_strength"], 0.0, 1.0, True)
    if values.get("steps") is not None:
        result["steps"] = _integer("steps", values["steps"], 1, MAX_STEPS)
    if values.get("cfg_scale") is not None:
        result["cfg_scale"] = _number("cfg_scale", values["cfg_scale"], 0.0, MAX_CFG)
    if values.get("sampler_name") not in (None, ""):
        result["sampler_name"] = _sampler(values["sampler_name"])
    if values.get("negative_prompt") is not None:
        result["negative_prompt"] = _negative(values["negative_prompt"])
    if values.get("candidates") is not None:
        result["candidates"] = _integer("candidates", values["candidates"], 1, MAX_CANDIDATES)
    if int(result["steps"] * result["denoising_strength"]) < 1:
        raise SettingsError(
            "steps",
            f"steps × denoising_strength must be at least 1 (img2img runs int(steps × strength) steps), "
            f"got steps={result['steps']}, denoising_strength={result['denoising_strength']}",
        )

    units = values.get("controlnet")
    if units is not None:
        if not isinstance(units, dict):
            raise SettingsError("controlnet", f"controlnet must be an object of units {UNITS}, got {units!r}")
        for name in sorted(set(units) - set(UNITS)):
            raise SettingsError(
                f"controlnet.{name}", f"{name!r} is not a ControlNet unit (these are: {', '.join(UNITS)})"
            )
        for unit, chosen in units.items():
            result["controlnet"][unit] = _unit(unit, chosen, result["controlnet"][unit])
    return result


def for_job(settings: dict) -> dict:
    """What is stored on the job: the settings without the seed (the job's own field)."""
    return {key: value for key, value in settings.items() if key != "seed"}


def effective(stored: dict | None, style) -> dict:
    """The settings a worker paints with: a job's stored ones over the style's (an old job, made
    before settings were stored, paints with the style's; a stored value that is no longer valid
    fails with its name)."""
    values = dict(stored or {})
    values.pop("seed", None)
    return for_job(clean(values, style))


# --- each value ----------------------------------------------------------------------------------


def _seed(value) -> int | None:
    if value is None or value == "" or value == -1:
        return None
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("vary", "-1", ""):
            return None
        try:
            value = int(text)
        except ValueError:
            raise SettingsError(
                "seed", f'seed must be a whole number from 0 to {MAX_SEED}, or "vary", got {value!r}'
            ) from None
    return _integer("seed", value, 0, MAX_SEED, hint=' (or -1 or "vary" for a new one)')


def _sampler(value) -> str:
    if isinstance(value, str):
        for name in SAMPLERS:
            if value.strip().lower() == name.lower():
                return name
    raise SettingsError("sampler_name", f"sampler_name must be one of {', '.join(SAMPLERS)}; got {value!r}")


def _negative(value) -> str:
    if not isinstance(value, str):
        raise SettingsError("negative_prompt", f"negative_prompt must be text, got {value!r}")
    text = " ".join(value.split())  # plain text on one line: no control characters, tabs or line breaks
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs") for ch in text):
        raise SettingsError("negative_prompt", "negative_prompt must be plain text (it holds control characters)")
    if len(text) > MAX_NEGATIVE_CHARS:
        raise SettingsError(
            "negative_prompt", f"negative_prompt must be at most {MAX_NEGATIVE_CHARS} characters, got {len(text)}"
        )
    return text


def _unit(unit: str, chosen, current: dict) -> dict:
    prefix = f"controlnet.{unit}"
    if chosen is None:
        return current
    if isinstance(chosen, bool):
        chosen = {"enabled": chosen}
    if not isinstance(chosen, dict):
        raise SettingsError(prefix, f"{prefix} must be an object with {', '.join(UNIT_KEYS)}, got {chosen!r}")
    for key in sorted(set(chosen) - set(UNIT_KEYS)):
        raise SettingsError(f"{prefix}.{key}", f"{key} is not a setting of a ControlNet unit ({', '.join(UNIT_KEYS)})")
    unit_values = dict(current)
    if chosen.get("enabled") is not None:
        enabled = chosen["enabled"]
        if not isinstance(enabled, bool):
            raise SettingsError(f"{prefix}.enabled", f"{prefix}.enabled must be true or false, got {enabled!r}")
        unit_values["enabled"] = enabled
    if chosen.get("weight") is not None:
        unit_values["weight"] = _number(f"{prefix}.weight", chosen["weight"], 0.0, MAX_WEIGHT)
        if chosen.get("enabled") is None and unit_values["weight"] > 0:
            unit_values["enabled"] = True  # a weight chosen for a unit the style keeps off turns it on
    for key in ("guidance_start", "guidance_end"):
        if chosen.get(key) is not None:
            unit_values[key] = _number(f"{prefix}.{key}", chosen[key], 0.0, 1.0)
    if unit_values["guidance_start"] > unit_values["guidance_end"]:
        raise SettingsError(
            f"{prefix}.guidance_start",
            f"{prefix}.guidance_start must not be after guidance_end, got "
            f"{unit_values['guidance_start']!r} > {unit_values['guidance_end']!r}",
        )
    res = chosen.get("processor_res")
    if res is not None and res != -1:
        res = _integer(
            f"{prefix}.processor_res",
            res,
            MIN_PROCESSOR_RES,
            MAX_PROCESSOR_RES,
            hint=" (or -1 for the painting's size)",
        )
        if res % 8:
            raise SettingsError(
                f"{prefix}.processor_res", f"{prefix}.processor_res must be a multiple of 8, got {res!r}"
            )
        unit_values["processor_res"] = res
    elif res == -1:
        unit_values["processor_res"] = None
    thresholds = THRESHOLDS[unit]
    for index, key in enumerate(("threshold_a", "threshold_b")):
        value = chosen.get(key)
        if value is None or value == -1:  # AUTOMATIC1111's "the module's default"
            continue
        if thresholds is None:
            continue  # OpenPose has no thresholds: as in AUTOMATIC1111, a value given is not used
        spec = thresholds[index]
        unit_values[key] = _number(f"{prefix}.{key}", value, spec.low, spec.high)
    return unit_values


def _number(name, value, low, high, low_open=False) -> float:
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise SettingsError(name, f"{name} must be a number, got {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise SettingsError(name, f"{name} must be a finite number, got {value!r}")
    if value < low or value > high or (low_open and value == low):
        bracket = "(" if low_open else "["
        raise SettingsError(name, f"{name} must be in {bracket}{low}, {high}], got {value!r}")
    return float(value)


def _integer(name, value, low, high, hint="") -> int:
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise SettingsError(name, f"{name} must be a whole number, got {value!r}") from None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise SettingsError(name, f"{name} must be a whole number, got {value!r}")
    if not low <= value <= high:
        raise SettingsError(name, f"{name} must be between {low} and {high}{hint}, got {value!r}")
    return value


# --- what a painting used, for the page and "paint again" ---------------------------------------


def summary(settings: dict) -> list[tuple[str, str]]:
    """(name, value) pairs of a job's settings, in AUTOMATIC1111's words, for the artwork page."""
    rows = [
        ("denoising_strength", f"{settings.get('denoising_strength')}"),
        ("steps", f"{settings.get('steps')}"),
        ("cfg_scale", f"{settings.get('cfg_scale')}"),
        ("sampler_name", settings.get("sampler_name") or str(_("the model's own"))),
    ]
    if settings.get("negative_prompt"):
        rows.append(("negative_prompt", settings["negative_prompt"]))
    if settings.get("candidates"):
        rows.append(("candidates", str(settings["candidates"])))
    for unit, values in (settings.get("controlnet") or {}).items():
        if not values.get("enabled") or not values.get("weight"):
            rows.append((f"ControlNet {unit}", str(_("off"))))
            continue
        text = f"weight {values['weight']}, {values['guidance_start']}–{values['guidance_end']}"
        if values.get("processor_res"):
            text += f", res {values['processor_res']}"
        if values.get("threshold_a") is not None:
            text += f", thresholds {values['threshold_a']}/{values['threshold_b']}"
        rows.append((f"ControlNet {unit}", text))
    return rows
