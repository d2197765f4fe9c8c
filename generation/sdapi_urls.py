"""/sdapi/v1/ and /controlnet/: the AUTOMATIC1111-compatible API (generation/sdapi.py)."""

from django.urls import path

from generation import sdapi

sdapi_patterns = [
    path("img2img", sdapi.img2img, name="sdapi-img2img"),
    path("jobs/<int:job_id>", sdapi.job_result, name="sdapi-job"),
    path("progress", sdapi.progress, name="sdapi-progress"),
    path("interrupt", sdapi.interrupt, name="sdapi-interrupt"),
    path("skip", sdapi.skip, name="sdapi-skip"),
    path("samplers", sdapi.samplers, name="sdapi-samplers"),
    path("schedulers", sdapi.schedulers, name="sdapi-schedulers"),
    path("sd-models", sdapi.sd_models, name="sdapi-sd-models"),
    path("loras", sdapi.loras, name="sdapi-loras"),
    path("scripts", sdapi.scripts, name="sdapi-scripts"),
    path("options", sdapi.options, name="sdapi-options"),
]

controlnet_patterns = [
    path("version", sdapi.controlnet_version, name="controlnet-version"),
    path("model_list", sdapi.controlnet_model_list, name="controlnet-model-list"),
    path("module_list", sdapi.controlnet_module_list, name="controlnet-module-list"),
]
