from django import forms
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import User


class SignupDetailsForm(forms.Form):
    """The fields allauth's sign-up form adds to e-mail and password (ACCOUNT_SIGNUP_FORM_CLASS)."""

    display_name = forms.CharField(
        label=_("Your name"),
        max_length=80,
        help_text=_("How relatives and guests will see you, for example 김민지 or Minji Kim."),
    )

    def clean_display_name(self):
        name = self.cleaned_data["display_name"].strip()
        if not name:
            raise forms.ValidationError(_("Please enter your name."))
        return name

    def signup(self, request, user):
        user.display_name = self.cleaned_data["display_name"]
        language = get_language() or settings.LANGUAGE_CODE
        if language in dict(settings.LANGUAGES):
            user.preferred_language = language
        user.save(update_fields=["display_name", "preferred_language"])


class ProfileForm(forms.Form):
    display_name = User._meta.get_field("display_name").formfield(required=True)
    preferred_language = User._meta.get_field("preferred_language").formfield()

    def clean_display_name(self):
        name = self.cleaned_data["display_name"].strip()
        if not name:
            raise forms.ValidationError(_("Please enter your name."))
        return name
