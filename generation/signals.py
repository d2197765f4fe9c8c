from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from core.files import delete_files_on_commit
from generation.models import Artwork, ArtworkCandidate, FamilyRecording, Narration, Style
from memorial.signals import bump_memorial_page


@receiver(post_delete, sender=Artwork, dispatch_uid="artwork-files")
def artwork_files(sender, instance, **kwargs):
    delete_files_on_commit(
        instance.image, instance.thumbnail, instance.control_pose, instance.control_depth, instance.control_lines
    )


@receiver(post_delete, sender=ArtworkCandidate, dispatch_uid="artwork-candidate-files")
def artwork_candidate_files(sender, instance, **kwargs):
    delete_files_on_commit(instance.image, instance.thumbnail)


@receiver(post_delete, sender=Narration, dispatch_uid="narration-files")
def narration_files(sender, instance, **kwargs):
    delete_files_on_commit(instance.audio)


@receiver(post_delete, sender=FamilyRecording, dispatch_uid="family-recording-files")
def family_recording_files(sender, instance, **kwargs):
    delete_files_on_commit(instance.audio)


@receiver(post_delete, sender=Style, dispatch_uid="style-files")
def style_files(sender, instance, **kwargs):
    delete_files_on_commit(instance.lora_file, instance.sample_image)


# A painting shown (or no longer shown) in the memorial page's gallery.
post_save.connect(bump_memorial_page, sender=Artwork, dispatch_uid="artwork-bumps-memorial-page")
post_delete.connect(bump_memorial_page, sender=Artwork, dispatch_uid="artwork-delete-bumps-memorial-page")
