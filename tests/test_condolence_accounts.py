"""마음 전하실 곳: the accounts a family publishes for condolence money. Only its managers set
them; the owner hears of every change at once; guests see them only where the family chose;
the guestbook still holds any account number a stranger writes."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from memorial.models import Condolence, CondolenceAccount, CondolenceAccountChange

pytestmark = pytest.mark.django_db

ACCOUNT = {"bank": "KB국민은행", "number": "123-456-789012", "holder": "김철수", "relation": "상주"}


def accounts_url(memorial):
    return reverse("memorial:accounts", args=[memorial.slug])


def api_url(memorial, pk=None):
    return f"/api/v1/memorials/{memorial.slug}/accounts/" + (f"{pk}/" if pk else "")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def publish(memorial, manager, *, shown=True, **account):
    """A manager adds the account on the managers' page and chooses whether guests see it."""
    client = signed_in(manager)
    assert client.post(accounts_url(memorial), {**ACCOUNT, **account}).status_code == 302
    client.post(reverse("memorial:accounts_shown", args=[memorial.slug]), {"shown": "on"} if shown else {})
    return CondolenceAccount.objects.get(memorial=memorial, number=account.get("number", ACCOUNT["number"]))


def test_a_family_account_number_change_is_emailed_to_the_owner(family, memorial, django_capture_on_commit_callbacks):
    manager = signed_in(family.manager)
    with django_capture_on_commit_callbacks(execute=True):
        manager.post(accounts_url(memorial), ACCOUNT)
    account = CondolenceAccount.objects.get(memorial=memorial)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(
            reverse("memorial:account_edit", args=[memorial.slug, account.pk]), {**ACCOUNT, "number": "987-654-321098"}
        )

    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["owner@example.com"]
    assert "Manager" in message.body and "manager@example.com" in message.body  # who
    assert "123-456-789012" in message.body and "987-654-321098" in message.body  # what, before and after
    change = CondolenceAccountChange.objects.filter(memorial=memorial).first()
    assert (change.action, change.before["number"], change.after["number"]) == (
        "changed",
        "123-456-789012",
        "987-654-321098",
    )
    assert change.by == family.manager and change.owner_emailed
    # The managers' page lists every change, the addition first made too.
    page = manager.get(accounts_url(memorial)).content.decode()
    assert page.count("Manager") >= 2 and "987-654-321098" in page


def test_removing_or_changing_an_account_through_the_api_is_emailed_too(
    family, memorial, django_capture_on_commit_callbacks
):
    api = APIClient()
    api.force_authenticate(family.manager)
    with django_capture_on_commit_callbacks(execute=True):
        created = api.post(api_url(memorial), ACCOUNT, format="json")
        assert created.status_code == 201
        pk = created.json()["id"]
        assert api.patch(api_url(memorial, pk), {"holder": "김영수"}, format="json").status_code == 200
        assert api.put(f"{api_url(memorial)}shown/", {"shown": True}, format="json").status_code == 200
        assert api.delete(api_url(memorial, pk)).status_code == 204
    assert [m.to for m in mail.outbox] == [["owner@example.com"]] * 4
    assert "김철수" in mail.outbox[1].body and "김영수" in mail.outbox[1].body
    assert "123-456-789012" in mail.outbox[3].body  # what was removed
    actions = list(CondolenceAccountChange.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["added", "changed", "shown", "removed"]
    assert not CondolenceAccount.objects.exists()


@pytest.mark.parametrize("visibility", ["public", "unlisted"])
def test_a_guest_copies_the_family_account_only_where_the_family_chose(family, visibility):
    memorial = family.memorial(visibility)
    account = publish(memorial, family.manager, shown=False)
    guest = Client()
    assert account.number not in guest.get(memorial.get_absolute_url()).content.decode()
    assert Client().get(api_url(memorial)).json() == {"shown": False, "accounts": []}

    signed_in(family.manager).post(reverse("memorial:accounts_shown", args=[memorial.slug]), {"shown": "on"})

    html = guest.get(memorial.get_absolute_url()).content.decode()
    assert f'data-copy="{account.number}"' in html  # the copy button
    assert "김철수" in html and "상주" in html and 'role="status"' in html
    listed = guest.get(api_url(memorial)).json()
    assert listed["shown"] is True and listed["accounts"][0]["number"] == account.number


def test_a_private_memorial_shows_its_accounts_to_members_only(family):
    memorial = family.memorial("private")
    account = publish(memorial, family.manager, shown=True)
    assert Client().get(memorial.get_absolute_url()).status_code == 404
    assert signed_in(family.stranger).get(api_url(memorial)).status_code == 404
    assert f'data-copy="{account.number}"' in signed_in(family.viewer).get(memorial.get_absolute_url()).content.decode()


def test_a_stranger_cannot_publish_an_account_number_through_the_guestbook(family, memorial):
    family_account = publish(memorial, family.manager, shown=True)
    guest = Client()
    messages = [
        f"삼가 고인의 명복을 빕니다. {family_account.bank} {family_account.number}",  # even the family's own number
        "부의금은 이쪽으로 보내주세요 SC제일은행 123-45-678901 김철수",  # another, shorter account
        "신한 110-123-456789 홍길동",
    ]
    for number, message in enumerate(messages):
        response = guest.post(
            reverse("memorial:condole", args=[memorial.slug]), {"guest_name": f"손님 {number}", "message": message}
        )
        assert response.status_code == 302
    held = Condolence.objects.filter(memorial=memorial)
    assert held.count() == 3 and all(c.status == Condolence.Status.PENDING and c.held_reason for c in held)
    page = Client().get(memorial.get_absolute_url()).content.decode()
    assert "123-45-678901" not in page and "110-123-456789" not in page


@pytest.mark.parametrize("who", ["contributor", "viewer", "stranger", "anonymous"])
def test_a_relative_who_is_not_a_manager_cannot_change_an_account(
    family, memorial, who, django_capture_on_commit_callbacks
):
    account = publish(memorial, family.manager)
    mail.outbox.clear()
    user = family.user(who)
    client = signed_in(user) if user else Client()
    api = APIClient()
    if user:
        api.force_authenticate(user)
    edit = reverse("memorial:account_edit", args=[memorial.slug, account.pk])
    with django_capture_on_commit_callbacks(execute=True):
        page_answers = [
            client.post(edit, {**ACCOUNT, "number": "999-999-999999"}).status_code,
            client.post(reverse("memorial:account_remove", args=[memorial.slug, account.pk])).status_code,
            client.post(accounts_url(memorial), {**ACCOUNT, "number": "888-888-888888"}).status_code,
            client.get(accounts_url(memorial)).status_code,
        ]
        api_answers = [
            api.patch(api_url(memorial, account.pk), {"number": "999-999-999999"}, format="json").status_code,
            api.delete(api_url(memorial, account.pk)).status_code,
            api.post(api_url(memorial), {**ACCOUNT, "number": "888-888-888888"}, format="json").status_code,
            api.put(f"{api_url(memorial)}shown/", {"shown": False}, format="json").status_code,
        ]
    if user:
        assert page_answers == [403] * 4 and api_answers == [403] * 4
    else:
        assert all(code == 302 for code in page_answers) and api_answers == [401] * 4  # sign in first
    assert list(CondolenceAccount.objects.values_list("number", flat=True)) == ["123-456-789012"]
    assert CondolenceAccountChange.objects.count() == 2 and not mail.outbox  # the manager's addition and showing


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"number": "123 456 789012"}, "only digits and hyphens"),
        ({"number": "123-456-78901x"}, "only digits and hyphens"),
        ({"number": "123--456789012"}, "hyphens only between digits"),
        ({"number": "-123456789012"}, "hyphens only between digits"),
        ({"number": "12345"}, "6 to 20 digits; this one has 5"),
        ({"number": "1" * 21}, "6 to 20 digits; this one has 21"),
        ({"bank": ""}, "Enter the bank"),
        ({"holder": "  "}, "holder"),
    ],
)
def test_a_bad_account_is_refused_with_a_clear_error_and_nothing_is_stored(family, memorial, fields, error):
    manager = signed_in(family.manager)
    response = manager.post(accounts_url(memorial), {**ACCOUNT, **fields})
    assert response.status_code == 400 and error in response.content.decode()
    api = APIClient()
    api.force_authenticate(family.manager)
    response = api.post(api_url(memorial), {**ACCOUNT, **fields}, format="json")
    assert response.status_code == 400
    assert not CondolenceAccount.objects.exists() and not CondolenceAccountChange.objects.exists()


def test_the_managers_page_suggests_korean_banks_and_the_export_keeps_the_accounts(family, memorial):
    from memorial.export import collect

    publish(memorial, family.manager)
    page = signed_in(family.manager).get(accounts_url(memorial)).content.decode()
    assert 'list="korean-banks"' in page and '<option value="카카오뱅크">' in page
    memorial.refresh_from_db()
    data = collect(memorial).data["memorial"]["condolence_accounts"]
    assert data == {"shown": True, "accounts": [ACCOUNT]}
