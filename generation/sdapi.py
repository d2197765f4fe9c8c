"""An AUTOMATIC1111-compatible API at /sdapi/v1/ and /controlnet/, for the clients diffusion people
already have (webuiapi, scripts, bots). Thin: the request is read by `generation.sdapi_request`,
the key checked by `generation.studio_keys` (and `memorial.permissions`), the photo stored by
`memorial.photos` and the painting asked for by `generation.services`, as from the site's own
pages: an ordinary job on the ordinary worker, with the same records, likeness and approval.

Answers are AUTOMATIC1111's: a wrong type is FastAPI's 422 ``{"detail": [{"loc", "msg", "type"}]}``,
any other refusal its ``{"error", "detail", "body", "errors"}`` with the status, a bad key a 401
with ``WWW-Authenticate: Basic`` (as its ``--api-auth``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from functools import wraps

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.base import ContentFile
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from core import ratelimit
from generation import painting_settings as ps
from generation import sdapi_request, selectors, services, studio_keys
from generation.models import Artwork, JobStatus, Style, StylizationJob
from memorial import permissions, photos
from memorial.imaging import ImageRejected

CONTROLNET_VERSION = 2


class SdapiError(Exception):
    def __init__(self, status: int, detail: str, *, error: str = "HTTPException", headers=None, **extra):
        super().__init__(detail)
        self.status, self.detail, self.error, self.headers, self.extra = status, detail, error, headers or {}, extra


def _error(exc: SdapiError) -> JsonResponse:
    body = {"error": exc.error, "detail": exc.detail, "body": "", "errors": f"{exc.status}: {exc.detail}", **exc.extra}
    response = JsonResponse(body, status=exc.status)
    for name, value in exc.headers.items():
        response[name] = value
    return response


def endpoint(*methods):
    """A view of the API: the studio key checked first (401 otherwise), errors in AUTOMATIC1111's shape."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                if request.method not in methods:
                    raise SdapiError(405, "Method Not Allowed", headers={"Allow": ", ".join(methods)})
                key = studio_keys.authenticate(request.headers.get("Authorization", ""))
                if key is None:
                    raise SdapiError(401, "Incorrect username or password", headers={"WWW-Authenticate": "Basic"})
                result = view(request, key, *args, **kwargs)
            except SdapiError as exc:
                return _error(exc)
            except sdapi_request.FieldErrors as exc:
                return JsonResponse({"detail": exc.errors}, status=422)
            except sdapi_request.Refused as exc:
                return _error(SdapiError(422, str(exc)))
            except ratelimit.RateLimited as exc:
                return _error(SdapiError(429, exc.message, headers={"Retry-After": str(exc.retry_after)}))
            if isinstance(result, JsonResponse):
                return result
            return JsonResponse(result, safe=False)

        return wrapper

    return decorate


def _json_body(request):
    try:
        raw = request.body
    except RequestDataTooBig:
        raise SdapiError(
            413, f"The request is larger than this site takes ({settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes)"
        ) from None
    try:
        return json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise sdapi_request.FieldErrors(
            [{"loc": ["body", getattr(exc, "pos", 0)], "msg": "JSON decode error", "type": "value_error.jsondecode"}]
        ) from None


def _enforce(key) -> None:
    limits = ratelimit.rule("sdapi")
    if not ratelimit.hit("sdapi:key", str(key.pk), limit=limits["person"], window=limits["window"]):
        wait = ratelimit.retry_after(limits["window"])
        raise ratelimit.RateLimited(
            f"This studio key has asked for {limits['person']} paintings in a short time. "
            f"Please try again in {max(1, round(wait / 60))} minutes.",
            wait,
        )


# --- img2img -------------------------------------------------------------------------------------


@endpoint("POST")
def img2img(request, key):
    _enforce(key)
    body = _json_body(request)
    memorial = key.memorial
    plan = sdapi_request.read_img2img(
        body,
        styles=list(selectors.active_styles()),
        default_style=selectors.active_styles().first(),
        checkpoint=(key.options or {}).get("sd_model_checkpoint", ""),
    )
    try:
        ps.clean(plan.settings, plan.style)  # a bad value is refused before anything is stored
    except ps.SettingsError as exc:
        raise SdapiError(422, str(exc), field=exc.field) from None
    album = studio_keys.studio_album(memorial, by=key.created_by)
    upload = ContentFile(plan.init_image, name=f"sdapi-{hashlib.sha256(plan.init_image).hexdigest()[:12]}.png")
    try:
        photo, created = photos.add_photo(album=album, upload=upload, by=key.created_by)
    except ImageRejected as exc:
        raise SdapiError(422, f"init_images[0]: {exc}") from None
    try:
        job = services.request_artwork(
            photo=photo,
            style=plan.style,
            by=key.created_by,
            subject=plan.subject,
            settings=plan.settings,
            studio_key=key,
            studio_request=_parameters(body, plan),
        )
    except services.ArtworkRefused as exc:
        if created:
            photo.delete()  # refused as a whole: the photo it brought is not kept either
        raise SdapiError(422, str(exc), **({"field": exc.field} if hasattr(exc, "field") else {})) from None
    return _answer(request, key, _wait(job.pk))


def _wait(job_id: int) -> StylizationJob:
    """Until the job ends or SDAPI_WAIT_SECONDS pass: one short read of its record at a time
    (no transaction is held open between them)."""
    deadline = time.monotonic() + settings.SDAPI_WAIT_SECONDS
    ended = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)
    while True:
        status = StylizationJob.objects.filter(pk=job_id).values_list("status", flat=True).first()
        if status in ended or status is None or time.monotonic() >= deadline:
            break
        time.sleep(settings.SDAPI_POLL_SECONDS)
    job = StylizationJob.objects.select_related("style", "memorial").filter(pk=job_id).first()
    if job is None:
        raise SdapiError(404, "The painting's job is gone: its memorial's family deleted it")
    return job


def _parameters(body: dict, plan) -> dict:
    """The request as understood: what was sent (the images left out) and what it became here."""
    parameters = {k: v for k, v in body.items() if k in sdapi_request.KNOWN_FIELDS}
    parameters["init_images"] = None
    scripts = parameters.get("alwayson_scripts")
    if isinstance(scripts, dict):
        parameters["alwayson_scripts"] = {
            name: (
                {
                    **script,
                    "args": [
                        {k: v for k, v in unit.items() if k not in ("image", "input_image", "mask")}
                        if isinstance(unit, dict)
                        else unit
                        for unit in script.get("args") or []
                    ],
                }
                if isinstance(script, dict)
                else script
            )
            for name, script in scripts.items()
        }
    parameters["style"] = plan.style.slug
    parameters["subject"] = plan.subject
    parameters["notes"] = plan.notes
    return parameters


def _answer(request, key, job: StylizationJob) -> dict:
    parameters = {**(job.studio_request or {}), "settings": {"seed": job.seed, **(job.settings or {})}}
    job_page = request.build_absolute_uri(job.get_absolute_url())
    if job.status in (JobStatus.QUEUED, JobStatus.RUNNING):
        raise SdapiError(
            504,
            f"The painting was not finished within {settings.SDAPI_WAIT_SECONDS} seconds; it goes on. Ask for it "
            f"again at GET /sdapi/v1/jobs/{job.pk} (or see {job_page}).",
            error="Timeout",
            job_id=job.pk,
            job_url=job_page,
            result_url=request.build_absolute_uri(f"/sdapi/v1/jobs/{job.pk}"),
        )
    if job.status == JobStatus.FAILED:
        raise SdapiError(
            500,
            f"The painting failed; the family sees why on its page ({job_page}), where it can be tried again.",
            error="PaintingFailed",
            job_id=job.pk,
            job_url=job_page,
        )
    settings_used = {"seed": job.seed, **(job.settings or {})}
    artwork = Artwork.objects.filter(job=job).select_related("photo__album").prefetch_related("candidates").first()
    if artwork is not None and not permissions.can_see_artwork(key.created_by, artwork, job.memorial):
        raise SdapiError(404, "This painting is no longer there: the family moved it to the memorial's bin")
    images, seeds, info = [], [], {}
    if artwork is not None:
        for item in [artwork, *artwork.candidates.all()]:
            with item.image.open("rb") as handle:
                images.append(base64.b64encode(handle.read()).decode())
            seeds.append(item.seed)
        settings_used = {**settings_used, "seed": artwork.seed}
        built_in = artwork.is_filter
        info = {
            "width": artwork.width,
            "height": artwork.height,
            "artwork_id": artwork.pk,
            "artwork_url": request.build_absolute_uri(artwork.get_absolute_url()),
            "backend": artwork.backend,
            "built_in_painter": built_in,
            "painter": (
                "built-in: no diffusion weights are configured on this site, so its built-in painter (a painterly "
                "filter) painted this instead of Stable Diffusion; the settings are recorded on the painting"
                if built_in
                else f"diffusion: {artwork.backend}"
            ),
            "likeness": artwork.likeness_state or None,
            "published": artwork.published,
        }
    sampler = settings_used.get("sampler_name") or ""
    prompt = parameters.get("prompt", "")
    infotext = (
        f"{prompt}\nNegative prompt: {settings_used.get('negative_prompt', '')}\n"
        f"Steps: {settings_used.get('steps')}, Sampler: {sampler or 'the model own'}, "
        f"CFG scale: {settings_used.get('cfg_scale')}, Seed: {settings_used.get('seed')}, "
        f"Denoising strength: {settings_used.get('denoising_strength')}, Model: {job.style.slug}"
    )
    info = {
        "prompt": prompt,
        "all_prompts": [prompt] * len(images),
        "negative_prompt": settings_used.get("negative_prompt", ""),
        "seed": settings_used.get("seed"),
        "all_seeds": seeds,
        "subseed": -1,
        "all_subseeds": [-1] * len(seeds),
        "sampler_name": sampler,
        "scheduler": "Karras" if sampler.endswith("Karras") else "Automatic",
        "steps": settings_used.get("steps"),
        "cfg_scale": settings_used.get("cfg_scale"),
        "denoising_strength": settings_used.get("denoising_strength"),
        "batch_size": len(images),
        "sd_model_name": job.style.slug,
        "infotexts": [infotext] * len(images),
        "job_id": job.pk,
        "job_url": job_page,
        "job_status": job.status,
        "interrupted": job.status == JobStatus.CANCELLED,
        "published": False,
        "shown_to_guests": "once a manager of the memorial publishes it",
        "notes": parameters.get("notes", []),
        **info,
    }
    return {"images": images, "parameters": parameters, "info": json.dumps(info)}


@endpoint("GET")
def job_result(request, key, job_id: int):
    """A painting asked for with this key, once more (after an img2img that timed out)."""
    job = StylizationJob.objects.select_related("style", "memorial").filter(pk=job_id, studio_key=key).first()
    if job is None:
        raise SdapiError(404, "No such job of this key")
    return _answer(request, key, job)


# --- Progress and interrupt -----------------------------------------------------------------------


def _key_jobs(key):
    return StylizationJob.objects.filter(studio_key=key)


@endpoint("GET")
def progress(request, key):
    active = _key_jobs(key).filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING])
    job = (
        active.select_related("style").filter(status=JobStatus.RUNNING).order_by("created_at", "pk").first()
        or active.select_related("style").order_by("created_at", "pk").first()
    )
    state = {
        "skipped": False,
        "interrupted": False,
        "stopping_generation": False,
        "job": "",
        "job_count": active.count(),
        "job_timestamp": "0",
        "job_no": 0,
        "sampling_step": 0,
        "sampling_steps": 0,
    }
    if job is None:
        return {"progress": 0.0, "eta_relative": 0.0, "state": state, "current_image": None, "textinfo": None}
    fraction = max(0.0, min(1.0, (job.progress or 0) / 100))
    steps = int((job.settings or {}).get("steps") or job.style.steps)
    strength = float((job.settings or {}).get("denoising_strength") or job.style.strength)
    sampling_steps = max(1, int(steps * strength))
    eta = 0.0
    if fraction > 0 and job.started_at is not None:
        elapsed = time.time() - job.started_at.timestamp()
        eta = elapsed / fraction * (1 - fraction)
    state.update(
        job=f"job {job.pk}",
        job_timestamp=job.created_at.strftime("%Y%m%d%H%M%S"),
        sampling_step=int(round(fraction * sampling_steps)),
        sampling_steps=sampling_steps,
        interrupted=bool(job.cancel_requested),
    )
    return {
        "progress": fraction,
        "eta_relative": eta,
        "state": state,
        "current_image": None,
        "textinfo": f"{job.get_stage_display()} ({job.get_status_display()})",
    }


@endpoint("POST")
def interrupt(request, key):
    """Cancels this key's paintings on the way, through the ordinary cancel path."""
    cancelled = []
    for job in _key_jobs(key).filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING]):
        try:
            services.cancel_job(job=job, by=key.created_by, note="sdapi interrupt")
        except services.JobAlreadyEnded:
            continue
        cancelled.append(job.pk)
    return {"interrupted": cancelled}


@endpoint("POST")
def skip(request, key):
    return interrupt.__wrapped__(request, key)


# --- What this site paints with ---------------------------------------------------------------------

SAMPLER_ALIASES = {
    "Euler a": ["k_euler_a", "k_euler_ancestral"],
    "Euler": ["k_euler"],
    "DPM++ 2M": ["k_dpmpp_2m"],
    "DPM++ 2M Karras": ["k_dpmpp_2m_ka"],
    "DPM++ SDE": ["k_dpmpp_sde"],
    "DPM++ SDE Karras": ["k_dpmpp_sde_ka"],
    "UniPC": [],
    "DDIM": [],
    "PLMS": [],
    "LCM": ["k_lcm"],
}


@endpoint("GET")
def samplers(request, key):
    return [
        {
            "name": name,
            "aliases": SAMPLER_ALIASES.get(name, []),
            "options": {"scheduler": "karras"} if "Karras" in name else {},
        }
        for name in ps.SAMPLERS
    ]


@endpoint("GET")
def schedulers(request, key):
    return [
        {"name": "automatic", "label": "Automatic", "aliases": None, "default_rho": -1, "need_inner_model": False},
        {"name": "karras", "label": "Karras", "aliases": None, "default_rho": 7.0, "need_inner_model": False},
    ]


def _style_hash(style: Style) -> str:
    return hashlib.sha256(f"{style.slug}:{style.lora_file.name}".encode()).hexdigest()


@endpoint("GET")
def sd_models(request, key):
    """The styles, as checkpoints: choosing one (``sd_model_checkpoint``) paints in that style."""
    rows = []
    for style in selectors.active_styles():
        digest = _style_hash(style)
        rows.append(
            {
                "title": f"{style.slug} [{digest[:10]}]",
                "model_name": style.slug,
                "hash": digest[:8],
                "sha256": digest,
                "filename": style.lora_file.name or f"{style.slug} (the base model)",
                "config": None,
            }
        )
    return rows


@endpoint("GET")
def loras(request, key):
    return [
        {
            "name": style.slug,
            "alias": style.name,
            "path": style.lora_file.name or "",
            "metadata": {
                "ss_output_name": style.slug,
                "name_ko": style.name_ko,
                "description": style.description,
                "trigger_words": style.trigger_words,
                "lora_scale": style.lora_scale,
                "settings": ps.defaults(style),
            },
        }
        for style in selectors.active_styles()
    ]


@endpoint("GET")
def scripts(request, key):
    return {"txt2img": [], "img2img": ["controlnet"]}


@endpoint("GET", "POST")
def options(request, key):
    styles = list(selectors.active_styles())
    if request.method == "POST":
        body = _json_body(request)
        if not isinstance(body, dict):
            raise sdapi_request.FieldErrors(
                [{"loc": ["body"], "msg": "value is not a valid dict", "type": "type_error.dict"}]
            )
        if "sd_model_checkpoint" in body:
            name = body["sd_model_checkpoint"]
            style = sdapi_request.style_by_name(name, styles) if isinstance(name, str) else None
            if style is None:
                raise SdapiError(
                    422,
                    f"sd_model_checkpoint {name!r} is not one of this site's styles (GET /sdapi/v1/sd-models lists them)",
                )
            key.options = {**(key.options or {}), "sd_model_checkpoint": style.slug}
            key.save(update_fields=["options"])
        ignored = sorted(set(body) - {"sd_model_checkpoint"})
        return {
            "saved": ["sd_model_checkpoint"] if "sd_model_checkpoint" in body else [],
            "ignored": ignored,
            "scope": f"this studio key of memorial {key.memorial.slug} only",
        }
    chosen = sdapi_request.style_by_name((key.options or {}).get("sd_model_checkpoint", ""), styles)
    chosen = chosen or (styles[0] if styles else None)
    return {
        "sd_model_checkpoint": f"{chosen.slug} [{_style_hash(chosen)[:10]}]" if chosen else "",
        "sd_checkpoint_hash": _style_hash(chosen) if chosen else "",
        "samples_format": "png",
        "control_net_unit_count": len(ps.UNITS),
    }


# --- ControlNet -------------------------------------------------------------------------------------


@endpoint("GET")
def controlnet_version(request, key):
    return {"version": CONTROLNET_VERSION}


@endpoint("GET")
def controlnet_model_list(request, key):
    return {"model_list": list(sdapi_request.MODELS)}


@endpoint("GET")
def controlnet_module_list(request, key):
    """The modules this site has (each one of its three units), with their sliders as ControlNet's
    ``module_detail`` gives them."""
    modules = list(sdapi_request.MODULES)
    detail = {}
    for module, unit in sdapi_request.MODULES.items():
        sliders = [{"name": "Preprocessor Resolution", "value": 512, "min": 64, "max": 2048}]
        for spec in ps.THRESHOLDS[unit] or ():
            sliders.append({"name": spec.label, "value": spec.default, "min": spec.low, "max": spec.high})
        detail[module] = {"model_free": False, "sliders": sliders, "unit": unit}
    # alias_list=true asks for ControlNet's display names: these modules' are their own names.
    return {"module_list": modules, "module_detail": detail}
