from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GenerationConfig(AppConfig):
    name = "generation"
    verbose_name = _("Artworks")

    def ready(self):
        from django_q.signals import post_spawn

        from generation import signals  # noqa: F401  (files go with their records)
        from generation.tasks import take_back_at_start

        post_spawn.connect(take_back_at_start, dispatch_uid="generation-take-back-at-start")
