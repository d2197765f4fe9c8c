"""Pages for the guestbook in the days of the funeral: how a manager hears of new messages, and the family's one
thank-you to the guests. Thin, as memorial/views.py."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from memorial import digests, permissions, thank_you
from memorial.forms import NotificationForm, ThankYouForm

sign_in_to_act = permissions.sign_in_to_act


@sign_in_to_act
def notifications(request, slug):
    memorial = permissions.memorial_for(request.user, slug, "choose_notifications")
    current = digests.frequency_of(memorial=memorial, user=request.user)
    form = NotificationForm(request.POST or None, initial={"frequency": current})
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "memorial/notifications.html", {"memorial": memorial, "form": form}, status=400)
        digests.choose_frequency(memorial=memorial, user=request.user, frequency=form.cleaned_data["frequency"])
        messages.success(request, _("Saved. This is how you will hear of new messages."))
        return redirect("memorial:notifications", slug=memorial.slug)
    return render(request, "memorial/notifications.html", {"memorial": memorial, "form": form})


@sign_in_to_act
def thank_guests(request, slug):
    memorial = permissions.memorial_for(request.user, slug, "thank_guests")
    sent = thank_you.thank_you_of(memorial)
    form = ThankYouForm(request.POST or None)
    status = 200
    if request.method == "POST" and sent is None:
        if form.is_valid():
            try:
                sent = thank_you.post_thank_you(
                    memorial=memorial, by=request.user, message=form.cleaned_data["message"]
                )
            except thank_you.ThankYouRefused as exc:
                messages.error(request, str(exc))
                return redirect("memorial:thank_guests", slug=memorial.slug)
            messages.success(request, _("Thank you. It is being sent to the guests."))
            return redirect("memorial:thank_guests", slug=memorial.slug)
        status = 400
    elif request.method == "POST":
        messages.error(request, _("The family's thank-you has already been sent. It can be sent once."))
        return redirect("memorial:thank_guests", slug=memorial.slug)
    context = {
        "memorial": memorial,
        "form": form,
        "sent": sent,
        "recipient_count": thank_you.recipient_count(memorial),
    }
    return render(request, "memorial/thank_guests.html", context, status=status)
