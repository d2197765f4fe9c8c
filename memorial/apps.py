from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MemorialConfig(AppConfig):
    name = "memorial"
    verbose_name = _("Memorials")

    def ready(self):
        from core import work
        from memorial import (
            bugo,
            share_text,
            signals,  # noqa: F401  (files go with their records)
        )
        from memorial.models import MemorialExport, ThankYou

        # The download of all memories, for core.work's claim, heartbeat and take-back.
        work.register(
            work.Kind(
                name="export",
                model=MemorialExport,
                task="memorial.tasks.build_export",
                group="export",
                gave_up=(
                    "The download stopped before it was ready {attempts} times (the worker was interrupted). "
                    "Please ask for a new one."
                ),
                select_related=("memorial",),
            )
        )
        # While the funeral is near, a shared link reads as the 부고 (the hall, the 발인).
        share_text.register_wording(bugo.share_wording)
        # The family's thank-you, e-mailed to the guests (memorial/thank_you.py).
        work.register(
            work.Kind(
                name="thank_you",
                model=ThankYou,
                task="memorial.tasks.send_thank_you",
                group="thank-you",
                gave_up=(
                    "The thank-you stopped before every guest was written to {attempts} times; "
                    "those reached were not written to again."
                ),
                select_related=("memorial", "sent_by"),
            )
        )
