from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GenerationConfig(AppConfig):
    name = "generation"
    verbose_name = _("Artworks")

    def ready(self):
        from generation import signals  # noqa: F401  (files go with their records)
