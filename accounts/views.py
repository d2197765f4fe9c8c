from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from accounts import deletion, services
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


@login_required
def delete_account_view(request):
    """Ask what happens to each memorial the person owns, and for their password, then delete."""
    memorials = [
        (memorial, list(deletion.heirs(memorial, request.user))) for memorial in deletion.owned_memorials(request.user)
    ]
    error = ""
    if request.method == "POST":
        if not request.user.check_password(request.POST.get("password", "")):
            error = _("The password is not correct.")
        else:
            decisions = {memorial.pk: request.POST.get(f"memorial-{memorial.pk}", "") for memorial, _ in memorials}
            try:
                deletion.delete_account(user=request.user, decisions=decisions)
            except deletion.DeletionRefused as exc:
                error = str(exc)
            else:
                logout(request)
                messages.success(request, _("Your account was deleted."))
                return redirect("home")
    context = {"memorials": memorials, "error": error, "days": settings.MEMORIAL_RESTORE_DAYS}
    return render(request, "accounts/delete.html", context, status=400 if error else 200)
