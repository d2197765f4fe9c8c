from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from core.files import delete_files_on_commit
from memorial.models import (
    Album,
    Comment,
    Condolence,
    Funeral,
    GuestContribution,
    Memorial,
    MemorialExport,
    Photo,
    TimelineEvent,
)


@receiver(post_delete, sender=Photo, dispatch_uid="photo-files")
def photo_files(sender, instance, **kwargs):
    delete_files_on_commit(instance.original, instance.screen, instance.thumbnail)


@receiver(post_delete, sender=GuestContribution, dispatch_uid="contribution-files")
def contribution_files(sender, instance, **kwargs):
    # A rejected photo goes with its files (and any left waiting when the memorial is destroyed).
    delete_files_on_commit(instance.upload, instance.preview)


@receiver(post_delete, sender=MemorialExport, dispatch_uid="export-files")
def export_files(sender, instance, **kwargs):
    # A memorial deleted takes its zips (originals and all) with it.
    delete_files_on_commit(instance.file)


# What the memorial page shows changed: its cached rendering must not be served again. Connected
# here for the memorial's own parts, and by generation/signals.py for its paintings.
def bump_memorial_page(sender, instance, **kwargs):
    from memorial.page_cache import bump

    bump(_memorial_id(instance))


def _memorial_id(instance):
    if hasattr(instance, "memorial_id"):
        return instance.memorial_id
    album = getattr(instance, "album", None)
    return getattr(album, "memorial_id", None)


for _model in (Album, Photo, TimelineEvent, Condolence, Funeral, Comment, GuestContribution):
    post_save.connect(bump_memorial_page, sender=_model, dispatch_uid=f"bump-{_model.__name__}")
    post_delete.connect(bump_memorial_page, sender=_model, dispatch_uid=f"bump-del-{_model.__name__}")


# The memorial itself changed (visibility, deletion, its text): this process forgets what it
# remembered of it; other processes see the change within MEMORIAL_PAGE_FRESH_SECONDS.
@receiver(post_save, sender=Memorial, dispatch_uid="memorial-forget")
@receiver(post_delete, sender=Memorial, dispatch_uid="memorial-delete-forget")
def _forget_memorial(sender, instance, **kwargs):
    from memorial.page_cache import forget

    forget(instance.pk)


@receiver(post_delete, sender=Memorial, dispatch_uid="memorial-preview-cards")
def _preview_cards(sender, instance, **kwargs):
    from memorial.link_preview import forget_cards

    forget_cards(instance.pk)
