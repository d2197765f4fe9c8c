"""Moderation in the Django admin: hide a photo, approve or reject a condolence, work the report queue.

Every moderation step taken here goes through the domain function that makes it
(`condolences.approve`, `photos.set_hidden`, ...) or through `moderation.record`, so each
item touched leaves exactly one ModerationAction: who, when, what.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from memorial import (
    bugo,
    comments,
    condolence_accounts,
    condolences,
    contributions,
    editing,
    moderation,
    photos,
    services,
)
from memorial.membership import revoke_invitation
from memorial.models import (
    Album,
    Comment,
    CommentReport,
    Condolence,
    CondolenceAccount,
    CondolenceAccountChange,
    CondolenceReport,
    Funeral,
    GuestContribution,
    Invitation,
    Membership,
    Memorial,
    MemorialExport,
    ModerationAction,
    Offering,
    Photo,
    Removal,
    ThankYou,
    TimelineEvent,
    Visibility,
)

admin.site.site_header = _("%(site)s moderation") % {"site": settings.SITE_NAME}
admin.site.site_title = admin.site.site_header
admin.site.index_title = _("Moderation")

MEMORIAL_SEARCH = ("memorial__full_name", "memorial__name_other_script", "memorial__slug")


def _excerpt(text: str, words: int = 12) -> str:
    return Truncator(text).words(words, truncate="…")


class ReadOnlyAdminMixin:
    """For records that are written by the site itself: look, search, never add, change or delete."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RecordsDeletion:
    """Deleting is a moderation step too; its record outlives the item (it keeps the id and the name)."""

    def memorial_of(self, obj):
        return None

    def delete_item(self, obj) -> None:
        obj.delete()

    def delete_model(self, request, obj):
        moderation.record(
            moderator=request.user, action=f"delete_{obj._meta.model_name}", target=obj, memorial=self.memorial_of(obj)
        )
        self.delete_item(obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)


# --- Memorials ---------------------------------------------------------------------------------


class TimelineEventInline(admin.TabularInline):
    model = TimelineEvent
    extra = 0
    fields = ("kind", "happened_on", "precision", "title", "description")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("user", "role", "created_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("user",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


@admin.register(Memorial)
class MemorialAdmin(RecordsDeletion, admin.ModelAdmin):
    list_display = (
        "full_name",
        "name_other_script",
        "visibility",
        "condolence_policy",
        "language",
        "member_count",
        "created_by",
        "created_at",
    )
    list_filter = (
        "visibility",
        "condolence_policy",
        "language",
        ("deleted_at", admin.EmptyFieldListFilter),
        "created_at",
    )
    search_fields = ("full_name", "name_other_script", "slug", "place", "created_by__email", "created_by__display_name")
    date_hierarchy = "created_at"
    list_select_related = ("created_by",)
    autocomplete_fields = ("created_by",)
    raw_id_fields = ("cover_photo",)
    readonly_fields = ("slug", "created_at", "updated_at", "deleted_at", "deleted_by")
    fieldsets = (
        (None, {"fields": ("full_name", "name_other_script", "slug", "visibility", "condolence_policy", "language")}),
        (
            _("Life"),
            {
                "fields": (
                    "born_on",
                    "born_precision",
                    "died_on",
                    "died_precision",
                    "place",
                    "life_story",
                    "cover_photo",
                )
            },
        ),
        (_("Record"), {"fields": ("created_by", "created_at", "updated_at", "deleted_at", "deleted_by")}),
    )
    inlines = (MembershipInline, TimelineEventInline)
    actions = ("make_private", "restore")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("memberships"))

    @admin.display(description=_("members"), ordering="member_count")
    def member_count(self, memorial):
        return memorial.member_count

    @admin.action(description=_("Make the selected memorials private (members only)"), permissions=["change"])
    def make_private(self, request, queryset):
        count = 0
        with transaction.atomic():
            for memorial in queryset:
                before = memorial.visibility
                fields = editing.snapshot(memorial)
                memorial.visibility = Visibility.PRIVATE
                memorial.save(update_fields=["visibility", "updated_at"])
                # Edit forms opened before are stale now: they cannot make it public again.
                editing.record_outside_edit(memorial=memorial, before=fields, by=request.user, audit=False)
                moderation.record(
                    moderator=request.user,
                    action="make_private",
                    target=memorial,
                    memorial=memorial,
                    note=f"visibility was {before}",
                )
                count += 1
        done = ngettext("%(count)d memorial made private.", "%(count)d memorials made private.", count)
        self.message_user(request, done % {"count": count}, messages.SUCCESS)

    @admin.action(
        description=_(
            "Restore the selected deleted memorials (one without an owner goes to its highest-ranking member)"
        ),
        permissions=["change"],
    )
    def restore(self, request, queryset):
        count = 0
        for memorial in queryset.filter(deleted_at__isnull=False):
            services.restore_memorial(memorial=memorial, by=request.user)
            count += 1
        done = ngettext("%(count)d memorial restored.", "%(count)d memorials restored.", count)
        self.message_user(request, done % {"count": count}, messages.SUCCESS)

    def save_model(self, request, obj, form, change):
        before = editing.snapshot(Memorial.objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        if change:
            # Recorded like an edit on the site (a change of visibility in the audit trail too), and
            # edit forms opened before are stale now.
            editing.record_outside_edit(memorial=obj, before=before, by=request.user)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "memorial", "role", "created_at")
    list_filter = ("role", "created_at")
    search_fields = ("user__email", "user__display_name", *MEMORIAL_SEARCH)
    date_hierarchy = "created_at"
    list_select_related = ("user", "memorial")
    autocomplete_fields = ("user", "memorial")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("memorial", "role", "created_by", "created_at", "expires_at", "uses", "revoked_at", "state")
    list_filter = ("role", ("revoked_at", admin.EmptyFieldListFilter), "created_at", "expires_at")
    search_fields = ("created_by__email", "created_by__display_name", *MEMORIAL_SEARCH)
    date_hierarchy = "created_at"
    list_select_related = ("memorial", "created_by")
    autocomplete_fields = ("memorial", "created_by")
    readonly_fields = ("nonce", "use_count", "created_at", "revoked_at")
    actions = ("revoke",)

    @admin.display(description=_("used"))
    def uses(self, invitation):
        return f"{invitation.use_count} / {invitation.max_uses}"

    @admin.display(description=_("state"))
    def state(self, invitation):
        return invitation.get_state_display()

    @admin.action(description=_("Withdraw the selected invitations"), permissions=["change"])
    def revoke(self, request, queryset):
        count = 0
        with transaction.atomic():
            for invitation in queryset.filter(revoked_at__isnull=True).select_related("memorial"):
                revoke_invitation(invitation=invitation)
                moderation.record(
                    moderator=request.user, action="revoke_invitation", target=invitation, memorial=invitation.memorial
                )
                count += 1
        done = ngettext("%(count)d invitation withdrawn.", "%(count)d invitations withdrawn.", count)
        self.message_user(request, done % {"count": count}, messages.SUCCESS)


@admin.register(Removal)
class RemovalAdmin(admin.ModelAdmin):
    """Who was removed from which memorial: links made before ``removed_at`` never let them in
    again (memorial/membership.py). Deleting a record here lets those older links admit them."""

    list_display = ("user", "email", "memorial", "role", "removed_by", "removed_at")
    list_filter = ("role", "removed_at")
    search_fields = ("email", "user__display_name", *MEMORIAL_SEARCH)
    date_hierarchy = "removed_at"
    list_select_related = ("user", "memorial", "removed_by")
    readonly_fields = ("memorial", "user", "email", "role", "removed_by", "removed_at")

    def has_add_permission(self, request):
        return False


# --- Albums and photos -------------------------------------------------------------------------


def _thumbnail(photo: Photo, max_size: int):
    if not photo.pk or not photo.thumbnail:
        return "—"
    url = reverse("memorial:photo_file", args=[photo.pk, "thumb"])
    width, height = photo.thumbnail_width or max_size, photo.thumbnail_height or max_size
    scale = min(1.0, max_size / max(width, height))
    return format_html(
        '<img src="{}" width="{}" height="{}" alt="{}" loading="lazy" style="object-fit: contain">',
        url,
        max(1, round(width * scale)),
        max(1, round(height * scale)),
        photo.alt_text,
    )


def _file_link(photo: Photo, size: str, field):
    if not photo.pk or not field:
        return "—"
    return format_html('<a href="{}">{}</a>', reverse("memorial:photo_file", args=[photo.pk, size]), field.name)


@admin.register(Album)
class AlbumAdmin(admin.ModelAdmin):
    list_display = ("title", "memorial", "photo_count", "created_by", "created_at")
    list_filter = ("created_at", "memorial__visibility", ("deleted_at", admin.EmptyFieldListFilter))
    search_fields = ("title", "description", *MEMORIAL_SEARCH)
    date_hierarchy = "created_at"
    list_select_related = ("memorial", "created_by")
    autocomplete_fields = ("memorial", "created_by")
    readonly_fields = ("created_at",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(photo_count=Count("photos"))

    @admin.display(description=_("photos"), ordering="photo_count")
    def photo_count(self, album):
        return album.photo_count


@admin.register(Photo)
class PhotoAdmin(RecordsDeletion, admin.ModelAdmin):
    list_display = (
        "preview",
        "__str__",
        "album",
        "memorial",
        "uploaded_by",
        "original_format",
        "size",
        "hidden",
        "created_at",
    )
    list_display_links = ("preview", "__str__")
    list_filter = (
        "hidden",
        ("deleted_at", admin.EmptyFieldListFilter),
        "original_format",
        "created_at",
        "album__memorial__visibility",
    )
    search_fields = (
        "caption",
        "original_name",
        "sha256",
        "album__title",
        "album__memorial__full_name",
        "album__memorial__name_other_script",
        "uploaded_by__email",
        "uploaded_by__display_name",
    )
    date_hierarchy = "created_at"
    list_select_related = ("album__memorial", "uploaded_by")
    readonly_fields = (
        "large_preview",
        "album",
        "uploaded_by",
        "created_at",
        "sha256",
        "original_file",
        "original_format",
        "original_size",
        "original_name",
        "width",
        "height",
        "screen_file",
        "screen_width",
        "screen_height",
        "thumbnail_file",
        "thumbnail_width",
        "thumbnail_height",
    )
    fieldsets = (
        (None, {"fields": ("large_preview", "caption", "taken_at", "hidden")}),
        (_("Where it belongs"), {"fields": ("album", "uploaded_by", "created_at")}),
        (
            _("Files"),
            {
                "classes": ("collapse",),
                "fields": (
                    "original_file",
                    "original_name",
                    "original_format",
                    "original_size",
                    "sha256",
                    ("width", "height"),
                    "screen_file",
                    ("screen_width", "screen_height"),
                    "thumbnail_file",
                    ("thumbnail_width", "thumbnail_height"),
                ),
            },
        ),
    )
    actions = ("hide_photos", "restore_photos")

    def has_add_permission(self, request):
        return False  # photos come in through the upload pipeline, which checks and re-encodes them

    @admin.display(description=_("preview"))
    def preview(self, photo):
        return _thumbnail(photo, 80)

    @admin.display(description=_("preview"))
    def large_preview(self, photo):
        return _thumbnail(photo, 320)

    # The files are shown by name: originals have no address at all, and the served sizes are
    # reached through the views that ask `permissions`, never by their storage URL.
    @admin.display(description=_("original"))
    def original_file(self, photo):
        return photo.original.name

    @admin.display(description=_("screen size"))
    def screen_file(self, photo):
        return _file_link(photo, "screen", photo.screen)

    @admin.display(description=_("thumbnail"))
    def thumbnail_file(self, photo):
        return _file_link(photo, "thumb", photo.thumbnail)

    @admin.display(description=_("memorial"), ordering="album__memorial__full_name")
    def memorial(self, photo):
        return photo.album.memorial

    @admin.display(description=_("pixels"))
    def size(self, photo):
        return f"{photo.width}×{photo.height}"

    def memorial_of(self, photo):
        return photo.album.memorial

    def delete_item(self, photo):
        # At once, without the bin (the families' deletions go there): the row now, the files once the transaction commits.
        photo.delete()

    def _set_hidden(self, request, queryset, hidden: bool) -> int:
        count = 0
        with transaction.atomic():
            for photo in queryset.select_related("album__memorial"):
                photos.set_hidden(photo=photo, hidden=hidden, by=request.user, note="admin")
                count += 1
        return count

    @admin.action(description=_("Hide the selected photos"), permissions=["change"])
    def hide_photos(self, request, queryset):
        count = self._set_hidden(request, queryset, True)
        done = ngettext("%(count)d photo hidden.", "%(count)d photos hidden.", count)
        self.message_user(request, done % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Restore the selected photos"), permissions=["change"])
    def restore_photos(self, request, queryset):
        count = self._set_hidden(request, queryset, False)
        done = ngettext("%(count)d photo restored.", "%(count)d photos restored.", count)
        self.message_user(request, done % {"count": count}, messages.SUCCESS)

    def save_model(self, request, obj, form, change):
        if change and "hidden" in form.changed_data:
            super().save_model(request, obj, form, change)
            # set_hidden saves the flag again (a no-op) and leaves the ModerationAction.
            photos.set_hidden(photo=obj, hidden=obj.hidden, by=request.user, note="admin form")
        else:
            super().save_model(request, obj, form, change)


# --- Condolences and reports -------------------------------------------------------------------


class HasReportsFilter(admin.SimpleListFilter):
    title = _("reports")
    parameter_name = "reports"

    def lookups(self, request, model_admin):
        return (
            ("open", _("Has unresolved reports")),
            ("any", _("Has reports")),
            ("none", _("No reports")),
        )

    def queryset(self, request, queryset):
        if self.value() == "open":
            unresolved = CondolenceReport.objects.filter(condolence=OuterRef("pk"), resolved=False)
            return queryset.filter(Exists(unresolved))
        if self.value() == "any":
            return queryset.filter(report_count__gt=0)
        if self.value() == "none":
            return queryset.filter(report_count=0)
        return queryset


class CondolenceReportInline(admin.TabularInline):
    model = CondolenceReport
    extra = 0
    can_delete = False
    fields = ("created_at", "reported_by", "reporter", "reason", "resolved")
    readonly_fields = fields
    ordering = ("resolved", "-created_at")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reporter")


# The status a moderator picks in the change form, and the domain step that puts a condolence there.
DECISIONS = {
    Condolence.Status.PUBLISHED: condolences.approve,
    Condolence.Status.REJECTED: condolences.reject,
    Condolence.Status.HIDDEN: condolences.hide,
}


def _decide_all(request, queryset, decide, note: str = "admin") -> int:
    count = 0
    with transaction.atomic():
        for condolence in queryset.select_related("memorial"):
            decide(condolence=condolence, by=request.user, note=note)
            count += 1
    return count


@admin.register(Condolence)
class CondolenceAdmin(RecordsDeletion, admin.ModelAdmin):
    list_display = (
        "excerpt",
        "written_by",
        "memorial",
        "status",
        "held_reason",
        "report_count",
        "created_at",
        "decided_by",
    )
    list_filter = ("status", HasReportsFilter, "created_at", "memorial__visibility", "memorial__condolence_policy")
    search_fields = ("message", "guest_name", "author__email", "author__display_name", "held_reason", *MEMORIAL_SEARCH)
    date_hierarchy = "created_at"
    list_select_related = ("memorial", "author", "decided_by")
    fields = (
        "memorial",
        "author",
        "guest_name",
        "message",
        "status",
        "held_reason",
        "report_count",
        "created_at",
        "decided_by",
        "decided_at",
    )
    # A moderator decides about a message; the words stay the guest's own.
    readonly_fields = (
        "memorial",
        "author",
        "guest_name",
        "message",
        "held_reason",
        "report_count",
        "created_at",
        "decided_by",
        "decided_at",
    )
    inlines = (CondolenceReportInline,)
    actions = ("approve", "reject", "hide", "restore")

    def has_add_permission(self, request):
        return False  # condolences are left by guests on the memorial page

    def memorial_of(self, condolence):
        return condolence.memorial

    @admin.display(description=_("message"))
    def excerpt(self, condolence):
        return _excerpt(condolence.message)

    @admin.display(description=_("from"))
    def written_by(self, condolence):
        return condolence.display_name

    @admin.action(description=_("Approve the selected messages (publish them)"), permissions=["change"])
    def approve(self, request, queryset):
        count = _decide_all(request, queryset, condolences.approve)
        done = ngettext("%(count)d message approved.", "%(count)d messages approved.", count)
        self.message_user(request, done % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Reject the selected messages"), permissions=["change"])
    def reject(self, request, queryset):
        count = _decide_all(request, queryset, condolences.reject)
        done = ngettext("%(count)d message rejected.", "%(count)d messages rejected.", count)
        self.message_user(request, done % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Hide the selected messages"), permissions=["change"])
    def hide(self, request, queryset):
        count = _decide_all(request, queryset, condolences.hide)
        done = ngettext("%(count)d message hidden.", "%(count)d messages hidden.", count)
        self.message_user(request, done % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Restore the selected messages (publish them again)"), permissions=["change"])
    def restore(self, request, queryset):
        count = _decide_all(request, queryset, condolences.restore, note="admin: restored")
        done = ngettext("%(count)d message restored.", "%(count)d messages restored.", count)
        self.message_user(request, done % {"count": count}, messages.SUCCESS)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change or "status" not in form.changed_data:
            return
        decide = DECISIONS.get(obj.status)
        if decide is not None:
            decide(condolence=obj, by=request.user, note="admin form")
        else:  # put back to waiting for approval
            moderation.record(
                moderator=request.user, action="hold_condolence", target=obj, memorial=obj.memorial, note="admin form"
            )


@admin.register(CondolenceReport)
class CondolenceReportAdmin(admin.ModelAdmin):
    """The queue of reported messages: unresolved first, newest first."""

    list_display = (
        "reported_message",
        "memorial",
        "condolence_status",
        "reason",
        "reported_by",
        "reporter",
        "created_at",
        "resolved",
    )
    list_filter = ("resolved", "reported_by", "condolence__status", "created_at")
    search_fields = (
        "reason",
        "reporter__email",
        "condolence__message",
        "condolence__guest_name",
        "condolence__memorial__full_name",
        "condolence__memorial__name_other_script",
    )
    date_hierarchy = "created_at"
    ordering = ("resolved", "-created_at", "-pk")
    list_select_related = ("condolence__memorial", "reporter")
    readonly_fields = ("condolence", "reported_by", "reporter", "reporter_key", "reason", "created_at", "resolved")
    actions = ("keep_messages", "hide_messages")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # reports are resolved by deciding about the message, with the actions

    def has_moderate_permission(self, request):
        return request.user.has_perm("memorial.change_condolence")

    @admin.display(description=_("message"), ordering="condolence__created_at")
    def reported_message(self, report):
        url = reverse("admin:memorial_condolence_change", args=[report.condolence_id])
        return format_html('<a href="{}">{}</a>', url, _excerpt(report.condolence.message))

    @admin.display(description=_("memorial"), ordering="condolence__memorial__full_name")
    def memorial(self, report):
        return report.condolence.memorial

    @admin.display(description=_("message status"), ordering="condolence__status")
    def condolence_status(self, report):
        return report.condolence.get_status_display()

    def _reported(self, queryset):
        """Each reported message once, however many of its reports were selected."""
        return Condolence.objects.filter(pk__in=queryset.values("condolence_id"))

    @admin.action(description=_("Keep the reported messages (publish, resolve the reports)"), permissions=["moderate"])
    def keep_messages(self, request, queryset):
        count = _decide_all(request, self._reported(queryset), condolences.approve, note="admin: kept after reports")
        done = ngettext("%(count)d message kept.", "%(count)d messages kept.", count)
        self.message_user(request, done % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Hide the reported messages (resolve the reports)"), permissions=["moderate"])
    def hide_messages(self, request, queryset):
        reported = self._reported(queryset)
        with transaction.atomic():
            count = _decide_all(request, reported, condolences.hide, note="admin: hidden after reports")
            CondolenceReport.objects.filter(condolence__in=reported).update(resolved=True)
        done = ngettext("%(count)d message hidden.", "%(count)d messages hidden.", count)
        self.message_user(request, done % {"count": count}, messages.SUCCESS)


# --- Offerings and the audit log ---------------------------------------------------------------


@admin.register(Offering)
class OfferingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("memorial", "kind", "day", "created_at")
    list_filter = ("kind", "day")
    search_fields = MEMORIAL_SEARCH
    date_hierarchy = "day"
    list_select_related = ("memorial",)


@admin.register(ModerationAction)
class ModerationActionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit log: written only by `memorial.moderation.record`."""

    list_display = ("created_at", "moderator", "action", "target", "memorial", "note")
    list_filter = ("action", "target_type", "created_at")
    search_fields = ("action", "target_repr", "note", "moderator__email", "moderator__display_name", *MEMORIAL_SEARCH)
    date_hierarchy = "created_at"
    list_select_related = ("moderator", "memorial")

    @admin.display(description=_("target"), ordering="target_type")
    def target(self, action):
        label = f"{action.target_type} {action.target_id}: {action.target_repr}"
        try:
            url = reverse(f"admin:memorial_{action.target_type}_change", args=[action.target_id])
        except NoReverseMatch:
            return label
        return format_html('<a href="{}">{}</a>', url, label)


# --- Downloads of all memories (written by memorial/export.py) -------------------------------


@admin.register(MemorialExport)
class MemorialExportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "memorial", "requested_by", "status", "progress", "size", "expires_at")
    list_filter = ("status", "created_at")
    search_fields = MEMORIAL_SEARCH
    date_hierarchy = "created_at"
    list_select_related = ("memorial", "requested_by")


class FuneralAdminForm(forms.ModelForm):
    """The notice as the family's pages check it (memorial/bugo.py): the phone, the family's rows,
    the times against each other and the date of death."""

    class Meta:
        model = Funeral
        fields = ("memorial", *bugo.FIELDS)

    def clean(self):
        data = super().clean()
        memorial = data.get("memorial") or getattr(self.instance, "memorial", None)
        if memorial is None:
            return data
        fields = {name: data.get(name) for name in bugo.FIELDS}
        try:
            cleaned = bugo.clean_fields(memorial, fields)
        except ValidationError as exc:
            for field, messages_ in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, messages_)
        else:
            data.update(cleaned)
        return data


@admin.register(Funeral)
class FuneralAdmin(admin.ModelAdmin):
    form = FuneralAdminForm
    list_display = ("memorial", "hall_name", "departure_at", "updated_at")
    search_fields = ("memorial__full_name", "hall_name", "hall_address")
    raw_id_fields = ("memorial",)
    readonly_fields = ("created_at", "updated_at")


# --- 마음 전하실 곳: the family's accounts for condolence money (memorial/condolence_accounts.py) ---


@admin.register(CondolenceAccount)
class CondolenceAccountAdmin(admin.ModelAdmin):
    """The families set these; a moderator may correct or remove one (a scam reported), and that
    goes through the same service: recorded, and e-mailed to the memorial's owner."""

    list_display = ("memorial", "bank", "number", "holder", "relation", "updated_at")
    search_fields = ("bank", "number", "holder", *MEMORIAL_SEARCH)
    list_select_related = ("memorial",)
    fields = ("memorial", "bank", "number", "holder", "relation")
    readonly_fields = ("memorial",)

    def has_add_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        condolence_accounts.change_account(
            account=CondolenceAccount.objects.get(pk=obj.pk),
            by=request.user,
            **{name: form.cleaned_data[name] for name in ("bank", "number", "holder", "relation")},
        )

    def delete_model(self, request, obj):
        condolence_accounts.remove_account(account=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for account in queryset:
            condolence_accounts.remove_account(account=account, by=request.user)


@admin.register(CondolenceAccountChange)
class CondolenceAccountChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "memorial", "action", "by_name", "by_email", "before", "after", "owner_emailed")
    list_filter = ("action", "owner_emailed", "created_at")
    search_fields = ("by_name", "by_email", *MEMORIAL_SEARCH)
    date_hierarchy = "created_at"
    list_select_related = ("memorial",)


# --- Comments on photos and paintings ----------------------------------------------------------


class CommentHasReportsFilter(HasReportsFilter):
    def queryset(self, request, queryset):
        if self.value() == "open":
            unresolved = CommentReport.objects.filter(comment=OuterRef("pk"), resolved=False)
            return queryset.filter(Exists(unresolved))
        return super().queryset(request, queryset)


class CommentReportInline(CondolenceReportInline):
    model = CommentReport


COMMENT_DECISIONS = {
    Comment.Status.PUBLISHED: comments.approve,
    Comment.Status.REJECTED: comments.reject,
    Comment.Status.HIDDEN: comments.hide,
}


def _decide_comments(request, queryset, decide, note: str = "admin") -> int:
    count = 0
    with transaction.atomic():
        for comment in queryset.select_related("memorial"):
            decide(comment=comment, by=request.user, note=note)
            count += 1
    return count


@admin.register(Comment)
class CommentAdmin(RecordsDeletion, admin.ModelAdmin):
    """Comments on photos and paintings, moderated as the guestbook's messages are."""

    list_display = ("excerpt", "written_by", "memorial", "on", "status", "held_reason", "report_count", "created_at")
    list_filter = ("status", CommentHasReportsFilter, "created_at", "memorial__visibility")
    search_fields = ("message", "guest_name", "author__email", "author__display_name", *MEMORIAL_SEARCH)
    date_hierarchy = "created_at"
    list_select_related = ("memorial", "author", "target_type")
    fields = (
        "memorial",
        "on",
        "author",
        "guest_name",
        "message",
        "status",
        "held_reason",
        "report_count",
        "created_at",
        "decided_by",
        "decided_at",
    )
    readonly_fields = tuple(field for field in fields if field != "status")
    inlines = (CommentReportInline,)
    actions = ("approve", "reject", "hide", "restore")

    def has_add_permission(self, request):
        return False  # comments are left by visitors on the photo's or painting's page

    def memorial_of(self, comment):
        return comment.memorial

    @admin.display(description=_("comment"))
    def excerpt(self, comment):
        return _excerpt(comment.message)

    @admin.display(description=_("from"))
    def written_by(self, comment):
        return comment.display_name

    @admin.display(description=_("on"))
    def on(self, comment):
        target = comment.target
        if target is None:
            return "-"
        return format_html('<a href="{}">{}</a>', target.get_absolute_url(), f"{comment.target_type.name} {target.pk}")

    @admin.action(description=_("Approve the selected comments (publish them)"), permissions=["change"])
    def approve(self, request, queryset):
        count = _decide_comments(request, queryset, comments.approve)
        done = ngettext("%(count)d comment approved.", "%(count)d comments approved.", count)
        self.message_user(request, done % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Reject the selected comments"), permissions=["change"])
    def reject(self, request, queryset):
        count = _decide_comments(request, queryset, comments.reject)
        done = ngettext("%(count)d comment rejected.", "%(count)d comments rejected.", count)
        self.message_user(request, done % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Hide the selected comments"), permissions=["change"])
    def hide(self, request, queryset):
        count = _decide_comments(request, queryset, comments.hide)
        done = ngettext("%(count)d comment hidden.", "%(count)d comments hidden.", count)
        self.message_user(request, done % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Restore the selected comments (publish them again)"), permissions=["change"])
    def restore(self, request, queryset):
        count = _decide_comments(request, queryset, comments.restore, note="admin: restored")
        done = ngettext("%(count)d comment restored.", "%(count)d comments restored.", count)
        self.message_user(request, done % {"count": count}, messages.SUCCESS)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change or "status" not in form.changed_data:
            return
        decide = COMMENT_DECISIONS.get(obj.status)
        if decide is not None:
            decide(comment=obj, by=request.user, note="admin form")
        else:
            moderation.record(
                moderator=request.user, action="hold_comment", target=obj, memorial=obj.memorial, note="admin form"
            )


# --- What guests sent, and the family's thank-you -----------------------------------------------


@admin.register(GuestContribution)
class GuestContributionAdmin(admin.ModelAdmin):
    """Photos and stories guests sent, decided as on the moderation page (memorial/contributions.py)."""

    list_display = ("__str__", "memorial", "kind", "status", "created_at", "decided_by")
    list_filter = ("kind", "status", "created_at")
    search_fields = ("story", "caption", "guest_name", "author__email", *MEMORIAL_SEARCH)
    list_select_related = ("memorial", "author", "decided_by")
    readonly_fields = (
        "memorial",
        "kind",
        "status",
        "author",
        "guest_name",
        "story",
        "caption",
        "upload_name",
        "photo",
        "created_at",
        "decided_by",
        "decided_at",
    )
    exclude = ("upload", "preview")
    actions = ("approve", "reject")

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Approve the selected photos and stories"), permissions=["change"])
    def approve(self, request, queryset):
        count = 0
        for contribution in queryset.select_related("memorial"):
            contributions.approve(contribution=contribution, by=request.user)
            count += 1
        self.message_user(request, ngettext("%(count)d approved.", "%(count)d approved.", count) % {"count": count})

    @admin.action(description=_("Reject and delete the selected photos and stories"), permissions=["delete"])
    def reject(self, request, queryset):
        count = 0
        for contribution in queryset.select_related("memorial"):
            contributions.reject(contribution=contribution, by=request.user)
            count += 1
        self.message_user(request, ngettext("%(count)d deleted.", "%(count)d deleted.", count) % {"count": count})


@admin.register(ThankYou)
class ThankYouAdmin(admin.ModelAdmin):
    list_display = ("memorial", "status", "recipients", "created_at", "finished_at")
    list_filter = ("status",)
    search_fields = MEMORIAL_SEARCH
    list_select_related = ("memorial",)
    readonly_fields = ("memorial", "message", "sent_by", "status", "recipients", "attempts", "error", "created_at")
    exclude = ("progress", "worker", "cancel_requested", "enqueued_at", "started_at", "heartbeat_at", "finished_at")

    def has_add_permission(self, request):
        return False
