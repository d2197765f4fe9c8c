"""A trivial task: proves that a worker is listening on the configured broker."""

import os


def ping(message: str) -> dict:
    return {"pong": message, "worker_pid": os.getpid()}
