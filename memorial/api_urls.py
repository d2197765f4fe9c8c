"""/api/v1/ for memorials, albums, photos, condolences and offerings (see memorial/api.py)."""

from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from memorial import api

app_name = "memorial_api"

# Slugs keep Hangul and other scripts (김민준-3f9a1c2b): \w is Unicode-aware.
SLUG = r"(?P<slug>[-\w]+)"

router = SimpleRouter()
router.register("memorials", api.MemorialViewSet, basename="memorial")

urlpatterns = router.urls + [
    re_path(rf"^memorials/{SLUG}/albums/$", api.MemorialAlbumsView.as_view(), name="memorial-albums"),
    re_path(rf"^memorials/{SLUG}/condolences/$", api.MemorialCondolencesView.as_view(), name="memorial-condolences"),
    re_path(rf"^memorials/{SLUG}/offerings/$", api.MemorialOfferingsView.as_view(), name="memorial-offerings"),
    path("albums/<int:pk>/", api.AlbumView.as_view(), name="album-detail"),
    path("albums/<int:pk>/photos/", api.AlbumPhotosView.as_view(), name="album-photos"),
    path("photos/<int:pk>/", api.PhotoView.as_view(), name="photo-detail"),
    path("condolences/<int:pk>/report/", api.CondolenceReportView.as_view(), name="condolence-report"),
    path("condolences/<int:pk>/approve/", api.CondolenceApproveView.as_view(), name="condolence-approve"),
    path("condolences/<int:pk>/reject/", api.CondolenceRejectView.as_view(), name="condolence-reject"),
    path("condolences/<int:pk>/restore/", api.CondolenceRestoreView.as_view(), name="condolence-restore"),
]
