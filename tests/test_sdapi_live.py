"""The Studio API driven by `webuiapi` (AUTOMATIC1111's own Python client), unchanged, against the
real site: the web server and a django-q2 worker in processes of their own, sharing a database of
their own (tests/processes.py; pytest's in-memory test database cannot be shared with a worker
process). No diffusion weights are configured, so the built-in painter paints, and `info` says so.
"""

from __future__ import annotations

import json
import threading
import time
from urllib.parse import quote

import pytest
from PIL import Image

from tests.processes import (
    PYTHON,
    free_port,
    manage,
    process_env,
    separate_database,
    start,
    stop,
    wait_for_cluster,
    wait_for_http,
)

pytestmark = pytest.mark.live

SETUP = """
import json
from generation import studio_keys
from generation.models import Style
from memorial import services
from accounts.models import User
owner = User.objects.create_user(email="owner@example.com", password="a-long-and-kind-passphrase", display_name="Owner")
memorial = services.create_memorial(by=owner, visibility="public", full_name="김순자")
Style.objects.create(name="Watercolor", slug="watercolor")
made = studio_keys.create_key(memorial=memorial, by=owner, label="webuiapi")
print(json.dumps({"username": made.username, "password": made.password, "slug": memorial.slug}))
"""


def test_webuiapi_paints_with_a_controlnet_unit_through_the_studio_api(tmp_path):
    import webuiapi

    with separate_database(tmp_path) as database_url:
        port = free_port()
        env = process_env(
            database_url,
            redis=False,
            media_root=tmp_path / "media",
            PRIVATE_MEDIA_ROOT=str(tmp_path / "private"),
            ARTWORK_BASE_MODEL="",
            SDAPI_WAIT_SECONDS="120",
        )
        manage(env, "migrate", "--noinput")
        key = json.loads(manage(env, "shell", "-c", SETUP).stdout.strip().splitlines()[-1])
        web_log, worker_log = tmp_path / "web.log", tmp_path / "worker.log"
        web = start([PYTHON, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"], env, web_log)
        worker = start([PYTHON, "manage.py", "qcluster"], env, worker_log)
        try:
            wait_for_http(f"http://127.0.0.1:{port}/healthz/", proc=web, log=web_log)
            wait_for_cluster(worker_log, worker)
            api = webuiapi.WebUIApi(
                baseurl=f"http://127.0.0.1:{port}/sdapi/v1", username=key["username"], password=key["password"]
            )

            assert {"Euler a", "DPM++ 2M Karras", "UniPC"} <= {row["name"] for row in api.get_samplers()}
            assert "openpose_full" in api.controlnet_module_list()
            idle = api.get_progress()
            assert idle["progress"] == 0 and idle["state"]["job_count"] == 0

            photo = Image.new("RGB", (96, 128), (190, 140, 110))
            unit = webuiapi.ControlNetUnit(
                module="openpose_full", model="control_v11p_sd15_openpose [cab727d4]", weight=0.9
            )
            answer, seen = {}, []

            def paint():
                answer["result"] = api.img2img(
                    images=[photo],
                    prompt="<lora:watercolor:0.8> an old woman smiling",
                    denoising_strength=0.6,
                    steps=20,
                    seed=4242,
                    controlnet_units=[unit],
                )

            painting = threading.Thread(target=paint)
            painting.start()
            while painting.is_alive():  # what a client's progress bar reads meanwhile
                seen.append(api.get_progress())
                time.sleep(0.2)
            painting.join()

            result = answer["result"]
            assert len(result.images) >= 1 and result.image.size[0] > 0
            info = result.info
            assert info["seed"] == 4242 and info["all_seeds"][0] == 4242
            assert info["sampler_name"] == "Euler a" and info["steps"] == 20 and info["denoising_strength"] == 0.6
            assert info["built_in_painter"] is True and "no diffusion weights are configured" in info["painter"]
            assert info["job_url"].startswith(f"http://127.0.0.1:{port}/jobs/")
            assert f"/m/{quote(key['slug'])}/artworks/" in info["artwork_url"]
            assert result.parameters["settings"]["controlnet"]["openpose"]["weight"] == 0.9
            assert any(row["state"]["job_count"] == 1 for row in seen), seen
            assert all(0 <= row["progress"] <= 1 and row["current_image"] is None for row in seen)
        finally:
            stop(web)
            stop(worker)
