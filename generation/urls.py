from django.urls import path

import memorial.converters  # noqa: F401  (registers "uslug")
from generation import studio_key_views, views

app_name = "generation"

# A painting's page and files at its memorial's address: what pages and the API link to. The
# same by id alone (below) answer only for memorials listed to the person (memorial/permissions.py).
AT_MEMORIAL = "m/<uslug:slug>/artworks/<int:artwork_id>/"

urlpatterns = [
    path("m/<uslug:slug>/studio-keys/", studio_key_views.key_create, name="studio_key_create"),
    path("m/<uslug:slug>/studio-keys/<int:key_id>/revoke/", studio_key_views.key_revoke, name="studio_key_revoke"),
    path("photos/<int:photo_id>/artwork/", views.request_artwork_view, name="request"),
    path("m/<uslug:slug>/photos/<int:photo_id>/artwork/", views.request_artwork_view, name="memorial_request"),
    path("jobs/<int:job_id>/", views.job_detail, name="job"),
    path("jobs/<int:job_id>/status.json", views.job_status, name="job_status"),
    path("jobs/<int:job_id>/cancel/", views.job_cancel, name="job_cancel"),
    path(AT_MEMORIAL, views.artwork_detail, name="memorial_artwork"),
    path(AT_MEMORIAL + "publish/", views.artwork_publish, name="memorial_artwork_publish"),
    path(AT_MEMORIAL + "again/", views.artwork_paint_again, name="memorial_artwork_again"),
    path(AT_MEMORIAL + "vary/", views.artwork_paint_again, {"vary": True}, name="memorial_artwork_vary"),
    path(AT_MEMORIAL + "unpublish/", views.artwork_unpublish, name="memorial_artwork_unpublish"),
    path(AT_MEMORIAL + "delete/", views.artwork_delete, name="memorial_artwork_delete"),
    path(AT_MEMORIAL + "words/", views.artwork_words, name="memorial_artwork_words"),
    path(AT_MEMORIAL + "image.png", views.artwork_image, name="memorial_artwork_image"),
    path(
        AT_MEMORIAL + "candidates/<int:candidate_id>.png",
        views.candidate_image,
        name="memorial_artwork_candidate_image",
    ),
    path(
        AT_MEMORIAL + "candidates/<int:candidate_id>/choose/",
        views.candidate_choose,
        name="memorial_artwork_candidate_choose",
    ),
    path(AT_MEMORIAL + "thumb.jpg", views.artwork_thumbnail, name="memorial_artwork_thumbnail"),
    # The link preview's card (og:image): at the memorial's address only, never by id alone.
    path(AT_MEMORIAL + "preview.jpg", views.artwork_preview_card, name="memorial_artwork_preview"),
    path(AT_MEMORIAL + "narration", views.narration_audio, name="memorial_narration_audio"),
    path(AT_MEMORIAL + "control/<str:kind>.png", views.artwork_control, name="memorial_artwork_control"),
    path(AT_MEMORIAL + "recording/", views.artwork_recording, name="memorial_artwork_recording"),
    path(AT_MEMORIAL + "recording/delete/", views.artwork_recording_delete, name="memorial_artwork_recording_delete"),
    path(AT_MEMORIAL + "voice/", views.artwork_voice, name="memorial_artwork_voice"),
    path(AT_MEMORIAL + "comments/", views.artwork_comment, name="memorial_artwork_comment"),
    path("artworks/<int:artwork_id>/", views.artwork_detail, name="artwork"),
    path("artworks/<int:artwork_id>/publish/", views.artwork_publish, name="artwork_publish"),
    path("artworks/<int:artwork_id>/unpublish/", views.artwork_unpublish, name="artwork_unpublish"),
    path("artworks/<int:artwork_id>/delete/", views.artwork_delete, name="artwork_delete"),
    path("artworks/<int:artwork_id>/words/", views.artwork_words, name="artwork_words"),
    path("artworks/<int:artwork_id>/image.png", views.artwork_image, name="artwork_image"),
    path("artworks/<int:artwork_id>/thumb.jpg", views.artwork_thumbnail, name="artwork_thumbnail"),
    path("artworks/<int:artwork_id>/narration", views.narration_audio, name="narration_audio"),
    path("artworks/<int:artwork_id>/recording/", views.artwork_recording, name="artwork_recording"),
    path(
        "artworks/<int:artwork_id>/recording/delete/", views.artwork_recording_delete, name="artwork_recording_delete"
    ),
    path("artworks/<int:artwork_id>/voice/", views.artwork_voice, name="artwork_voice"),
]
