"""The memorial app's django-q2 entry points. Plain functions: a test calls them directly."""

from __future__ import annotations

from memorial import export


def build_export(export_id: int) -> str:
    claimed = export.claim(export_id)
    if claimed is None:
        return "not claimed: another worker has it, or it has ended"
    try:
        finished = export.build_export(claimed)
    except Exception as exc:
        export.record_failure(claimed, exc)
        raise
    if finished is None:
        return "not finished: the export was taken back meanwhile"
    return "succeeded"


def purge_deleted_memorials() -> list[int]:
    """Scheduled daily: destroy the memorials deleted more than MEMORIAL_RESTORE_DAYS ago."""
    from memorial.services import purge_deleted_memorials as purge

    return purge()


def clean_up_exports() -> dict:
    """Scheduled every hour (SCHEDULES in config/settings.py)."""
    return {"failed": export.fail_stale_exports(), "deleted": export.delete_expired_exports()}
