"""The caller's company."""

from fastapi import APIRouter

from ml3_platform.api.deps import CurrentUser, JsonBody, SessionDep
from ml3_platform.services import companies
from ml3_platform_sdk.bodies import CreateCompany, UpdateCompany
from ml3_platform_sdk.models import Company

router = APIRouter(tags=["company"])


@router.post("/company")
def create_company(
    session: SessionDep, user: CurrentUser, body: JsonBody[CreateCompany]
) -> str:
    """Create a company; the caller becomes its owner."""
    return companies.create_company(session, user, body)


@router.get("/company")
def get_company(session: SessionDep, user: CurrentUser) -> Company:
    """The caller's company."""
    return companies.get_company(session, user)


@router.patch("/company")
def update_company(
    session: SessionDep, user: CurrentUser, body: JsonBody[UpdateCompany]
) -> None:
    """Change the company's name, address or VAT number."""
    companies.update_company(session, user, body)
