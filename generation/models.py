import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.models import BackgroundWork
from generation.few_step import validate as validate_few_step
from generation.likeness import sentence as likeness_sentence
from generation.painting_settings import SAMPLERS


class Style(models.Model):
    """A painting style families can pick: a LoRA and the settings it paints best with."""

    # The English name and description, and the Korean beside them: each visitor reads the
    # one in their language (`name_in`); a style without Korean shows its English name.
    name = models.CharField(_("name (English)"), max_length=80, unique=True)
    name_ko = models.CharField(_("name (Korean)"), max_length=80, blank=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.CharField(_("description (English)"), max_length=300, blank=True)
    description_ko = models.CharField(_("description (Korean)"), max_length=300, blank=True)
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
        help_text=_(
            "In English. {subject} is the short English phrase the member gave (or “a portrait of a person”), "
            "never the photo's caption; {trigger} is the trigger words. Without {trigger} the trigger words go "
            "first; without {subject} the subject goes at the end. The worker fits the prompt into CLIP's 77 "
            "tokens by shortening the subject, never the trigger words."
        ),
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
    sampler = models.CharField(
        _("sampler"),
        max_length=40,
        blank=True,
        choices=[(name, name) for name in SAMPLERS],
        help_text=_("AUTOMATIC1111's name of the sampler. Empty: the base model's own scheduler."),
    )
    openpose_scale = models.FloatField(_("pose control (OpenPose)"), default=1.0, help_text=_("0 switches it off."))
    depth_scale = models.FloatField(_("shape control (LeReS depth)"), default=0.6, help_text=_("0 switches it off."))
    mlsd_scale = models.FloatField(_("line control (M-LSD)"), default=0.4, help_text=_("0 switches it off."))
    candidates = models.PositiveSmallIntegerField(
        _("candidates"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(8)],
        help_text=_(
            "How many paintings the AI painter makes (different seeds) to keep the most faithful one. "
            "Empty: the site's default (ARTWORK_CANDIDATES: 1 on a CPU, 4 on a GPU)."
        ),
    )
    few_step = models.JSONField(
        _("few-step sampling"),
        null=True,
        blank=True,
        validators=[validate_few_step],
        help_text=_(
            "Optional: paint in a few steps with an LCM, Hyper-SD or TCD LoRA beside the style's own, e.g. "
            '{"kind": "lcm", "lora": "lcm-lora-sdv1-5.safetensors", "steps": 6, "guidance_scale": 1.0}. '
            "The file is absolute or under LORA_ROOT; scheduler (lcm, tcd, ddim-trailing, euler-trailing) and "
            "lora_scale are optional. Its steps and guidance scale replace the style's."
        ),
    )
    sample_image = models.ImageField(_("sample image"), upload_to="styles/samples/", blank=True)
    is_active = models.BooleanField(_("active"), default=True, help_text=_("Retired styles are not offered any more."))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("style")
        verbose_name_plural = _("styles")

    def __str__(self) -> str:
        return self.display_name

    def name_in(self, language: str | None = None) -> str:
        """The name in ``language`` (the active language when None); English where there is no Korean."""
        return self.name_ko if _is_korean(language) and self.name_ko else self.name

    def description_in(self, language: str | None = None) -> str:
        return self.description_ko if _is_korean(language) and self.description_ko else self.description

    @property
    def display_name(self) -> str:
        """The name in the visitor's language (templates: ``{{ style.display_name }}``)."""
        return self.name_in()

    @property
    def display_description(self) -> str:
        return self.description_in()


def _is_korean(language: str | None) -> bool:
    return (language or get_language() or settings.LANGUAGE_CODE).lower().startswith("ko")


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
    # What the painting shows, in the member's English words (generation/subjects.py); empty: a neutral one.
    subject = models.CharField(_("subject (English)"), max_length=80, blank=True)
    parameters = models.JSONField(default=dict, blank=True)
    # The chosen settings of the painting, complete (generation/painting_settings.py: the style's
    # where the member chose none); empty for a job made before settings were kept.
    settings = models.JSONField(default=dict, blank=True)
    backend = models.CharField(max_length=60, blank=True)
    # Asked for through the AUTOMATIC1111-compatible API (generation/sdapi.py) with this key.
    studio_key = models.ForeignKey(
        "generation.StudioKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    # That request as understood (its prompt, fields and notes; not its images), answered back with the painting.
    studio_request = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "heartbeat_at"]), models.Index(fields=["status", "enqueued_at"])]

    def __str__(self) -> str:
        return f"Job {self.pk} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("generation:job", args=[self.pk])

    def clean(self):
        """The stored settings must be a painting's (the admin's form checks them too)."""
        from django.core.exceptions import ValidationError

        from generation import painting_settings

        if self.settings and self.style_id:
            try:
                painting_settings.effective(self.settings, self.style)
            except painting_settings.SettingsError as exc:
                raise ValidationError({"settings": str(exc)}) from None


def artwork_file_name(memorial_id: int) -> str:
    return f"artworks/{memorial_id}/{uuid.uuid4().hex}.png"


def artwork_thumbnail_file_name(memorial_id: int) -> str:
    return f"artworks/{memorial_id}/{uuid.uuid4().hex}-thumb.jpg"


def control_file_name(memorial_id: int, kind: str) -> str:
    return f"artworks/{memorial_id}/{uuid.uuid4().hex}-{kind}.png"


# How a diffusion painting was guided: the control images its annotators read from the photo.
# The kind in the address (/m/<slug>/artworks/<id>/control/<kind>.png) -> the annotator that made it.
CONTROL_KINDS = {"pose": "openpose", "depth": "depth", "lines": "mlsd"}
CONTROL_LABELS = {
    "pose": _("The pose: body, face and hands (OpenPose)"),
    "depth": _("The shape: near and far (depth)"),
    "lines": _("The straight lines (M-LSD)"),
}


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
    # The control images that guided a diffusion painting (PNG, the painting's size; CONTROL_KINDS),
    # seen by the memorial's members. Empty for the built-in painter and for a control switched off.
    control_pose = models.FileField(max_length=300, blank=True)
    control_depth = models.FileField(max_length=300, blank=True)
    control_lines = models.FileField(max_length=300, blank=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    seed = models.BigIntegerField()
    parameters = models.JSONField(default=dict)
    backend = models.CharField(
        max_length=60, help_text=_("What painted it: the diffusion pipeline, or the light painterly filter.")
    )
    # Likeness, measured by the worker (generation/worker/likeness.py): the state the family's
    # sentence says (generation/likeness.py; empty: not measured), the worst face's descriptor
    # distance (None: no face compared, or one lost), and each face of the photo as measured.
    likeness_state = models.CharField(max_length=10, blank=True)
    likeness = models.FloatField(null=True, blank=True)
    faces = models.JSONField(default=list, blank=True)
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
    # Visitors' comments on the painting (memorial/comments.py); deleted with it.
    comments = GenericRelation(
        "memorial.Comment", content_type_field="target_type", object_id_field="target_id", related_query_name="artwork"
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

    def control_file(self, kind: str):
        """The stored control image of ``kind`` ("pose", "depth", "lines"), or None."""
        field = getattr(self, f"control_{kind}", None) if kind in CONTROL_KINDS else None
        return field or None

    def guidance(self) -> list[dict]:
        """How it was guided, for those who may see it (permissions.sees_artwork_guidance):
        each stored control image's kind, what it shows, and its address."""
        return [
            {
                "kind": kind,
                "label": CONTROL_LABELS[kind],
                "url": reverse("generation:memorial_artwork_control", args=[self.memorial.slug, self.pk, kind]),
            }
            for kind in CONTROL_KINDS
            if self.control_file(kind)
        ]

    @property
    def is_filter(self) -> bool:
        return self.backend.startswith("filter")

    @property
    def file_version(self) -> str:
        """Changes with the image file (a chosen candidate keeps the address): for ``?v=`` in links."""
        return image_version(self.image.name)

    @property
    def likeness_text(self) -> str:
        """What the family reads about the likeness (a sentence, translated; empty: not measured)."""
        return likeness_sentence(self.likeness_state, retried=bool(self.parameters.get("likeness_retried")))


def candidate_path(instance, filename):
    return artwork_file_name(instance.artwork.memorial_id)


class ArtworkCandidate(models.Model):
    """Another painting of the same job (another seed, or the gentler second try), kept so the
    family can see it and choose it instead (generation/candidates.py swaps the two). Its bytes
    are counted in its artwork's ``stored_bytes``."""

    artwork = models.ForeignKey(Artwork, on_delete=models.CASCADE, related_name="candidates")
    image = models.FileField(upload_to=candidate_path, max_length=300)
    thumbnail = models.FileField(max_length=300, blank=True)
    seed = models.BigIntegerField()
    strength = models.FloatField(null=True, blank=True)
    likeness_state = models.CharField(max_length=10, blank=True)
    likeness = models.FloatField(null=True, blank=True)
    faces = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"candidate {self.pk} of artwork {self.artwork_id}"

    @property
    def likeness_text(self) -> str:
        return likeness_sentence(self.likeness_state)

    @property
    def file_version(self) -> str:
        return image_version(self.image.name)


def image_version(name: str) -> str:
    return name.rsplit("/", 1)[-1].split(".", 1)[0][:12]


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


class StudioKey(models.Model):
    """A memorial's key to the AUTOMATIC1111-compatible API (generation/studio_keys.py): made by a
    manager, shown once, kept only as a hash; what it asks for is painted from photos in the
    memorial's "Studio" album and waits there, unpublished, for the family."""

    memorial = models.ForeignKey("memorial.Memorial", on_delete=models.CASCADE, related_name="studio_keys")
    label = models.CharField(_("label"), max_length=80, blank=True)
    username = models.CharField(max_length=40, unique=True)
    secret_hash = models.CharField(max_length=64)  # SHA-256 of the random password (hex)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The key's own AUTOMATIC1111 options (POST /sdapi/v1/options): {"sd_model_checkpoint": <a style>}.
    options = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("studio key")
        verbose_name_plural = _("studio keys")

    def __str__(self) -> str:
        return self.username

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


from generation.training.records import TrainingRun  # noqa: E402,F401
