"""The memorial app's django-q2 entry points. Plain functions: a test calls them directly."""

from __future__ import annotations

from django.utils import timezone

from core import work
from memorial import export
from memorial.models import MemorialExport


def build_export(export_id: int) -> str:
    """Pack the zip of an export; a second delivery does nothing (core.work claims it once)."""
    claimed = work.claim(MemorialExport, export_id)
    if claimed is None:
        return "not claimed: another worker has it, or it has ended"
    finished = None
    with work.heartbeat(claimed), work.failure_recorded(claimed, describe=export.failure_reason):
        finished = export.build_export(claimed)
    if finished is None:
        return "not finished: the export was cancelled or taken back meanwhile"
    return "succeeded"


def purge_deleted_memorials() -> dict:
    """Scheduled daily: destroy the memorials deleted more than MEMORIAL_RESTORE_DAYS ago, then
    empty the bins of what was deleted as long ago (photos, albums, paintings), files and all.
    Each is read again under a row lock right before it is destroyed: one restored meanwhile stays."""
    from memorial import bin
    from memorial.services import purge_deleted_memorials as purge

    return {"memorials": purge(), **bin.purge()}


def clean_up_exports() -> dict:
    """Scheduled every hour (SCHEDULES in config/settings.py): the zips of expired exports go. (An
    export whose worker died is taken back by core.tasks.take_back_stale_work, as all work is.)"""
    return {"deleted": export.delete_expired_exports()}


def send_remembrance_reminders() -> dict:
    """Scheduled daily: the reminders due (a week before each remembrance day, and on the day) to the
    members who asked for them, each once (memorial/reminders.py records it before sending)."""
    from memorial import reminders

    result = reminders.send_due_reminders()
    return {"sent": result.sent, "already": result.already, "failed": result.failed}


def send_message_digests() -> dict:
    """Scheduled every hour: the managers' hourly and daily digests of new messages
    (memorial/digests.py; each message in one digest, however many workers run this)."""
    from memorial import digests

    return digests.send_digests()


def send_thank_you(thank_you_id: int) -> str:
    """E-mail the family's thank-you to each guest once; a second delivery, or a retry after a
    worker died, sends only to those not yet reached (core.work claims it once)."""
    from memorial import thank_you
    from memorial.models import ThankYou

    claimed = work.claim(ThankYou, thank_you_id)
    if claimed is None:
        return "not claimed: another worker has it, or it has ended"
    with work.heartbeat(claimed), work.failure_recorded(claimed):
        outcome = thank_you.deliver(claimed)
        if outcome.left:
            reason = f"{outcome.left} guests' addresses could not be reached (the mail server did not answer)."
            if work.retry_later(claimed, reason):
                return f"{outcome.sent} sent; {outcome.left} left for a later attempt"
            return f"failed: {reason}"
        work.finish(claimed, recipients=thank_you.delivered_count(claimed), finished_at=timezone.now(), error="")
    return f"succeeded: {outcome.sent} sent, {outcome.refused} refused by the mail server"
