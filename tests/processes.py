"""Helpers for tests that start the real web server and the real django-q2 worker.

They run in separate processes, so they cannot share pytest's test database: each test gets
its own, a SQLite file in a temporary folder, or a fresh PostgreSQL database when the suite
runs on PostgreSQL, created here and dropped afterwards.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import dj_database_url
import psycopg

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def separate_database(tmp_path: Path):
    """Yield a DATABASE_URL for a database of its own, in the engine the suite runs on."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{tmp_path / 'live.sqlite3'}"
        return
    config = dj_database_url.parse(url)
    name = f"live_{uuid.uuid4().hex[:12]}"
    admin = dict(
        host=config["HOST"], port=config["PORT"] or 5432, user=config["USER"], dbname=config["NAME"], autocommit=True
    )
    with psycopg.connect(**admin) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(**admin) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def process_env(database_url: str, *, redis: bool, media_root: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        DATABASE_URL=database_url,
        MEDIA_ROOT=str(media_root),
        Q_CLUSTER_NAME=f"test-{uuid.uuid4().hex[:8]}",
        PYTHONUNBUFFERED="1",
    )
    if redis:
        env["REDIS_URL"] = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=True
    )


def start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """Start a process in its own session, so that it and its children can be stopped together."""
    handle = open(log, "w")
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)


def stop(proc: subprocess.Popen, sig: int = signal.SIGINT, timeout: float = 30) -> int:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    return proc.returncode


def wait_for_http(url: str, *, timeout: float = 120, proc: subprocess.Popen | None = None, log: Path | None = None):
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"process exited with {proc.returncode}:\n{log.read_text() if log else ''}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, response.read().decode()
        except Exception as exc:  # not up yet
            last_error = exc
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {timeout}s: {last_error}\n{log.read_text() if log else ''}")


PING_SCRIPT = """
import json
from django_q.tasks import async_task, result
task_id = async_task("core.tasks.ping", "hello from the test")
print(json.dumps({"id": task_id, "result": result(task_id, wait=%d)}))
"""


def ping_worker(env: dict[str, str], *, wait_ms: int = 60000) -> dict:
    """Submit a trivial task through the configured broker and wait for its stored result."""
    out = manage(env, "shell", "-c", PING_SCRIPT % wait_ms, timeout=wait_ms / 1000 + 60).stdout
    return json.loads(out.strip().splitlines()[-1])


def query(database_url: str, sql: str) -> list[tuple]:
    """Read the site's database directly, as an operator's dashboard would (no Django here)."""
    if database_url.startswith("sqlite:///"):
        with contextlib.closing(sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=30)) as conn:
            return conn.execute(sql).fetchall()
    with psycopg.connect(database_url, autocommit=True) as conn:
        return conn.execute(sql).fetchall()


def wait_until_silent(database_url: str, table: str, pk: int, *, seconds: float = 2.5, timeout: float = 30) -> None:
    """Until the heartbeat of a killed worker's record has not moved for ``seconds`` (two beats
    and a half with JOB_HEARTBEAT_SECONDS=1): a worker started then sees it silent for two
    beats, with its process gone, and takes it back as it starts (core.work.take_back_at_start)."""
    deadline = time.monotonic() + timeout
    beat, since = object(), time.monotonic()
    while True:
        now = query(database_url, f"SELECT heartbeat_at FROM {table} WHERE id = {int(pk)}")[0][0]
        if now != beat:
            beat, since = now, time.monotonic()
        if time.monotonic() - since >= seconds:
            return
        assert time.monotonic() < deadline, f"the heartbeat of {table} {pk} did not stop within {timeout}s"
        time.sleep(0.1)


def wait_for_cluster(log: Path, proc: subprocess.Popen, *, timeout: float = 60) -> None:
    """Until the qcluster writing ``log`` says it is running (its pusher polls its queue then)."""
    deadline = time.monotonic() + timeout
    while "running." not in log.read_text(errors="replace"):
        assert proc.poll() is None, log.read_text()[-3000:]
        assert time.monotonic() < deadline, f"the cluster did not start in {timeout}s: {log.read_text()[-3000:]}"
        time.sleep(0.2)
