from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from accounts import services
from accounts.forms import ProfileForm
from accounts.language import is_supported, remember_language


@login_required
def profile(request):
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            user = services.update_profile(user=request.user, **form.cleaned_data)
            messages.success(request, _("Your profile was saved."))
            response = redirect("accounts:profile")
            remember_language(response, user.preferred_language)
            return response
        return render(request, "accounts/profile.html", {"form": form}, status=400)
    return render(
        request,
        "accounts/profile.html",
        {
            "form": ProfileForm(
                initial={
                    "display_name": request.user.display_name,
                    "preferred_language": request.user.preferred_language,
                }
            )
        },
    )


@require_POST
def set_language(request):
    """Django's language switcher; a signed-in person's choice is also kept on their profile."""
    response = django_set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and is_supported(language):
        services.update_profile(user=request.user, preferred_language=language)
    return response
