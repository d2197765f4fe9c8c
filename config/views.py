from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache


def home(request):
    return render(request, "home.html")


@never_cache
def healthz(request):
    """A trivial view: liveness for the proxy, and the baseline of the load benchmark."""
    return HttpResponse("ok", content_type="text/plain")
