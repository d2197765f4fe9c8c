"""The REST API under /api/v1/: each app's router, joined."""

from django.urls import include, path

urlpatterns = [
    path("", include("memorial.api_urls")),
    path("", include("generation.api_urls")),
]
