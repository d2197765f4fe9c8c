import secrets
import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from core.models import BackgroundWork
from memorial.condolence_rules import HeldReason
from memorial.dates import Precision, format_partial_date
from memorial.storage import originals_storage
from memorial.validators import single_line


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public: listed, and anyone can find it")
    UNLISTED = "unlisted", _("Unlisted: anyone with the link")
    PRIVATE = "private", _("Private: members only")


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    MANAGER = "manager", _("Manager")
    CONTRIBUTOR = "contributor", _("Contributor")
    VIEWER = "viewer", _("Viewer")


class CondolencePolicy(models.TextChoices):
    OPEN = "open", _("Publish messages at once")
    APPROVAL = "approval", _("Hold messages until a manager approves them")


def validate_life_story_length(value: str) -> None:
    """A life story of at most MEMORIAL_LIFE_STORY_MAX_CHARS characters (pages and API alike)."""
    limit = settings.MEMORIAL_LIFE_STORY_MAX_CHARS
    if value and len(value) > limit:
        raise ValidationError(
            _(
                "The life story is too long: %(length)s characters, and it can have at most %(limit)s. "
                "Please shorten it, or tell the rest in an album's description or a photo's caption."
            ),
            code="max_length",
            params={"length": f"{len(value):,}", "limit": f"{limit:,}"},
        )


def new_slug_token() -> str:
    return secrets.token_hex(4)


def new_invitation_nonce() -> str:
    """32 hex characters: the random part of an invitation link, changed to invalidate it."""
    return secrets.token_hex(16)


class Memorial(models.Model):
    full_name = models.CharField(_("full name"), max_length=200, validators=[single_line])
    name_other_script = models.CharField(
        _("name in another script"), max_length=200, blank=True, validators=[single_line]
    )
    slug = models.CharField(max_length=240, unique=True, editable=False)
    born_on = models.DateField(_("born"), null=True, blank=True)
    born_precision = models.CharField(max_length=5, choices=Precision.choices, default=Precision.DAY)
    died_on = models.DateField(_("died"), null=True, blank=True)
    died_precision = models.CharField(max_length=5, choices=Precision.choices, default=Precision.DAY)
    place = models.CharField(_("place"), max_length=200, blank=True, validators=[single_line])
    life_story = models.TextField(
        _("life story"), blank=True, help_text=_("Markdown: *italic*, **bold**, lists and links.")
    )
    cover_photo = models.ForeignKey(
        "Photo", verbose_name=_("cover photo"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    condolence_policy = models.CharField(
        _("condolences"), max_length=10, choices=CondolencePolicy.choices, default=CondolencePolicy.OPEN
    )
    # Guests (and signed-in people outside the family) may send a photo or a story, which waits for
    # a manager (memorial/contributions.py). Approved photos go into the friends' album.
    accepts_guest_memories = models.BooleanField(_("guests may send photos and stories"), default=False)
    friends_album = models.ForeignKey(
        "Album", null=True, blank=True, editable=False, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # Bumped by every change to what the memorial page shows: the key of its cached rendering.
    content_version = models.PositiveIntegerField(default=0, editable=False)
    # Bumped by every edit of the memorial's own fields (memorial/editing.py): the version an edit
    # form or an API client started from, so a stale edit is refused instead of overwriting.
    edit_version = models.PositiveIntegerField(default=0, editable=False)
    # Deleting hides a memorial at once; it is destroyed RESTORE_DAYS later unless restored.
    deleted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("memorial")
        verbose_name_plural = _("memorials")

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs):
        if not self.slug:
            # The random part keeps unlisted links unguessable; the name keeps them readable (Hangul too).
            base = slugify(self.full_name, allow_unicode=True)[:200] or "memorial"
            self.slug = f"{base}-{new_slug_token()}"
        if self.pk is not None:
            self.content_version = models.F("content_version") + 1
        super().save(*args, **kwargs)
        if self.pk is not None and isinstance(self.content_version, models.expressions.Combinable):
            self.refresh_from_db(fields=["content_version"])

    def get_absolute_url(self) -> str:
        return reverse("memorial:detail", args=[self.slug])

    @property
    def purge_after(self):
        from datetime import timedelta

        return self.deleted_at + timedelta(days=settings.MEMORIAL_RESTORE_DAYS) if self.deleted_at else None

    @property
    def born_display(self) -> str:
        return format_partial_date(self.born_on, self.born_precision)

    @property
    def died_display(self) -> str:
        return format_partial_date(self.died_on, self.died_precision)


class TimelineEvent(models.Model):
    class Kind(models.TextChoices):
        BORN = "born", _("Born")
        MARRIED = "married", _("Married")
        MOVED = "moved", _("Moved")
        RETIRED = "retired", _("Retired")
        DIED = "died", _("Died")
        OTHER = "other", _("Other")

    memorial = models.ForeignKey(Memorial, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.OTHER)
    happened_on = models.DateField(_("date"))
    precision = models.CharField(max_length=5, choices=Precision.choices, default=Precision.DAY)
    title = models.CharField(_("title"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True, max_length=2000)

    class Meta:
        ordering = ["happened_on", "pk"]

    def __str__(self) -> str:
        return self.title or self.get_kind_display()

    @property
    def date_display(self) -> str:
        return format_partial_date(self.happened_on, self.precision)


class Membership(models.Model):
    memorial = models.ForeignKey(Memorial, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["memorial", "user"], name="one_membership_per_person"),
            models.UniqueConstraint(
                fields=["memorial"], condition=models.Q(role="owner"), name="one_owner_per_memorial"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) in {self.memorial}"


class Removal(models.Model):
    """Someone the family removed from a memorial. An invitation link made before the removal
    never admits them again (memorial/membership.py); one made after it does: the family
    deliberately asked them back. Their e-mail address is kept too, so that deleting the account
    and signing up again with it does not open the older links either."""

    memorial = models.ForeignKey(Memorial, on_delete=models.CASCADE, related_name="removals")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    email = models.EmailField(_("e-mail address"), blank=True)
    role = models.CharField(_("role they had"), max_length=12, choices=Role.choices)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    removed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["memorial", "user"], name="one_removal_per_person")]

    def __str__(self) -> str:
        return f"{self.user or self.email} removed from {self.memorial}"


class Invitation(models.Model):
    memorial = models.ForeignKey(Memorial, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(_("role"), max_length=12, choices=[c for c in Role.choices if c[0] != Role.OWNER])
    nonce = models.CharField(max_length=32, default=new_invitation_nonce, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    max_uses = models.PositiveIntegerField(_("how many people may use it"), default=5)
    use_count = models.PositiveIntegerField(default=0)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_role_display()} invitation to {self.memorial}"

    class State(models.TextChoices):
        LIVE = "live", _("Live")
        EXPIRED = "expired", _("Expired")
        USED_UP = "used_up", _("Used up")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    @property
    def state(self) -> str:
        """Whether the link still admits anyone, and if not, why (withdrawn first: it was a decision)."""
        if self.revoked_at is not None:
            return self.State.WITHDRAWN
        if self.expires_at <= timezone.now():
            return self.State.EXPIRED
        if self.use_count >= self.max_uses:
            return self.State.USED_UP
        return self.State.LIVE

    def get_state_display(self) -> str:
        return self.State(self.state).label

    @property
    def uses_left(self) -> int:
        return max(0, self.max_uses - self.use_count) if self.state == self.State.LIVE else 0

    @property
    def is_usable(self) -> bool:
        return self.state == self.State.LIVE


class Album(models.Model):
    memorial = models.ForeignKey(Memorial, on_delete=models.CASCADE, related_name="albums")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # In the bin (memorial/bin.py): hidden from everyone, restorable by the managers until purged.
    deleted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("memorial:album", args=[self.memorial.slug, self.pk])


def screen_path(instance, filename):
    return f"photos/{instance.album.memorial_id}/{uuid.uuid4().hex}-screen.jpg"


def thumbnail_path(instance, filename):
    return f"photos/{instance.album.memorial_id}/{uuid.uuid4().hex}-thumb.jpg"


def original_path(instance, filename):
    extension = (filename.rsplit(".", 1)[-1] if "." in filename else "bin").lower()[:8]
    return f"originals/{instance.album.memorial_id}/{uuid.uuid4().hex}.{extension}"


class Photo(models.Model):
    album = models.ForeignKey(Album, on_delete=models.CASCADE, related_name="photos")
    caption = models.CharField(_("caption"), max_length=500, blank=True)
    taken_at = models.DateTimeField(_("taken"), null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    sha256 = models.CharField(max_length=64)
    original = models.FileField(storage=originals_storage, upload_to=original_path, max_length=300)
    original_format = models.CharField(max_length=10)
    original_size = models.PositiveBigIntegerField()
    original_name = models.CharField(max_length=255, blank=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    screen = models.FileField(upload_to=screen_path, max_length=300)
    screen_width = models.PositiveIntegerField()
    screen_height = models.PositiveIntegerField()
    thumbnail = models.FileField(upload_to=thumbnail_path, max_length=300)
    thumbnail_width = models.PositiveIntegerField()
    thumbnail_height = models.PositiveIntegerField()
    # Bytes of the two served copies (with original_size: what the photo takes in storage, counted
    # against MEMORIAL_STORAGE_QUOTA_BYTES by memorial/quota.py).
    screen_bytes = models.PositiveBigIntegerField(default=0)
    thumbnail_bytes = models.PositiveBigIntegerField(default=0)
    hidden = models.BooleanField(_("hidden by a moderator"), default=False)
    # In the bin (memorial/bin.py): hidden from everyone, restorable by the managers until purged.
    deleted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Visitors' comments on it (memorial/comments.py); deleted with it.
    comments = GenericRelation(
        "Comment", content_type_field="target_type", object_id_field="target_id", related_query_name="photo"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["album", "sha256"], name="one_copy_per_album")]

    def __str__(self) -> str:
        return self.caption or f"Photo {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("memorial:photo", args=[self.album.memorial.slug, self.pk])

    @property
    def alt_text(self) -> str:
        return self.caption or _("A photo from the album “%(album)s”") % {"album": self.album.title}


class MemorialEdit(models.Model):
    """One saved edit of a memorial's own fields: the version it made, who, when, and each field's
    value before and after. Shown to a person whose edit started from an older version."""

    memorial = models.ForeignKey(Memorial, on_delete=models.CASCADE, related_name="edits")
    version = models.PositiveIntegerField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    by_name = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict)  # field -> [before, after], as text
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["version", "pk"]
        indexes = [models.Index(fields=["memorial", "version"])]

    def __str__(self) -> str:
        return f"Edit {self.version} of memorial {self.memorial_id}"


class Condolence(models.Model):
    class Status(models.TextChoices):
        PUBLISHED = "published", _("Published")
        PENDING = "pending", _("Waiting for approval")
        REJECTED = "rejected", _("Rejected")
        HIDDEN = "hidden", _("Hidden after reports")

    memorial = models.ForeignKey(Memorial, on_delete=models.CASCADE, related_name="condolences")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    guest_name = models.CharField(_("name"), max_length=100, blank=True, validators=[single_line])
    # Who the author was to the person (손녀, 직장 동료, a neighbour): shown beside the name.
    relation = models.CharField(_("relation"), max_length=60, blank=True, validators=[single_line])
    # A guest's address for the family's thank-you (memorial/thank_you.py): never shown on the
    # page, in the API only to the memorial's managers.
    email = models.EmailField(_("e-mail address"), blank=True)
    message = models.TextField(_("message"), max_length=3000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    held_reason = models.CharField(_("reason held"), max_length=20, blank=True, choices=HeldReason.choices)
    report_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["memorial", "status", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.display_name}: {self.message[:40]}"

    @property
    def display_name(self) -> str:
        if self.author_id:
            return str(self.author)
        return self.guest_name

    @property
    def open_reports(self) -> list:
        """The reports no decision has answered yet, newest first (prefetch ``reports`` to list many)."""
        return sorted((r for r in self.reports.all() if not r.resolved), key=lambda r: r.created_at, reverse=True)


class CondolenceReport(models.Model):
    """One visitor's report of a message. Reports a manager's decision answered are ``resolved``
    and never count again (memorial/condolences.py)."""

    class From(models.TextChoices):
        GUEST = "guest", _("a guest")
        SIGNED_IN = "signed_in", _("a signed-in person")
        MEMBER = "member", _("a member of the family")

    condolence = models.ForeignKey(Condolence, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reporter_key = models.CharField(max_length=64)
    # Who reported, as the rule weighs it, and their network (hashed): guests of one network count once.
    reported_by = models.CharField(_("reported by"), max_length=10, choices=From.choices, default=From.GUEST)
    network_key = models.CharField(max_length=64, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["condolence", "reporter_key"], name="one_report_per_visitor")]

    def __str__(self) -> str:
        return f"Report on condolence {self.condolence_id}"


class Offering(models.Model):
    class Kind(models.TextChoices):
        CANDLE = "candle", _("Light a candle")
        FLOWER = "flower", _("Lay a flower")
        INCENSE = "incense", _("Burn incense")

    memorial = models.ForeignKey(Memorial, on_delete=models.CASCADE, related_name="offerings")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    visitor_key = models.CharField(max_length=64)
    day = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["memorial", "kind", "visitor_key", "day"], name="one_offering_per_visitor_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} for memorial {self.memorial_id} on {self.day}"


class ModerationAction(models.Model):
    """Who did what to which item, and when: every moderation step leaves one."""

    moderator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=40)
    target_type = models.CharField(max_length=40)
    target_id = models.PositiveBigIntegerField()
    target_repr = models.CharField(max_length=200)
    memorial = models.ForeignKey(Memorial, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type} {self.target_id}"


def export_path(instance, filename):
    return f"exports/{instance.memorial_id}/{uuid.uuid4().hex}.zip"


class MemorialExport(BackgroundWork):
    """One zip of everything a memorial holds, made in the background for a manager (memorial/export.py);
    its lifecycle (claim, heartbeat, progress, take-back) is core.work's."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Packing")
        SUCCEEDED = "succeeded", _("Ready")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    memorial = models.ForeignKey(Memorial, on_delete=models.CASCADE, related_name="exports")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    file = models.FileField(upload_to=export_path, blank=True, max_length=300)
    size = models.PositiveBigIntegerField(default=0)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("download of all memories")
        verbose_name_plural = _("downloads of all memories")

    def __str__(self) -> str:
        return f"Export {self.pk} of {self.memorial} ({self.status})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()


class Comment(models.Model):
    """A visitor's comment on a shared memory: a photo, or a painting (generation's Artwork, which
    declares its own ``GenericRelation``; memorial knows it only as a target). The guestbook's
    rules hold (memorial/guest_messages.py): the approval policy, the scam rule, weighted reports."""

    Status = Condolence.Status

    memorial = models.ForeignKey(Memorial, on_delete=models.CASCADE, related_name="comments")
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    guest_name = models.CharField(_("name"), max_length=100, blank=True, validators=[single_line])
    message = models.TextField(_("comment"), max_length=1000)
    status = models.CharField(max_length=10, choices=Condolence.Status.choices, default=Condolence.Status.PUBLISHED)
    held_reason = models.CharField(_("reason held"), max_length=20, blank=True, choices=HeldReason.choices)
    report_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["target_type", "target_id", "status"]),
            models.Index(fields=["memorial", "status"]),
        ]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return f"{self.display_name}: {self.message[:40]}"

    @property
    def display_name(self) -> str:
        if self.author_id:
            return str(self.author)
        return self.guest_name

    @property
    def open_reports(self) -> list:
        """The reports no decision has answered yet, newest first (prefetch ``reports`` to list many)."""
        return sorted((r for r in self.reports.all() if not r.resolved), key=lambda r: r.created_at, reverse=True)


class CommentReport(models.Model):
    """One visitor's report of a comment, weighed as a condolence's report is."""

    From = CondolenceReport.From

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reporter_key = models.CharField(max_length=64)
    reported_by = models.CharField(
        _("reported by"), max_length=10, choices=CondolenceReport.From.choices, default=CondolenceReport.From.GUEST
    )
    network_key = models.CharField(max_length=64, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "reporter_key"], name="one_comment_report_per_visitor")
        ]

    def __str__(self) -> str:
        return f"Report on comment {self.comment_id}"


class NotificationFrequency(models.TextChoices):
    EACH = "each", _("An e-mail for each new message")
    HOURLY = "hourly", _("One e-mail an hour with the new messages")
    DAILY = "daily", _("One e-mail a day with the new messages")


class MessageNotificationSetting(models.Model):
    """How one manager of one memorial is told of new messages (memorial/digests.py); without a
    row, an e-mail for each."""

    memorial = models.ForeignKey(Memorial, on_delete=models.CASCADE, related_name="notification_settings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    frequency = models.CharField(
        _("new messages"), max_length=10, choices=NotificationFrequency.choices, default=NotificationFrequency.EACH
    )
    chosen_at = models.DateTimeField(default=timezone.now)
    last_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["memorial", "user"], name="one_notification_setting_per_manager")
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.memorial}: {self.frequency}"


class DigestedMessage(models.Model):
    """One message in one manager's digest. The unique key is the claim: two workers sending
    digests at once cannot both put a message into one (memorial/digests.py)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    memorial = models.ForeignKey(Memorial, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12)  # "condolence" or "comment"
    message_id = models.PositiveBigIntegerField()
    digested_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "message_id"], name="one_digest_per_message_per_manager")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.message_id} in the digest of {self.user_id}"


class ThankYou(BackgroundWork):
    """The family's one thank-you (답례) after the funeral, e-mailed in the background to every
    guest who left a message with an address (memorial/thank_you.py); its lifecycle is core.work's."""

    memorial = models.OneToOneField(Memorial, on_delete=models.CASCADE, related_name="thank_you")
    message = models.TextField(_("message"), max_length=3000)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("thank-you message")
        verbose_name_plural = _("thank-you messages")

    def __str__(self) -> str:
        return f"Thank-you for {self.memorial} ({self.status})"


class ThankYouDelivery(models.Model):
    """One address the thank-you went to: the unique key keeps a retry from sending it twice."""

    thank_you = models.ForeignKey(ThankYou, on_delete=models.CASCADE, related_name="deliveries")
    email = models.EmailField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thank_you", "email"], name="one_thank_you_per_address")]

    def __str__(self) -> str:
        return f"Thank-you {self.thank_you_id} to {self.email}"


def contribution_path(instance, filename):
    extension = (filename.rsplit(".", 1)[-1] if "." in filename else "bin").lower()[:8]
    return f"contributions/{instance.memorial_id}/{uuid.uuid4().hex}.{extension}"


def contribution_preview_path(instance, filename):
    return f"contributions/{instance.memorial_id}/{uuid.uuid4().hex}-preview.jpg"


class GuestContribution(models.Model):
    """A photo or a story ("I remember...") a guest sent, waiting for a manager: approved, a photo
    goes into the friends' album and a story onto the memorial page, credited to its author;
    rejected, it is deleted with its files (memorial/contributions.py)."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("Photo")
        STORY = "story", _("Story")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")

    memorial = models.ForeignKey(Memorial, on_delete=models.CASCADE, related_name="contributions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    guest_name = models.CharField(_("name"), max_length=100, blank=True, validators=[single_line])
    story = models.TextField(_("story"), blank=True, max_length=3000)
    caption = models.CharField(_("caption"), max_length=500, blank=True)
    # The upload as it came (checked by memorial/imaging.py), and a small JPEG for the managers' queue.
    upload = models.FileField(storage=originals_storage, upload_to=contribution_path, blank=True, max_length=300)
    upload_name = models.CharField(max_length=255, blank=True)
    preview = models.FileField(upload_to=contribution_preview_path, blank=True, max_length=300)
    photo = models.ForeignKey(Photo, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("memory sent by a guest")
        verbose_name_plural = _("memories sent by guests")

    def __str__(self) -> str:
        return f"{self.kind} from {self.display_name}"

    @property
    def display_name(self) -> str:
        if self.author_id:
            return str(self.author)
        return self.guest_name
