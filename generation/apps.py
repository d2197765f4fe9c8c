from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GenerationConfig(AppConfig):
    name = "generation"
    verbose_name = _("Artworks")

    def ready(self):
        from django_q.signals import post_spawn

        from generation import export_part, selectors, signals  # noqa: F401  (signals: files go with their records)
        from memorial import extensions

        extensions.register_gallery("artworks", selectors.gallery)
        extensions.register_export_part("artworks", export_part.add_artworks)
        from generation.worker.painting import take_back_at_start

        post_spawn.connect(take_back_at_start, dispatch_uid="generation-take-back-at-start")
