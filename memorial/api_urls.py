"""/api/v1/ for memorials, albums, photos, condolences and offerings (see memorial/api.py)."""

from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from memorial import api, bugo_api, condolence_account_api, remembrance_api

app_name = "memorial_api"

# Slugs keep Hangul and other scripts (김민준-3f9a1c2b): \w is Unicode-aware.
SLUG = r"(?P<slug>[-\w]+)"
PK = r"(?P<pk>[0-9]+)"

router = SimpleRouter()
router.register("memorials", api.MemorialViewSet, basename="memorial")

urlpatterns = router.urls + [
    re_path(rf"^memorials/{SLUG}/albums/$", api.MemorialAlbumsView.as_view(), name="memorial-albums"),
    re_path(rf"^memorials/{SLUG}/condolences/$", api.MemorialCondolencesView.as_view(), name="memorial-condolences"),
    re_path(rf"^memorials/{SLUG}/offerings/$", api.MemorialOfferingsView.as_view(), name="memorial-offerings"),
    re_path(rf"^memorials/{SLUG}/funeral/$", bugo_api.FuneralView.as_view(), name="memorial-funeral"),
    # At the memorial's address: what the API links to, and all a guest of an unlisted memorial
    # can reach. The same by id alone (below) answer only for memorials listed to the person.
    re_path(rf"^memorials/{SLUG}/albums/{PK}/$", api.AlbumView.as_view(), name="memorial-album-detail"),
    re_path(rf"^memorials/{SLUG}/albums/{PK}/photos/$", api.AlbumPhotosView.as_view(), name="memorial-album-photos"),
    re_path(rf"^memorials/{SLUG}/photos/{PK}/$", api.PhotoView.as_view(), name="memorial-photo-detail"),
    re_path(
        rf"^memorials/{SLUG}/condolences/{PK}/report/$",
        api.CondolenceReportView.as_view(),
        name="memorial-condolence-report",
    ),
    re_path(
        rf"^memorials/{SLUG}/condolences/{PK}/approve/$",
        api.CondolenceApproveView.as_view(),
        name="memorial-condolence-approve",
    ),
    re_path(
        rf"^memorials/{SLUG}/condolences/{PK}/reject/$",
        api.CondolenceRejectView.as_view(),
        name="memorial-condolence-reject",
    ),
    re_path(
        rf"^memorials/{SLUG}/photos/{PK}/comments/$", api.PhotoCommentsView.as_view(), name="memorial-photo-comments"
    ),
    re_path(
        rf"^memorials/{SLUG}/comments/{PK}/report/$", api.CommentReportView.as_view(), name="memorial-comment-report"
    ),
    re_path(
        rf"^memorials/{SLUG}/comments/{PK}/approve/$", api.CommentApproveView.as_view(), name="memorial-comment-approve"
    ),
    re_path(
        rf"^memorials/{SLUG}/comments/{PK}/reject/$", api.CommentRejectView.as_view(), name="memorial-comment-reject"
    ),
    re_path(rf"^memorials/{SLUG}/comments/{PK}/hide/$", api.CommentHideView.as_view(), name="memorial-comment-hide"),
    re_path(
        rf"^memorials/{SLUG}/comments/{PK}/restore/$", api.CommentRestoreView.as_view(), name="memorial-comment-restore"
    ),
    re_path(rf"^memorials/{SLUG}/bin/$", api.MemorialBinView.as_view(), name="memorial-bin"),
    # The years after (memorial/remembrance_api.py).
    re_path(
        rf"^memorials/{SLUG}/remembrance/$", remembrance_api.RemembranceView.as_view(), name="memorial-remembrance"
    ),
    re_path(rf"^memorials/{SLUG}/reminders/$", remembrance_api.RemindersView.as_view(), name="memorial-reminders"),
    re_path(
        rf"^memorials/{SLUG}/calendar/revoke/$",
        remembrance_api.CalendarRevokeView.as_view(),
        name="memorial-calendar-revoke",
    ),
    re_path(rf"^memorials/{SLUG}/timeline/$", remembrance_api.TimelineView.as_view(), name="memorial-timeline"),
    re_path(
        rf"^memorials/{SLUG}/accounts/$",
        condolence_account_api.MemorialAccountsView.as_view(),
        name="memorial-accounts",
    ),
    re_path(
        rf"^memorials/{SLUG}/accounts/shown/$",
        condolence_account_api.MemorialAccountsShownView.as_view(),
        name="memorial-accounts-shown",
    ),
    re_path(
        rf"^memorials/{SLUG}/accounts/{PK}/$",
        condolence_account_api.MemorialAccountView.as_view(),
        name="memorial-account-detail",
    ),
    re_path(
        rf"^memorials/{SLUG}/bin/(?P<kind>[^/]+)/(?P<item_id>[^/]+)/restore/$",
        api.BinRestoreView.as_view(),
        name="memorial-bin-restore",
    ),
    path("albums/<int:pk>/", api.AlbumView.as_view(), name="album-detail"),
    path("albums/<int:pk>/photos/", api.AlbumPhotosView.as_view(), name="album-photos"),
    path("photos/<int:pk>/", api.PhotoView.as_view(), name="photo-detail"),
    path("condolences/<int:pk>/report/", api.CondolenceReportView.as_view(), name="condolence-report"),
    path("condolences/<int:pk>/approve/", api.CondolenceApproveView.as_view(), name="condolence-approve"),
    path("condolences/<int:pk>/reject/", api.CondolenceRejectView.as_view(), name="condolence-reject"),
    path("condolences/<int:pk>/restore/", api.CondolenceRestoreView.as_view(), name="condolence-restore"),
]
