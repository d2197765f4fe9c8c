"""/api/v1/memorials/<slug>/funeral/: the 부고 (memorial/bugo.py), read by whoever sees the
memorial and written (PUT, the whole notice) by its managers."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.response import Response

from memorial import bugo, permissions, timezones
from memorial.api import FORBIDDEN, NOT_FOUND, SIGN_IN, SLUG_PARAMETER, MemorialAPIMixin
from memorial.serializers import _absolute


class HallSerializer(serializers.Serializer):
    name = serializers.CharField(source="hall_name", max_length=200, required=False, allow_blank=True)
    room = serializers.CharField(source="hall_room", max_length=100, required=False, allow_blank=True)
    address = serializers.CharField(
        source="hall_address",
        max_length=300,
        required=False,
        allow_blank=True,
        help_text="Opens in Kakao Map and Naver Map (`maps`).",
    )
    phone = serializers.CharField(
        source="hall_phone", max_length=30, required=False, allow_blank=True, help_text="Digits and hyphens."
    )


class MournerSerializer(serializers.Serializer):
    relation = serializers.ChoiceField(
        choices=[key for key, _label in bugo.relation_choices() if key],
        required=False,
        allow_blank=True,
        help_text="Their relation to the deceased; `other` with `relation_other` written out.",
    )
    relation_other = serializers.CharField(max_length=50, required=False, allow_blank=True)
    name = serializers.CharField(max_length=100)
    chief = serializers.BooleanField(required=False, default=False, help_text="The 상주 (chief mourner).")
    relation_display = serializers.SerializerMethodField(help_text="The relation in the memorial's language.")

    def get_relation_display(self, mourner) -> str:
        return bugo.relation_display(self.context["memorial"], mourner)


class MapLinksSerializer(serializers.Serializer):
    kakao = serializers.URLField(read_only=True)
    naver = serializers.URLField(read_only=True)


class FuneralSerializer(serializers.Serializer):
    notice = serializers.SerializerMethodField(
        help_text="The notice's first line in the memorial's language (故 홍길동님께서 … 삼가 알려드립니다.)."
    )
    wording = serializers.ChoiceField(
        choices=[key for key, _label in bugo.wording_choices()],
        required=False,
        allow_blank=True,
        help_text="How the family words the death: byeolse (별세), yeongmyeon (영면), socheon (소천), "
        "seonjong (선종), gwicheon (귀천), or empty.",
    )
    hall = HallSerializer(source="*", required=False, help_text="The 빈소.")
    encoffining_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="입관. A time without an offset is the memorial's time zone's."
    )
    departure_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="발인. A time without an offset is the memorial's time zone's."
    )
    burial_place = serializers.CharField(max_length=300, required=False, allow_blank=True, help_text="장지.")
    mourners = MournerSerializer(many=True, required=False, help_text="The 상주 and family, in order.")
    message = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    maps = serializers.SerializerMethodField(
        help_text="The hall's address in Kakao Map and Naver Map; null without one."
    )
    calendar_url = serializers.SerializerMethodField(help_text="The 발인 as an .ics file; null without a 발인.")
    near = serializers.SerializerMethodField(
        help_text="Whether the funeral is near (until the day after the 발인): the page shows the notice first."
    )

    def get_notice(self, funeral) -> str:
        return bugo.notice_line(self.context["memorial"], funeral)

    @extend_schema_field(MapLinksSerializer(allow_null=True))
    def get_maps(self, funeral) -> dict | None:
        return bugo.map_links(funeral.hall_address) or None

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_calendar_url(self, funeral) -> str | None:
        if funeral.departure_at is None:
            return None
        return _absolute(self.context, reverse("memorial:funeral_calendar", args=[self.context["memorial"].slug]))

    def get_near(self, funeral) -> bool:
        return bugo.is_near(self.context["memorial"], funeral)


@extend_schema_view(
    get=extend_schema(
        summary="A memorial's funeral notice (부고)",
        description="For whoever sees the memorial; 404 when it has none. Times are in the memorial's time zone.",
        parameters=[SLUG_PARAMETER],
        responses={200: FuneralSerializer, 404: NOT_FOUND},
    ),
    delete=extend_schema(
        summary="Take the funeral notice off the memorial (managers)",
        parameters=[SLUG_PARAMETER],
        responses={204: None, 401: SIGN_IN, 403: FORBIDDEN, 404: NOT_FOUND},
    ),
    put=extend_schema(
        summary="Write the funeral notice (managers)",
        description=(
            "The whole notice: fields left out are emptied. Refused (400, nothing changed) when the 발인 is "
            "before the date of death, the 입관 after the 발인, or the phone is not digits and hyphens."
        ),
        parameters=[SLUG_PARAMETER],
        request=FuneralSerializer,
        responses={200: FuneralSerializer, 400: None, 401: SIGN_IN, 403: FORBIDDEN, 404: NOT_FOUND},
    ),
)
class FuneralView(MemorialAPIMixin, generics.GenericAPIView):
    serializer_class = FuneralSerializer
    http_method_names = ["get", "put", "delete", "head", "options"]

    def _answer(self, memorial, funeral):
        with timezone.override(timezones.zone_of(memorial)):
            return Response(
                self.get_serializer(funeral, context={**self.get_serializer_context(), "memorial": memorial}).data
            )

    def get(self, request, *args, **kwargs):
        memorial = permissions.memorial_for(request.user, kwargs["slug"])
        return self._answer(memorial, permissions.funeral_for(request.user, memorial))

    def put(self, request, *args, **kwargs):
        memorial = permissions.memorial_for(request.user, kwargs["slug"], "edit_funeral")
        with timezone.override(timezones.zone_of(memorial)):  # a time without an offset is the family's
            serializer = self.get_serializer(
                data=request.data, context={**self.get_serializer_context(), "memorial": memorial}
            )
            serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        try:
            funeral = bugo.save_funeral(memorial=memorial, **fields)
        except ValidationError as exc:
            body = {
                ("hall" if name.startswith("hall_") else name): messages for name, messages in exc.message_dict.items()
            }
            return Response(body, status=400)
        return self._answer(memorial, funeral)

    def delete(self, request, *args, **kwargs):
        memorial = permissions.memorial_for(request.user, kwargs["slug"], "edit_funeral")
        permissions.funeral_for(request.user, memorial, "edit_funeral")  # 404 when there is none
        bugo.delete_funeral(memorial=memorial)
        return Response(status=204)
