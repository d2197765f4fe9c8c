"""The core app's django-q2 entry points. Plain functions: a test calls them directly."""

import os

from core import work


def ping(message: str) -> dict:
    """A trivial task: proves that a worker is listening on the configured broker."""
    return {"pong": message, "worker_pid": os.getpid()}


def take_back_stale_work() -> dict:
    """Scheduled every minute (SCHEDULES in config/settings.py): the work of dead workers, of every
    kind, is queued again or failed with a reason; unanswered messages are sent again."""
    return work.take_back_stale_work()
