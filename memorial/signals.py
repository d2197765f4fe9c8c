from django.db.models.signals import post_delete
from django.dispatch import receiver

from config.files import delete_files_on_commit
from memorial.models import MemorialExport, Photo


@receiver(post_delete, sender=Photo, dispatch_uid="photo-files")
def photo_files(sender, instance, **kwargs):
    delete_files_on_commit(instance.original, instance.screen, instance.thumbnail)


@receiver(post_delete, sender=MemorialExport, dispatch_uid="export-files")
def export_files(sender, instance, **kwargs):
    # A memorial deleted takes its zips (originals and all) with it.
    delete_files_on_commit(instance.file)
