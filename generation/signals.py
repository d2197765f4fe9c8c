from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from config.files import delete_files_on_commit
from generation.models import Artwork, Narration, Style


@receiver(post_delete, sender=Artwork, dispatch_uid="artwork-files")
def artwork_files(sender, instance, **kwargs):
    delete_files_on_commit(instance.image, instance.thumbnail)


@receiver(post_delete, sender=Narration, dispatch_uid="narration-files")
def narration_files(sender, instance, **kwargs):
    delete_files_on_commit(instance.audio)


@receiver(post_delete, sender=Style, dispatch_uid="style-files")
def style_files(sender, instance, **kwargs):
    delete_files_on_commit(instance.lora_file, instance.sample_image)


@receiver(post_save, sender=Artwork, dispatch_uid="artwork-bumps-memorial-page")
@receiver(post_delete, sender=Artwork, dispatch_uid="artwork-delete-bumps-memorial-page")
def artwork_changes_memorial_page(sender, instance, **kwargs):
    from memorial.page_cache import bump

    bump(instance.memorial_id)
