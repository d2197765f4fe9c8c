"""The first README command, as a new user runs it: the site answers and a worker does the work."""

import json
import os
import signal
import time

import pytest

from tests.processes import free_port, manage, ping_worker, process_env, separate_database, start, stop, wait_for_http

ARTWORK_SCRIPT = """
import json
from generation.models import Artwork, StylizationJob
a = Artwork.objects.select_related("tribute__narration", "memorial").first()
jobs = list(StylizationJob.objects.values_list("status", "error"))
print(json.dumps(None if a is None else {"backend": a.backend, "narration_s": a.tribute.narration.duration_s,
      "memorial_url": a.memorial.get_absolute_url()} , ensure_ascii=False) + "\t" + json.dumps(jobs))
"""


def wait_for_demo_artwork(env, timeout=120):
    deadline = time.monotonic() + timeout
    while True:
        line = manage(env, "shell", "-c", ARTWORK_SCRIPT).stdout.strip().splitlines()[-1]
        artwork, jobs = (json.loads(part) for part in line.split("\t"))
        if artwork is not None:
            return artwork
        assert time.monotonic() < deadline, f"no artwork after {timeout}s; jobs: {jobs}"
        assert not any(status == "failed" for status, _ in jobs), jobs
        time.sleep(1)


pytestmark = pytest.mark.live


@pytest.mark.parametrize("broker", ["orm", "redis"])
def test_run_command_serves_the_home_page_and_a_worker_answers(tmp_path, broker):
    with separate_database(tmp_path) as database_url:
        port = free_port()
        env = process_env(database_url, redis=broker == "redis", media_root=tmp_path / "media", PORT=str(port))
        log = tmp_path / "run.log"
        proc = start(["bin/run"], env, log)
        try:
            status, body = wait_for_http(f"http://127.0.0.1:{port}/", proc=proc, log=log, timeout=240)
            assert status == 200
            assert "Remember together" in body

            answer = ping_worker(env)
            assert answer["result"] is not None, log.read_text()
            assert answer["result"]["pong"] == "hello from the test"
            assert answer["result"]["worker_pid"] != proc.pid

            # The demo memorial's painting is made by the worker with the painterly filter.
            artwork = wait_for_demo_artwork(env)
            assert artwork["backend"] == "filter:painterly" and artwork["narration_s"] > 0.5
            status, page = wait_for_http(f"http://127.0.0.1:{port}{artwork['memorial_url']}")
            assert "김순자" in page
        finally:
            stopped = stop(proc, signal.SIGINT, timeout=60)

        # Ctrl-C stopped bin/run by itself: it did not have to be killed.
        assert stopped != -signal.SIGKILL, log.read_text()[-3000:]

        # Ctrl-C stopped the web server and the worker with it: soon nothing of the group is left.
        deadline = time.monotonic() + 30
        with pytest.raises(ProcessLookupError):
            while time.monotonic() < deadline:
                os.killpg(proc.pid, 0)
                time.sleep(0.2)
        assert "Demo account" in log.read_text()
