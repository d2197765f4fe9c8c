"""The web process never loads torch, diffusers, controlnet-aux, dlib, OpenCV, scikit-image or spandrel, nor the worker's code."""

import json
import subprocess

from tests.processes import PYTHON, ROOT

SCRIPT = """
import importlib, json, sys
import django
django.setup()
import config.urls
from django.urls import get_resolver
get_resolver().url_patterns  # resolves every include
for app in ("core", "accounts", "memorial", "generation"):
    for module in ("views", "api", "urls", "admin", "services", "selectors", "forms", "serializers", "signals"):
        try:
            importlib.import_module(f"{app}.{module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app}.{module}":
                raise
from generation.pipeline.config import ModelConfig  # the pipeline's plain values import anywhere
ModelConfig.from_settings()
models = ("torch", "torchvision", "diffusers", "transformers", "controlnet_aux", "peft", "dlib", "face_recognition_models", "cv2", "skimage", "spandrel")
heavy = sorted(m for m in models if m in sys.modules)
worker = sorted(m for m in sys.modules if m.startswith(("generation.worker", "generation.tasks", "generation.training.trainer")))
print(json.dumps(heavy + worker))
"""


def test_web_process_does_not_import_torch():
    result = subprocess.run(
        [PYTHON, "-c", SCRIPT],
        cwd=ROOT,
        env={"DJANGO_SETTINGS_MODULE": "config.settings", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
