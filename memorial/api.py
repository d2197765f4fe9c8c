"""The REST API for memorials, albums, photos, condolences and offerings (under /api/v1/).

Thin, like the pages: each handler gets its object from a `memorial.permissions` helper that
loads it and checks the action in one call (DRF's permission classes only say "signed in"
where no memorial is involved yet), then calls one domain function and renders. The answers
are the pages': a private memorial is a 404 to anyone who is not a member, whatever they try;
a guest who may see a memorial but not do something gets 401 (sign in), a signed-in person 403.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, generics, mixins, status, viewsets
from rest_framework.authentication import TokenAuthentication
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from core import ratelimit, visitors
from core.cross_site import SessionAuthentication
from memorial import bin, comments, condolences, editing, offerings, permissions, photos, selectors, services
from memorial.models import Album, Comment, Condolence, Memorial, Photo
from memorial.serializers import (
    AlbumSerializer,
    BinEntrySerializer,
    BinRestoredSerializer,
    CommentCreateSerializer,
    CommentSerializer,
    CondolenceCreateSerializer,
    CondolenceReportSerializer,
    CondolenceSerializer,
    CountedSerializer,
    MemorialDetailSerializer,
    MemorialSerializer,
    ModeratedCommentSerializer,
    ModeratedCondolenceSerializer,
    ModerationNoteSerializer,
    OfferingCountsSerializer,
    OfferingRequestSerializer,
    OfferingResultSerializer,
    PhotoSerializer,
    UploadResultSerializer,
)

SLUG_PARAMETER = OpenApiParameter("slug", OpenApiTypes.STR, OpenApiParameter.PATH, description="The memorial's slug.")
NOT_FOUND = OpenApiResponse(
    description=(
        "No such item, or a private memorial you are not a member of. Asked for by its id alone "
        "(`/api/v1/albums/{id}/`, ...), an item answers only when its memorial is listed to you (public, or "
        "yours); a guest of an unlisted memorial asks at the memorial's address (`/api/v1/memorials/{slug}/...`)."
    )
)
FORBIDDEN = OpenApiResponse(description="You may see this memorial, but your role does not allow this.")
SIGN_IN = OpenApiResponse(description="Sign in first (a token or a session).")
STALE = OpenApiResponse(
    description=(
        "Someone else saved the memorial since the version this edit started from: nothing was saved. "
        "`version` is the current one, `changes` and `changed` say what changed since."
    )
)
EDIT_VERSION_NOTE = (
    "Send the version the edit started from, so that it does not overwrite someone else's: `If-Match` "
    "with the `ETag` of a GET (412 when it is stale), or the `version` field a GET returned (409). "
    "Without either, the edit is applied as it is."
)
# The multipart body of an upload, written out: files are binary, which a serializer would call URIs.
UPLOAD_BODY = {
    "type": "object",
    "properties": {
        "files": {
            "type": "array",
            "items": {"type": "string", "format": "binary"},
            "description": "Photos: JPEG, PNG, WebP or HEIC.",
        },
        "file": {"type": "string", "format": "binary", "description": "One photo, when sending a single file."},
    },
}


class MemorialAPIMixin:
    # Token first, so a guest who must sign in gets 401 with `WWW-Authenticate: Token`.
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    # Each handler asks `memorial.permissions`: 404 for a hidden memorial comes before any 401.
    permission_classes = [AllowAny]

    def memorial_at_address(self):
        """The memorial whose address (``/api/v1/memorials/<slug>/...``) this request came
        through, checked for "view"; None when the object was asked for by its id alone (then
        only memorials listed to the person answer: memorial/permissions.py)."""
        slug = self.kwargs.get("slug")
        return permissions.memorial_for(self.request.user, slug) if slug is not None else None

    def handle_exception(self, exc):
        if isinstance(exc, permissions.SignInRequired):
            exc = exceptions.NotAuthenticated()  # 401, where a page sends the visitor to sign in
        return super().handle_exception(exc)


# --- Memorials -----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Memorials listed to you: the public ones and those you belong to"),
    create=extend_schema(
        summary="Create a memorial; you become its owner",
        description="`language` defaults to the language of the request (Accept-Language or your preference).",
        responses={201: MemorialDetailSerializer, 401: SIGN_IN},
    ),
    retrieve=extend_schema(summary="One memorial", responses={200: MemorialDetailSerializer, 404: NOT_FOUND}),
    partial_update=extend_schema(
        summary="Change a memorial (managers)",
        description=EDIT_VERSION_NOTE,
        responses={200: MemorialDetailSerializer, 401: SIGN_IN, 403: FORBIDDEN, 404: NOT_FOUND, 409: STALE, 412: STALE},
    ),
    update=extend_schema(
        summary="Replace a memorial's fields (managers)",
        description=EDIT_VERSION_NOTE,
        responses={200: MemorialDetailSerializer, 401: SIGN_IN, 403: FORBIDDEN, 404: NOT_FOUND, 409: STALE, 412: STALE},
    ),
    destroy=extend_schema(
        summary="Delete a memorial (its owner)", responses={204: None, 401: SIGN_IN, 403: FORBIDDEN, 404: NOT_FOUND}
    ),
)
class MemorialViewSet(MemorialAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = Memorial.objects.all()
    lookup_field = "slug"
    lookup_value_regex = r"[-\w]+"

    def get_permissions(self):
        return [IsAuthenticated()] if self.action == "create" else super().get_permissions()

    def get_queryset(self):
        return permissions.listed_memorials(self.request.user, Memorial.objects.all())

    def get_object(self, action: str = "view") -> Memorial:
        return permissions.memorial_for(self.request.user, self.kwargs["slug"], action)

    def get_serializer_class(self):
        return MemorialSerializer if self.action == "list" else MemorialDetailSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = {"language": getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE), **serializer.validated_data}
        memorial = services.create_memorial(by=request.user, **fields)
        return Response(self.get_serializer(memorial).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request, *args, **kwargs):
        memorial = self.get_object("view")
        return Response(self.get_serializer(memorial).data, headers=self._version_headers(memorial))

    def partial_update(self, request, *args, **kwargs):
        return self._edit(request, partial=True)

    def update(self, request, *args, **kwargs):
        return self._edit(request, partial=False)

    def _edit(self, request, *, partial: bool):
        """An edit carries the version it started from: `If-Match` with the ETag of a GET (412 when
        someone else has saved since), or a `version` field (409). Refused, it changes nothing."""
        memorial = self.get_object("edit")
        if_match = request.headers.get("If-Match")
        body_version = request.data.get("version") if hasattr(request.data, "get") else None
        base_version = None
        refusal = status.HTTP_409_CONFLICT
        if if_match is not None and if_match.strip() != "*":
            base_version = editing.parse_version(if_match)
            refusal = status.HTTP_412_PRECONDITION_FAILED
            if base_version is None:
                return Response(
                    {"detail": _("If-Match must be the ETag of the memorial, as a GET gave it.")},
                    status=status.HTTP_412_PRECONDITION_FAILED,
                    headers=self._version_headers(memorial),
                )
        elif body_version is not None:
            base_version = editing.parse_version(body_version)
            if base_version is None:
                return Response({"version": [_("A whole number, as a GET gave it.")]}, status=400)
        serializer = self.get_serializer(memorial, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        try:
            services.update_memorial(
                memorial=memorial, by=request.user, base_version=base_version, **serializer.validated_data
            )
        except editing.EditConflict as conflict:
            body = {
                "detail": str(conflict),
                "version": conflict.current_version,
                "changes": [
                    {"version": e.version, "by": e.by_name, "at": e.created_at, "fields": e.changes}
                    for e in conflict.changes
                ],
                "changed": conflict.lines(),
            }
            return Response(body, status=refusal, headers=self._version_headers(conflict.memorial))
        return Response(self.get_serializer(memorial).data, headers=self._version_headers(memorial))

    @staticmethod
    def _version_headers(memorial) -> dict:
        return {"ETag": editing.etag(memorial)}

    def destroy(self, request, *args, **kwargs):
        services.delete_memorial(memorial=self.get_object("delete"), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Albums --------------------------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(
        summary="A memorial's albums",
        parameters=[SLUG_PARAMETER],
        responses={200: AlbumSerializer(many=True), 404: NOT_FOUND},
    ),
    post=extend_schema(
        summary="Create an album (contributors)",
        parameters=[SLUG_PARAMETER],
        responses={201: AlbumSerializer, 401: SIGN_IN, 403: FORBIDDEN, 404: NOT_FOUND},
    ),
)
class MemorialAlbumsView(MemorialAPIMixin, generics.ListCreateAPIView):
    queryset = Album.objects.none()
    serializer_class = AlbumSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Album.objects.none()
        memorial = permissions.memorial_for(self.request.user, self.kwargs["slug"], "view")
        return permissions.albums_visible_to(self.request.user, memorial, memorial.albums.select_related("memorial"))

    def create(self, request, *args, **kwargs):
        memorial = permissions.memorial_for(request.user, kwargs["slug"], "create_album")
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        album = services.create_album(memorial=memorial, by=request.user, **serializer.validated_data)
        return Response(self.get_serializer(album).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(summary="One album", responses={200: AlbumSerializer, 404: NOT_FOUND}),
    patch=extend_schema(
        summary="Rename or describe an album (managers)",
        responses={200: AlbumSerializer, 401: SIGN_IN, 403: FORBIDDEN, 404: NOT_FOUND},
    ),
    delete=extend_schema(
        summary="Move an album and its photos to the memorial's bin (managers)",
        description="Hidden from everyone at once; restorable from the bin for MEMORIAL_RESTORE_DAYS (30 by default).",
        responses={204: None, 401: SIGN_IN, 403: FORBIDDEN, 404: NOT_FOUND},
    ),
)
class AlbumView(MemorialAPIMixin, generics.GenericAPIView):
    queryset = Album.objects.all()
    serializer_class = AlbumSerializer
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_object(self, action: str = "view") -> Album:
        return permissions.album_for(self.request.user, self.kwargs["pk"], action, memorial=self.memorial_at_address())

    def get(self, request, *args, **kwargs):
        return Response(self.get_serializer(self.get_object("view")).data)

    def patch(self, request, *args, **kwargs):
        album = self.get_object("edit")
        serializer = self.get_serializer(album, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.update_album(album=album, **serializer.validated_data)
        return Response(self.get_serializer(album).data)

    def delete(self, request, *args, **kwargs):
        services.delete_album(album=self.get_object("edit"), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Photos --------------------------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(summary="The photos in an album", responses={200: PhotoSerializer(many=True), 404: NOT_FOUND}),
    post=extend_schema(
        summary="Upload photos into an album (contributors)",
        description=(
            "Multipart: any number of `files`, or one `file`. Each file is stored, found to be a duplicate "
            "of one already in the album, or refused with a message; nothing is stored for a refused file. "
            "201 when at least one file was stored or already there, 400 when every file was refused."
        ),
        request={"multipart/form-data": UPLOAD_BODY},
        responses={
            201: UploadResultSerializer,
            400: UploadResultSerializer,
            401: SIGN_IN,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    ),
)
class AlbumPhotosView(MemorialAPIMixin, generics.ListCreateAPIView):
    queryset = Photo.objects.none()
    serializer_class = PhotoSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Photo.objects.none()
        album = permissions.album_for(self.request.user, self.kwargs["pk"], "view", memorial=self.memorial_at_address())
        return (
            selectors.visible_photos(album.memorial, self.request.user)
            .filter(album=album)
            .select_related("uploaded_by", "album__memorial")
        )

    def create(self, request, *args, **kwargs):
        album = permissions.album_for(request.user, kwargs["pk"], "upload", memorial=self.memorial_at_address())
        ratelimit.enforce(request, "upload")
        uploads = request.FILES.getlist("files") + request.FILES.getlist("file")
        if not uploads:
            return Response({"detail": _("Choose at least one photo to upload."), "files": []}, status=400)
        if len(uploads) > settings.PHOTO_MAX_FILES_PER_UPLOAD:
            detail = _("Please upload at most %(limit)d photos at a time (you chose %(count)d).") % {
                "limit": settings.PHOTO_MAX_FILES_PER_UPLOAD,
                "count": len(uploads),
            }
            return Response({"detail": detail, "files": []}, status=400)
        outcomes = photos.add_photos(album=album, uploads=uploads, by=request.user)
        kept = [o for o in outcomes if o.photo is not None]
        if kept:
            detail = _("Photos stored: %(stored)d; already in the album: %(duplicates)d; refused: %(refused)d.") % {
                "stored": sum(1 for o in kept if not o.duplicate),
                "duplicates": sum(1 for o in kept if o.duplicate),
                "refused": len(outcomes) - len(kept),
            }
        else:
            detail = " ".join(f"{o.name}: {o.error}" for o in outcomes)
        body = UploadResultSerializer({"detail": detail, "files": outcomes}, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED if kept else status.HTTP_400_BAD_REQUEST)


@extend_schema_view(
    get=extend_schema(summary="One photo", responses={200: PhotoSerializer, 404: NOT_FOUND}),
    patch=extend_schema(
        summary="Change a photo's caption (managers)",
        responses={200: PhotoSerializer, 401: SIGN_IN, 403: FORBIDDEN, 404: NOT_FOUND},
    ),
    delete=extend_schema(
        summary="Move a photo to the memorial's bin (managers)",
        description="Hidden from everyone at once, with its paintings; restorable from the bin for MEMORIAL_RESTORE_DAYS.",
        responses={204: None, 401: SIGN_IN, 403: FORBIDDEN, 404: NOT_FOUND},
    ),
)
class PhotoView(MemorialAPIMixin, generics.GenericAPIView):
    queryset = Photo.objects.all()
    serializer_class = PhotoSerializer
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_object(self, action: str = "view") -> Photo:
        return permissions.photo_for(self.request.user, self.kwargs["pk"], action, memorial=self.memorial_at_address())

    def get(self, request, *args, **kwargs):
        return Response(self.get_serializer(self.get_object("view")).data)

    def patch(self, request, *args, **kwargs):
        photo = self.get_object("edit")
        serializer = self.get_serializer(photo, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        if "caption" in serializer.validated_data:
            photo = photos.update_caption(photo=photo, caption=serializer.validated_data["caption"])
        return Response(self.get_serializer(photo).data)

    def delete(self, request, *args, **kwargs):
        photos.delete_photo(photo=self.get_object("edit"), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Condolences ---------------------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(
        summary="The guestbook",
        description=(
            "Published messages (and your own waiting ones). The memorial's managers also see messages "
            "waiting for approval or hidden after reports, with `held_reason` and `report_count`."
        ),
        parameters=[SLUG_PARAMETER],
        responses={200: CondolenceSerializer(many=True), 404: NOT_FOUND},
    ),
    post=extend_schema(
        summary="Leave a condolence",
        description=(
            "Members, and guests on public or unlisted memorials (guests give `guest_name`). "
            "A message that looks like a scam, or any message where the family approves first, is "
            "stored with status `pending`. Guests may post a few messages an hour each (a guest is known by "
            "the site's visitor cookie; all guests of one network share a higher ceiling, and requests without "
            "the cookie a stricter one). A browser on another website's page is refused (403)."
        ),
        parameters=[SLUG_PARAMETER],
        request=CondolenceCreateSerializer,
        responses={
            201: CondolenceSerializer,
            400: OpenApiResponse(description="The message could not be posted; `detail` says why."),
            404: NOT_FOUND,
            429: OpenApiResponse(description="Too many messages in a short time; see Retry-After."),
        },
    ),
)
class MemorialCondolencesView(MemorialAPIMixin, generics.ListCreateAPIView):
    queryset = Condolence.objects.none()
    serializer_class = CondolenceSerializer

    def list(self, request, *args, **kwargs):
        memorial = permissions.memorial_for(request.user, kwargs["slug"], "view")
        shown = selectors.visible_condolences(memorial, request.user)
        moderator = permissions.can(request.user, "moderate", memorial)
        if moderator:
            shown = shown.prefetch_related("reports")
        serializer_class = ModeratedCondolenceSerializer if moderator else CondolenceSerializer
        page = self.paginate_queryset(shown)
        return self.get_paginated_response(
            serializer_class(page, many=True, context=self.get_serializer_context()).data
        )

    def create(self, request, *args, **kwargs):
        memorial = permissions.memorial_for(request.user, kwargs["slug"], "condole")
        form = CondolenceCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        if form.validated_data.get("website"):  # the honeypot: only robots fill it in
            return Response({"detail": _("Your message could not be posted.")}, status=status.HTTP_400_BAD_REQUEST)
        guest = not request.user.is_authenticated
        ratelimit.enforce(request, "condolence")
        try:
            condolence = condolences.leave_condolence(
                memorial=memorial,
                message=form.validated_data["message"],
                author=None if guest else request.user,
                guest_name=form.validated_data.get("guest_name", ""),
                relation=form.validated_data.get("relation", ""),
                email=form.validated_data.get("email", ""),
            )
        except condolences.CondolenceRefused as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(CondolenceSerializer(condolence).data, status=status.HTTP_201_CREATED)


class CondolenceActionView(MemorialAPIMixin, generics.GenericAPIView):
    queryset = Condolence.objects.all()

    def get_object(self, action: str) -> Condolence:
        return permissions.condolence_for(
            self.request.user, self.kwargs["pk"], action, memorial=self.memorial_at_address()
        )


@extend_schema(
    summary="Report a condolence to the memorial's managers",
    description=(
        "Anyone who can see the message; counted once per visitor (201; 200 with `counted: false` when "
        "you had reported it already). A published message is hidden until a manager decides when the "
        "reports since the last decision weigh enough: a guest's report counts 1 (guests of one network "
        "together once), a signed-in person's and a family member's more. A few reports an hour per visitor "
        "and per network (429 beyond)."
    ),
    request=CondolenceReportSerializer,
    responses={
        201: CountedSerializer,
        200: CountedSerializer,
        403: OpenApiResponse(description="Sent by another website's page: guests report on this site only."),
        404: NOT_FOUND,
        429: OpenApiResponse(description="Too many reports in a short time; see Retry-After."),
    },
)
class CondolenceReportView(CondolenceActionView):
    serializer_class = CondolenceReportSerializer

    def post(self, request, *args, **kwargs):
        condolence = self.get_object("report")
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        ratelimit.enforce(request, "report")
        visitor = visitors.visitor(request)
        counted = condolences.report(
            condolence=condolence,
            reporter_key=visitor.key,
            network_key=visitor.network,
            reporter=request.user,
            reason=form.validated_data.get("reason", ""),
        )
        return Response({"counted": counted}, status=status.HTTP_201_CREATED if counted else status.HTTP_200_OK)


class _CondolenceDecisionView(CondolenceActionView):
    serializer_class = ModerationNoteSerializer
    decide = None

    def post(self, request, *args, **kwargs):
        condolence = self.get_object("moderate")
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        self.decide(condolence=condolence, by=request.user, note=form.validated_data.get("note", ""))
        return Response(ModeratedCondolenceSerializer(condolence).data)


_DECISION_RESPONSES = {200: ModeratedCondolenceSerializer, 401: SIGN_IN, 403: FORBIDDEN, 404: NOT_FOUND}


@extend_schema(
    summary="Publish a condolence (managers)", request=ModerationNoteSerializer, responses=_DECISION_RESPONSES
)
class CondolenceApproveView(_CondolenceDecisionView):
    decide = staticmethod(condolences.approve)


@extend_schema(
    summary="Reject a condolence (managers)", request=ModerationNoteSerializer, responses=_DECISION_RESPONSES
)
class CondolenceRejectView(_CondolenceDecisionView):
    decide = staticmethod(condolences.reject)


@extend_schema(
    summary="Restore a message hidden after reports (managers)",
    description="Publishes it again in one step; the reports made before never count again.",
    request=ModerationNoteSerializer,
    responses=_DECISION_RESPONSES,
)
class CondolenceRestoreView(_CondolenceDecisionView):
    decide = staticmethod(condolences.restore)


# --- Comments on photos and paintings -------------------------------------------------------


class TargetCommentsView(MemorialAPIMixin, generics.ListCreateAPIView):
    """The comments on one photo or painting (``get_target``: loaded through ``permissions``,
    so a hidden photo or an unpublished painting is a 404 with its comments)."""

    queryset = Comment.objects.none()
    serializer_class = CommentSerializer

    def get_target(self, memorial):
        raise NotImplementedError

    def list(self, request, *args, **kwargs):
        memorial = permissions.memorial_for(request.user, kwargs["slug"], "view")
        target = self.get_target(memorial)
        shown = comments.comments_on(target, memorial=memorial, user=request.user)
        moderator = permissions.can(request.user, "moderate", memorial)
        serializer_class = ModeratedCommentSerializer if moderator else CommentSerializer
        page = self.paginate_queryset(shown)
        return self.get_paginated_response(
            serializer_class(page, many=True, context=self.get_serializer_context()).data
        )

    def create(self, request, *args, **kwargs):
        memorial = permissions.memorial_for(request.user, kwargs["slug"], "view")
        target = self.get_target(memorial)
        permissions.require(request.user, "condole", memorial)
        form = CommentCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        if form.validated_data.get("website"):  # the honeypot: only robots fill it in
            return Response({"detail": _("Your message could not be posted.")}, status=status.HTTP_400_BAD_REQUEST)
        guest = not request.user.is_authenticated
        ratelimit.enforce(request, "condolence")
        try:
            comment = comments.leave_comment(
                target=target,
                memorial=memorial,
                message=form.validated_data["message"],
                author=None if guest else request.user,
                guest_name=form.validated_data.get("guest_name", ""),
            )
        except comments.CommentRefused as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


COMMENTS_SCHEMA = extend_schema_view(
    get=extend_schema(
        summary="Comments on it",
        description=(
            "Published comments (and your own waiting ones). The memorial's managers also see comments "
            "waiting for approval or hidden after reports, with `held_reason` and `report_count`."
        ),
        parameters=[SLUG_PARAMETER],
        responses={200: CommentSerializer(many=True), 404: NOT_FOUND},
    ),
    post=extend_schema(
        summary="Leave a comment",
        description=(
            "As a condolence: members, and guests on public or unlisted memorials (guests give `guest_name`); "
            "held (`pending`) when it looks like a scam or the family approves messages first; rate-limited "
            "with the guestbook."
        ),
        parameters=[SLUG_PARAMETER],
        request=CommentCreateSerializer,
        responses={
            201: CommentSerializer,
            400: OpenApiResponse(description="The comment could not be posted; `detail` says why."),
            401: SIGN_IN,
            404: NOT_FOUND,
            429: OpenApiResponse(description="Too many messages in a short time; see Retry-After."),
        },
    ),
)


@COMMENTS_SCHEMA
class PhotoCommentsView(TargetCommentsView):
    def get_target(self, memorial):
        return permissions.photo_for(self.request.user, self.kwargs["pk"], memorial=memorial)


class CommentActionView(MemorialAPIMixin, generics.GenericAPIView):
    queryset = Comment.objects.all()

    def get_object(self, action: str) -> Comment:
        return permissions.comment_for(
            self.request.user, self.kwargs["pk"], action, memorial=self.memorial_at_address()
        )


@extend_schema(
    summary="Report a comment to the memorial's managers",
    description="Weighed as a condolence's report (see there); counted once per visitor.",
    request=CondolenceReportSerializer,
    responses={
        201: CountedSerializer,
        200: CountedSerializer,
        404: NOT_FOUND,
        429: OpenApiResponse(description="Too many reports in a short time; see Retry-After."),
    },
)
class CommentReportView(CommentActionView):
    serializer_class = CondolenceReportSerializer

    def post(self, request, *args, **kwargs):
        comment = self.get_object("report")
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        ratelimit.enforce(request, "report")
        visitor = visitors.visitor(request)
        counted = comments.report(
            comment=comment,
            reporter_key=visitor.key,
            network_key=visitor.network,
            reporter=request.user,
            reason=form.validated_data.get("reason", ""),
        )
        return Response({"counted": counted}, status=status.HTTP_201_CREATED if counted else status.HTTP_200_OK)


class _CommentDecisionView(CommentActionView):
    serializer_class = ModerationNoteSerializer
    decide = None

    def post(self, request, *args, **kwargs):
        comment = self.get_object("moderate")
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        self.decide(comment=comment, by=request.user, note=form.validated_data.get("note", ""))
        return Response(ModeratedCommentSerializer(comment).data)


_COMMENT_DECISION_RESPONSES = {200: ModeratedCommentSerializer, 401: SIGN_IN, 403: FORBIDDEN, 404: NOT_FOUND}


@extend_schema(
    summary="Publish a comment (managers)", request=ModerationNoteSerializer, responses=_COMMENT_DECISION_RESPONSES
)
class CommentApproveView(_CommentDecisionView):
    decide = staticmethod(comments.approve)


@extend_schema(
    summary="Reject a comment (managers)", request=ModerationNoteSerializer, responses=_COMMENT_DECISION_RESPONSES
)
class CommentRejectView(_CommentDecisionView):
    decide = staticmethod(comments.reject)


@extend_schema(
    summary="Hide a comment (managers)", request=ModerationNoteSerializer, responses=_COMMENT_DECISION_RESPONSES
)
class CommentHideView(_CommentDecisionView):
    decide = staticmethod(comments.hide)


@extend_schema(
    summary="Restore a hidden comment (managers)",
    request=ModerationNoteSerializer,
    responses=_COMMENT_DECISION_RESPONSES,
)
class CommentRestoreView(_CommentDecisionView):
    decide = staticmethod(comments.restore)


# --- Offerings -----------------------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(
        summary="Candles, flowers and incense so far",
        parameters=[SLUG_PARAMETER],
        responses={200: OfferingCountsSerializer, 404: NOT_FOUND},
    ),
    post=extend_schema(
        summary="Light a candle, lay a flower or burn incense",
        description=(
            "Once of each kind per visitor per day: 201 when counted, 200 with `counted: false` when already "
            "made today. A visitor is a signed-in person, or a guest's visitor cookie (given with the first "
            "answer: keep it); a client without it counts against its network's stricter budget."
        ),
        parameters=[SLUG_PARAMETER],
        request=OfferingRequestSerializer,
        responses={201: OfferingResultSerializer, 200: OfferingResultSerializer, 404: NOT_FOUND},
    ),
)
class MemorialOfferingsView(MemorialAPIMixin, generics.GenericAPIView):
    queryset = Memorial.objects.none()
    serializer_class = OfferingRequestSerializer

    def get(self, request, *args, **kwargs):
        memorial = permissions.memorial_for(request.user, kwargs["slug"], "view")
        return Response(offerings.offering_counts(memorial))

    def post(self, request, *args, **kwargs):
        memorial = permissions.memorial_for(request.user, kwargs["slug"], "offer")
        ratelimit.enforce(request, "offering")
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        kind = form.validated_data["kind"]
        counted = offerings.make_offering(memorial=memorial, kind=kind, visitor_key=offerings.visitor_key_for(request))
        body = {"kind": kind, "counted": counted, "counts": offerings.offering_counts(memorial)}
        return Response(body, status=status.HTTP_201_CREATED if counted else status.HTTP_200_OK)


# --- The bin ---------------------------------------------------------------------------------


@extend_schema(
    summary="What is in the memorial's bin (managers)",
    description=(
        "Photos, albums and paintings deleted from the memorial: hidden from everyone, restorable until "
        "`purge_after`, then destroyed by the daily purge."
    ),
    parameters=[SLUG_PARAMETER],
    responses={200: BinEntrySerializer(many=True), 401: SIGN_IN, 403: FORBIDDEN, 404: NOT_FOUND},
)
class MemorialBinView(MemorialAPIMixin, generics.GenericAPIView):
    queryset = Memorial.objects.none()
    serializer_class = BinEntrySerializer
    pagination_class = None

    def get(self, request, *args, **kwargs):
        memorial = permissions.memorial_for(request.user, kwargs["slug"], "bin")
        return Response(self.get_serializer(bin.entries(memorial), many=True).data)


@extend_schema(
    summary="Restore one item from the memorial's bin (managers)",
    description="`kind` is `album`, `photo` or `painting`. 409 when what holds it (its album, its photo) is in the bin too.",
    request=None,
    parameters=[
        SLUG_PARAMETER,
        OpenApiParameter("kind", OpenApiTypes.STR, OpenApiParameter.PATH, enum=["album", "photo", "painting"]),
        OpenApiParameter("item_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The item's id."),
    ],
    responses={
        200: BinRestoredSerializer,
        401: SIGN_IN,
        403: FORBIDDEN,
        404: NOT_FOUND,
        409: OpenApiResponse(description="What holds it is in the bin too; `detail` says what to restore first."),
    },
)
class BinRestoreView(MemorialAPIMixin, generics.GenericAPIView):
    queryset = Memorial.objects.none()
    serializer_class = BinRestoredSerializer

    def post(self, request, *args, **kwargs):
        memorial = permissions.memorial_for(request.user, kwargs["slug"], "bin")
        item = permissions.binned_item_for(request.user, memorial, kwargs["kind"], kwargs["item_id"])
        try:
            bin.restore(item=item, by=request.user, memorial=memorial)
        except bin.RestoreRefused as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response({"kind": kwargs["kind"], "id": item.pk, "restored": True})


# --- Writes that have no service function yet (see the report to the services' owner) ---------
