from django import forms
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from memorial import timezones
from memorial.dates import entered_date, entered_input, parse_partial_date
from memorial.lunar import Calendar
from memorial.models import (
    Album,
    CondolenceAccount,
    Memorial,
    NotificationFrequency,
    Role,
    TimelineEvent,
    validate_life_story_length,
)
from memorial.validators import single_line


class PartialDateField(forms.CharField):
    """A year, a year and month, or a full date: returns (date, precision) or None."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault("help_text", _("A year (1942), a month (1942-03) or a full date (1942-03-05)."))
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return parse_partial_date(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


DATE_HELP = _("A year (1942), a month (1942-03) or a full date (1942-03-05). A lunar date in full (1942-01-19).")


def calendar_field(label):
    return forms.ChoiceField(
        label=label, choices=Calendar.choices, initial=Calendar.SOLAR, required=False, widget=forms.RadioSelect
    )


class EnteredDatesMixin:
    """Dates typed by the solar or the lunar calendar (with the leap month): each ``<prefix>``
    field's text is read in its ``<prefix>_calendar``, and becomes the memorial's fields
    (memorial/dates.entered_date). A lunar date beyond the table or that does not exist is refused."""

    date_prefixes: tuple[str, ...] = ()

    def clean_entered_dates(self, data) -> dict:
        resolved = {}
        for prefix in self.date_prefixes:
            try:
                resolved[prefix] = entered_date(
                    data.get(prefix) or "",
                    calendar=data.get(f"{prefix}_calendar") or Calendar.SOLAR,
                    leap_month=bool(data.get(f"{prefix}_leap_month")),
                    prefix=prefix,
                )
            except ValueError as exc:
                self.add_error(prefix, str(exc))
        self.entered_dates = resolved
        return resolved


class MemorialForm(EnteredDatesMixin, forms.ModelForm):
    date_prefixes = ("born", "died")
    born = forms.CharField(label=_("Born"), required=False, max_length=10, help_text=DATE_HELP)
    born_calendar = calendar_field(_("Calendar of the birth date"))
    born_leap_month = forms.BooleanField(label=_("Born in a leap month (윤달)"), required=False)
    died = forms.CharField(label=_("Died"), required=False, max_length=10, help_text=DATE_HELP)
    died_calendar = calendar_field(_("Calendar of the date of death"))
    died_leap_month = forms.BooleanField(label=_("Died in a leap month (윤달)"), required=False)

    class Meta:
        model = Memorial
        fields = [
            "full_name",
            "name_other_script",
            "place",
            "life_story",
            "language",
            "time_zone",
            "visibility",
            "condolence_policy",
            "remembrance_calendar",
        ]
        widgets = {
            "life_story": forms.Textarea(attrs={"rows": 10}),
            "visibility": forms.RadioSelect,
            "remembrance_calendar": forms.RadioSelect,
        }

    field_order = [
        "full_name",
        "name_other_script",
        "born",
        "born_calendar",
        "born_leap_month",
        "died",
        "died_calendar",
        "died_leap_month",
        "remembrance_calendar",
        "place",
        "life_story",
        "language",
        "time_zone",
        "visibility",
        "condolence_policy",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A select of the zones people live in; a new memorial starts from the language's default
        # (the page's script offers the browser's own zone, memorial/timezones.py).
        self.fields["time_zone"] = forms.ChoiceField(
            label=Memorial._meta.get_field("time_zone").verbose_name,
            choices=timezones.choices(),
            required=False,
            help_text=Memorial._meta.get_field("time_zone").help_text,
        )
        if not self.instance.pk:
            self.initial.setdefault("time_zone", timezones.default_for(self.initial.get("language") or get_language()))
        # No maxlength on the textarea: a browser would cut a pasted story short without a word.
        self.fields["life_story"].validators.append(validate_life_story_length)
        if self.instance.pk:
            for prefix in self.date_prefixes:  # shown back as entered: a lunar date as lunar
                self.initial[prefix] = entered_input(self.instance, prefix)
                self.initial[f"{prefix}_calendar"] = getattr(self.instance, f"{prefix}_calendar")
                self.initial[f"{prefix}_leap_month"] = getattr(self.instance, f"{prefix}_leap_month")
            # The version this edit starts from: a save after someone else's is refused (memorial/editing.py).
            self.fields["version"] = forms.IntegerField(
                required=False, min_value=0, max_value=2**31 - 1, widget=forms.HiddenInput
            )
            self.initial["version"] = self.instance.edit_version

    def clean_full_name(self):
        name = self.cleaned_data["full_name"].strip()
        if not name:
            raise forms.ValidationError(_("Please enter the name."))
        return name

    def clean(self):
        data = super().clean()
        dates = self.clean_entered_dates(data)
        born, died = (dates.get(prefix, {}).get(f"{prefix}_on") for prefix in ("born", "died"))
        if born and died and died < born:
            self.add_error("died", _("The date of death is before the date of birth."))
        return data

    def service_fields(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        for prefix in self.date_prefixes:
            data.update(self.entered_dates[prefix])
        if not data.get("time_zone"):
            data.pop("time_zone", None)  # left out: the memorial keeps its own (a new one, its language's)
        return data


class CoverForm(forms.Form):
    photo = forms.IntegerField(widget=forms.HiddenInput)


class TimelineEventForm(EnteredDatesMixin, forms.Form):
    date_prefixes = ("when",)
    kind = forms.ChoiceField(label=_("What happened"), choices=TimelineEvent.Kind.choices)
    when = forms.CharField(label=_("When"), max_length=10, help_text=DATE_HELP)
    when_calendar = calendar_field(_("Calendar"))
    when_leap_month = forms.BooleanField(label=_("Leap month (윤달)"), required=False)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    description = forms.CharField(
        label=_("Description"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self):
        data = super().clean()
        self.clean_entered_dates(data)
        return data

    def event_date(self) -> dict:
        """happened_on, precision, calendar, lunar and leap_month for services.add_timeline_event."""
        entered = self.entered_dates["when"]
        return {
            "happened_on": entered["when_on"],
            "precision": entered["when_precision"],
            "calendar": entered["when_calendar"],
            "lunar": entered["when_lunar"],
            "leap_month": entered["when_leap_month"],
        }


class AlbumForm(forms.ModelForm):
    class Meta:
        model = Album
        fields = ["title", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,.heic,.heif"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        files = [single(item, initial) for item in data] if isinstance(data, (list, tuple)) else [single(data, initial)]
        if len(files) > settings.PHOTO_MAX_FILES_PER_UPLOAD:
            raise forms.ValidationError(
                _("Please upload at most %(limit)d photos at a time (you chose %(count)d).")
                % {"limit": settings.PHOTO_MAX_FILES_PER_UPLOAD, "count": len(files)}
            )
        return files


class PhotoUploadForm(forms.Form):
    files = MultipleFileField(label=_("Photos"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = _(
            "JPEG, PNG, WebP, HEIC, GIF or TIFF, up to %(size)d MB each, %(count)d at a time."
        ) % {
            "size": settings.PHOTO_MAX_BYTES // (1024 * 1024),
            "count": settings.PHOTO_MAX_FILES_PER_UPLOAD,
        }


class CaptionForm(forms.Form):
    caption = forms.CharField(label=_("Caption"), max_length=500, required=False)


class CondolenceForm(forms.Form):
    guest_name = forms.CharField(label=_("Your name"), max_length=100, required=False, validators=[single_line])
    relation = forms.CharField(
        label=_("You were their (optional)"),
        max_length=60,
        required=False,
        validators=[single_line],
        help_text=_("For example: granddaughter, colleague, friend, neighbour."),
    )
    email = forms.EmailField(
        label=_("Your e-mail address (optional)"),
        required=False,
        help_text=_("Never shown. The family may send one thank-you to it after the funeral."),
    )
    # Words to start from (memorial/quick_phrases.py): with no script, choosing one and sending
    # an empty message leaves the phrase.
    phrase = forms.ChoiceField(label=_("Or choose words to send"), required=False, choices=[])
    message = forms.CharField(
        label=_("Your message"), max_length=3000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    # A honeypot: hidden from people, filled in by bots.
    website = forms.CharField(required=False, label=_("Leave this empty"))

    def __init__(self, *args, guest: bool = False, language: str = "en", **kwargs):
        from memorial.quick_phrases import phrases_for

        super().__init__(*args, **kwargs)
        self.guest = guest
        self.phrases = phrases_for(language)
        self.fields["phrase"].choices = [("", "—")] + [(phrase, phrase) for phrase in self.phrases]
        if not guest:
            del self.fields["guest_name"]
            del self.fields["email"]
        else:
            self.fields["guest_name"].required = True

    def clean_website(self):
        if self.cleaned_data.get("website"):
            raise forms.ValidationError(_("Your message could not be posted."))
        return ""

    def clean(self):
        cleaned = super().clean()
        if "message" in self.fields and not (cleaned.get("message") or "").strip():
            if cleaned.get("phrase"):
                cleaned["message"] = cleaned["phrase"]
            elif "message" not in self.errors:
                self.add_error("message", _("Please write a message."))
        return cleaned


class InvitationForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Role"), choices=[c for c in Role.choices if c[0] != Role.OWNER], initial=Role.CONTRIBUTOR
    )
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=90, initial=14)
    max_uses = forms.IntegerField(label=_("How many people may use it"), min_value=1, max_value=100, initial=5)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=[c for c in Role.choices if c[0] != Role.OWNER])


class TransferForm(forms.Form):
    membership = forms.IntegerField(widget=forms.HiddenInput)


class CondolenceAccountForm(forms.ModelForm):
    """마음 전하실 곳: one account for condolence money (the model's validators check the number)."""

    class Meta:
        model = CondolenceAccount
        fields = ["bank", "number", "holder", "relation"]
        widgets = {
            "bank": forms.TextInput(attrs={"list": "korean-banks", "autocomplete": "off"}),
            "number": forms.TextInput(
                attrs={
                    "inputmode": "tel",
                    "autocomplete": "off",
                    "placeholder": "123-456-789012",
                    "spellcheck": "false",
                }
            ),
            "relation": forms.TextInput(attrs={"list": "mourner-relations", "autocomplete": "off"}),
        }
        error_messages = {
            "bank": {"required": _("Enter the bank's name.")},
            "holder": {"required": _("Enter the name of the account's holder.")},
        }

    def clean_number(self):
        return (self.cleaned_data.get("number") or "").strip()


class AccountsShownForm(forms.Form):
    shown = forms.BooleanField(required=False, label=_("Show these accounts on the memorial page"))


class CommentForm(CondolenceForm):
    """A comment on a photo or a painting: the guestbook's form, shorter."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("relation", "email", "phrase"):
            self.fields.pop(name, None)
        self.fields["message"] = forms.CharField(
            label=_("Your comment"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
        )


class NotificationForm(forms.Form):
    frequency = forms.ChoiceField(
        label=_("E-mails about new messages and comments"),
        choices=NotificationFrequency.choices,
        widget=forms.RadioSelect,
    )


class ThankYouForm(forms.Form):
    message = forms.CharField(
        label=_("Your thank-you"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Sent once, by e-mail, to every guest who left a message with an address."),
    )


class GuestMemoryForm(forms.Form):
    """A photo or a story a guest sends to the family (memorial/contributions.py)."""

    guest_name = forms.CharField(label=_("Your name"), max_length=100, required=False, validators=[single_line])
    website = forms.CharField(required=False, label=_("Leave this empty"))

    def __init__(self, *args, guest: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not guest:
            del self.fields["guest_name"]
        else:
            self.fields["guest_name"].required = True

    def clean_website(self):
        if self.cleaned_data.get("website"):
            raise forms.ValidationError(_("Your memory could not be sent."))
        return ""


class GuestPhotoForm(GuestMemoryForm):
    photo = forms.FileField(label=_("A photo"))
    caption = forms.CharField(label=_("What it shows (optional)"), max_length=500, required=False)


class GuestStoryForm(GuestMemoryForm):
    story = forms.CharField(
        label=_("Your memory"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": _("I remember…")}),
    )
