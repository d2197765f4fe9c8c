from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GenerationConfig(AppConfig):
    name = "generation"
    verbose_name = _("Artworks")

    def ready(self):
        from core import work
        from generation import bin_kind, export_part, selectors, signals, studio_key_views  # noqa: F401  (signals: files go with their records)
        from generation.models import JobStage, StylizationJob
        from generation.training.records import TrainingRun
        from memorial import extensions

        extensions.register_gallery("artworks", selectors.gallery)
        extensions.register_export_part("artworks", export_part.add_artworks)
        extensions.register_bin_kind(bin_kind.ARTWORKS)
        extensions.register_storage_user("artworks", selectors.storage_used)
        extensions.register_face_boxes("artworks", selectors.photo_face_boxes)
        extensions.register_members_part("studio_keys", studio_key_views.members_part)
        # Its kinds of background work, for core.work's claim, heartbeat and take-back.
        work.register(
            work.Kind(
                name="painting",
                model=StylizationJob,
                task="generation.tasks.run_stylization",
                group="stylization",
                gave_up=(
                    "The painter stopped while working on this photo {attempts} times "
                    "(last on {worker}); it was not tried again."
                ),
                select_related=("photo__album__memorial", "style", "memorial"),
                on_claim={"stage": JobStage.CONTROLS},
                on_requeue={"stage": JobStage.WAITING},
            )
        )
        work.register(
            work.Kind(
                name="training",
                model=TrainingRun,
                task="generation.tasks.train_style",
                group="training",
                timeout_setting="TRAINING_TIMEOUT",
                cluster_setting="TRAINING_QUEUE",
                gave_up=(
                    "The training stopped {attempts} times before its end (last on {worker}); it was not "
                    "tried again. Its checkpoints are kept: `manage.py train_style --resume` continues it."
                ),
                on_requeue={"resume": True},  # the next attempt continues from the last checkpoint
            )
        )
