"""Companies: a user with none creates one and becomes its owner."""

from sqlalchemy.orm import Session

from ml3_platform.db.tables import Company, User
from ml3_platform.services.access import company_id_of, require_company_manager
from ml3_platform.services.errors import DomainError
from ml3_platform_sdk import models
from ml3_platform_sdk.bodies import CreateCompany, UpdateCompany
from ml3_platform_sdk.enums import UserCompanyRole


def create_company(session: Session, user: User, body: CreateCompany) -> str:
    if user.company_id is not None:
        raise DomainError(
            "COMPANY_ALREADY_EXISTS", "the user already belongs to a company"
        )
    company = Company(name=body.name, address=body.address, vat=body.vat)
    session.add(company)
    session.flush()

    user.company_id = company.id
    user.company_role = UserCompanyRole.COMPANY_OWNER.value
    session.commit()
    return company.id


def get_company(session: Session, user: User) -> models.Company:
    company = session.get(Company, company_id_of(user))
    return models.Company(
        company_id=company.id,
        name=company.name,
        address=company.address,
        vat=company.vat,
    )


def update_company(session: Session, user: User, body: UpdateCompany) -> None:
    company = session.get(Company, require_company_manager(user))
    for field, value in body.model_dump(exclude_none=True).items():
        setattr(company, field, value)
    session.commit()
