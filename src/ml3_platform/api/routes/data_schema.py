"""A task's data schema."""

from fastapi import APIRouter

from ml3_platform.api.deps import CurrentUser, JsonBody, SessionDep
from ml3_platform.services import data_schemas
from ml3_platform_sdk.bodies import CreateDataSchema
from ml3_platform_sdk.models import DataSchema

router = APIRouter(tags=["data schema"])


@router.post("/data-schema")
def add_data_schema(
    session: SessionDep, user: CurrentUser, body: JsonBody[CreateDataSchema]
) -> None:
    """Set a task's schema; it is fixed from then on."""
    data_schemas.add_data_schema(session, user, body)


@router.get("/data-schema/{task_id}")
def get_data_schema(session: SessionDep, user: CurrentUser, task_id: str) -> DataSchema:
    """A task's schema, with one prediction column per model version."""
    return data_schemas.get_data_schema(session, user, task_id)
