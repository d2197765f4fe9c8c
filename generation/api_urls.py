"""/api/v1/ for styles, stylization jobs and artworks (see generation/api.py)."""

from django.urls import path, re_path

from generation import api
from memorial.api_urls import PK, SLUG

app_name = "generation_api"

urlpatterns = [
    path("styles/", api.StyleListView.as_view(), name="style-list"),
    path("photos/<int:pk>/artworks/", api.PhotoArtworksView.as_view(), name="photo-artworks"),
    path("jobs/<int:pk>/", api.JobView.as_view(), name="job-detail"),
    path("jobs/<int:pk>/cancel/", api.JobCancelView.as_view(), name="job-cancel"),
    re_path(rf"^memorials/{SLUG}/artworks/$", api.MemorialArtworksView.as_view(), name="memorial-artworks"),
    # At the memorial's address (what the API links to); by id alone below, for listed memorials only.
    re_path(rf"^memorials/{SLUG}/artworks/{PK}/$", api.ArtworkView.as_view(), name="memorial-artwork-detail"),
    re_path(
        rf"^memorials/{SLUG}/photos/{PK}/artworks/$", api.PhotoArtworksView.as_view(), name="memorial-photo-artworks"
    ),
    re_path(
        rf"^memorials/{SLUG}/artworks/{PK}/candidates/(?P<candidate>[0-9]+)/choose/$",
        api.CandidateChooseView.as_view(),
        name="memorial-artwork-candidate-choose",
    ),
    path("artworks/<int:pk>/", api.ArtworkView.as_view(), name="artwork-detail"),
    re_path(
        rf"^memorials/{SLUG}/artworks/{PK}/comments/$",
        api.ArtworkCommentsView.as_view(),
        name="memorial-artwork-comments",
    ),
    re_path(
        rf"^memorials/{SLUG}/artworks/{PK}/recording/$",
        api.ArtworkRecordingView.as_view(),
        name="memorial-artwork-recording",
    ),
    re_path(rf"^memorials/{SLUG}/studio-keys/$", api.StudioKeysView.as_view(), name="memorial-studio-keys"),
    re_path(rf"^memorials/{SLUG}/studio-keys/{PK}/$", api.StudioKeyView.as_view(), name="memorial-studio-key"),
    path("artworks/<int:pk>/recording/", api.ArtworkRecordingView.as_view(), name="artwork-recording"),
]
