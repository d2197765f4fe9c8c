"""The managers' page of 마음 전하실 곳 (the family's accounts for condolence money). Thin: the
memorial and the account come from `permissions` (the ``manage_accounts`` action), the change
from `condolence_accounts`."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from memorial import condolence_accounts, permissions
from memorial.account_numbers import KOREAN_BANKS
from memorial.forms import AccountsShownForm, CondolenceAccountForm

sign_in_to_act = permissions.sign_in_to_act

RELATIONS = ("상주", "배우자", "아들", "딸", "사위", "며느리", "손자", "손녀", "형제", "자매")


def _page(request, memorial, *, form=None, editing=None, status=200):
    context = {
        "memorial": memorial,
        "accounts": condolence_accounts.accounts_of(memorial),
        "changes": condolence_accounts.changes_of(memorial),
        "form": form or CondolenceAccountForm(),
        "editing": editing,
        "shown_form": AccountsShownForm(initial={"shown": memorial.condolence_accounts_shown}),
        "banks": KOREAN_BANKS,
        "relations": RELATIONS,
    }
    return render(request, "memorial/condolence_accounts.html", context, status=status)


@sign_in_to_act
def accounts_page(request, slug):
    """The accounts, a form to add one, whether visitors see them, and every change made."""
    memorial = permissions.memorial_for(request.user, slug, "manage_accounts")
    if request.method != "POST":
        return _page(request, memorial)
    form = CondolenceAccountForm(request.POST)
    if not form.is_valid():
        return _page(request, memorial, form=form, status=400)
    try:
        condolence_accounts.add_account(memorial=memorial, by=request.user, **form.cleaned_data)
    except condolence_accounts.AccountRefused as exc:
        form.add_error(None, str(exc))
        return _page(request, memorial, form=form, status=400)
    messages.success(request, _("The account was added. The memorial's owner was told by e-mail."))
    return redirect("memorial:accounts", memorial.slug)


@sign_in_to_act
def account_edit(request, slug, account_id):
    memorial = permissions.memorial_for(request.user, slug, "manage_accounts")
    account = permissions.condolence_account_for(request.user, memorial, account_id)
    form = CondolenceAccountForm(request.POST or None, instance=account)
    if request.method != "POST":
        return _page(request, memorial, form=form, editing=account)
    if not form.is_valid():
        return _page(request, memorial, form=form, editing=account, status=400)
    account.refresh_from_db()  # the form wrote onto it; the service compares before and after
    condolence_accounts.change_account(account=account, by=request.user, **form.cleaned_data)
    messages.success(request, _("The account was changed. The memorial's owner was told by e-mail."))
    return redirect("memorial:accounts", memorial.slug)


@sign_in_to_act
@require_POST
def account_remove(request, slug, account_id):
    memorial = permissions.memorial_for(request.user, slug, "manage_accounts")
    account = permissions.condolence_account_for(request.user, memorial, account_id)
    condolence_accounts.remove_account(account=account, by=request.user)
    messages.success(request, _("The account was removed. The memorial's owner was told by e-mail."))
    return redirect("memorial:accounts", memorial.slug)


@sign_in_to_act
@require_POST
def accounts_shown(request, slug):
    memorial = permissions.memorial_for(request.user, slug, "manage_accounts")
    form = AccountsShownForm(request.POST)
    form.is_valid()  # a missing box is "no"
    shown = bool(form.cleaned_data.get("shown"))
    condolence_accounts.set_shown(memorial=memorial, shown=shown, by=request.user)
    if shown:
        messages.success(request, _("The accounts are now shown on the memorial page."))
    else:
        messages.success(request, _("The accounts are now hidden from visitors."))
    return redirect("memorial:accounts", memorial.slug)
