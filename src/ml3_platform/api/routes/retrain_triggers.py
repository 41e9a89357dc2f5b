"""Retrain triggers (protocol §2.14)."""

from fastapi import APIRouter
from pydantic import RootModel

from ml3_platform.api.deps import CurrentUser, JsonBody, SessionDep, SettingsDep
from ml3_platform.services import retrain_triggers
from ml3_platform_sdk.bodies import ModelIdBody, TestRetrainTrigger
from ml3_platform_sdk.models import RetrainTrigger

router = APIRouter(tags=["retrain triggers"])


class TriggerBody(RootModel[RetrainTrigger]):
    """The trigger object itself, not wrapped (protocol §2.14)."""


@router.post("/model/{model_id}/retrain-trigger")
def set_retrain_trigger(
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    model_id: str,
    body: JsonBody[TriggerBody],
) -> None:
    """Set or replace the model's retrain trigger."""
    retrain_triggers.set_trigger(session, user, settings, model_id, body.root)


@router.delete("/model/{model_id}/retrain-trigger")
def remove_retrain_trigger(
    session: SessionDep, user: CurrentUser, model_id: str
) -> None:
    """Remove the model's retrain trigger."""
    retrain_triggers.remove_trigger(session, user, model_id)


@router.post("/test-retrain-trigger")
def test_retrain_trigger(
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    body: JsonBody[TestRetrainTrigger],
) -> None:
    """Send a test retrain request now; the provider's refusal is a 400."""
    retrain_triggers.test_trigger(session, user, settings, body)


@router.post("/retrain-model")
def retrain_model(
    session: SessionDep, user: CurrentUser, body: JsonBody[ModelIdBody]
) -> str:
    """Queue a job that fires the model's retrain trigger; its id."""
    return retrain_triggers.request_retrain(session, user, body)
