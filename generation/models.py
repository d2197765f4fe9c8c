import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import BackgroundWork


class Style(models.Model):
    """A painting style families can pick: a LoRA and the settings it paints best with."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    lora_file = models.FileField(
        _("LoRA file"),
        upload_to="styles/",
        blank=True,
        max_length=300,
        help_text=_(
            "A .safetensors LoRA for Stable Diffusion 1.5, as load_lora_weights reads it. Empty: the base model paints."
        ),
    )
    trigger_words = models.CharField(_("trigger words"), max_length=200, blank=True)
    prompt_template = models.TextField(
        _("prompt"),
        default="a painting of {subject}, {trigger}, fine brushwork, soft light",
        help_text=_("{subject} is the photo's caption (or 'a person'); {trigger} the trigger words."),
    )
    negative_prompt = models.TextField(
        _("negative prompt"), blank=True, default="lowres, deformed, extra fingers, text, watermark"
    )
    lora_scale = models.FloatField(_("LoRA scale"), default=0.8)
    strength = models.FloatField(
        _("img2img strength"), default=0.6, help_text=_("How far the painting may move from the photo (0-1).")
    )
    steps = models.PositiveIntegerField(_("steps"), default=30)
    guidance_scale = models.FloatField(_("guidance scale"), default=7.0)
    openpose_scale = models.FloatField(_("pose control (OpenPose)"), default=1.0, help_text=_("0 switches it off."))
    depth_scale = models.FloatField(_("shape control (LeReS depth)"), default=0.6, help_text=_("0 switches it off."))
    mlsd_scale = models.FloatField(_("line control (M-LSD)"), default=0.4, help_text=_("0 switches it off."))
    sample_image = models.ImageField(_("sample image"), upload_to="styles/samples/", blank=True)
    is_active = models.BooleanField(_("active"), default=True, help_text=_("Retired styles are not offered any more."))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("style")
        verbose_name_plural = _("styles")

    def __str__(self) -> str:
        return self.name


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", pgettext_lazy("job status", "In progress")
    SUCCEEDED = "succeeded", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class JobStage(models.TextChoices):
    WAITING = "waiting", _("Waiting for the painter")
    CONTROLS = "controls", _("Studying the photo")
    PAINTING = "painting", pgettext_lazy("job stage", "Painting")
    WRITING = "writing", _("Writing a few words")
    SPEAKING = "speaking", _("Recording the words")
    DONE = "done", _("Done")


class StylizationJob(BackgroundWork):
    """A painting asked for: its lifecycle (claim, heartbeat, progress, take-back) is core.work's."""

    photo = models.ForeignKey("memorial.Photo", on_delete=models.CASCADE, related_name="jobs")
    memorial = models.ForeignKey("memorial.Memorial", on_delete=models.CASCADE, related_name="jobs")
    style = models.ForeignKey(Style, on_delete=models.PROTECT, related_name="jobs")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    language = models.CharField(max_length=8, default=settings.LANGUAGE_CODE)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True)
    stage = models.CharField(max_length=10, choices=JobStage.choices, default=JobStage.WAITING)
    seed = models.BigIntegerField()
    parameters = models.JSONField(default=dict, blank=True)
    backend = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "heartbeat_at"]), models.Index(fields=["status", "enqueued_at"])]

    def __str__(self) -> str:
        return f"Job {self.pk} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("generation:job", args=[self.pk])


def artwork_file_name(memorial_id: int) -> str:
    return f"artworks/{memorial_id}/{uuid.uuid4().hex}.png"


def artwork_thumbnail_file_name(memorial_id: int) -> str:
    return f"artworks/{memorial_id}/{uuid.uuid4().hex}-thumb.jpg"


def narration_file_name(memorial_id: int, extension: str) -> str:
    return f"narrations/{memorial_id}/{uuid.uuid4().hex}.{extension}"


def artwork_path(instance, filename):
    return artwork_file_name(instance.memorial_id)


def narration_path(instance, filename):
    extension = filename.rsplit(".", 1)[-1] if "." in filename else "mp3"
    return narration_file_name(instance.tribute.artwork.memorial_id, extension)


class Artwork(models.Model):
    job = models.OneToOneField(StylizationJob, on_delete=models.CASCADE, related_name="artwork")
    photo = models.ForeignKey("memorial.Photo", on_delete=models.CASCADE, related_name="artworks")
    memorial = models.ForeignKey("memorial.Memorial", on_delete=models.CASCADE, related_name="artworks")
    style = models.ForeignKey(Style, on_delete=models.PROTECT, related_name="artworks")
    image = models.FileField(upload_to=artwork_path, max_length=300)
    # A small JPEG for galleries (a guest's phone loads one per painting); the PNG is the artwork.
    thumbnail = models.FileField(max_length=300, blank=True)
    # Bytes of the image and its thumbnail: counted in the memorial's storage (memorial/quota.py).
    stored_bytes = models.PositiveBigIntegerField(default=0)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    seed = models.BigIntegerField()
    parameters = models.JSONField(default=dict)
    backend = models.CharField(
        max_length=60, help_text=_("What painted it: the diffusion pipeline, or the light painterly filter.")
    )
    published = models.BooleanField(_("shown on the memorial page"), default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # In the memorial's bin (memorial/bin.py): hidden from everyone, restorable until purged.
    deleted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.style} painting of photo {self.photo_id}"

    def get_absolute_url(self) -> str:
        """At the memorial's address: the only one a guest of an unlisted memorial can open."""
        return reverse("generation:memorial_artwork", args=[self.memorial.slug, self.pk])

    def file_url(self, name: str) -> str:
        """``image``, ``thumbnail`` or ``narration``, served at the memorial's address."""
        view = {"image": "memorial_artwork_image", "thumbnail": "memorial_artwork_thumbnail"}.get(
            name, "memorial_narration_audio"
        )
        return reverse(f"generation:{view}", args=[self.memorial.slug, self.pk])

    @property
    def is_filter(self) -> bool:
        return self.backend.startswith("filter")


class TributeText(models.Model):
    artwork = models.OneToOneField(Artwork, on_delete=models.CASCADE, related_name="tribute")
    language = models.CharField(max_length=8)
    text = models.TextField(max_length=2000)
    writer = models.CharField(max_length=80, help_text=_("builtin, or llm:<model>"))
    fallback_reason = models.CharField(max_length=300, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    edited_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.text[:60]


class Narration(models.Model):
    tribute = models.OneToOneField(TributeText, on_delete=models.CASCADE, related_name="narration")
    audio = models.FileField(upload_to=narration_path, max_length=300)
    audio_bytes = models.PositiveBigIntegerField(default=0)  # counted in the memorial's storage
    content_type = models.CharField(max_length=40, default="audio/mpeg")
    duration_s = models.FloatField()
    sample_rate = models.PositiveIntegerField()
    engine = models.CharField(max_length=40)
    voice = models.CharField(max_length=60, blank=True)
    language = models.CharField(max_length=8)
    fallback_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.engine} {self.duration_s:.1f}s"


def family_recording_path(instance, filename):
    return narration_file_name(instance.artwork.memorial_id, "mp3")


class NarrationVoice(models.TextChoices):
    SYNTHETIC = "synthetic", _("the synthetic voice")
    FAMILY = "family", _("the family's recording")


class FamilyRecording(models.Model):
    """The tribute in the family's own voice (recorded in the browser or uploaded), checked and
    made into an MP3 by `generation.speech.recording`. While ``in_use`` it is the painting's
    narration instead of the synthetic voice; either can be chosen back (`generation.family_voice`)."""

    artwork = models.OneToOneField(Artwork, on_delete=models.CASCADE, related_name="family_recording")
    audio = models.FileField(upload_to=family_recording_path, max_length=300)
    audio_bytes = models.PositiveBigIntegerField(default=0)  # counted in the memorial's storage
    content_type = models.CharField(max_length=40, default="audio/mpeg")
    duration_s = models.FloatField()
    sample_rate = models.PositiveIntegerField()
    channels = models.PositiveSmallIntegerField()
    source_format = models.CharField(max_length=20, help_text=_("What was uploaded: wav, ogg, mp3, mp4 or webm."))
    source_codec = models.CharField(max_length=40, blank=True)
    in_use = models.BooleanField(default=True, help_text=_("Played instead of the synthetic voice."))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"family recording {self.duration_s:.1f}s"


from generation.training.records import TrainingRun  # noqa: E402,F401
