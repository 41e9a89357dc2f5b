"""KPIs and their data."""

from fastapi import APIRouter

from ml3_platform.api.deps import CurrentUser, JsonBody, SessionDep
from ml3_platform.services import kpis
from ml3_platform_sdk.bodies import AddKPIData, CreateKPI
from ml3_platform_sdk.models import KPI

router = APIRouter(tags=["kpis"])


@router.post("/kpi")
def create_kpi(session: SessionDep, user: CurrentUser, body: JsonBody[CreateKPI]) -> str:
    """Create a KPI in a project."""
    return kpis.create_kpi(session, user, body)


@router.get("/kpi/{kpi_id}")
def get_kpi(session: SessionDep, user: CurrentUser, kpi_id: str) -> KPI:
    """One KPI with its status."""
    return kpis.get_kpi(session, user, kpi_id)


@router.get("/kpis/{project_id}")
def list_kpis(session: SessionDep, user: CurrentUser, project_id: str) -> list[KPI]:
    """The KPIs of a project."""
    return kpis.list_kpis(session, user, project_id)


@router.post("/data/kpi")
def add_kpi_data(
    session: SessionDep, user: CurrentUser, body: JsonBody[AddKPIData]
) -> str:
    """Queue a job that stores and monitors an uploaded KPI file."""
    return kpis.add_kpi_data(session, user, body)
