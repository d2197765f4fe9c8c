"""The first README command, as a new user runs it: the site answers and a worker does the work."""

import os
import signal

import pytest

from tests.processes import free_port, ping_worker, process_env, separate_database, start, stop, wait_for_http

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
        finally:
            stop(proc, signal.SIGINT)

        # Ctrl-C stopped the web server and the worker with it: nothing of the group is left.
        with pytest.raises(ProcessLookupError):
            os.killpg(proc.pid, 0)
        assert "Demo account" in log.read_text()
