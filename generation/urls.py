from django.urls import path

from generation import views

app_name = "generation"
urlpatterns = [
    path("photos/<int:photo_id>/artwork/", views.request_artwork_view, name="request"),
    path("jobs/<int:job_id>/", views.job_detail, name="job"),
    path("jobs/<int:job_id>/status.json", views.job_status, name="job_status"),
    path("jobs/<int:job_id>/cancel/", views.job_cancel, name="job_cancel"),
    path("artworks/<int:artwork_id>/", views.artwork_detail, name="artwork"),
    path("artworks/<int:artwork_id>/publish/", views.artwork_publish, name="artwork_publish"),
    path("artworks/<int:artwork_id>/unpublish/", views.artwork_unpublish, name="artwork_unpublish"),
    path("artworks/<int:artwork_id>/delete/", views.artwork_delete, name="artwork_delete"),
    path("artworks/<int:artwork_id>/words/", views.artwork_words, name="artwork_words"),
    path("artworks/<int:artwork_id>/image.png", views.artwork_image, name="artwork_image"),
    path("artworks/<int:artwork_id>/thumb.jpg", views.artwork_thumbnail, name="artwork_thumbnail"),
    path("artworks/<int:artwork_id>/narration", views.narration_audio, name="narration_audio"),
]
