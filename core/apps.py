from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Small helpers every app may use and that import no app: rate limits, file serving,
    files deleted on commit, the lifecycle of background work and the worker's schedules."""

    name = "core"
    verbose_name = "Core"
