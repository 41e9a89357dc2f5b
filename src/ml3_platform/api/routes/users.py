"""Company users, their company roles and their project roles."""

from fastapi import APIRouter

from ml3_platform.api.deps import CurrentUser, JsonBody, SessionDep
from ml3_platform.services import company_users
from ml3_platform_sdk.bodies import (
    AddUserProjectRole,
    ChangeUserCompanyRole,
    CreateCompanyUser,
    DeleteUserProjectRole,
)
from ml3_platform_sdk.models import CompanyUser, Project

router = APIRouter(tags=["users"])


@router.post("/company-user")
def create_company_user(
    session: SessionDep, user: CurrentUser, body: JsonBody[CreateCompanyUser]
) -> str:
    """Create a user in the caller's company."""
    return company_users.create_company_user(session, user, body)


@router.get("/company-user")
def list_company_users(session: SessionDep, user: CurrentUser) -> list[CompanyUser]:
    """The users of the caller's company with their roles."""
    return company_users.list_company_users(session, user)


@router.delete("/company-user/{user_id}")
def delete_company_user(session: SessionDep, user: CurrentUser, user_id: str) -> None:
    """Delete a user of the company, with their keys and project roles."""
    company_users.delete_company_user(session, user, user_id)


@router.post("/change-user-company-role")
def change_user_company_role(
    session: SessionDep, user: CurrentUser, body: JsonBody[ChangeUserCompanyRole]
) -> None:
    """Make a user a company admin or a company user."""
    company_users.change_company_role(session, user, body)


@router.post("/company-owner/{user_id}")
def change_company_owner(session: SessionDep, user: CurrentUser, user_id: str) -> None:
    """Hand the company's ownership to another member; the caller becomes admin."""
    company_users.change_company_owner(session, user, user_id)


@router.get("/user-project/{user_id}")
def list_user_projects(
    session: SessionDep, user: CurrentUser, user_id: str
) -> list[Project]:
    """The projects a user works on."""
    return company_users.user_projects(session, user, user_id)


@router.post("/user-project-role")
def add_user_project_role(
    session: SessionDep, user: CurrentUser, body: JsonBody[AddUserProjectRole]
) -> None:
    """Give a company user a role on a project (or change it)."""
    company_users.add_project_role(session, user, body)


@router.delete("/user-project-role")
def delete_user_project_role(
    session: SessionDep, user: CurrentUser, body: JsonBody[DeleteUserProjectRole]
) -> None:
    """Take a user's role on a project away (a DELETE with a JSON body)."""
    company_users.delete_project_role(session, user, body)
