from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import AdminSite
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache


def home(request):
    return render(request, "home.html")


@never_cache
def healthz(request):
    """A trivial view: liveness for the proxy, and the baseline of the load benchmark."""
    return HttpResponse("ok", content_type="text/plain")


@never_cache
def admin_login(request, extra_context=None):
    """The admin's sign-in page, which never takes a password itself.

    Signing in happens on the site's own page (allauth), with its rate limits, its lockout
    after failed attempts and its second factor: a signed-out visitor is sent there with
    next=; staff already signed in go on to where they were going; anyone else signed in gets
    403. (Django's admin form would check any account's password, without a limit.)
    """
    target = request.GET.get(REDIRECT_FIELD_NAME) or request.POST.get(REDIRECT_FIELD_NAME) or ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("admin:index")
    if not request.user.is_authenticated:
        return redirect_to_login(target, login_url=resolve_url(settings.LOGIN_URL))
    if not (request.user.is_active and request.user.is_staff):
        raise PermissionDenied
    if not _second_factor_ok(request.user):
        messages.info(
            request,
            _(
                "The admin asks staff for two-factor sign-in. Turn on an authenticator app here, then go back "
                "to the admin."
            ),
        )
        return redirect("mfa_index")
    return redirect(target)


def _second_factor_ok(user) -> bool:
    return not settings.ADMIN_REQUIRE_TWO_FACTOR or is_mfa_enabled(user)


def admin_has_permission(request) -> bool:
    """Django's rule (active staff), and with ADMIN_REQUIRE_TWO_FACTOR a second factor turned on."""
    return AdminSite.has_permission(admin.site, request) and _second_factor_ok(request.user)


def csrf_failure(request, reason=""):
    """A form sent without this site's token: from another website's page, or from a page kept open
    so long that its token is gone. Said plainly; nothing was changed."""
    return render(request, "403_csrf.html", status=403)
