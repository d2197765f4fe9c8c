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
from memorial.account_numbers import validate_account_number
from memorial.condolence_rules import HeldReason
from memorial.dates import Precision, format_partial_date, format_with_lunar
from memorial.lunar import Calendar
from memorial.storage import originals_storage
from memorial.timezones import validate_time_zone
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


class RemembranceCalendar(models.TextChoices):
    AS_ENTERED = "", _("As the date of death was entered")
    LUNAR = "lunar", _("By the lunar calendar (음력)")
    SOLAR = "solar", _("By the solar calendar (양력)")
    BOTH = "both", _("By both calendars")


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
    # Dates entered by the lunar calendar keep the lunar date as entered (with the leap month, 윤달);
    # born_on/died_on hold its solar date, which everything else reads (memorial/dates.py).
    born_calendar = models.CharField(
        _("birth date's calendar"), max_length=5, choices=Calendar.choices, default=Calendar.SOLAR
    )
    born_lunar = models.CharField(max_length=10, blank=True, editable=False)
    born_leap_month = models.BooleanField(_("born in a leap month (윤달)"), default=False)
    died_calendar = models.CharField(
        _("date of death's calendar"), max_length=5, choices=Calendar.choices, default=Calendar.SOLAR
    )
    died_lunar = models.CharField(max_length=10, blank=True, editable=False)
    died_leap_month = models.BooleanField(_("died in a leap month (윤달)"), default=False)
    # Which calendar the family keeps 기일 and 생신 by (memorial/remembrance.py).
    remembrance_calendar = models.CharField(
        _("remembrance days by"),
        max_length=5,
        choices=RemembranceCalendar.choices,
        blank=True,
        default=RemembranceCalendar.AS_ENTERED,
        help_text=_("기일 and 생신 every year by the lunar date, the solar date, or both."),
    )
    place = models.CharField(_("place"), max_length=200, blank=True, validators=[single_line])
    life_story = models.TextField(
        _("life story"), blank=True, help_text=_("Markdown: *italic*, **bold**, lists and links.")
    )
    cover_photo = models.ForeignKey(
        "Photo", verbose_name=_("cover photo"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE)
    # Where the family mourns: the 부고's times, messages' times and "one candle a day" follow it
    # (memorial/timezones.py). Set from the language when the memorial is made.
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text=_("Times on this memorial are shown in this time zone."),
    )
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
    # 마음 전하실 곳: whether the family's condolence-money accounts (CondolenceAccount) are shown
    # on the memorial page to those who see it (memorial/condolence_accounts.py). Off until they choose.
    condolence_accounts_shown = models.BooleanField(_("show the accounts for condolence money"), default=False)
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
        return format_with_lunar(self, "born")

    @property
    def died_display(self) -> str:
        return format_with_lunar(self, "died")


class TimelineEvent(models.Model):
    class Kind(models.TextChoices):
        BORN = "born", _("Born")
        MARRIED = "married", _("Married")
        MOVED = "moved", _("Moved")
        RETIRED = "retired", _("Retired")
        # Korean life events: a hundred days, the first birthday, the 60th (환갑, the sixty-year
        # cycle come round) and the 70th, 80th and 90th birthdays.
        BAEGIL = "baegil", _("백일 (100 days after birth)")
        DOL = "dol", _("돌 (first birthday)")
        HWANGAP = "hwangap", _("환갑 (60th birthday)")
        CHILSUN = "chilsun", _("칠순 (70th birthday)")
        PALSUN = "palsun", _("팔순 (80th birthday)")
        GUSUN = "gusun", _("구순 (90th birthday)")
        DIED = "died", _("Died")
        OTHER = "other", _("Other")

    memorial = models.ForeignKey(Memorial, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.OTHER)
    happened_on = models.DateField(_("date"))
    precision = models.CharField(max_length=5, choices=Precision.choices, default=Precision.DAY)
    # As for a memorial's dates: one entered by the lunar calendar keeps it as entered.
    calendar = models.CharField(_("calendar"), max_length=5, choices=Calendar.choices, default=Calendar.SOLAR)
    lunar = models.CharField(max_length=10, blank=True, editable=False)
    leap_month = models.BooleanField(_("leap month (윤달)"), default=False)
    title = models.CharField(_("title"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True, max_length=2000)

    class Meta:
        ordering = ["happened_on", "pk"]

    def __str__(self) -> str:
        return self.title or self.get_kind_display()

    @property
    def date_display(self) -> str:
        if self.calendar == Calendar.LUNAR and self.lunar:
            from memorial.lunar import format_lunar, parse

            lunar = format_lunar(parse(self.lunar, leap=self.leap_month))
            return f"{format_partial_date(self.happened_on, self.precision)} ({lunar})"
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
    # Seen by the memorial's members only, never by guests (the "Studio" album of photos sent
    # through the painting API); its paintings are shown once a manager publishes them.
    family_only = models.BooleanField(_("for the family only"), default=False)
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


class Funeral(models.Model):
    """The 부고 (funeral notice) of a memorial: how the family words the death, the 빈소 (funeral
    hall), the 입관 and 발인 times (aware; shown in the memorial's time zone), the 장지, the 상주 and
    family, and a short message. Everything is optional; memorial/bugo.py reads and writes it."""

    memorial = models.OneToOneField(Memorial, on_delete=models.CASCADE, related_name="funeral")
    wording = models.CharField(_("wording of the death"), max_length=12, blank=True)
    hall_name = models.CharField(_("funeral hall"), max_length=200, blank=True, validators=[single_line])
    hall_room = models.CharField(_("room"), max_length=100, blank=True, validators=[single_line])
    hall_address = models.CharField(_("address"), max_length=300, blank=True, validators=[single_line])
    hall_phone = models.CharField(_("phone"), max_length=30, blank=True)
    encoffining_at = models.DateTimeField(_("입관 (encoffining)"), null=True, blank=True)
    departure_at = models.DateTimeField(_("발인 (departure of the coffin)"), null=True, blank=True)
    burial_place = models.CharField(_("장지 (place of burial)"), max_length=300, blank=True, validators=[single_line])
    # The 상주 and family in the family's order: [{"relation", "relation_other", "name", "chief"}].
    mourners = models.JSONField(_("상주 and family"), default=list, blank=True)
    message = models.TextField(_("message from the family"), max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("funeral notice (부고)")
        verbose_name_plural = _("funeral notices (부고)")

    def __str__(self) -> str:
        return f"부고: {self.memorial}"


class CondolenceAccount(models.Model):
    """마음 전하실 곳: an account the family publishes for condolence money, set by its managers
    only (memorial/condolence_accounts.py); every change is recorded (CondolenceAccountChange)
    and e-mailed to the memorial's owner."""

    memorial = models.ForeignKey(Memorial, on_delete=models.CASCADE, related_name="condolence_accounts")
    bank = models.CharField(_("bank"), max_length=50, validators=[single_line])
    number = models.CharField(_("account number"), max_length=40, validators=[validate_account_number])
    holder = models.CharField(_("account holder"), max_length=50, validators=[single_line])
    relation = models.CharField(
        _("relation to the deceased"),
        max_length=30,
        blank=True,
        validators=[single_line],
        help_text=_("For example 상주, 아들, 딸, or chief mourner, son, daughter."),
    )
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("account for condolence money")
        verbose_name_plural = _("accounts for condolence money")

    def __str__(self) -> str:
        return f"{self.bank} {self.number} {self.holder}"

    def as_record(self) -> dict:
        """What a change record keeps of it (before or after)."""
        return {"bank": self.bank, "number": self.number, "holder": self.holder, "relation": self.relation}


class CondolenceAccountChange(models.Model):
    """One change to the family's condolence-money accounts: who, when, and the account before
    and after. Never edited; the owner is e-mailed each one at once."""

    class Action(models.TextChoices):
        ADDED = "added", _("added")
        CHANGED = "changed", _("changed")
        REMOVED = "removed", _("removed")
        SHOWN = "shown", _("shown to visitors")
        HIDDEN = "hidden", _("hidden from visitors")

    memorial = models.ForeignKey(Memorial, on_delete=models.CASCADE, related_name="condolence_account_changes")
    account_id = models.PositiveBigIntegerField(null=True, blank=True)
    action = models.CharField(_("what was done"), max_length=10, choices=Action.choices)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    by_name = models.CharField(_("by"), max_length=200, blank=True)
    by_email = models.EmailField(blank=True)
    owner_emailed = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("change to the accounts for condolence money")
        verbose_name_plural = _("changes to the accounts for condolence money")

    def __str__(self) -> str:
        return f"{self.action} account {self.account_id} of memorial {self.memorial_id}"


# --- The years after: reminders and calendars of the remembrance days (memorial/remembrance.py) ---


class ReminderSubscription(models.Model):
    """A member who asked to be e-mailed a week before each remembrance day and on the day."""

    memorial = models.ForeignKey(Memorial, on_delete=models.CASCADE, related_name="reminder_subscriptions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["memorial", "user"], name="one_reminder_subscription")]

    def __str__(self) -> str:
        return f"Reminders of {self.memorial_id} for {self.user_id}"


class SentReminder(models.Model):
    """One reminder e-mail, recorded before it is sent: the unique key decides who sends it, so a
    rerun, a retry or two workers at once never send it twice (memorial/reminders.py)."""

    class When(models.TextChoices):
        WEEK_BEFORE = "week_before", _("A week before")
        ON_THE_DAY = "on_the_day", _("On the day")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    memorial = models.ForeignKey(Memorial, on_delete=models.CASCADE, related_name="sent_reminders")
    event = models.CharField(max_length=40)  # RemembranceDay.event: "giil-lunar", "49jae", ...
    date = models.DateField()  # the remembrance day's date
    kind = models.CharField(max_length=12, choices=When.choices)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "memorial", "event", "date", "kind"], name="one_reminder_each")
        ]

    def __str__(self) -> str:
        return f"{self.kind} reminder of {self.event} on {self.date} to {self.user_id}"


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class CalendarToken(models.Model):
    """A member's private address of a memorial's calendar (for memorials that are not public).
    Revoking it gives a new one: the old address answers nothing any more."""

    memorial = models.ForeignKey(Memorial, on_delete=models.CASCADE, related_name="calendar_tokens")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64, unique=True, default=new_calendar_token, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["memorial", "user"], name="one_calendar_token_per_member")]

    def __str__(self) -> str:
        return f"Calendar address of {self.memorial_id} for {self.user_id}"


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
