"""Pages of the years after: a member's reminders and calendar, the calendars (.ics), and the
one-click unsubscribe of a reminder e-mail. Thin, as the other pages."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from core import ratelimit, visitors
from memorial import calendar_feed, permissions, remembrance, reminders, timezones
from memorial.models import Memorial, Visibility

sign_in_to_act = permissions.sign_in_to_act


def _ics(body: bytes, *, filename: str, public: bool) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    # Calendar apps read a feed every few hours: an hour's caching is plenty fresh. A private
    # address stays out of shared caches and search engines.
    response["Cache-Control"] = f"{'public' if public else 'private'}, max-age=3600"
    if not public:
        response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _limit_feed(request, feed: str) -> None:
    """Calendar apps keep no cookie, and a feed's answer sets none (it may sit in shared caches):
    counted by network, each feed and all feeds together (RATE_LIMITS["calendar"])."""
    limits = ratelimit.rule("calendar")
    network = visitors.visitor(request).network
    for scope, key, limit in (
        ("calendar:feed", f"{feed}:{network}", limits["cookieless"]),
        ("calendar:network", network, limits["network"]),
    ):
        if not ratelimit.hit(scope, key, limit=limit, window=limits["window"]):
            wait = ratelimit.retry_after(limits["window"])
            message = _(
                "This calendar was read many times from your network in a short time. "
                "Please try again in %(minutes)d minutes."
            ) % {"minutes": max(1, round(wait / 60))}
            raise ratelimit.RateLimited(message, wait)


def calendar_addresses(memorial, user) -> dict:
    """The https and webcal:// addresses of the calendar this person may subscribe to."""
    if memorial.visibility == Visibility.PUBLIC:
        path = reverse("memorial:calendar_feed", args=[memorial.slug])
    else:
        path = reverse(
            "memorial:private_calendar_feed", args=[calendar_feed.token_for(memorial=memorial, user=user).token]
        )
    https = settings.SITE_URL + path
    return {
        "https": https,
        "webcal": "webcal://" + https.split("://", 1)[-1],
        "private": memorial.visibility != Visibility.PUBLIC,
    }


@sign_in_to_act
def remembrance_page(request, slug):
    memorial = permissions.memorial_for(request.user, slug, "remind")
    today = timezones.today_for(memorial)
    context = {
        "memorial": memorial,
        "subscribed": reminders.is_subscribed(memorial=memorial, user=request.user),
        "days": remembrance.remembrance_days(memorial, start=today, end=today + datetime.timedelta(days=366)),
        "calendar": calendar_addresses(memorial, request.user),
    }
    return render(request, "memorial/remembrance.html", context)


@sign_in_to_act
@require_POST
def reminders_set(request, slug):
    memorial = permissions.memorial_for(request.user, slug, "remind")
    if request.POST.get("subscribe") == "1":
        reminders.subscribe(memorial=memorial, user=request.user)
        messages.success(request, _("You will be e-mailed a week before each day of remembrance, and on the day."))
    else:
        reminders.unsubscribe(memorial_id=memorial.pk, user_id=request.user.pk)
        messages.success(request, _("You will get no more reminders of this memorial."))
    return redirect("memorial:remembrance", slug=memorial.slug)


@sign_in_to_act
@require_POST
def calendar_revoke(request, slug):
    memorial = permissions.memorial_for(request.user, slug, "remind")
    calendar_feed.revoke(memorial=memorial, user=request.user)
    messages.success(request, _("Your calendar has a new address: the old one no longer works."))
    return redirect("memorial:remembrance", slug=memorial.slug)


@require_safe
def calendar_feed_public(request, slug):
    memorial = permissions.public_calendar_for(slug)
    _limit_feed(request, f"memorial-{memorial.pk}")
    return _ics(calendar_feed.feed(memorial), filename=f"{memorial.slug}.ics", public=True)


@require_safe
def calendar_feed_private(request, token):
    found = permissions.calendar_token_for(token)
    _limit_feed(request, f"token-{found.pk}")
    return _ics(calendar_feed.feed(found.memorial), filename=f"{found.memorial.slug}.ics", public=False)


@sign_in_to_act
@require_safe
def remembrance_event(request, slug, event, on):
    memorial = permissions.memorial_for(request.user, slug, "view")
    try:
        date = datetime.date.fromisoformat(on)
    except ValueError:
        raise Http404("No such day.") from None
    day = calendar_feed.find_day(memorial, event=event, on=date)
    if day is None:
        raise Http404("No such day.")
    body = calendar_feed.single(memorial, day)
    return _ics(body, filename=f"{day.uid}.ics", public=memorial.visibility == Visibility.PUBLIC)


@csrf_exempt  # RFC 8058: the mail provider POSTs "List-Unsubscribe=One-Click", with no session or token
def reminder_unsubscribe(request, token):
    """The one-click unsubscribe of a reminder e-mail: works without signing in, for that person and
    that memorial only (the address is signed for them). GET asks first; POST unsubscribes."""
    who = reminders.read_unsubscribe_token(token)
    if who is None:
        raise Http404("No such address.")
    user_id, memorial_id = who
    memorial = Memorial.objects.filter(pk=memorial_id).only("full_name", "slug").first()
    if request.method == "POST":
        reminders.unsubscribe(memorial_id=memorial_id, user_id=user_id)
        return render(request, "memorial/reminder_unsubscribe.html", {"memorial": memorial, "done": True})
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD, POST"})
    return render(request, "memorial/reminder_unsubscribe.html", {"memorial": memorial, "done": False})
