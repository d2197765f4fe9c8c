from django.urls import path

import memorial.converters  # noqa: F401  (registers "uslug")
from memorial import account_views, contribution_views, funeral_views, views

app_name = "memorial"
urlpatterns = [
    path("my/", views.dashboard, name="dashboard"),
    path("accounts/delete/", account_views.delete_account_view, name="delete_account"),
    path("memorials/new/", views.memorial_create, name="create"),
    path("m/<uslug:slug>/", views.memorial_detail, name="detail"),
    path("m/<uslug:slug>/edit/", views.memorial_edit, name="edit"),
    path("m/<uslug:slug>/delete/", views.memorial_delete, name="delete"),
    path("m/<uslug:slug>/restore/", views.memorial_restore, name="restore"),
    path("m/<uslug:slug>/timeline/", views.timeline_add, name="timeline_add"),
    path("m/<uslug:slug>/timeline/<int:event_id>/delete/", views.timeline_delete, name="timeline_delete"),
    path("m/<uslug:slug>/members/", views.members, name="members"),
    path("m/<uslug:slug>/members/<int:membership_id>/role/", views.member_role, name="member_role"),
    path("m/<uslug:slug>/members/<int:membership_id>/remove/", views.member_remove, name="member_remove"),
    path("m/<uslug:slug>/members/<int:membership_id>/make-owner/", views.member_make_owner, name="member_make_owner"),
    path("m/<uslug:slug>/invitations/new/", views.invitation_create, name="invitation_create"),
    path("m/<uslug:slug>/invitations/<int:invitation_id>/withdraw/", views.invitation_revoke, name="invitation_revoke"),
    path("m/<uslug:slug>/export/", views.export_page, name="export"),
    path("m/<uslug:slug>/qr.<str:fmt>", views.qr_code, name="qr"),
    path("m/<uslug:slug>/albums/new/", views.album_create, name="album_create"),
    path("m/<uslug:slug>/albums/<int:album_id>/", views.album_detail, name="album"),
    path("m/<uslug:slug>/albums/<int:album_id>/upload/", views.photo_upload, name="upload"),
    path("m/<uslug:slug>/albums/<int:album_id>/delete/", views.album_delete, name="album_delete"),
    path("m/<uslug:slug>/bin/", views.bin_page, name="bin"),
    path("m/<uslug:slug>/bin/<str:kind>/<int:item_id>/restore/", views.bin_restore, name="bin_restore"),
    path("m/<uslug:slug>/bin/photos/<int:photo_id>/thumb.jpg", views.bin_thumbnail, name="bin_thumbnail"),
    path("m/<uslug:slug>/photos/<int:photo_id>/", views.photo_detail, name="photo"),
    path("m/<uslug:slug>/photos/<int:photo_id>/caption/", views.photo_caption, name="photo_caption"),
    path("m/<uslug:slug>/photos/<int:photo_id>/cover/", views.photo_make_cover, name="photo_make_cover"),
    path("m/<uslug:slug>/photos/<int:photo_id>/hide/", views.photo_hide, name="photo_hide"),
    path("m/<uslug:slug>/photos/<int:photo_id>/show/", views.photo_show, name="photo_show"),
    path("m/<uslug:slug>/photos/<int:photo_id>/delete/", views.photo_delete, name="photo_delete"),
    # A photo's files at the memorial's address: what pages and the API link to (see
    # memorial/permissions.py: the flat addresses below answer only for listed memorials).
    path("m/<uslug:slug>/photos/<int:photo_id>/<str:size>.jpg", views.photo_file, name="memorial_photo_file"),
    path("m/<uslug:slug>/photos/<int:photo_id>/original/", views.photo_original, name="memorial_photo_original"),
    path("m/<uslug:slug>/condolences/", views.condolence_create, name="condole"),
    path("m/<uslug:slug>/condolences/<int:condolence_id>/report/", views.condolence_report, name="condolence_report"),
    path(
        "m/<uslug:slug>/condolences/<int:condolence_id>/approve/", views.condolence_approve, name="condolence_approve"
    ),
    path("m/<uslug:slug>/condolences/<int:condolence_id>/reject/", views.condolence_reject, name="condolence_reject"),
    path("m/<uslug:slug>/condolences/<int:condolence_id>/hide/", views.condolence_hide, name="condolence_hide"),
    path(
        "m/<uslug:slug>/condolences/<int:condolence_id>/restore/", views.condolence_restore, name="condolence_restore"
    ),
    path("m/<uslug:slug>/photos/<int:photo_id>/comments/", views.photo_comment, name="photo_comment"),
    path("m/<uslug:slug>/comments/<int:comment_id>/report/", views.comment_report, name="comment_report"),
    path("m/<uslug:slug>/comments/<int:comment_id>/approve/", views.comment_approve, name="comment_approve"),
    path("m/<uslug:slug>/comments/<int:comment_id>/reject/", views.comment_reject, name="comment_reject"),
    path("m/<uslug:slug>/comments/<int:comment_id>/hide/", views.comment_hide, name="comment_hide"),
    path("m/<uslug:slug>/comments/<int:comment_id>/restore/", views.comment_restore, name="comment_restore"),
    path("m/<uslug:slug>/offerings/", views.offering_create, name="offer"),
    path("m/<uslug:slug>/notifications/", funeral_views.notifications, name="notifications"),
    path("m/<uslug:slug>/thank-you/", funeral_views.thank_guests, name="thank_guests"),
    path("m/<uslug:slug>/share/", contribution_views.share, name="share"),
    path("m/<uslug:slug>/shared/setting/", contribution_views.guest_memories_setting, name="guest_memories_setting"),
    path(
        "m/<uslug:slug>/shared/<int:contribution_id>/approve/",
        contribution_views.contribution_approve,
        name="contribution_approve",
    ),
    path(
        "m/<uslug:slug>/shared/<int:contribution_id>/reject/",
        contribution_views.contribution_reject,
        name="contribution_reject",
    ),
    path(
        "m/<uslug:slug>/shared/<int:contribution_id>/preview.jpg",
        contribution_views.contribution_preview,
        name="contribution_preview",
    ),
    path("m/<uslug:slug>/moderation/", views.moderation_queue, name="moderation"),
    path("photos/<int:photo_id>/<str:size>.jpg", views.photo_file, name="photo_file"),
    path("photos/<int:photo_id>/original/", views.photo_original, name="photo_original"),
    path("invite/<str:token>/", views.invitation_accept, name="invitation"),
    path("exports/<int:export_id>/status.json", views.export_status, name="export_status"),
    path("exports/<int:export_id>/download/", views.export_download, name="export_download"),
]
