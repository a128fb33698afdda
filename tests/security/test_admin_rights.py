"""The user admin hands out rights only from a superuser (issue 16, section 7): an Admin (staff,
with the user permissions, not a superuser) who posts superuser or staff status, groups or
permissions, for itself or another user, on the change or the add form, changes none of them;
it cannot change a superuser's account, its password, or delete it. A superuser still can."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.test import Client
from django.urls import reverse

from planning.roles import ADMIN, MANAGER, PLANNER

RIGHTS = ("is_superuser", "is_staff")


@pytest.fixture
def admin_client_(admin_user: User) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.fixture
def root(db: None) -> User:
    return User.objects.create_superuser("root", "root@example.com", "a long root password")


def _rights(user: User) -> tuple[Any, ...]:
    user.refresh_from_db()
    return (
        user.is_superuser,
        user.is_staff,
        sorted(user.groups.values_list("name", flat=True)),
        sorted(user.user_permissions.values_list("codename", flat=True)),
        user.password,
    )


def _change_form(user: User, **fields: Any) -> dict[str, Any]:
    """What the change form posts for `user`, plus a grab at every right."""
    return {
        "username": user.username,
        "first_name": "Changed",
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "is_superuser": "on",
        "is_staff": "on",
        "groups": [group.pk for group in Group.objects.filter(name__in=[ADMIN, MANAGER])],
        "user_permissions": [Permission.objects.get(codename="delete_user").pk],
        **fields,
    }


def _change(client: Client, user: User, **fields: Any) -> Any:
    return client.post(reverse("admin:auth_user_change", args=[user.pk]), _change_form(user, **fields))


def test_an_admin_who_posts_rights_for_itself_gets_none(admin_client_: Client, admin_user: User) -> None:
    before = _rights(admin_user)

    response = _change(admin_client_, admin_user)

    assert response.status_code == 302  # the rest of the form is saved
    assert _rights(admin_user) == before == (False, True, [ADMIN], [], admin_user.password)
    assert User.objects.get(pk=admin_user.pk).first_name == "Changed"


def test_an_admin_who_posts_rights_for_another_user_gives_none(admin_client_: Client, planner: User) -> None:
    before = _rights(planner)

    response = _change(admin_client_, planner)

    assert response.status_code == 302
    assert _rights(planner) == before == (False, False, [PLANNER], [], planner.password)


def test_the_admin_s_change_form_shows_the_rights_read_only(admin_client_: Client, planner: User) -> None:
    form = admin_client_.get(reverse("admin:auth_user_change", args=[planner.pk])).context["adminform"].form

    assert set(form.fields) & {"is_superuser", "is_staff", "groups", "user_permissions"} == set()
    assert {"username", "first_name", "email", "is_active"} <= set(form.fields)


def test_an_admin_who_adds_a_user_with_rights_adds_one_without(admin_client_: Client) -> None:
    response = admin_client_.post(
        reverse("admin:auth_user_add"),
        {
            "username": "mallory",
            "usable_password": "true",
            "password1": "a long new password 1",
            "password2": "a long new password 1",
            "is_superuser": "on",
            "is_staff": "on",
            "groups": [Group.objects.get(name=ADMIN).pk],
            "user_permissions": [Permission.objects.get(codename="delete_user").pk],
        },
    )

    assert response.status_code == 302
    mallory = User.objects.get(username="mallory")
    assert _rights(mallory)[:4] == (False, False, [], [])


def test_an_admin_cannot_change_a_superuser(admin_client_: Client, root: User) -> None:
    before = _rights(root)
    url = reverse("admin:auth_user_change", args=[root.pk])

    assert _change(admin_client_, root, is_superuser="", is_staff="", is_active="").status_code == 403
    page = admin_client_.get(url)
    assert page.status_code == 200  # view only: the Admin may see users
    assert 'name="_save"' not in page.content.decode()
    password = reverse("admin:auth_user_password_change", args=[root.pk])
    assert admin_client_.get(password).status_code == 403
    posted = {"password1": "taken over 12345", "password2": "taken over 12345", "usable_password": "true"}
    assert admin_client_.post(password, posted).status_code == 403
    assert (
        admin_client_.post(reverse("admin:auth_user_delete", args=[root.pk]), {"post": "yes"}).status_code
        == 403
    )

    assert _rights(root) == before
    root.refresh_from_db()
    assert (root.is_active, root.first_name) == (True, "")


def test_a_superuser_still_grants_and_takes_rights(root: User, planner: User) -> None:
    client = Client()
    client.force_login(root)

    response = _change(client, planner)

    assert response.status_code == 302
    assert _rights(planner)[:4] == (True, True, [ADMIN, MANAGER], ["delete_user"])

    response = _change(client, planner, is_superuser="", is_staff="", groups=[], user_permissions=[])

    assert response.status_code == 302
    assert _rights(planner)[:4] == (False, False, [], [])
    other = User.objects.create_superuser("root2", "r2@example.com", "another long password")
    assert _change(client, other, first_name="Second").status_code == 302
