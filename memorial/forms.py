from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from memorial.dates import parse_partial_date, partial_date_input
from memorial.models import Album, Memorial, NotificationFrequency, Role, TimelineEvent, validate_life_story_length
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


class MemorialForm(forms.ModelForm):
    born = PartialDateField(label=_("Born"))
    died = PartialDateField(label=_("Died"))

    class Meta:
        model = Memorial
        fields = [
            "full_name",
            "name_other_script",
            "place",
            "life_story",
            "language",
            "visibility",
            "condolence_policy",
        ]
        widgets = {"life_story": forms.Textarea(attrs={"rows": 10}), "visibility": forms.RadioSelect}

    field_order = [
        "full_name",
        "name_other_script",
        "born",
        "died",
        "place",
        "life_story",
        "language",
        "visibility",
        "condolence_policy",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # No maxlength on the textarea: a browser would cut a pasted story short without a word.
        self.fields["life_story"].validators.append(validate_life_story_length)
        if self.instance.pk:
            self.initial["born"] = partial_date_input(self.instance.born_on, self.instance.born_precision)
            self.initial["died"] = partial_date_input(self.instance.died_on, self.instance.died_precision)
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
        born, died = data.get("born"), data.get("died")
        if born and died and died[0] < born[0]:
            self.add_error("died", _("The date of death is before the date of birth."))
        return data

    def service_fields(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        for prefix, key in (("born", "born"), ("died", "died")):
            value = self.cleaned_data.get(key)
            data[f"{prefix}_on"], data[f"{prefix}_precision"] = value if value else (None, "day")
        return data


class CoverForm(forms.Form):
    photo = forms.IntegerField(widget=forms.HiddenInput)


class TimelineEventForm(forms.Form):
    kind = forms.ChoiceField(label=_("What happened"), choices=TimelineEvent.Kind.choices)
    when = PartialDateField(label=_("When"), required=True)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    description = forms.CharField(
        label=_("Description"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


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
