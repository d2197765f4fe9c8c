"""Pages of the 부고 (memorial/bugo.py) and of the printed card (memorial/printed_card.py). Thin:
load and check through `permissions`, call one domain function, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from memorial import bugo, permissions, printed_card, timezones
from memorial.bugo_forms import BugoMemorialForm, FuneralForm, mourner_formset, mourners_from
from memorial.models import Memorial

sign_in_to_act = permissions.sign_in_to_act


def _funeral_fields(form, formset) -> dict:
    fields = {name: form.cleaned_data.get(name) for name in FuneralForm.base_fields}
    fields["wording"] = fields["wording"] or ""
    fields["mourners"] = mourners_from(formset)
    return fields


def _show_errors(form, error: ValidationError) -> None:
    for field, messages_ in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages_)


@login_required
def bugo_create(request):
    """ "Post a funeral notice": the memorial and its notice at once, from one form on a phone."""
    language = request.POST.get("language") or request.LANGUAGE_CODE
    chosen = request.POST.get("time_zone", "")
    zone = timezones.zone_of(
        Memorial(language=language, time_zone=chosen if chosen in dict(timezones.choices()) else "")
    )
    initial = {"language": request.LANGUAGE_CODE, "time_zone": timezones.default_for(request.LANGUAGE_CODE)}
    memorial_form = BugoMemorialForm(request.POST or None, initial=initial)
    status = 200
    with timezone.override(zone):  # the times typed are the family's clock
        died_on = (
            memorial_form.cleaned_data.get("died_on") if memorial_form.is_bound and memorial_form.is_valid() else None
        )
        form = FuneralForm(request.POST or None, initial={"wording": "byeolse"}, died_on=died_on, zone=zone)
        formset = mourner_formset(request.POST or None)
        if request.method == "POST":
            if memorial_form.is_valid() and form.is_valid() and formset.is_valid():
                try:
                    memorial = bugo.create_memorial_from_bugo(
                        by=request.user,
                        **{k: v for k, v in memorial_form.cleaned_data.items() if k != "time_zone"},
                        time_zone=str(zone.key),
                        **_funeral_fields(form, formset),
                    )
                except ValidationError as exc:
                    _show_errors(form, exc)
                else:
                    messages.success(
                        request,
                        _("The funeral notice is ready. Send its link to family and friends; add photos when you can."),
                    )
                    return redirect(memorial)
            status = 400
        context = {"memorial_form": memorial_form, "form": form, "formset": formset, "memorial": None}
        return render(request, "memorial/bugo_form.html", context, status=status)


@sign_in_to_act
def funeral_edit(request, slug):
    memorial = permissions.memorial_for(request.user, slug, "edit_funeral")
    funeral = bugo.funeral_of(memorial)
    zone = timezones.zone_of(memorial)
    status = 200
    with timezone.override(zone):
        initial = {name: getattr(funeral, name) for name in FuneralForm.base_fields} if funeral else {}
        died_on = memorial.died_on if memorial.died_precision == "day" else None
        form = FuneralForm(request.POST or None, initial=initial, died_on=died_on, zone=zone)
        formset = mourner_formset(request.POST or None, initial=funeral.mourners if funeral else None)
        if request.method == "POST":
            if form.is_valid() and formset.is_valid():
                try:
                    bugo.save_funeral(memorial=memorial, **_funeral_fields(form, formset))
                except ValidationError as exc:
                    _show_errors(form, exc)
                else:
                    messages.success(request, _("The funeral notice was saved."))
                    return redirect(memorial.get_absolute_url() + "#bugo")
            status = 400
        context = {"memorial": memorial, "form": form, "formset": formset, "memorial_form": None, "funeral": funeral}
        return render(request, "memorial/bugo_form.html", context, status=status)


@sign_in_to_act
@require_POST
def funeral_delete(request, slug):
    memorial = permissions.memorial_for(request.user, slug, "edit_funeral")
    bugo.delete_funeral(memorial=memorial)
    messages.success(request, _("The funeral notice was taken off the memorial."))
    return redirect(memorial)


@require_safe
def funeral_calendar(request, slug):
    """The 발인 as an .ics file, for those who may see the memorial."""
    memorial = permissions.memorial_for(request.user, slug)
    funeral = permissions.funeral_for(request.user, memorial)
    if funeral.departure_at is None:
        raise Http404("This notice has no 발인.")
    response = HttpResponse(bugo.departure_calendar(memorial, funeral), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="balin.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- The printed card ------------------------------------------------------------------------


def _card_size(size: str) -> str:
    if size not in printed_card.SIZES:
        raise Http404("No such size.")
    return size


@sign_in_to_act
@require_safe
def card_page(request, slug, size):
    memorial = permissions.memorial_for(request.user, slug, "print_card")
    card = printed_card.card_content(memorial, user=request.user)
    context = {"memorial": memorial, "card": card, "size": _card_size(size), "sizes": printed_card.SIZES}
    return render(request, "memorial/card.html", context)


@sign_in_to_act
@require_safe
def card_pdf(request, slug, size):
    memorial = permissions.memorial_for(request.user, slug, "print_card")
    pdf = printed_card.card_pdf(memorial, size=_card_size(size), user=request.user)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="memorial-card-{size}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
