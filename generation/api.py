"""The REST API for styles, stylization jobs and artworks (under /api/v1/).

Thin, like the pages in `generation/views.py`: each handler gets its object from
`memorial.permissions` (through `generation.selectors`) already checked for its action, calls
one `generation.services` function, and renders. The answers are the pages' and the memorial
API's: a private memorial is a 404 to anyone who is not a member, a guest who must sign in gets
401, a signed-in person whose role does not allow it 403. Jobs and unpublished artworks are the
family's: a 404 to everyone else.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from core import ratelimit
from generation import candidates, family_voice, selectors, services, studio_keys
from generation.models import Artwork, StudioKey, Style, StylizationJob
from generation.serializers import (
    ArtworkRequestSerializer,
    ArtworkSerializer,
    ArtworkUpdateSerializer,
    JobSerializer,
    NewStudioKeySerializer,
    StudioKeyCreateSerializer,
    StudioKeySerializer,
    StyleSerializer,
)
from memorial import api as memorial_api
from memorial import permissions
from memorial.api import FORBIDDEN, NOT_FOUND, SIGN_IN, SLUG_PARAMETER, MemorialAPIMixin
from memorial.models import Photo

REFUSED = OpenApiResponse(description="The request was refused; `detail` (or the field) says why.")
NO_JOB = OpenApiResponse(description="No such job, or not one of your family's (jobs are seen by members only).")
NO_ARTWORK = OpenApiResponse(
    description=(
        "No such artwork, or one you may not see: unpublished artworks are seen by members only, and a painting "
        "of a hidden photo is hidden with it. Asked for by its id alone, an artwork answers only when its "
        "memorial is listed to you; a guest of an unlisted memorial asks at `/api/v1/memorials/{slug}/artworks/{id}/`."
    )
)
ALREADY_ENDED = OpenApiResponse(description="The job has already ended; `detail` says how.")


def _refused(exc: Exception) -> Response:
    return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)


# --- Styles --------------------------------------------------------------------------------


@extend_schema(
    summary="The styles a painting can be made in", description="Open to everyone; retired styles are not listed."
)
class StyleListView(MemorialAPIMixin, generics.ListAPIView):
    queryset = Style.objects.none()
    serializer_class = StyleSerializer

    def get_queryset(self):
        return selectors.active_styles()


# --- Asking for an artwork, and following its job --------------------------------------------


@extend_schema(
    summary="Ask for a painting of a photo (contributors)",
    description=(
        "Records a stylization job and returns at once with **202 Accepted**: the job, and its address in "
        "`Location`. Poll `url` for the progress; once `status` is `succeeded`, `artwork_url` is the painting. "
        "A hidden photo is a 404 except to the memorial's managers, and is refused for them. Every parameter "
        "of the painting may be given with AUTOMATIC1111's names (`seed`, `denoising_strength`, `steps`, "
        "`cfg_scale`, `sampler_name`, `negative_prompt`, `candidates`, and `controlnet` units); what is left "
        "out is the style's. A bad value is a 400 naming it."
    ),
    request=ArtworkRequestSerializer,
    responses={202: JobSerializer, 400: REFUSED, 401: SIGN_IN, 403: FORBIDDEN, 404: NOT_FOUND},
)
class PhotoArtworksView(MemorialAPIMixin, generics.GenericAPIView):
    queryset = Photo.objects.none()
    serializer_class = ArtworkRequestSerializer

    def post(self, request, *args, **kwargs):
        photo = permissions.photo_for(request.user, kwargs["pk"], "create_artwork", memorial=self.memorial_at_address())
        ratelimit.enforce(request, "artwork")
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            job = services.request_artwork(
                photo=photo,
                style=form.validated_data["style"],
                by=request.user,
                subject=form.validated_data.get("subject", ""),
                settings=form.validated_data["settings"],
            )
        except services.ArtworkRefused as exc:
            return _refused(exc)
        body = JobSerializer(job, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


class _JobAPIView(MemorialAPIMixin, generics.GenericAPIView):
    queryset = StylizationJob.objects.none()
    serializer_class = JobSerializer

    def get_object(self, action: str = "view") -> StylizationJob:
        return selectors.job_for(self.request.user, self.kwargs["pk"], action)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)  # polled for progress: always fresh
        return response


@extend_schema(
    summary="A job's status and progress",
    description="Members of the memorial only. `artwork` and `artwork_url` are set once the job has succeeded.",
    responses={200: JobSerializer, 404: NO_JOB},
)
class JobView(_JobAPIView):
    def get(self, request, *args, **kwargs):
        return Response(self.get_serializer(self.get_object()).data)


@extend_schema(
    summary="Cancel a job (the person who asked for it, or the memorial's managers)",
    description=(
        "A waiting job ends at once; a running one stops at the painter's next step (`cancel_requested` is "
        "true until it does). Cancelling a cancelled job changes nothing; a job that has succeeded or failed "
        "is a 409."
    ),
    request=None,
    responses={200: JobSerializer, 403: FORBIDDEN, 404: NO_JOB, 409: ALREADY_ENDED},
)
class JobCancelView(_JobAPIView):
    def post(self, request, *args, **kwargs):
        job = self.get_object("cancel")
        try:
            job = services.cancel_job(job=job, by=request.user, note="api")
        except services.JobAlreadyEnded as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(self.get_serializer(job).data)


# --- Artworks ------------------------------------------------------------------------------


@extend_schema(
    summary="A memorial's artworks",
    description="Published artworks, and to the memorial's members also the ones not yet published.",
    parameters=[SLUG_PARAMETER],
    responses={200: ArtworkSerializer(many=True), 404: NOT_FOUND},
)
class MemorialArtworksView(MemorialAPIMixin, generics.ListAPIView):
    queryset = Artwork.objects.none()
    serializer_class = ArtworkSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Artwork.objects.none()
        memorial = permissions.memorial_for(self.request.user, self.kwargs["slug"], "view")
        return (
            selectors.artworks_of(memorial, self.request.user).select_related("memorial").prefetch_related("candidates")
        )


@extend_schema_view(
    get=extend_schema(
        summary="One artwork, with its words and their recording", responses={200: ArtworkSerializer, 404: NO_ARTWORK}
    ),
    patch=extend_schema(
        summary="Publish, unpublish, change the words of an artwork, or choose its voice (managers)",
        description=(
            "`published: true` shows the artwork on the memorial page, `false` to the family only. "
            "`tribute_text` replaces its words (they are spoken again in the background). `narration_voice` "
            "chooses what is played: `family` (the family's recording, sent to `recording/`) or `synthetic`. "
            "All at once are applied together, or none."
        ),
        request=ArtworkUpdateSerializer,
        responses={200: ArtworkSerializer, 400: REFUSED, 401: SIGN_IN, 403: FORBIDDEN, 404: NO_ARTWORK},
    ),
    delete=extend_schema(
        summary="Move an artwork, its words and recording to the memorial's bin (managers)",
        description="Hidden from everyone at once; restorable from the bin for MEMORIAL_RESTORE_DAYS (30 by default).",
        responses={204: None, 401: SIGN_IN, 403: FORBIDDEN, 404: NO_ARTWORK},
    ),
)
class ArtworkView(MemorialAPIMixin, generics.GenericAPIView):
    queryset = Artwork.objects.none()
    serializer_class = ArtworkSerializer
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_object(self, action: str = "view") -> Artwork:
        return selectors.artwork_for(self.request.user, self.kwargs["pk"], action, slug=self.kwargs.get("slug"))

    def get(self, request, *args, **kwargs):
        return Response(self.get_serializer(self.get_object("view")).data)

    def patch(self, request, *args, **kwargs):
        artwork = self.get_object("publish_artwork")
        form = ArtworkUpdateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        changes = form.validated_data
        try:
            with transaction.atomic():
                if "tribute_text" in changes:
                    tribute = getattr(artwork, "tribute", None)
                    if tribute is None:
                        raise services.ArtworkRefused(_("This painting has no words to change."))
                    services.edit_tribute(tribute=tribute, text=changes["tribute_text"], by=request.user)
                if "narration_voice" in changes:
                    family_voice.choose_voice(artwork=artwork, voice=changes["narration_voice"], by=request.user)
                if "published" in changes and changes["published"] != artwork.published:
                    services.publish_artwork(artwork=artwork, by=request.user, published=changes["published"])
        except (services.ArtworkRefused, family_voice.RecordingRefused) as exc:
            return _refused(exc)
        return Response(self.get_serializer(artwork).data)

    def delete(self, request, *args, **kwargs):
        artwork = self.get_object("publish_artwork")
        services.delete_artwork(artwork=artwork, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(
    summary="Show another version of an artwork instead (managers)",
    description=(
        "The painter may make several versions of a painting and keep the one that looks most like the person; "
        "the others are listed in the artwork's `candidates` (to the family only). This shows the chosen one "
        "instead, with its own likeness, and keeps the replaced painting among the candidates. Answers the artwork."
    ),
    parameters=[SLUG_PARAMETER],
    request=None,
    responses={200: ArtworkSerializer, 401: SIGN_IN, 403: FORBIDDEN, 404: NO_ARTWORK},
)
class CandidateChooseView(MemorialAPIMixin, generics.GenericAPIView):
    queryset = Artwork.objects.none()
    serializer_class = ArtworkSerializer

    def post(self, request, *args, **kwargs):
        artwork, candidate = selectors.candidate_for(
            request.user, self.kwargs["pk"], self.kwargs["candidate"], "publish_artwork", slug=self.kwargs["slug"]
        )
        artwork = candidates.choose_candidate(artwork=artwork, candidate=candidate, by=request.user)
        return Response(
            self.get_serializer(selectors.artwork_for(request.user, artwork.pk, slug=self.kwargs["slug"])).data
        )


class RecordingUploadSerializer(serializers.Serializer):
    audio = serializers.FileField(
        help_text=(
            "The recording: MP3, M4A (AAC), WAV, Ogg (Vorbis or Opus) or WebM (Opus), as browsers and phones "
            "record them; at most NARRATION_RECORDING_MAX_SECONDS long (300 by default) and "
            "NARRATION_RECORDING_MAX_BYTES large."
        )
    )


@extend_schema_view(
    post=extend_schema(
        summary="Add the family's own recording of the words (managers)",
        description=(
            "A multipart upload with the file in `audio`. It is checked by decoding it and stored as MP3 "
            "(128 kbit/s, mono or stereo as recorded, 44.1 or 48 kHz); it replaces the family's earlier "
            "recording and is played instead of the synthetic voice at once (`narration_voice` becomes "
            "`family`). A file that is too large, too long or not a recording is refused with `detail`, and "
            "nothing changes."
        ),
        request={"multipart/form-data": RecordingUploadSerializer},
        responses={201: ArtworkSerializer, 400: REFUSED, 401: SIGN_IN, 403: FORBIDDEN, 404: NO_ARTWORK},
    ),
    delete=extend_schema(
        summary="Delete the family's recording (managers): the synthetic voice is played again",
        responses={204: None, 400: REFUSED, 401: SIGN_IN, 403: FORBIDDEN, 404: NO_ARTWORK},
    ),
)
class ArtworkRecordingView(MemorialAPIMixin, generics.GenericAPIView):
    queryset = Artwork.objects.none()
    serializer_class = ArtworkSerializer
    parser_classes = [MultiPartParser, FormParser]
    http_method_names = ["post", "delete", "options"]

    def get_object(self) -> Artwork:
        slug = self.kwargs.get("slug")
        return selectors.artwork_for(self.request.user, self.kwargs["pk"], "publish_artwork", slug=slug)

    def post(self, request, *args, **kwargs):
        artwork = self.get_object()
        ratelimit.enforce(request, "upload")
        try:
            family_voice.add_recording(artwork=artwork, upload=request.FILES.get("audio"), by=request.user)
        except family_voice.RecordingRefused as exc:
            return _refused(exc)
        return Response(self.get_serializer(artwork).data, status=status.HTTP_201_CREATED)

    def delete(self, request, *args, **kwargs):
        artwork = self.get_object()
        try:
            family_voice.remove_recording(artwork=artwork, by=request.user)
        except family_voice.RecordingRefused as exc:
            return _refused(exc)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Studio keys (the AUTOMATIC1111-compatible API's) ---------------------------------------------


@extend_schema_view(
    get=extend_schema(
        summary="A memorial's studio keys (managers)",
        description="Each key's username, label and use; never a password.",
        parameters=[SLUG_PARAMETER],
        responses={200: StudioKeySerializer(many=True), 401: SIGN_IN, 403: FORBIDDEN, 404: NOT_FOUND},
    ),
    post=extend_schema(
        summary="Make a studio key (managers)",
        description=(
            'A key to the AUTOMATIC1111-compatible API at `/sdapi/v1/` for this memorial only (README "Studio '
            'API"). The answer holds `username` and `password` this once: only a hash is kept. Send them as HTTP '
            "Basic (webuiapi's `set_auth`), or as `Authorization: Bearer <username>:<password>` (or `token`). "
            "Rate-limited."
        ),
        parameters=[SLUG_PARAMETER],
        request=StudioKeyCreateSerializer,
        responses={201: NewStudioKeySerializer, 400: REFUSED, 401: SIGN_IN, 403: FORBIDDEN, 404: NOT_FOUND},
    ),
)
class StudioKeysView(MemorialAPIMixin, generics.GenericAPIView):
    queryset = StudioKey.objects.none()
    serializer_class = StudioKeySerializer
    pagination_class = None  # a handful at most (studio_keys.MAX_ACTIVE_KEYS live ones)

    def get(self, request, *args, **kwargs):
        memorial = permissions.memorial_for(request.user, kwargs["slug"], "studio_keys")
        return Response(self.get_serializer(studio_keys.keys_of(memorial), many=True).data)

    def post(self, request, *args, **kwargs):
        memorial = permissions.memorial_for(request.user, kwargs["slug"], "studio_keys")
        ratelimit.enforce(request, "studio_key")
        form = StudioKeyCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            made = studio_keys.create_key(
                memorial=memorial, by=request.user, label=form.validated_data.get("label", "")
            )
        except studio_keys.KeyRefused as exc:
            return _refused(exc)
        body = NewStudioKeySerializer(made.key).data
        body.update(password=made.password, token=made.token)
        response = Response(body, status=status.HTTP_201_CREATED)
        add_never_cache_headers(response)
        return response


@extend_schema(
    summary="Revoke a studio key (managers)",
    description="It stops working at once; what was painted with it stays. Revoking a revoked key changes nothing.",
    parameters=[SLUG_PARAMETER],
    responses={204: None, 401: SIGN_IN, 403: FORBIDDEN, 404: NOT_FOUND},
)
class StudioKeyView(MemorialAPIMixin, generics.GenericAPIView):
    queryset = StudioKey.objects.none()
    serializer_class = StudioKeySerializer
    http_method_names = ["delete", "options"]

    def delete(self, request, *args, **kwargs):
        memorial = permissions.memorial_for(request.user, kwargs["slug"], "view")
        key = permissions.studio_key_for(request.user, kwargs["pk"], keys=StudioKey.objects.all(), memorial=memorial)
        studio_keys.revoke_key(key=key, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@memorial_api.COMMENTS_SCHEMA
class ArtworkCommentsView(memorial_api.TargetCommentsView):
    """The comments on a painting: a guest sees (and comments on) published ones only."""

    def get_target(self, memorial):
        return selectors.artwork_for(self.request.user, self.kwargs["pk"], slug=self.kwargs["slug"])
