"""Company users, company roles and project roles (platform-behaviour §8)."""

import pytest
from sqlalchemy import select

from ml3_platform.auth.passwords import verify_password
from ml3_platform.db.tables import User
from ml3_platform_sdk.client import ML3PlatformClient
from ml3_platform_sdk.enums import (
    ApiKeyExpirationTime,
    StoragePolicy,
    UserCompanyRole,
    UserProjectRole,
)
from ml3_platform_sdk.exceptions import SDKClientException
from support import database_session, unique

ADMIN = UserCompanyRole.COMPANY_ADMIN
USER = UserCompanyRole.COMPANY_USER


def code_of(call, *args) -> str:
    with pytest.raises(SDKClientException) as raised:
        call(*args)
    return raised.value.error_code


def new_project(client: ML3PlatformClient) -> str:
    return client.create_project(unique("project"), None, StoragePolicy.MLCUBE)


def test_owner_creates_users_whose_passwords_are_hashed(platform, company):
    admin = company.add(ADMIN)
    user = company.add(USER)

    roles = {u.user_id: u.company_role for u in user.client.get_company_users()}
    assert roles == {
        company.owner.user_id: UserCompanyRole.COMPANY_OWNER,
        admin.user_id: ADMIN,
        user.user_id: USER,
    }
    with database_session(platform.settings) as session:
        stored = session.scalar(select(User.password_hash).where(User.id == user.user_id))
    assert "s3cret-pw" not in stored
    assert verify_password("s3cret-pw", stored)
    assert not verify_password("wrong", stored)


def test_usernames_are_unique_and_ownership_is_not_grantable(company):
    owner = company.owner.client
    name = unique("user")
    owner.create_company_user("A", "B", name, "pw", "a@b.c", USER)
    args = ("A", "B", name, "pw", "a@b.c", USER)
    assert code_of(owner.create_company_user, *args) == "USER_ALREADY_EXISTS"
    args = ("A", "B", unique("user"), "pw", "a@b.c", UserCompanyRole.COMPANY_OWNER)
    assert code_of(owner.create_company_user, *args) == "COMPANY_ROLE_NOT_ALLOWED"


@pytest.mark.parametrize(
    "email", ["ada", "ada@", "ada@example", "ada@@example.org", "ada @example.org"]
)
def test_a_malformed_email_address_is_refused(company, email):
    """A new user needs an address mail could reach: refused with the address
    named, and no user is made."""
    owner = company.owner.client
    before = owner.get_company_users()

    with pytest.raises(SDKClientException) as raised:
        owner.create_company_user("A", "B", unique("user"), "pw", email, USER)

    assert raised.value.error_code == "INVALID_EMAIL_ADDRESS"
    assert repr(email) in raised.value.error_message
    assert owner.get_company_users() == before


def test_project_roles_are_for_company_users_only(company, capsys):
    owner = company.owner.client
    user = company.add(USER)
    project_id = new_project(owner)
    assert user.client.get_projects() == []

    owner.add_user_project_role(user.user_id, project_id, UserProjectRole.PROJECT_VIEW)
    assert [p.project_id for p in user.client.get_projects()] == [project_id]
    assert [p.project_id for p in owner.get_user_projects(user.user_id)] == [
        project_id
    ]
    owner.show_user_projects(user.user_id)
    assert project_id in capsys.readouterr().out

    # Promotion to admin drops the project roles: an admin sees everything.
    owner.change_user_company_role(user.user_id, ADMIN)
    args = (user.user_id, project_id, UserProjectRole.PROJECT_USER)
    assert code_of(owner.add_user_project_role, *args) == "PROJECT_ROLE_NOT_ALLOWED"
    owner.change_user_company_role(user.user_id, USER)
    assert user.client.get_projects() == []

    owner.add_user_project_role(user.user_id, project_id, UserProjectRole.PROJECT_USER)
    owner.delete_project_role(user.user_id, project_id)
    args = (user.user_id, project_id)
    assert code_of(owner.delete_project_role, *args) == "PROJECT_ROLE_NOT_FOUND"


def test_ownership_moves_and_the_old_owner_becomes_admin(company):
    old = company.owner
    heir = company.add(USER)
    old.client.change_company_owner(heir.user_id)

    roles = {u.user_id: u.company_role for u in heir.client.get_company_users()}
    assert roles[heir.user_id] == UserCompanyRole.COMPANY_OWNER
    assert roles[old.user_id] == ADMIN
    args = ("A", "B", unique("user"), "pw", "a@b.c", USER)
    assert code_of(old.client.create_company_user, *args) == "PERMISSION_DENIED"
    heir.client.create_company_user(*args)


def test_admins_manage_company_users_but_not_other_admins(company):
    admin = company.add(ADMIN)
    other_admin = company.add(ADMIN)
    user = company.add(USER)
    never = ApiKeyExpirationTime.NEVER

    key = admin.client.create_user_api_key(user.user_id, "by admin", never)
    assert ML3PlatformClient(company.platform.url, key).get_company().company_id
    for call, args in [
        (admin.client.create_user_api_key, (other_admin.user_id, "k", never)),
        (admin.client.get_user_api_keys, (other_admin.user_id,)),
        (admin.client.delete_company_user, (other_admin.user_id,)),
        (admin.client.delete_company_user, (company.owner.user_id,)),
        (admin.client.change_user_company_role, (user.user_id, ADMIN)),
    ]:
        assert code_of(call, *args) == "PERMISSION_DENIED", call.__name__

    admin.client.delete_company_user(user.user_id)
    assert user.user_id not in {u.user_id for u in admin.client.get_company_users()}


def test_a_deleted_user_is_gone_with_their_keys(company):
    user = company.add(USER)
    company.owner.client.delete_company_user(user.user_id)
    assert code_of(user.client.get_api_keys) == "API_KEY_INVALID"
    args = (user.user_id,)
    assert code_of(company.owner.client.delete_company_user, *args) == "USER_NOT_FOUND"
    assert code_of(company.owner.client.delete_company_user, company.owner.user_id) == (
        "CANNOT_DELETE_SELF"
    )


def test_users_of_another_company_read_as_unknown(company, other_company, capsys):
    user = company.add(USER)
    stranger = other_company.owner.client
    for call, args in [
        (stranger.get_user_projects, (user.user_id,)),
        (stranger.delete_company_user, (user.user_id,)),
        (stranger.change_company_owner, (user.user_id,)),
        (stranger.change_user_company_role, (user.user_id, ADMIN)),
        (stranger.get_user_api_keys, (user.user_id,)),
        (stranger.delete_user_api_key, (user.user_id, "anything")),
    ]:
        assert code_of(call, *args) == "USER_NOT_FOUND", call.__name__
    project_id = new_project(company.owner.client)
    args = (other_company.owner.user_id, project_id, UserProjectRole.PROJECT_VIEW)
    assert code_of(company.owner.client.add_user_project_role, *args) == (
        "USER_NOT_FOUND"
    )

    stranger.show_company_users()
    shown = capsys.readouterr().out
    assert other_company.owner.user_id in shown
    assert user.user_id not in shown
