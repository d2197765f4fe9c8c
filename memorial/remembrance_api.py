"""The API of the years after (under /api/v1/memorials/<slug>/): the days of remembrance, a
member's reminders and calendar address, and the life timeline (Korean life events with lunar
dates). Thin, as memorial/api.py: permissions first, one domain function, render."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from memorial import calendar_feed, permissions, remembrance, reminders, services, timezones
from memorial.api import FORBIDDEN, NOT_FOUND, SIGN_IN, SLUG_PARAMETER, MemorialAPIMixin
from memorial.dates import entered_date, partial_date_input
from memorial.lunar import Calendar, format_lunar, in_table, to_lunar
from memorial.lunar import parse as parse_lunar
from memorial.models import Memorial, TimelineEvent, Visibility

# --- serializers -------------------------------------------------------------------------------------


class LunarDateSerializer(serializers.Serializer):
    date = serializers.CharField(read_only=True, help_text="The lunar date, YYYY-MM-DD.")
    leap_month = serializers.BooleanField(read_only=True, help_text="In a leap month (윤달).")
    display = serializers.CharField(read_only=True)


class RemembranceDaySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=remembrance.Kind.choices, read_only=True)
    event = serializers.CharField(read_only=True, help_text="The kind and calendar: giil-lunar, 49jae, ...")
    calendar = serializers.ChoiceField(choices=Calendar.choices, read_only=True)
    date = serializers.DateField(source="on", read_only=True, help_text="The solar date it falls on.")
    lunar = serializers.SerializerMethodField()
    number = serializers.IntegerField(read_only=True, allow_null=True, help_text="The Nth 주기 of a 기일.")
    title = serializers.CharField(read_only=True)
    ics_url = serializers.SerializerMethodField(help_text="The day alone, as an .ics file.")

    @extend_schema_field(LunarDateSerializer(allow_null=True))
    def get_lunar(self, day) -> dict | None:
        found = day.lunar
        return None if found is None else {"date": found.iso, "leap_month": found.leap, "display": format_lunar(found)}

    @extend_schema_field(OpenApiTypes.URI)
    def get_ics_url(self, day) -> str:
        memorial = self.context["memorial"]
        path = reverse("memorial:remembrance_event", args=[memorial.slug, day.event, day.on.isoformat()])
        return settings.SITE_URL + path


class RemembranceSerializer(serializers.Serializer):
    today = serializers.DateField(read_only=True, help_text="Today where the family is.")
    days = RemembranceDaySerializer(many=True, read_only=True)
    calendar_url = serializers.URLField(
        read_only=True,
        allow_null=True,
        help_text="The calendar to subscribe to: a public memorial's, or (members) your private address; else null.",
    )
    reminders = serializers.BooleanField(
        read_only=True, allow_null=True, help_text="Whether you get e-mail reminders (members); null for others."
    )


class RemindersSerializer(serializers.Serializer):
    subscribed = serializers.BooleanField(help_text="E-mail me a week before each day and on the day.")


class CalendarAddressSerializer(serializers.Serializer):
    calendar_url = serializers.URLField(read_only=True)


class TimelineEventSerializer(serializers.ModelSerializer):
    when = serializers.CharField(
        max_length=10,
        write_only=True,
        help_text="A year (1942), a month (1942-03) or a full date; a lunar date in full, with when_calendar=lunar.",
    )
    when_calendar = serializers.ChoiceField(choices=Calendar.choices, required=False, write_only=True)
    when_leap_month = serializers.BooleanField(required=False, write_only=True, help_text="In a leap month (윤달).")
    date = serializers.SerializerMethodField(help_text="The date as entered (the lunar one when entered so).")
    lunar_date = serializers.SerializerMethodField()

    class Meta:
        model = TimelineEvent
        fields = [
            "id",
            "kind",
            "when",
            "when_calendar",
            "when_leap_month",
            "date",
            "calendar",
            "leap_month",
            "happened_on",
            "precision",
            "lunar_date",
            "title",
            "description",
        ]
        read_only_fields = ["id", "calendar", "leap_month", "happened_on", "precision"]

    def get_date(self, event) -> str:
        if event.calendar == Calendar.LUNAR and event.lunar:
            return event.lunar
        return partial_date_input(event.happened_on, event.precision)

    @extend_schema_field(LunarDateSerializer(allow_null=True))
    def get_lunar_date(self, event) -> dict | None:
        if event.calendar == Calendar.LUNAR and event.lunar:
            found = parse_lunar(event.lunar, leap=event.leap_month)
        elif event.precision == "day" and in_table(event.happened_on):
            found = to_lunar(event.happened_on)
        else:
            return None
        return {"date": found.iso, "leap_month": found.leap, "display": format_lunar(found)}

    def validate(self, attrs):
        try:
            entered = entered_date(
                attrs.pop("when"),
                calendar=attrs.pop("when_calendar", Calendar.SOLAR),
                leap_month=attrs.pop("when_leap_month", False),
                prefix="when",
            )
        except ValueError as exc:
            raise serializers.ValidationError({"when": [str(exc)]}) from None
        if entered["when_on"] is None:
            raise serializers.ValidationError({"when": [_("Enter the date.")]})
        attrs.update(
            happened_on=entered["when_on"],
            precision=entered["when_precision"],
            calendar=entered["when_calendar"],
            lunar=entered["when_lunar"],
            leap_month=entered["when_leap_month"],
        )
        return attrs


# --- views -------------------------------------------------------------------------------------------


def calendar_url_for(memorial: Memorial, user) -> str | None:
    if memorial.visibility == Visibility.PUBLIC:
        return settings.SITE_URL + reverse("memorial:calendar_feed", args=[memorial.slug])
    if permissions.can(user, "remind", memorial):
        token = calendar_feed.token_for(memorial=memorial, user=user).token
        return settings.SITE_URL + reverse("memorial:private_calendar_feed", args=[token])
    return None


@extend_schema(
    summary="The days of remembrance of the coming year",
    description=(
        "기일 and 생신 by the calendar the family chose (lunar, solar or both), 삼우제, 49재 and 100일, from "
        "today (where the family is) to a year ahead; with the calendar to subscribe to and, for members, "
        "whether they get reminders."
    ),
    parameters=[SLUG_PARAMETER],
    responses={200: RemembranceSerializer, 404: NOT_FOUND},
)
class RemembranceView(MemorialAPIMixin, generics.GenericAPIView):
    queryset = Memorial.objects.none()
    serializer_class = RemembranceSerializer

    def get(self, request, *args, **kwargs):
        memorial = permissions.memorial_for(request.user, kwargs["slug"], "view")
        today = timezones.today_for(memorial)
        member = permissions.can(request.user, "remind", memorial)
        body = {
            "today": today,
            "days": remembrance.remembrance_days(memorial, start=today, end=today + datetime.timedelta(days=366)),
            "calendar_url": calendar_url_for(memorial, request.user),
            "reminders": reminders.is_subscribed(memorial=memorial, user=request.user) if member else None,
        }
        return Response(RemembranceSerializer(body, context={"memorial": memorial, "request": request}).data)


@extend_schema(parameters=[SLUG_PARAMETER])
class RemindersView(MemorialAPIMixin, generics.GenericAPIView):
    """Your e-mail reminders of this memorial's days (members)."""

    queryset = Memorial.objects.none()
    serializer_class = RemindersSerializer

    @extend_schema(
        summary="Whether you get e-mail reminders (members)",
        responses={200: RemindersSerializer, 401: SIGN_IN, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def get(self, request, *args, **kwargs):
        memorial = permissions.memorial_for(request.user, kwargs["slug"], "remind")
        return Response({"subscribed": reminders.is_subscribed(memorial=memorial, user=request.user)})

    @extend_schema(
        summary="Ask for e-mail reminders, or stop them (members)",
        request=RemindersSerializer,
        responses={200: RemindersSerializer, 400: None, 401: SIGN_IN, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def put(self, request, *args, **kwargs):
        memorial = permissions.memorial_for(request.user, kwargs["slug"], "remind")
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        if form.validated_data["subscribed"]:
            reminders.subscribe(memorial=memorial, user=request.user)
        else:
            reminders.unsubscribe(memorial_id=memorial.pk, user_id=request.user.pk)
        return Response({"subscribed": reminders.is_subscribed(memorial=memorial, user=request.user)})


@extend_schema(
    summary="A new private calendar address; the old one stops working (members)",
    parameters=[SLUG_PARAMETER],
    request=None,
    responses={200: CalendarAddressSerializer, 401: SIGN_IN, 403: FORBIDDEN, 404: NOT_FOUND},
)
class CalendarRevokeView(MemorialAPIMixin, generics.GenericAPIView):
    queryset = Memorial.objects.none()
    serializer_class = CalendarAddressSerializer

    def post(self, request, *args, **kwargs):
        memorial = permissions.memorial_for(request.user, kwargs["slug"], "remind")
        token = calendar_feed.revoke(memorial=memorial, user=request.user).token
        return Response({"calendar_url": settings.SITE_URL + reverse("memorial:private_calendar_feed", args=[token])})


@extend_schema(parameters=[SLUG_PARAMETER])
class TimelineView(MemorialAPIMixin, generics.GenericAPIView):
    queryset = Memorial.objects.none()
    serializer_class = TimelineEventSerializer

    @extend_schema(summary="The life timeline", responses={200: TimelineEventSerializer(many=True), 404: NOT_FOUND})
    def get(self, request, *args, **kwargs):
        memorial = permissions.memorial_for(request.user, kwargs["slug"], "view")
        page = self.paginate_queryset(memorial.events.all())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Add to the life timeline (managers): 돌, 환갑, 칠순 ... with a lunar date where it was kept so",
        responses={201: TimelineEventSerializer, 400: None, 401: SIGN_IN, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def post(self, request, *args, **kwargs):
        memorial = permissions.memorial_for(request.user, kwargs["slug"], "edit")
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        event = services.add_timeline_event(memorial=memorial, **form.validated_data)
        return Response(self.get_serializer(event).data, status=status.HTTP_201_CREATED)
