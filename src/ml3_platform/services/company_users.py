"""Company users, company roles and project roles (platform-behaviour §8).

The route table (``ml3_platform.auth.permissions``) has already checked the
caller's company role; the rules here are those that depend on the other
user: admins manage company users but not other admins, project roles go to
company users only, and a user of another company answers as unknown.
A new user's e-mail address must be one address (``email-validator``'s
syntax check; whether its domain takes mail is not asked).
"""

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ml3_platform.auth.passwords import hash_password
from ml3_platform.db.tables import Project, ProjectRole, User
from ml3_platform.services.access import (
    company_id_of,
    project_for,
    visible_project_ids,
)
from ml3_platform.services.errors import DomainError, not_found
from ml3_platform.services.projects import to_wire
from ml3_platform_sdk import models
from ml3_platform_sdk.bodies import (
    AddUserProjectRole,
    ChangeUserCompanyRole,
    CreateCompanyUser,
    DeleteUserProjectRole,
)
from ml3_platform_sdk.enums import UserCompanyRole

OWNER = UserCompanyRole.COMPANY_OWNER.value
ADMIN = UserCompanyRole.COMPANY_ADMIN.value
USER = UserCompanyRole.COMPANY_USER.value
# Ownership moves only by transfer, and leaving a company is a deletion.
GRANTABLE = {ADMIN, USER}


def create_company_user(session: Session, owner: User, body: CreateCompanyUser) -> str:
    company_id = company_id_of(owner)
    role = _grantable(body.company_role)
    email = _checked_email(body.email)
    if session.scalar(select(User.id).where(User.username == body.username)):
        raise DomainError(
            "USER_ALREADY_EXISTS", f"a user named {body.username!r} already exists"
        )
    user = User(
        name=body.name,
        surname=body.surname,
        username=body.username,
        email=email,
        password_hash=hash_password(body.password),
        company_id=company_id,
        company_role=role,
    )
    session.add(user)
    session.commit()
    return user.id


def list_company_users(session: Session, caller: User) -> list[models.CompanyUser]:
    query = (
        select(User)
        .where(User.company_id == company_id_of(caller))
        .order_by(User.created_at, User.id)
    )
    return [
        models.CompanyUser(user_id=user.id, company_role=user.company_role)
        for user in session.scalars(query)
    ]


def change_company_role(
    session: Session, owner: User, body: ChangeUserCompanyRole
) -> None:
    role = _grantable(body.company_role)
    user = member(session, owner, body.user_id)
    if user.id == owner.id:
        raise DomainError(
            "OWNER_ROLE_FIXED",
            "the owner keeps the role; hand ownership over with change_company_owner",
        )
    user.company_role = role
    if role != USER:
        _drop_project_roles(session, user)
    session.commit()


def change_company_owner(session: Session, owner: User, user_id: str) -> None:
    """The new owner's project roles go: an owner has every right anyway."""
    user = member(session, owner, user_id)
    if user.id == owner.id:
        raise DomainError("ALREADY_OWNER", "the caller already owns the company")
    user.company_role = OWNER
    owner.company_role = ADMIN
    _drop_project_roles(session, user)
    session.commit()


def delete_company_user(session: Session, caller: User, user_id: str) -> None:
    user = member(session, caller, user_id)
    if user.id == caller.id:
        raise DomainError("CANNOT_DELETE_SELF", "a user cannot delete themselves")
    require_manageable(caller, user)
    # Keys and project roles go with the user (ON DELETE CASCADE).
    session.delete(user)
    session.commit()


def user_projects(session: Session, caller: User, user_id: str) -> list[models.Project]:
    """The projects ``user_id`` works on, among those the caller may view."""
    user = member(session, caller, user_id)
    query = select(Project).where(Project.id.in_(visible_project_ids(caller)))
    if user.company_role == USER:
        query = query.where(
            Project.id.in_(
                select(ProjectRole.project_id).where(ProjectRole.user_id == user.id)
            )
        )
    else:
        query = query.where(Project.company_id == user.company_id)
    query = query.order_by(Project.created_at, Project.id)
    return [to_wire(project) for project in session.scalars(query)]


def add_project_role(session: Session, caller: User, body: AddUserProjectRole) -> None:
    user = member(session, caller, body.user_id)
    project = project_for(session, caller, body.project_id)
    if user.company_role != USER:
        raise DomainError(
            "PROJECT_ROLE_NOT_ALLOWED",
            "project roles are for company users; owners and admins already "
            "have every right on every project",
        )
    role = session.get(ProjectRole, (user.id, project.id))
    if role is None:
        role = ProjectRole(user_id=user.id, project_id=project.id)
        session.add(role)
    role.role = body.project_role.value
    session.commit()


def delete_project_role(
    session: Session, caller: User, body: DeleteUserProjectRole
) -> None:
    user = member(session, caller, body.user_id)
    project = project_for(session, caller, body.project_id)
    role = session.get(ProjectRole, (user.id, project.id))
    if role is None:
        raise DomainError(
            "PROJECT_ROLE_NOT_FOUND",
            f"user {user.id} has no role on project {project.id}",
        )
    session.delete(role)
    session.commit()


def member(session: Session, caller: User, user_id: str) -> User:
    """A user of the caller's company; any other id reads as unknown."""
    user = session.get(User, user_id)
    if user is None or user.company_id != company_id_of(caller):
        raise not_found("user", user_id)
    return user


def require_manageable(caller: User, user: User) -> None:
    """Owners manage everyone; admins manage themselves and company users."""
    if caller.company_role == OWNER or user.id == caller.id:
        return
    if user.company_role != USER:
        raise DomainError(
            "PERMISSION_DENIED", "an admin may only manage company users"
        )


def _grantable(role: UserCompanyRole) -> str:
    if role.value not in GRANTABLE:
        raise DomainError(
            "COMPANY_ROLE_NOT_ALLOWED",
            f"{role.value} cannot be given here: choose COMPANY_ADMIN or "
            "COMPANY_USER (ownership moves with change_company_owner)",
        )
    return role.value


def _checked_email(address: str) -> str:
    """The address in its normalised form (the domain in lower case)."""
    try:
        checked = validate_email(address, check_deliverability=False)
    except EmailNotValidError as error:
        raise DomainError(
            "INVALID_EMAIL_ADDRESS", f"{address!r} is not an e-mail address: {error}"
        ) from None
    return checked.normalized


def _drop_project_roles(session: Session, user: User) -> None:
    session.execute(delete(ProjectRole).where(ProjectRole.user_id == user.id))
