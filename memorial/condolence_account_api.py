"""/api/v1/memorials/<slug>/accounts/: 마음 전하실 곳, the family's accounts for condolence
money. Read by those who see them (``permissions.sees_condolence_accounts``); changed by the
memorial's managers only (the ``manage_accounts`` action), each change recorded and e-mailed to
the owner (memorial/condolence_accounts.py)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from memorial import condolence_accounts, permissions
from memorial.api import FORBIDDEN, NOT_FOUND, SIGN_IN, SLUG_PARAMETER, MemorialAPIMixin
from memorial.models import CondolenceAccount, Memorial


class CondolenceAccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = CondolenceAccount
        fields = ["id", "bank", "number", "holder", "relation"]
        read_only_fields = ["id"]
        extra_kwargs = {
            "bank": {"help_text": "The bank's name, such as KB국민은행."},
            "number": {"help_text": "Digits and hyphens only, 6 to 20 digits: 123-456-789012."},
            "holder": {"help_text": "The account holder's name."},
            "relation": {"help_text": "The holder's relation to the deceased, such as 상주 or 아들."},
        }


class CondolenceAccountsSerializer(serializers.Serializer):
    shown = serializers.BooleanField(help_text="Whether the family shows the accounts on the memorial page.")
    accounts = CondolenceAccountSerializer(many=True, read_only=True)


class AccountsShownSerializer(serializers.Serializer):
    shown = serializers.BooleanField(help_text="Show the accounts on the memorial page (true) or hide them.")


def _listing(memorial: Memorial, user) -> dict:
    visible = permissions.sees_condolence_accounts(user, memorial)
    accounts = condolence_accounts.accounts_of(memorial) if visible else []
    return {
        "shown": memorial.condolence_accounts_shown,
        "accounts": CondolenceAccountSerializer(accounts, many=True).data,
    }


class MemorialAccountsView(MemorialAPIMixin, generics.GenericAPIView):
    queryset = CondolenceAccount.objects.none()
    serializer_class = CondolenceAccountSerializer
    pagination_class = None

    @extend_schema(
        operation_id="memorial_accounts_list",
        summary="The family's accounts for condolence money (마음 전하실 곳)",
        description="Empty unless the family shows them (`shown`); the memorial's managers always see them.",
        parameters=[SLUG_PARAMETER],
        responses={200: CondolenceAccountsSerializer, 404: NOT_FOUND},
    )
    def get(self, request, slug):
        memorial = permissions.memorial_for(request.user, slug)
        return Response(_listing(memorial, request.user))

    @extend_schema(
        operation_id="memorial_accounts_create",
        summary="Add an account for condolence money (managers; the owner is e-mailed)",
        parameters=[SLUG_PARAMETER],
        responses={
            201: CondolenceAccountSerializer,
            400: OpenApiResponse(description="What to fix."),
            401: SIGN_IN,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def post(self, request, slug):
        memorial = permissions.memorial_for(request.user, slug, "manage_accounts")
        form = CondolenceAccountSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            account = condolence_accounts.add_account(memorial=memorial, by=request.user, **form.validated_data)
        except condolence_accounts.AccountRefused as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(CondolenceAccountSerializer(account).data, status=status.HTTP_201_CREATED)


class MemorialAccountView(MemorialAPIMixin, generics.GenericAPIView):
    queryset = CondolenceAccount.objects.none()
    serializer_class = CondolenceAccountSerializer

    def account(self, slug, pk):
        memorial = permissions.memorial_for(self.request.user, slug, "manage_accounts")
        return permissions.condolence_account_for(self.request.user, memorial, pk)

    @extend_schema(
        operation_id="memorial_account_retrieve",
        summary="One account for condolence money (managers)",
        parameters=[SLUG_PARAMETER],
        responses={200: CondolenceAccountSerializer, 401: SIGN_IN, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def get(self, request, slug, pk):
        return Response(CondolenceAccountSerializer(self.account(slug, pk)).data)

    def _change(self, request, slug, pk, *, partial):
        account = self.account(slug, pk)
        form = CondolenceAccountSerializer(account, data=request.data, partial=partial)
        form.is_valid(raise_exception=True)
        account = condolence_accounts.change_account(account=account, by=request.user, **form.validated_data)
        return Response(CondolenceAccountSerializer(account).data)

    @extend_schema(
        operation_id="memorial_account_partial_update",
        summary="Change an account (managers; the owner is e-mailed)",
        parameters=[SLUG_PARAMETER],
        responses={
            200: CondolenceAccountSerializer,
            400: OpenApiResponse(description="What to fix."),
            401: SIGN_IN,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def patch(self, request, slug, pk):
        return self._change(request, slug, pk, partial=True)

    @extend_schema(
        operation_id="memorial_account_update",
        summary="Replace an account (managers; the owner is e-mailed)",
        parameters=[SLUG_PARAMETER],
        responses={
            200: CondolenceAccountSerializer,
            400: OpenApiResponse(description="What to fix."),
            401: SIGN_IN,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def put(self, request, slug, pk):
        return self._change(request, slug, pk, partial=False)

    @extend_schema(
        operation_id="memorial_account_destroy",
        summary="Remove an account (managers; the owner is e-mailed)",
        parameters=[SLUG_PARAMETER],
        responses={204: None, 401: SIGN_IN, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def delete(self, request, slug, pk):
        condolence_accounts.remove_account(account=self.account(slug, pk), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MemorialAccountsShownView(MemorialAPIMixin, generics.GenericAPIView):
    queryset = CondolenceAccount.objects.none()
    serializer_class = AccountsShownSerializer

    @extend_schema(
        operation_id="memorial_accounts_shown_update",
        summary="Show or hide the accounts on the memorial page (managers; the owner is e-mailed)",
        parameters=[SLUG_PARAMETER],
        responses={
            200: CondolenceAccountsSerializer,
            400: OpenApiResponse(description="What to fix."),
            401: SIGN_IN,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def put(self, request, slug):
        memorial = permissions.memorial_for(request.user, slug, "manage_accounts")
        form = AccountsShownSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        memorial = condolence_accounts.set_shown(memorial=memorial, shown=form.validated_data["shown"], by=request.user)
        return Response(_listing(memorial, request.user))
