"""Styles, jobs and artworks in the Django admin: retire a style, retry or cancel a job,
publish or take down an artwork.

Like `memorial/admin.py`, every moderation step goes through the domain function that makes
it (`services.retry_job`, `services.publish_artwork`, `services.delete_artwork`) or through
`moderation.record`, so each item touched leaves exactly one ModerationAction.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from generation import services, studio_keys
from generation.models import (
    Artwork,
    FamilyRecording,
    JobStatus,
    Narration,
    StudioKey,
    Style,
    StylizationJob,
    TributeText,
)
from generation.training.plot import loss_curve_svg
from generation.training.records import OptimizerChoice, TrainingRun
from generation.training.service import UnsafeZipError, start_training_from_zip
from memorial import moderation

MEMORIAL_SEARCH = ("memorial__full_name", "memorial__name_other_script", "memorial__slug")


def _artwork_preview(artwork: Artwork, max_size: int):
    if not artwork.pk or not artwork.image:
        return "—"
    scale = min(1.0, max_size / max(artwork.width or max_size, artwork.height or max_size))
    return format_html(
        '<img src="{}" width="{}" height="{}" alt="{}" loading="lazy" style="object-fit: contain">',
        reverse("generation:artwork_image", args=[artwork.pk]),
        max(1, round((artwork.width or max_size) * scale)),
        max(1, round((artwork.height or max_size) * scale)),
        str(artwork),
    )


def _audio_player(narration: Narration | None):
    if narration is None or not narration.pk:
        return "—"
    return format_html(
        '<audio controls preload="none" src="{}"></audio> {} · {} s',
        reverse("generation:narration_audio", args=[narration.tribute.artwork_id]),
        narration.engine,
        f"{narration.duration_s:.1f}",
    )


def _change_link(obj, label=None):
    if obj is None:
        return "—"
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, label or str(obj))


# --- Styles --------------------------------------------------------------------------------


@admin.register(Style)
class StyleAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "name_ko",
        "slug",
        "is_active",
        "lora_file",
        "lora_scale",
        "strength",
        "steps",
        "guidance_scale",
        "openpose_scale",
        "depth_scale",
        "mlsd_scale",
        "created_at",
    )
    list_filter = ("is_active", "created_at")
    search_fields = ("name", "name_ko", "slug", "description", "description_ko", "trigger_words")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_at",)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    ("name", "name_ko"),
                    "slug",
                    ("description", "description_ko"),
                    "sample_image",
                    "is_active",
                    "created_at",
                )
            },
        ),
        (
            _("LoRA and prompt"),
            {"fields": ("lora_file", "lora_scale", "trigger_words", "prompt_template", "negative_prompt")},
        ),
        (_("Painting"), {"fields": ("strength", "steps", "guidance_scale", "sampler", "candidates", "few_step")}),
        (_("ControlNet guidance"), {"fields": ("openpose_scale", "depth_scale", "mlsd_scale")}),
    )
    actions = ("retire", "make_active")

    def _set_active(self, request, queryset, active: bool) -> int:
        count = 0
        with transaction.atomic():
            for style in queryset.filter(is_active=not active):
                style.is_active = active
                style.save(update_fields=["is_active"])
                moderation.record(
                    moderator=request.user, action="make_style_active" if active else "retire_style", target=style
                )
                count += 1
        return count

    @admin.action(description=_("Retire the selected styles (no longer offered)"), permissions=["change"])
    def retire(self, request, queryset):
        count = self._set_active(request, queryset, False)
        done = ngettext("%(count)d style retired.", "%(count)d styles retired.", count)
        self.message_user(request, done % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Make the selected styles active (offered again)"), permissions=["change"])
    def make_active(self, request, queryset):
        count = self._set_active(request, queryset, True)
        done = ngettext("%(count)d style made active.", "%(count)d styles made active.", count)
        self.message_user(request, done % {"count": count}, messages.SUCCESS)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data:
            action = "make_style_active" if obj.is_active else "retire_style"
            moderation.record(moderator=request.user, action=action, target=obj, note="admin form")


# --- Jobs ----------------------------------------------------------------------------------


@admin.register(StylizationJob)
class StylizationJobAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "memorial",
        "photo",
        "style",
        "status",
        "stage",
        "progress_percent",
        "backend",
        "attempts",
        "requested_by",
        "created_at",
        "finished_at",
    )
    list_display_links = ("id",)
    list_filter = ("status", "stage", "style", "backend", "cancel_requested", "created_at")
    search_fields = (*MEMORIAL_SEARCH, "requested_by__email", "requested_by__display_name", "worker", "error")
    search_help_text = _("A job's number, a memorial's name, the requester's email, a worker, or words of an error.")
    date_hierarchy = "created_at"
    list_select_related = ("memorial", "photo", "style", "requested_by")
    # The worker writes these; a moderator retries or cancels with the actions.
    readonly_fields = (
        "memorial",
        "photo",
        "style",
        "requested_by",
        "language",
        "subject",
        "status",
        "stage",
        "progress",
        "seed",
        "parameters",
        "backend",
        "error",
        "cancel_requested",
        "attempts",
        "worker",
        "created_at",
        "started_at",
        "heartbeat_at",
        "finished_at",
        "artwork_link",
    )
    fieldsets = (
        (None, {"fields": ("memorial", "photo", "style", "requested_by", "language", "subject", "artwork_link")}),
        (_("State"), {"fields": ("status", "stage", "progress", "cancel_requested", "error")}),
        (_("Worker"), {"fields": ("worker", "attempts", "created_at", "started_at", "heartbeat_at", "finished_at")}),
        (_("Painting"), {"classes": ("collapse",), "fields": ("backend", "seed", "parameters")}),
    )
    actions = ("retry", "cancel")

    def has_add_permission(self, request):
        return False  # jobs are asked for by members, through services.request_artwork

    def get_search_results(self, request, queryset, search_term):
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        number = search_term.strip().lstrip("#")
        if number.isdigit():
            found |= queryset.filter(pk=int(number))
        return found, may_have_duplicates

    @admin.display(description=_("progress"), ordering="progress")
    def progress_percent(self, job):
        return f"{job.progress}%"

    @admin.display(description=_("artwork"))
    def artwork_link(self, job):
        return _change_link(getattr(job, "artwork", None))

    @admin.action(description=_("Retry the selected failed or cancelled jobs"), permissions=["change"])
    def retry(self, request, queryset):
        retried = skipped = 0
        with transaction.atomic():
            for job in queryset.select_related("memorial"):
                if services.retry_job(job=job, by=request.user):  # records the ModerationAction
                    retried += 1
                else:
                    skipped += 1
        done = ngettext("%(count)d job queued again.", "%(count)d jobs queued again.", retried)
        self.message_user(request, done % {"count": retried}, messages.SUCCESS)
        if skipped:
            left = ngettext(
                "%(count)d job was not failed or cancelled and was left as it is.",
                "%(count)d jobs were not failed or cancelled and were left as they are.",
                skipped,
            )
            self.message_user(request, left % {"count": skipped}, messages.WARNING)

    @admin.action(description=_("Cancel the selected waiting or running jobs"), permissions=["change"])
    def cancel(self, request, queryset):
        cancelled = skipped = 0
        with transaction.atomic():
            for job in queryset.select_related("memorial"):
                if job.status not in {JobStatus.QUEUED, JobStatus.RUNNING}:
                    skipped += 1
                    continue
                before = job.status
                services.cancel_job(job=job)
                moderation.record(
                    moderator=request.user, action="cancel_job", target=job, memorial=job.memorial, note=f"was {before}"
                )
                cancelled += 1
        done = ngettext("%(count)d job cancelled.", "%(count)d jobs cancelled.", cancelled)
        self.message_user(request, done % {"count": cancelled}, messages.SUCCESS)
        if skipped:
            left = ngettext(
                "%(count)d job had already ended and was left as it is.",
                "%(count)d jobs had already ended and were left as they are.",
                skipped,
            )
            self.message_user(request, left % {"count": skipped}, messages.WARNING)


# --- Artworks, their words and recordings ----------------------------------------------------


class TributeTextInline(admin.StackedInline):
    """The words and their recording, as the family sees them. Managers edit the words on the artwork's page."""

    model = TributeText
    extra = 0
    can_delete = False
    fields = (
        "text",
        "language",
        "writer",
        "fallback_reason",
        "edited_by",
        "edited_at",
        "narration_player",
        "narration_details",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("narration", "edited_by")

    @admin.display(description=_("recording"))
    def narration_player(self, tribute):
        return _audio_player(getattr(tribute, "narration", None))

    @admin.display(description=_("recording details"))
    def narration_details(self, tribute):
        narration = getattr(tribute, "narration", None)
        if narration is None:
            return "—"
        details = f"{narration.content_type}, {narration.sample_rate} Hz, {narration.voice or narration.language}"
        if narration.fallback_reason:
            details += f" ({narration.fallback_reason})"
        return details


class FamilyRecordingInline(admin.StackedInline):
    """The family's own recording of the words (generation/family_voice.py). Read only; a moderator
    may delete one that should not be heard, and the synthetic voice is played again."""

    model = FamilyRecording
    extra = 0
    can_delete = True
    fields = ("in_use", "duration_s", "sample_rate", "channels", "source_format", "source_codec", "recorded_by")
    fields += ("created_at",)
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Artwork)
class ArtworkAdmin(admin.ModelAdmin):
    list_display = ("preview", "__str__", "memorial", "style", "backend", "is_filter", "published", "created_at")
    list_display_links = ("preview", "__str__")
    list_filter = ("published", ("deleted_at", admin.EmptyFieldListFilter), "backend", "style", "created_at")
    search_fields = (*MEMORIAL_SEARCH, "photo__caption", "tribute__text")
    date_hierarchy = "created_at"
    list_select_related = ("memorial", "style", "photo")
    readonly_fields = (
        "large_preview",
        "memorial",
        "photo",
        "job_link",
        "style",
        "image",
        "width",
        "height",
        "seed",
        "parameters",
        "likeness_state",
        "likeness",
        "faces",
        "backend",
        "is_filter",
        "published_at",
        "published_by",
        "created_at",
    )
    fieldsets = (
        (None, {"fields": ("large_preview", "published", "published_at", "published_by")}),
        (_("Where it belongs"), {"fields": ("memorial", "photo", "job_link", "style", "created_at")}),
        (
            _("How it was painted"),
            {
                "classes": ("collapse",),
                "fields": (
                    "backend",
                    "is_filter",
                    "image",
                    ("width", "height"),
                    "seed",
                    "parameters",
                    ("likeness_state", "likeness"),
                    "faces",
                ),
            },
        ),
    )
    inlines = (TributeTextInline, FamilyRecordingInline)
    actions = ("publish", "unpublish")

    def has_add_permission(self, request):
        return False  # artworks are painted by the worker

    @admin.display(description=_("preview"))
    def preview(self, artwork):
        return _artwork_preview(artwork, 80)

    @admin.display(description=_("preview"))
    def large_preview(self, artwork):
        return _artwork_preview(artwork, 384)

    @admin.display(description=_("built-in painter"), boolean=True)
    def is_filter(self, artwork):
        return artwork.is_filter

    @admin.display(description=_("job"))
    def job_link(self, artwork):
        return _change_link(artwork.job)

    def _publish_all(self, request, queryset, published: bool) -> int:
        count = 0
        with transaction.atomic():
            for artwork in queryset.filter(published=not published).select_related("memorial"):
                services.publish_artwork(artwork=artwork, by=request.user, published=published)  # records it
                count += 1
        return count

    @admin.action(description=_("Publish the selected artworks on their memorial pages"), permissions=["change"])
    def publish(self, request, queryset):
        count = self._publish_all(request, queryset, True)
        done = ngettext("%(count)d artwork published.", "%(count)d artworks published.", count)
        self.message_user(request, done % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Unpublish the selected artworks (family only)"), permissions=["change"])
    def unpublish(self, request, queryset):
        count = self._publish_all(request, queryset, False)
        done = ngettext("%(count)d artwork unpublished.", "%(count)d artworks unpublished.", count)
        self.message_user(request, done % {"count": count}, messages.SUCCESS)

    def save_model(self, request, obj, form, change):
        if change and "published" in form.changed_data:
            services.publish_artwork(artwork=obj, by=request.user, published=obj.published)  # saves and records
        else:
            super().save_model(request, obj, form, change)

    # Staff removing a painting here destroy it at once (the families' deletions go to the bin).
    def delete_model(self, request, obj):
        services.destroy_artwork(artwork=obj, by=request.user)  # records it; the files go after the commit

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for artwork in queryset.select_related("memorial"):
                services.destroy_artwork(artwork=artwork, by=request.user)


@admin.register(Narration)
class NarrationAdmin(admin.ModelAdmin):
    """Recordings, for listening: made by the worker, never changed here."""

    list_display = ("artwork", "memorial", "engine", "voice", "language", "duration", "fallback_reason", "created_at")
    list_filter = ("engine", "language", "created_at")
    search_fields = (
        "tribute__artwork__memorial__full_name",
        "tribute__artwork__memorial__name_other_script",
        "tribute__text",
    )
    date_hierarchy = "created_at"
    list_select_related = ("tribute__artwork__memorial", "tribute__artwork__style")
    fields = (
        "artwork",
        "player",
        "words",
        "engine",
        "voice",
        "language",
        "content_type",
        "duration_s",
        "sample_rate",
        "fallback_reason",
        "created_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}  # delete the artwork instead: its words and recording go with it

    def delete_model(self, request, obj):
        """Deleting one recording is possible (its artwork stays, without a voice) and is recorded."""
        artwork = obj.tribute.artwork
        name = obj.audio.name
        with transaction.atomic():
            moderation.record(moderator=request.user, action="delete_narration", target=obj, memorial=artwork.memorial)
            obj.delete()
            transaction.on_commit(lambda: obj.audio.storage.delete(name))

    @admin.display(description=_("artwork"), ordering="tribute__artwork__created_at")
    def artwork(self, narration):
        return _change_link(narration.tribute.artwork)

    @admin.display(description=_("memorial"), ordering="tribute__artwork__memorial__full_name")
    def memorial(self, narration):
        return narration.tribute.artwork.memorial

    @admin.display(description=_("length"), ordering="duration_s")
    def duration(self, narration):
        return f"{narration.duration_s:.1f} s"

    @admin.display(description=_("recording"))
    def player(self, narration):
        return _audio_player(narration)

    @admin.display(description=_("words"))
    def words(self, narration):
        return Truncator(narration.tribute.text).words(40, truncate="…")


# --- Style training ---------------------------------------------------------------------------


class TrainingStartForm(forms.Form):
    """Start a training from a zip of images with one caption .txt each (kohya-ss layout)."""

    name = forms.CharField(label=_("Style name"), max_length=80)
    dataset = forms.FileField(
        label=_("Dataset (.zip)"), help_text=_("Images, each with a caption file of the same name ending .txt.")
    )
    trigger_words = forms.CharField(label=_("Trigger word"), max_length=200, required=False)
    rank = forms.IntegerField(label=_("LoRA rank"), initial=8, min_value=1, max_value=128)
    learning_rate = forms.FloatField(label=_("Learning rate"), initial=1e-4, min_value=1e-7, max_value=1.0)
    batch_size = forms.IntegerField(label=_("Batch size"), initial=4, min_value=1, max_value=64)
    optimizer = forms.ChoiceField(
        label=_("Optimizer"), choices=OptimizerChoice.choices, initial=OptimizerChoice.ADAMW8BIT
    )
    max_steps = forms.IntegerField(label=_("Steps"), initial=2000, min_value=1, max_value=1_000_000)
    resolution = forms.IntegerField(label=_("Resolution"), initial=512, min_value=8, max_value=2048)
    seed = forms.IntegerField(label=_("Seed"), initial=0, min_value=0)


@admin.register(TrainingRun)
class TrainingRunAdmin(admin.ModelAdmin):
    list_display = ("name", "status", "progress_display", "optimizer_used", "last_loss_display", "created_at", "style")
    list_filter = ("status", "optimizer_used")
    search_fields = ("name", "error")
    readonly_fields = [f.name for f in TrainingRun._meta.fields] + ["progress_display", "loss_curve"]
    fieldsets = (
        (None, {"fields": ("name", "status", "progress_display", "loss_curve", "error", "style")}),
        (
            _("Recipe"),
            {
                "fields": (
                    "rank",
                    "alpha",
                    "learning_rate",
                    "batch_size",
                    "grad_accum",
                    "optimizer",
                    "optimizer_used",
                    "max_steps",
                    "epochs",
                    "resolution",
                    "seed",
                    "snr_gamma",
                    "mixed_precision",
                    "mixed_precision_used",
                )
            },
        ),
        (_("Files"), {"fields": ("dataset_path", "output_dir", "lora_path", "optimizer_note")}),
    )

    def get_fieldsets(self, request, obj=None):
        known = {f.name for f in TrainingRun._meta.fields} | {"progress_display", "loss_curve"}
        return [(title, {"fields": [f for f in opts["fields"] if f in known]}) for title, opts in self.fieldsets]

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("progress"))
    def progress_display(self, run):
        return format_html("{} / {} ({}%)", run.step, run.total_steps, run.progress)

    @admin.display(description=_("last loss"))
    def last_loss_display(self, run):
        return "" if run.last_loss is None else f"{run.last_loss:.4f}"

    @admin.display(description=_("loss per step"))
    def loss_curve(self, run):
        return mark_safe(loss_curve_svg(run.losses)) or _("No steps yet.")  # numbers only: see plot.py

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = TrainingStartForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = dict(form.cleaned_data)
            upload = data.pop("dataset")
            try:
                run = start_training_from_zip(upload, data.pop("name"), by=request.user, **data)
            except UnsafeZipError as exc:
                form.add_error("dataset", str(exc))
            else:
                self.message_user(
                    request, _("The training was queued; this page shows its progress."), messages.SUCCESS
                )
                return redirect(reverse("admin:generation_trainingrun_change", args=[run.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Train a new style"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/generation/trainingrun/start.html", context)


@admin.register(StudioKey)
class StudioKeyAdmin(admin.ModelAdmin):
    """The memorials' keys to the Studio API: seen, and revoked, by the site's team; made by managers."""

    list_display = ("username", "memorial", "label", "created_by", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("username", "label", "memorial__full_name", "memorial__slug")
    readonly_fields = (
        "memorial",
        "username",
        "label",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
        "revoked_by",
        "options",
    )
    exclude = ("secret_hash",)
    actions = ("revoke",)

    def has_add_permission(self, request):
        return False  # made by a memorial's managers, shown to them once

    @admin.action(description=_("Revoke the selected studio keys"))
    def revoke(self, request, queryset):
        for key in queryset.filter(revoked_at__isnull=True):
            studio_keys.revoke_key(key=key, by=request.user)
        self.message_user(request, _("The selected studio keys no longer work."), messages.SUCCESS)
