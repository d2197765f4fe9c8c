"""The API's shapes. Thin: they parse and present; every write happens in a service function
the view calls with `validated_data`."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from memorial import permissions, quota
from memorial.condolence_rules import HeldReason
from memorial.dates import entered_date, entered_input, lunar_of
from memorial.lunar import Calendar, LunarDateError
from memorial.models import (
    Album,
    Comment,
    CommentReport,
    Condolence,
    CondolenceReport,
    Memorial,
    Offering,
    Photo,
    validate_life_story_length,
)
from memorial.offerings import offering_counts
from memorial.validators import single_line


@extend_schema_field(
    {
        "type": "string",
        "example": "1942-03",
        "description": "A year (1942), a month (1942-03) or a full date (1942-03-05), as entered: by the "
        "calendar in `<name>_calendar` (a lunar date in full, with `<name>_leap_month` for 윤달). "
        "Empty when unknown. Sent without `<name>_calendar`, it is a solar date.",
    }
)
class PartialDateField(serializers.Field):
    """One text field in the API for a date stored as `<prefix>_on` + `<prefix>_precision`, and,
    entered by the lunar calendar, the lunar date as entered (memorial/dates.entered_date)."""

    def __init__(self, prefix: str, **kwargs):
        self.prefix = prefix
        kwargs.setdefault("required", False)
        super().__init__(source="*", **kwargs)

    def to_representation(self, instance) -> str:
        return entered_input(instance, self.prefix)

    def to_internal_value(self, data) -> dict:
        if not isinstance(data, str):
            raise serializers.ValidationError(_("Enter the date as text, such as 1942 or 1942-03-05."))
        return {f"_{self.prefix}_text": data}


class EnteredDatesSerializerMixin:
    """Resolves `<prefix>` (text), `<prefix>_calendar` and `<prefix>_leap_month` into the stored
    fields in ``validate``. Only a calendar or a leap month sent: the date as entered before is
    read again in it."""

    date_prefixes: tuple[str, ...] = ()

    def resolve_entered_dates(self, attrs: dict) -> dict:
        errors = {}
        for prefix in self.date_prefixes:
            sent_text = f"_{prefix}_text" in attrs
            text = attrs.pop(f"_{prefix}_text", None)
            calendar = attrs.pop(f"{prefix}_calendar", None)
            leap = attrs.pop(f"{prefix}_leap_month", None)
            if not sent_text and calendar is None and leap is None:
                continue
            if not sent_text:
                text = entered_input(self.instance, prefix) if self.instance is not None else ""
            if calendar is None:
                calendar = Calendar.SOLAR if sent_text else getattr(self.instance, f"{prefix}_calendar", "solar")
            if leap is None:
                leap = False if sent_text else bool(getattr(self.instance, f"{prefix}_leap_month", False))
            try:
                attrs.update(entered_date(text, calendar=calendar, leap_month=leap, prefix=prefix))
            except ValueError as exc:
                errors[prefix] = [str(exc)]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class OfferingCountsSerializer(serializers.Serializer):
    candle = serializers.IntegerField(read_only=True)
    flower = serializers.IntegerField(read_only=True)
    incense = serializers.IntegerField(read_only=True)


class StorageUsageSerializer(serializers.Serializer):
    """Reads `memorial.quota.StorageUsage`."""

    used = serializers.IntegerField(read_only=True, help_text="Bytes the memorial's photos take.")
    limit = serializers.IntegerField(read_only=True, help_text="Bytes they may take (the site's quota).")
    display = serializers.CharField(read_only=True, help_text="The same, as people read it.")


@extend_schema_field(
    {
        "type": "object",
        "nullable": True,
        "properties": {
            "date": {"type": "string", "example": "1942-01-19"},
            "leap_month": {"type": "boolean"},
            "display": {"type": "string", "example": "음력 1월 19일"},
        },
    }
)
class LunarField(serializers.Field):
    """The lunar date of a full date (as entered, or converted); null when there is none."""

    def __init__(self, prefix: str, **kwargs):
        self.prefix = prefix
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, instance):
        from memorial.lunar import format_lunar

        try:
            lunar = lunar_of(instance, self.prefix)
        except LunarDateError:
            return None
        if lunar is None:
            return None
        return {"date": lunar.iso, "leap_month": lunar.leap, "display": format_lunar(lunar)}


class MemorialSerializer(EnteredDatesSerializerMixin, serializers.ModelSerializer):
    date_prefixes = ("born", "died")
    url = serializers.SerializerMethodField(help_text="The memorial's page.")
    born = PartialDateField("born")
    died = PartialDateField("died")
    born_on = serializers.DateField(
        read_only=True, allow_null=True, help_text="The solar date of birth (its first day when partial)."
    )
    died_on = serializers.DateField(
        read_only=True, allow_null=True, help_text="The solar date of death (its first day when partial)."
    )
    born_lunar = LunarField("born", help_text="The lunar date of birth, when the date is whole.")
    died_lunar = LunarField("died", help_text="The lunar date of death, when the date is whole.")
    your_role = serializers.SerializerMethodField(
        help_text="Your role on this memorial; null when you are not a member."
    )
    version = serializers.IntegerField(
        source="edit_version",
        read_only=True,
        help_text="The version of the memorial's fields (also its ETag): send it back with an edit.",
    )

    class Meta:
        model = Memorial
        fields = [
            "slug",
            "url",
            "full_name",
            "name_other_script",
            "born",
            "born_calendar",
            "born_leap_month",
            "born_on",
            "born_lunar",
            "died",
            "died_calendar",
            "died_leap_month",
            "died_on",
            "died_lunar",
            "remembrance_calendar",
            "place",
            "life_story",
            "language",
            "time_zone",
            "visibility",
            "condolence_policy",
            "created_at",
            "your_role",
            "version",
        ]
        read_only_fields = ["slug", "created_at"]
        extra_kwargs = {
            "time_zone": {
                "help_text": "An IANA time zone such as Asia/Seoul: the memorial's times and its "
                "one-candle-a-day follow it. Left out of a new memorial: Asia/Seoul for Korean, "
                "the site's TIME_ZONE otherwise."
            },
            "life_story": {
                "help_text": "Markdown, as written: *italic*, **bold**, lists and links. "
                "At most MEMORIAL_LIFE_STORY_MAX_CHARS characters (50,000 unless the site says otherwise).",
                "validators": [validate_life_story_length],
            },
        }

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, memorial: Memorial) -> str:
        return _absolute(self.context, memorial.get_absolute_url())

    def get_your_role(self, memorial: Memorial) -> str | None:
        request = self.context.get("request")
        return permissions.role_of(request.user if request else None, memorial)

    def validate(self, attrs):
        attrs = self.resolve_entered_dates(super().validate(attrs))
        born = attrs.get("born_on", getattr(self.instance, "born_on", None))
        died = attrs.get("died_on", getattr(self.instance, "died_on", None))
        if born and died and died < born:
            raise serializers.ValidationError({"died": [_("The date of death is before the date of birth.")]})
        return attrs


class MemorialDetailSerializer(MemorialSerializer):
    offerings = serializers.SerializerMethodField(help_text="Candles lit and flowers laid, all days together.")
    storage = serializers.SerializerMethodField(
        help_text="What the photos take of the memorial's storage quota: for its managers; null for others."
    )

    class Meta(MemorialSerializer.Meta):
        fields = MemorialSerializer.Meta.fields + ["offerings", "storage"]

    @extend_schema_field(StorageUsageSerializer(allow_null=True))
    def get_storage(self, memorial: Memorial) -> dict | None:
        request = self.context.get("request")
        if request is None or not permissions.can(request.user, "edit", memorial):
            return None
        return StorageUsageSerializer(quota.usage(memorial)).data

    @extend_schema_field(OfferingCountsSerializer)
    def get_offerings(self, memorial: Memorial) -> dict:
        return offering_counts(memorial)


class AlbumSerializer(serializers.ModelSerializer):
    memorial = serializers.CharField(source="memorial.slug", read_only=True, help_text="The memorial's slug.")
    url = serializers.SerializerMethodField(help_text="The album's page.")

    class Meta:
        model = Album
        fields = ["id", "memorial", "title", "description", "created_at", "url"]
        read_only_fields = ["id", "created_at"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, album: Album) -> str:
        return _absolute(self.context, album.get_absolute_url())


class PhotoSerializer(serializers.ModelSerializer):
    thumbnail_url = serializers.SerializerMethodField()
    screen_url = serializers.SerializerMethodField()
    uploaded_by = serializers.SerializerMethodField(help_text="The uploader's display name.")

    class Meta:
        model = Photo
        fields = ["id", "caption", "taken_at", "width", "height", "album", "thumbnail_url", "screen_url", "uploaded_by"]
        read_only_fields = ["id", "taken_at", "width", "height", "album"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_thumbnail_url(self, photo: Photo) -> str:
        return _absolute(self.context, _photo_file(photo, "thumb"))

    @extend_schema_field(OpenApiTypes.URI)
    def get_screen_url(self, photo: Photo) -> str:
        return _absolute(self.context, _photo_file(photo, "screen"))

    def get_uploaded_by(self, photo: Photo) -> str:
        return str(photo.uploaded_by) if photo.uploaded_by_id else ""


OUTCOMES = ("stored", "duplicate", "refused")


class UploadOutcomeSerializer(serializers.Serializer):
    """One file's fate: reads `memorial.photos.UploadOutcome`."""

    name = serializers.CharField(read_only=True)
    outcome = serializers.SerializerMethodField()
    photo = PhotoSerializer(read_only=True, allow_null=True)
    error = serializers.CharField(read_only=True, help_text="Why the file was refused; empty otherwise.")

    @extend_schema_field({"type": "string", "enum": list(OUTCOMES)})
    def get_outcome(self, outcome) -> str:
        if outcome.error:
            return "refused"
        return "duplicate" if outcome.duplicate else "stored"


class UploadResultSerializer(serializers.Serializer):
    detail = serializers.CharField(read_only=True)
    files = UploadOutcomeSerializer(many=True, read_only=True)


class CondolenceSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name", read_only=True)

    class Meta:
        model = Condolence
        fields = ["id", "name", "relation", "message", "status", "created_at"]
        read_only_fields = fields


class OpenReportSerializer(serializers.ModelSerializer):
    reported_by_display = serializers.CharField(source="get_reported_by_display", read_only=True)

    class Meta:
        model = CondolenceReport
        fields = ["reason", "reported_by", "reported_by_display", "created_at"]
        read_only_fields = fields


class ModeratedCondolenceSerializer(CondolenceSerializer):
    """What the memorial's managers see: why a message was held, how often it was reported, and
    the reports no decision has answered yet (with their reasons)."""

    # Blank for a message that was not held: the schema must allow "" besides the codes.
    held_reason = serializers.ChoiceField(choices=HeldReason.choices, allow_blank=True, read_only=True)
    held_reason_display = serializers.CharField(source="get_held_reason_display", read_only=True)
    open_reports = OpenReportSerializer(many=True, read_only=True)
    # A guest's address for the family's thank-you (blank when none was given): managers only.
    email = serializers.CharField(read_only=True, help_text="A guest's e-mail address, or blank.")

    class Meta(CondolenceSerializer.Meta):
        fields = CondolenceSerializer.Meta.fields + [
            "email",
            "held_reason",
            "held_reason_display",
            "report_count",
            "open_reports",
        ]
        read_only_fields = fields


class CondolenceCreateSerializer(serializers.Serializer):
    message = serializers.CharField(max_length=3000)
    guest_name = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        validators=[single_line],
        help_text="Required for guests who are not signed in; one line.",
    )
    relation = serializers.CharField(
        max_length=60,
        required=False,
        allow_blank=True,
        validators=[single_line],
        help_text="Who you were to the person (손녀, 직장 동료, friend); shown beside your name.",
    )
    email = serializers.EmailField(
        required=False,
        allow_blank=True,
        write_only=True,
        help_text="Guests: an address for the family's one thank-you. Never shown; seen by the managers only.",
    )
    website = serializers.CharField(
        required=False, allow_blank=True, write_only=True, help_text="Leave empty. (A field for robots.)"
    )


class CondolenceReportSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True)


class ModerationNoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class CountedSerializer(serializers.Serializer):
    counted = serializers.BooleanField(read_only=True, help_text="False when you had already done this.")


class OfferingRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Offering.Kind.choices)


class OfferingResultSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Offering.Kind.choices, read_only=True)
    counted = serializers.BooleanField(read_only=True, help_text="False when you already made this offering today.")
    counts = OfferingCountsSerializer(read_only=True)


def _photo_file(photo: Photo, size: str) -> str:
    """At the memorial's address: the one a guest of an unlisted memorial can open."""
    return reverse("memorial:memorial_photo_file", args=[photo.album.memorial.slug, photo.pk, size])


def _absolute(context, path: str) -> str:
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


class BinRestoredSerializer(serializers.Serializer):
    kind = serializers.CharField()
    id = serializers.IntegerField()
    restored = serializers.BooleanField()


class BinEntrySerializer(serializers.Serializer):
    """One thing in a memorial's bin (memorial/bin.py)."""

    kind = serializers.CharField(source="kind.name", help_text="album, photo or painting")
    id = serializers.IntegerField(source="item.pk")
    title = serializers.CharField()
    deleted_at = serializers.DateTimeField()
    deleted_by = serializers.SerializerMethodField(help_text="The display name of who deleted it.")
    purge_after = serializers.DateTimeField(help_text="When the daily purge destroys it, unless restored.")

    def get_deleted_by(self, entry) -> str | None:
        return str(entry.deleted_by) if entry.deleted_by else None


class CommentSerializer(CondolenceSerializer):
    """A comment on a photo or a painting."""

    class Meta(CondolenceSerializer.Meta):
        model = Comment
        fields = ["id", "name", "message", "status", "created_at"]
        read_only_fields = fields


class OpenCommentReportSerializer(OpenReportSerializer):
    class Meta(OpenReportSerializer.Meta):
        model = CommentReport


class ModeratedCommentSerializer(ModeratedCondolenceSerializer):
    """What the memorial's managers see of a comment: why it was held, and its open reports."""

    open_reports = OpenCommentReportSerializer(many=True, read_only=True)
    email = None

    class Meta(ModeratedCondolenceSerializer.Meta):
        model = Comment
        fields = CommentSerializer.Meta.fields + ["held_reason", "held_reason_display", "report_count", "open_reports"]
        read_only_fields = fields


class CommentCreateSerializer(CondolenceCreateSerializer):
    message = serializers.CharField(max_length=1000)
    relation = None
    email = None
