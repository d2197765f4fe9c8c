"""The API's shapes for styles, jobs and artworks. Thin: they parse and present; every write
happens in a `generation.services` function the view calls with `validated_data`.

An artwork carries both addresses of its files: `image_url` and `narration.audio_url` are the
served files (through the views that ask `memorial.permissions`), `page_url` is the page. All
are at the memorial's address (`/m/<slug>/...`, `/api/v1/memorials/<slug>/...`), the only ones a
guest of an unlisted memorial can open.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from generation import family_voice, selectors
from generation import painting_settings as ps
from generation.likeness import STATES
from generation.models import (
    Artwork,
    ArtworkCandidate,
    FamilyRecording,
    JobStatus,
    NarrationVoice,
    StudioKey,
    Style,
    StylizationJob,
    TributeText,
)
from generation.services import MAX_TRIBUTE_CHARS
from generation.subjects import clean_subject
from memorial import permissions


class StyleSerializer(serializers.ModelSerializer):
    name = serializers.CharField(
        source="display_name", read_only=True, help_text="The name in the request's language (Accept-Language)."
    )
    description = serializers.CharField(
        source="display_description", read_only=True, help_text="The description in the request's language."
    )
    name_en = serializers.CharField(source="name", read_only=True, help_text="The name in English.")
    name_ko = serializers.SerializerMethodField(help_text="The name in Korean (the English one where none is given).")
    description_en = serializers.CharField(source="description", read_only=True)
    description_ko = serializers.SerializerMethodField(help_text="The description in Korean (else the English one).")
    sample_image_url = serializers.SerializerMethodField(help_text="An example painting in this style; null when none.")
    settings = serializers.SerializerMethodField(
        help_text=(
            "The style's painting settings, AUTOMATIC1111's names: what a request's left-out settings are "
            "(`sampler_name` empty: the model's own scheduler; `candidates` null: the site's default)."
        )
    )

    class Meta:
        model = Style
        fields = [
            "name",
            "slug",
            "description",
            "name_en",
            "name_ko",
            "description_en",
            "description_ko",
            "sample_image_url",
            "settings",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "object"})
    def get_settings(self, style: Style) -> dict:
        return ps.defaults(style)

    def get_name_ko(self, style: Style) -> str:
        return style.name_in("ko")

    def get_description_ko(self, style: Style) -> str:
        return style.description_in("ko")

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_sample_image_url(self, style: Style) -> str | None:
        if not style.sample_image:
            return None
        return _absolute(self.context, style.sample_image.url)


class _Setting(serializers.Field):
    """A painting's setting, taken as sent (painting_settings checks it); documented by ``schema``."""

    def __init__(self, *, schema: dict, **kwargs):
        super().__init__(required=False, allow_null=True, **kwargs)
        self.schema = schema

    def to_internal_value(self, data):
        return data

    def to_representation(self, value):
        return value


class _SettingSchema(OpenApiSerializerFieldExtension):
    """The schema of each setting: its own (type, bounds, the sampler names), not a bare "any"."""

    target_class = _Setting

    def map_serializer_field(self, auto_schema, direction):
        return {**self.target.schema, "nullable": True}


def _UNIT_SCHEMA(unit: str) -> dict:  # noqa: N802
    properties = {
        "enabled": {"type": "boolean"},
        "weight": {"type": "number", "minimum": 0, "maximum": ps.MAX_WEIGHT},
        "guidance_start": {"type": "number", "minimum": 0, "maximum": 1},
        "guidance_end": {"type": "number", "minimum": 0, "maximum": 1},
        "processor_res": {"type": "integer", "minimum": -1, "maximum": ps.MAX_PROCESSOR_RES, "multipleOf": 1},
    }
    for key, spec in zip(("threshold_a", "threshold_b"), ps.THRESHOLDS[unit] or (), strict=False):
        properties[key] = {"type": "number", "minimum": spec.low, "maximum": spec.high, "description": spec.label}
    return {"type": "object", "properties": properties, "description": f"AUTOMATIC1111 module {ps.UNIT_MODULES[unit]}"}


class ArtworkRequestSerializer(serializers.Serializer):
    """Which style to paint in, and optionally what the painting shows (in English). A retired style is
    refused by `services.request_artwork`, with its reason."""

    style = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Style.objects.all(),
        help_text="The style's slug, as listed at /api/v1/styles/.",
        error_messages={"does_not_exist": _("There is no style called “{value}”. Choose one from the list of styles.")},
    )
    subject = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        default="",
        help_text=(
            "What the painting shows, in a few English words for the painter (at most 80 characters: Latin "
            "letters, digits, spaces and basic punctuation), such as `an old woman smiling`. Empty or left out: "
            "`a portrait of a person`. The photo's caption is never given to the painter."
        ),
    )

    # The painting's settings (generation/painting_settings.py), AUTOMATIC1111's names; each left
    # out (or null) is the style's. Taken as sent and checked by painting_settings, so a bad value
    # is refused with a sentence naming it (not a generic "a valid number is required").
    seed = _Setting(
        schema={
            "oneOf": [{"type": "integer", "minimum": -1, "maximum": ps.MAX_SEED}, {"type": "string", "enum": ["vary"]}]
        },
        help_text=f"0 to {ps.MAX_SEED} paints the same painting again; -1, `vary` or left out: a new random seed.",
    )
    denoising_strength = _Setting(
        schema={"type": "number", "minimum": 0, "exclusiveMinimum": True, "maximum": 1},
        help_text="img2img denoising strength: how far the painting may move from the photo. Default: the style's.",
    )
    steps = _Setting(
        schema={"type": "integer", "minimum": 1, "maximum": ps.MAX_STEPS},
        help_text="Sampling steps; img2img runs int(steps × denoising_strength) of them. Default: the style's.",
    )
    cfg_scale = _Setting(
        schema={"type": "number", "minimum": 0, "maximum": ps.MAX_CFG},
        help_text="Classifier-free guidance scale. Default: the style's.",
    )
    sampler_name = _Setting(
        schema={"type": "string", "enum": list(ps.SAMPLERS)},
        help_text="AUTOMATIC1111's sampler name, mapped to a diffusers scheduler. Default: the style's (or the model's own).",
    )
    negative_prompt = _Setting(
        schema={"type": "string", "maxLength": ps.MAX_NEGATIVE_CHARS},
        help_text=f"Extra negative prompt in English, added after the style's own (plain text, at most {ps.MAX_NEGATIVE_CHARS} characters).",
    )
    candidates = _Setting(
        schema={"type": "integer", "minimum": 1, "maximum": ps.MAX_CANDIDATES},
        help_text="How many paintings (seeds seed, seed+1, ...) to make, keeping the most faithful. Default: the style's, else the site's.",
    )
    controlnet = _Setting(
        schema={
            "type": "object",
            "description": "ControlNet units by name; each field left out is the style's.",
            "properties": {unit: _UNIT_SCHEMA(unit) for unit in ps.UNITS},
            "additionalProperties": False,
        },
        help_text=(
            "The three ControlNet units (openpose, depth = LeReS, mlsd), each with `enabled`, `weight` (0-2), "
            "`guidance_start` and `guidance_end` (0-1, start ≤ end), `processor_res` (the annotator's resolution, "
            "64-2048, a multiple of 8; -1: the painting's), and for depth and mlsd `threshold_a`, `threshold_b` "
            "(depth: near and background % removed, 0-100; mlsd: value 0.01-2 and distance 0.01-20 thresholds). "
            "A unit switched off is not run."
        ),
    )

    def validate_subject(self, value) -> str:
        try:
            return clean_subject(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages[0], code=exc.code) from None

    def validate(self, attrs):
        chosen = {name: attrs.pop(name) for name in SETTING_FIELDS if name in attrs}
        try:
            attrs["settings"] = ps.clean(chosen, attrs["style"])
        except ps.SettingsError as exc:
            top = exc.field.split(".")[0]
            raise serializers.ValidationError({top if top in SETTING_FIELDS else "detail": [str(exc)]}) from None
        return attrs


SETTING_FIELDS = (*ps.TOP_KEYS, "controlnet")


class JobSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="This job in the API: poll it for progress.")
    page_url = serializers.SerializerMethodField(help_text="The page that shows the job's progress bar.")
    style = serializers.CharField(source="style.slug", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    stage_display = serializers.CharField(source="get_stage_display", read_only=True)
    progress = serializers.IntegerField(read_only=True, min_value=0, max_value=100, help_text="Percent done.")
    error = serializers.SerializerMethodField(
        help_text="What happened when the job failed, in a plain sentence for the family; empty unless it failed."
    )
    error_detail = serializers.SerializerMethodField(
        help_text="The server's own reason for the failure (exception text): for the site's staff only, empty for others."
    )
    finished = serializers.BooleanField(source="is_finished", read_only=True)
    artwork = serializers.SerializerMethodField(help_text="The artwork's id once the job has succeeded; null before.")
    artwork_url = serializers.SerializerMethodField(help_text="The artwork in the API once the job has succeeded.")
    artwork_page_url = serializers.SerializerMethodField(help_text="The artwork's page once the job has succeeded.")

    class Meta:
        model = StylizationJob
        fields = [
            "id",
            "url",
            "page_url",
            "photo",
            "style",
            "subject",
            "seed",
            "settings",
            "status",
            "status_display",
            "stage",
            "stage_display",
            "progress",
            "error",
            "error_detail",
            "finished",
            "cancel_requested",
            "created_at",
            "started_at",
            "finished_at",
            "artwork",
            "artwork_url",
            "artwork_page_url",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, job: StylizationJob) -> str:
        return _absolute(self.context, reverse("generation_api:job-detail", args=[job.pk]))

    @extend_schema_field(OpenApiTypes.URI)
    def get_page_url(self, job: StylizationJob) -> str:
        return _absolute(self.context, job.get_absolute_url())

    def _failure(self, job: StylizationJob) -> tuple[str, str]:
        request = self.context.get("request")
        return selectors.job_failure(job, request.user if request else None)

    def get_error(self, job: StylizationJob) -> str:
        return self._failure(job)[0]

    def get_error_detail(self, job: StylizationJob) -> str:
        return self._failure(job)[1]

    def _artwork(self, job: StylizationJob) -> Artwork | None:
        if job.status != JobStatus.SUCCEEDED:
            return None
        artwork = getattr(job, "artwork", None)
        return None if artwork is None or permissions.is_binned_artwork(artwork) else artwork  # the bin's is gone

    def get_artwork(self, job: StylizationJob) -> int | None:
        artwork = self._artwork(job)
        return artwork.pk if artwork else None

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_artwork_url(self, job: StylizationJob) -> str | None:
        artwork = self._artwork(job)
        return _absolute(self.context, _api_url(artwork)) if artwork else None

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_artwork_page_url(self, job: StylizationJob) -> str | None:
        artwork = self._artwork(job)
        return _absolute(self.context, artwork.get_absolute_url()) if artwork else None


class TributeSerializer(serializers.ModelSerializer):
    class Meta:
        model = TributeText
        fields = ["language", "text", "writer", "edited_at"]
        read_only_fields = fields
        extra_kwargs = {"writer": {"help_text": "What wrote it: builtin, or llm:<model>."}}


class NarrationSerializer(serializers.Serializer):
    """What the painting plays: the synthetic voice, or the family's recording when it is chosen."""

    audio_url = serializers.SerializerMethodField(help_text="The recording, served to those who may see the artwork.")
    content_type = serializers.CharField(read_only=True)
    duration_s = serializers.FloatField(read_only=True, help_text="Seconds, measured from the stored file.")
    sample_rate = serializers.IntegerField(read_only=True)
    source = serializers.ChoiceField(
        source="voice",
        choices=NarrationVoice.choices,
        read_only=True,
        help_text="`synthetic`: a speech engine read the words; `family`: the family's own recording.",
    )
    engine = serializers.SerializerMethodField(help_text="espeak-ng or gtts; `family` for the family's recording.")
    voice = serializers.SerializerMethodField(help_text="The engine's voice; empty for the family's recording.")
    language = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_audio_url(self, played: family_voice.Played) -> str:
        artwork = self.context["artwork_of_narration"]
        return _absolute(self.context, f"{artwork.file_url('narration')}?v={played.version}")

    def get_engine(self, played: family_voice.Played) -> str:
        return played.record.engine if played.voice == NarrationVoice.SYNTHETIC else "family"

    def get_voice(self, played: family_voice.Played) -> str:
        return played.record.voice if played.voice == NarrationVoice.SYNTHETIC else ""

    def get_language(self, played: family_voice.Played) -> str:
        if played.voice == NarrationVoice.SYNTHETIC:
            return played.record.language
        tribute = getattr(self.context["artwork_of_narration"], "tribute", None)
        return tribute.language if tribute is not None else ""


class FamilyRecordingSerializer(serializers.ModelSerializer):
    audio_url = serializers.SerializerMethodField(help_text="The family's recording, whether or not it is played.")
    source_format = serializers.CharField(read_only=True, help_text="What was uploaded: wav, ogg, mp3, mp4 or webm.")
    in_use = serializers.BooleanField(read_only=True, help_text="Played instead of the synthetic voice.")

    class Meta:
        model = FamilyRecording
        fields = ["audio_url", "content_type", "duration_s", "sample_rate", "channels", "source_format", "in_use"]
        fields += ["created_at"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_audio_url(self, recording: FamilyRecording) -> str:
        url = f"{recording.artwork.file_url('narration')}?voice=family&v={recording.pk}"
        return _absolute(self.context, url)


class FaceSerializer(serializers.Serializer):
    box = serializers.ListField(
        child=serializers.IntegerField(), help_text="The face in the painting's pixels: left, top, right, bottom."
    )
    width = serializers.IntegerField(help_text="The face box's width in the painting's pixels.")
    found = serializers.BooleanField(
        allow_null=True, help_text="Whether the painting kept a face there; null when too small to compare."
    )
    distance = serializers.FloatField(
        allow_null=True,
        help_text="dlib face-descriptor distance to the photo's face (below 0.6: the same person); null when not compared.",
    )


_LIKENESS_STATE_HELP = (
    "kept (every face still looks like the person), changed (one does not, or was lost), no_face (the photo has "
    "none), too_small (its faces are too small to compare); empty when not measured."
)


class CandidateSerializer(serializers.ModelSerializer):
    image_url = serializers.SerializerMethodField(help_text="This version of the painting (PNG), for the family.")
    choose_url = serializers.SerializerMethodField(help_text="POST here (managers) to show this version instead.")
    likeness_state = serializers.ChoiceField(choices=[*STATES, ""], read_only=True, help_text=_LIKENESS_STATE_HELP)
    likeness_text = serializers.CharField(read_only=True, help_text="What the family reads about its likeness.")
    faces = FaceSerializer(many=True, read_only=True)

    class Meta:
        model = ArtworkCandidate
        fields = [
            "id",
            "image_url",
            "choose_url",
            "seed",
            "strength",
            "likeness_state",
            "likeness",
            "likeness_text",
            "faces",
        ]
        read_only_fields = fields

    def _artwork(self, candidate):
        return self.context.get("artwork") or candidate.artwork

    @extend_schema_field(OpenApiTypes.URI)
    def get_image_url(self, candidate: ArtworkCandidate) -> str:
        artwork = self._artwork(candidate)
        path = reverse(
            "generation:memorial_artwork_candidate_image", args=[artwork.memorial.slug, artwork.pk, candidate.pk]
        )
        return _absolute(self.context, f"{path}?v={candidate.file_version}")

    @extend_schema_field(OpenApiTypes.URI)
    def get_choose_url(self, candidate: ArtworkCandidate) -> str:
        artwork = self._artwork(candidate)
        path = reverse(
            "generation_api:memorial-artwork-candidate-choose", args=[artwork.memorial.slug, artwork.pk, candidate.pk]
        )
        return _absolute(self.context, path)


class ArtworkSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="This artwork in the API.")
    page_url = serializers.SerializerMethodField(help_text="The artwork's page, beside the original photo.")
    image_url = serializers.SerializerMethodField(help_text="The painting (PNG), served to those who may see it.")
    thumbnail_url = serializers.SerializerMethodField(
        help_text="A small JPEG of the painting for galleries (480 px on its long side by default)."
    )
    is_filter = serializers.BooleanField(
        read_only=True,
        help_text="True when the built-in painter made it (a filter, not AI: no diffusion weights were configured).",
    )
    memorial = serializers.CharField(source="memorial.slug", read_only=True, help_text="The memorial's slug.")
    style = serializers.CharField(
        source="style.display_name", read_only=True, help_text="The style's name in the request's language."
    )
    style_slug = serializers.CharField(source="style.slug", read_only=True)
    tribute = TributeSerializer(read_only=True, allow_null=True, help_text="The words that come with it.")
    likeness_state = serializers.ChoiceField(choices=[*STATES, ""], read_only=True, help_text=_LIKENESS_STATE_HELP)
    likeness = serializers.FloatField(
        read_only=True,
        allow_null=True,
        help_text="The worst face's descriptor distance to the photo (below 0.6: the same person); null when none.",
    )
    likeness_text = serializers.CharField(
        read_only=True, help_text="What the family reads about the likeness, in the reader's language."
    )
    faces = FaceSerializer(many=True, read_only=True, help_text="Each face of the photo, as found in the painting.")
    candidates = serializers.SerializerMethodField(
        help_text="The other versions the painter made, for the family (an empty list for everyone else)."
    )
    narration = serializers.SerializerMethodField(
        help_text=(
            "The words, spoken: by the synthetic voice, or in the family's own recording when the managers chose "
            "it (`narration_voice`); null when there is no recording."
        )
    )
    narration_voice = serializers.SerializerMethodField(
        help_text="Which voice is played: `synthetic` (the default) or `family` (the family's own recording)."
    )
    family_recording = serializers.SerializerMethodField(
        help_text=(
            "The family's own recording of the words, to those who may choose the voice (the managers); null "
            "to others, and when there is none."
        )
    )
    guidance = serializers.SerializerMethodField(
        help_text=(
            "How it was guided: the control images (pose with face and hands, depth, straight lines) the "
            "diffusion painter read from the photo, each with `kind`, `label` and `url`. Seen by the "
            "memorial's family only: null for everyone else; empty for the built-in painter."
        )
    )

    class Meta:
        model = Artwork
        fields = [
            "id",
            "url",
            "page_url",
            "image_url",
            "thumbnail_url",
            "width",
            "height",
            "backend",
            "is_filter",
            "published",
            "published_at",
            "memorial",
            "photo",
            "job",
            "style",
            "style_slug",
            "created_at",
            "tribute",
            "narration",
            "guidance",
            "likeness_state",
            "likeness",
            "likeness_text",
            "faces",
            "candidates",
            "narration_voice",
            "family_recording",
        ]
        read_only_fields = fields

    @extend_schema_field(
        {
            "type": "array",
            "nullable": True,
            "items": {
                "type": "object",
                "properties": {
                    "kind": {"type": "string", "enum": ["pose", "depth", "lines"]},
                    "label": {"type": "string"},
                    "url": {"type": "string", "format": "uri"},
                },
            },
        }
    )
    def get_guidance(self, artwork: Artwork) -> list[dict] | None:
        request = self.context.get("request")
        user = getattr(request, "user", None)
        seen = self.context.setdefault("_sees_guidance", {})  # asked once per memorial in a list
        if artwork.memorial_id not in seen:
            seen[artwork.memorial_id] = user is not None and permissions.sees_artwork_guidance(user, artwork.memorial)
        if not seen[artwork.memorial_id]:
            return None
        return [
            {"kind": item["kind"], "label": str(item["label"]), "url": _absolute(self.context, item["url"])}
            for item in artwork.guidance()
        ]

    @extend_schema_field(CandidateSerializer(many=True))
    def get_candidates(self, artwork: Artwork) -> list:
        request = self.context.get("request")
        user = request.user if request is not None else None
        # Who sees them is asked once per memorial, however many artworks are listed.
        family = self.context.setdefault("_sees_candidates", {})
        if artwork.memorial_id not in family:
            family[artwork.memorial_id] = selectors.sees_candidates(user, artwork)
        if not family[artwork.memorial_id]:
            return []
        found = list(artwork.candidates.all())
        return CandidateSerializer(found, many=True, context={**self.context, "artwork": artwork}).data

    @extend_schema_field(NarrationSerializer(allow_null=True))
    def get_narration(self, artwork: Artwork) -> dict | None:
        played = family_voice.played(artwork)
        if played is None:
            return None
        return NarrationSerializer(played, context={**self.context, "artwork_of_narration": artwork}).data

    @extend_schema_field(serializers.ChoiceField(choices=NarrationVoice.choices))
    def get_narration_voice(self, artwork: Artwork) -> str:
        return family_voice.voice_of(artwork)

    @extend_schema_field(FamilyRecordingSerializer(allow_null=True))
    def get_family_recording(self, artwork: Artwork) -> dict | None:
        recording = family_voice.recording_of(artwork)
        if recording is None or not self._may_choose_voice(artwork):
            return None
        return FamilyRecordingSerializer(recording, context=self.context).data

    def _may_choose_voice(self, artwork: Artwork) -> bool:
        """Asked once per memorial of a list (`memorial.permissions`), not once per painting."""
        request = self.context.get("request")
        if request is None:
            return False
        answers = self.context.setdefault("_may_choose_voice", {})
        if artwork.memorial_id not in answers:
            answers[artwork.memorial_id] = permissions.can(request.user, "publish_artwork", artwork.memorial)
        return answers[artwork.memorial_id]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, artwork: Artwork) -> str:
        return _absolute(self.context, _api_url(artwork))

    @extend_schema_field(OpenApiTypes.URI)
    def get_page_url(self, artwork: Artwork) -> str:
        return _absolute(self.context, artwork.get_absolute_url())

    @extend_schema_field(OpenApiTypes.URI)
    def get_image_url(self, artwork: Artwork) -> str:
        return _absolute(self.context, artwork.file_url("image"))

    @extend_schema_field(OpenApiTypes.URI)
    def get_thumbnail_url(self, artwork: Artwork) -> str:
        return _absolute(self.context, artwork.file_url("thumbnail"))


class ArtworkUpdateSerializer(serializers.Serializer):
    """What the memorial's managers change: whether guests see it, its words, and which voice reads them."""

    published = serializers.BooleanField(
        required=False, help_text="Show it on the memorial page (true) or to the family only."
    )
    tribute_text = serializers.CharField(
        required=False,
        max_length=MAX_TRIBUTE_CHARS,
        help_text="New words for the painting; they are spoken again in the background.",
        error_messages={
            "max_length": _("Please keep the text under {max_length} characters."),
            "blank": _("The text cannot be empty."),
        },
    )

    narration_voice = serializers.ChoiceField(
        required=False,
        choices=NarrationVoice.choices,
        help_text="Which voice is played with the painting: `family` (its family's recording) or `synthetic`.",
        error_messages={"invalid_choice": _("Choose “family” or “synthetic”.")},
    )

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(
                _("Send `published`, `tribute_text`, `narration_voice`, or some of them.")
            )
        return attrs


def _api_url(artwork: Artwork) -> str:
    """The artwork in the API at its memorial's address (see memorial/permissions.py)."""
    return reverse("generation_api:memorial-artwork-detail", args=[artwork.memorial.slug, artwork.pk])


def _absolute(context, path: str) -> str:
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


class StudioKeySerializer(serializers.ModelSerializer):
    """A studio key as listed: never its password (shown once, when it is made)."""

    created_by = serializers.StringRelatedField(help_text="The manager who made it.")
    active = serializers.BooleanField(source="is_active", read_only=True, help_text="False once revoked.")

    class Meta:
        model = StudioKey
        fields = ["id", "label", "username", "active", "created_by", "created_at", "last_used_at", "revoked_at"]
        read_only_fields = fields


class StudioKeyCreateSerializer(serializers.Serializer):
    label = serializers.CharField(
        required=False, allow_blank=True, max_length=80, help_text="What the key is for (e.g. the script's name)."
    )


class NewStudioKeySerializer(StudioKeySerializer):
    password = serializers.CharField(read_only=True, help_text="Shown this once; only its hash is kept.")
    token = serializers.CharField(read_only=True, help_text="`<username>.<password>`, for `Authorization: Bearer`.")

    class Meta(StudioKeySerializer.Meta):
        fields = [*StudioKeySerializer.Meta.fields, "password", "token"]
        read_only_fields = fields
