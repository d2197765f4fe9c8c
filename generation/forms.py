from django import forms
from django.utils.translation import gettext_lazy as _

from generation.models import Style
from generation.services import MAX_TRIBUTE_CHARS
from generation.subjects import EXAMPLE, MAX_SUBJECT_CHARS, clean_subject


class ArtworkRequestForm(forms.Form):
    style = forms.ModelChoiceField(
        label=_("Style"),
        queryset=Style.objects.filter(is_active=True),
        to_field_name="slug",
        widget=forms.RadioSelect,
        empty_label=None,
    )
    subject = forms.CharField(
        label=_("What the painting shows (optional, in English)"),
        required=False,
        strip=True,
        widget=forms.TextInput(attrs={"maxlength": MAX_SUBJECT_CHARS, "placeholder": EXAMPLE, "lang": "en"}),
        help_text=_(
            "A few English words for the painter, such as “an old woman smiling”. Left empty, it paints "
            "“a portrait of a person”. The photo's caption is not given to the painter."
        ),
    )

    def clean_subject(self) -> str:
        return clean_subject(self.cleaned_data.get("subject"))


class TributeEditForm(forms.Form):
    text = forms.CharField(
        label=_("The words that come with the painting"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=MAX_TRIBUTE_CHARS,
    )
