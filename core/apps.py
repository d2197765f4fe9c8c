from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Small helpers every app may use and that import no app: rate limits, file serving,
    files deleted on commit, the lifecycle of background work and the worker's schedules."""

    name = "core"
    verbose_name = "Core"

    def ready(self):
        from django_q.signals import post_spawn

        from core import work

        # Each worker process, as it starts, takes back the work of this machine's dead workers.
        post_spawn.connect(work.take_back_at_start, dispatch_uid="core-take-back-at-start")
