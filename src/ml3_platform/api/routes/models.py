"""Models."""

from fastapi import APIRouter

from ml3_platform.api.deps import CurrentUser, JsonBody, SessionDep
from ml3_platform.services import models
from ml3_platform_sdk.bodies import CreateModel
from ml3_platform_sdk.models import Model

router = APIRouter(tags=["models"])


@router.post("/model")
def create_model(
    session: SessionDep, user: CurrentUser, body: JsonBody[CreateModel]
) -> str:
    """Create a model and its first version."""
    return models.create_model(session, user, body)


@router.get("/model/{model_id}")
def get_model(session: SessionDep, user: CurrentUser, model_id: str) -> Model:
    """A model at its current version."""
    return models.get_model(session, user, model_id)


@router.get("/models/{task_id}")
def list_models(session: SessionDep, user: CurrentUser, task_id: str) -> list[Model]:
    """Every version of every model of a task, one entry each."""
    return models.list_models(session, user, task_id)
