"""Every moderation step leaves a record: who, when, what."""

from memorial.models import ModerationAction


def record(*, moderator, action: str, target, memorial=None, note: str = "") -> ModerationAction:
    return ModerationAction.objects.create(
        moderator=moderator if getattr(moderator, "is_authenticated", False) else None,
        action=action,
        target_type=target._meta.model_name,
        target_id=target.pk,
        target_repr=str(target)[:200],
        memorial=memorial,
        note=note[:300],
    )
