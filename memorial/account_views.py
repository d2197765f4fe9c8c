"""Deleting one's account: for each memorial the person owns, who takes it over or whether it
is deleted (memorial/account_deletion.py). It lives here, not in accounts, which knows no other app."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from memorial import account_deletion


@login_required
def delete_account_view(request):
    """Ask what happens to each memorial the person owns, and for their password, then delete."""
    memorials = [
        (memorial, list(account_deletion.heirs(memorial, request.user)))
        for memorial in account_deletion.owned_memorials(request.user)
    ]
    error = ""
    if request.method == "POST":
        if not request.user.check_password(request.POST.get("password", "")):
            error = _("The password is not correct.")
        else:
            decisions = {memorial.pk: request.POST.get(f"memorial-{memorial.pk}", "") for memorial, _ in memorials}
            try:
                account_deletion.delete_account(user=request.user, decisions=decisions)
            except account_deletion.DeletionRefused as exc:
                error = str(exc)
            else:
                logout(request)
                messages.success(request, _("Your account was deleted."))
                return redirect("home")
    context = {"memorials": memorials, "error": error, "days": settings.MEMORIAL_RESTORE_DAYS}
    return render(request, "memorial/delete_account.html", context, status=400 if error else 200)
