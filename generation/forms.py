from django import forms
from django.utils.translation import gettext_lazy as _

from generation.models import Style
from generation.services import MAX_TRIBUTE_CHARS


class ArtworkRequestForm(forms.Form):
    style = forms.ModelChoiceField(
        label=_("Style"),
        queryset=Style.objects.filter(is_active=True),
        to_field_name="slug",
        widget=forms.RadioSelect,
        empty_label=None,
    )


class TributeEditForm(forms.Form):
    text = forms.CharField(
        label=_("The words that come with the painting"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=MAX_TRIBUTE_CHARS,
    )
