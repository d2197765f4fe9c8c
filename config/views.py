from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache


def home(request):
    return render(request, "home.html")


@never_cache
def healthz(request):
    """A trivial view: liveness for the proxy, and the baseline of the load benchmark."""
    return HttpResponse("ok", content_type="text/plain")


def csrf_failure(request, reason=""):
    """A form sent without this site's token: from another website's page, or from a page kept open
    so long that its token is gone. Said plainly; nothing was changed."""
    return render(request, "403_csrf.html", status=403)
