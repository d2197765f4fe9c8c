from django.db.models.signals import post_delete
from django.dispatch import receiver

from config.files import delete_files_on_commit
from memorial.models import Photo


@receiver(post_delete, sender=Photo, dispatch_uid="photo-files")
def photo_files(sender, instance, **kwargs):
    delete_files_on_commit(instance.original, instance.screen, instance.thumbnail)
