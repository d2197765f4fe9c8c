"""The forms of the 부고: one page a family fills in on a phone (the memorial and its notice at
once), and the notice's own edit page. The checks are memorial/bugo.py's."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from memorial import bugo, timezones
from memorial.models import Visibility
from memorial.validators import single_line

# Without JavaScript the form offers this many rows for the family; the page's script shows one
# at a time and adds more.
MOURNER_ROWS = 6
TIME_FORMAT = "%Y-%m-%dT%H:%M"


def _time_field(label, help_text=""):
    return forms.DateTimeField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=TIME_FORMAT),
    )


class FuneralForm(forms.Form):
    """The notice's fields. Times are read in the memorial's time zone (the view activates it)."""

    wording = forms.ChoiceField(label=_("Wording of the death"), required=False, choices=bugo.wording_choices)
    hall_name = forms.CharField(
        label=_("빈소 (funeral hall)"), max_length=200, required=False, validators=[single_line]
    )
    hall_room = forms.CharField(label=_("Room"), max_length=100, required=False, validators=[single_line])
    hall_address = forms.CharField(
        label=_("Address of the hall"),
        max_length=300,
        required=False,
        validators=[single_line],
        help_text=_("Guests open it in Kakao Map or Naver Map."),
    )
    hall_phone = forms.CharField(
        label=_("Phone of the hall"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )
    encoffining_at = _time_field(_("입관 (encoffining)"))
    departure_at = _time_field(_("발인 (departure of the coffin)"), _("Guests can save it to their calendar."))
    burial_place = forms.CharField(
        label=_("장지 (place of burial or enshrinement)"), max_length=300, required=False, validators=[single_line]
    )
    message = forms.CharField(
        label=_("A message from the family"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, died_on=None, zone=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.died_on, self.zone = died_on, zone

    def clean_hall_phone(self):
        try:
            return bugo.clean_phone(self.cleaned_data.get("hall_phone", ""))
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages[0]) from None

    def clean(self):
        data = super().clean()
        errors = bugo.check_times(
            memorial=None,
            zone=self.zone,
            died_on=self.died_on,
            encoffining_at=data.get("encoffining_at"),
            departure_at=data.get("departure_at"),
        )
        for field, message in errors.items():
            self.add_error(field, message)
        return data


class MournerForm(forms.Form):
    relation = forms.ChoiceField(label=_("Relation"), required=False, choices=bugo.relation_choices)
    relation_other = forms.CharField(
        label=_("Relation, if other"), max_length=50, required=False, validators=[single_line]
    )
    name = forms.CharField(label=_("Name"), max_length=100, required=False, validators=[single_line])
    chief = forms.BooleanField(label=_("상주 (chief mourner)"), required=False)

    def clean(self):
        data = super().clean()
        if (data.get("relation") or data.get("relation_other")) and not data.get("name"):
            self.add_error("name", _("Write this person's name, or leave the row empty."))
        if data.get("relation") == bugo.OTHER and not data.get("relation_other"):
            self.add_error("relation_other", _("Write how they are related."))
        return data


def mourner_formset(data=None, *, initial=None):
    initial = list(initial or [])
    formset_class = forms.formset_factory(
        MournerForm,
        extra=max(MOURNER_ROWS - len(initial), 1),
        max_num=bugo.MAX_MOURNERS,
        validate_max=True,
        absolute_max=bugo.MAX_MOURNERS,
    )
    return formset_class(data, initial=initial, prefix="family")


def mourners_from(formset) -> list[dict]:
    return [form.cleaned_data for form in formset.forms if form.cleaned_data and form.cleaned_data.get("name")]


class BugoMemorialForm(forms.Form):
    """What the memorial needs of a notice: the name and the date of death; the rest is the notice's."""

    full_name = forms.CharField(label=_("Name of the deceased"), max_length=200, validators=[single_line])
    died_on = forms.DateField(label=_("Date of death"), widget=forms.DateInput(attrs={"type": "date"}))
    language = forms.ChoiceField(
        label=_("Language of the notice"), choices=settings.LANGUAGES, initial=settings.LANGUAGE_CODE
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone of the funeral"),
        choices=timezones.choices,
        required=False,
        help_text=_("The times of the 입관 and 발인 are read on this clock."),
    )
    visibility = forms.ChoiceField(
        label=_("Who may see it"),
        choices=Visibility.choices,
        initial=Visibility.UNLISTED,
        widget=forms.RadioSelect,
    )

    def clean_full_name(self):
        name = self.cleaned_data["full_name"].strip()
        if not name:
            raise forms.ValidationError(_("Please enter the name."))
        return name
