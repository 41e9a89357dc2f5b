"""Retraining reports, suggestions and new model versions."""

from fastapi import APIRouter

from ml3_platform.api.deps import CurrentUser, JsonBody, SessionDep, StoreDep
from ml3_platform.services import retraining
from ml3_platform_sdk.bodies import (
    ModelIdBody,
    SetModelSuggestionType,
    UpdateModelVersionBySuggestionId,
    UpdateModelVersionFromTimeRange,
)
from ml3_platform_sdk.models import RetrainingReport, SuggestionInfo

router = APIRouter(tags=["retraining"])


@router.post("/retraining-report")
def compute_retraining_report(
    session: SessionDep, user: CurrentUser, body: JsonBody[ModelIdBody]
) -> str:
    """Queue a job that computes a report on the model's latest drift."""
    return retraining.compute_report(session, user, body.model_id)


@router.get("/retraining-report")
def get_retraining_report(
    session: SessionDep, user: CurrentUser, store: StoreDep, model_id: str
) -> RetrainingReport:
    """The latest report of the model's current version."""
    return retraining.get_report(session, user, store, model_id)


@router.get("/suggestions/{model_id}/{model_version}")
def get_suggestions(
    session: SessionDep, user: CurrentUser, model_id: str, model_version: str
) -> list[SuggestionInfo]:
    """The suggestions made for one version of a model."""
    return retraining.list_suggestions(session, user, model_id, model_version)


@router.put("/model/suggestion-type")
def set_model_suggestion_type(
    session: SessionDep, user: CurrentUser, body: JsonBody[SetModelSuggestionType]
) -> None:
    """Choose the form of the model's next suggestions."""
    retraining.set_suggestion_type(session, user, body)


@router.patch("/model-version-suggestion-id")
def update_model_version_by_suggestion_id(
    session: SessionDep,
    user: CurrentUser,
    body: JsonBody[UpdateModelVersionBySuggestionId],
) -> str:
    """Queue a job that makes a new version whose reference is a suggestion."""
    return retraining.version_from_suggestion(session, user, body)


@router.patch("/model-version-time-range")
def update_model_version_from_time_range(
    session: SessionDep,
    user: CurrentUser,
    body: JsonBody[UpdateModelVersionFromTimeRange],
) -> str:
    """Queue a job that makes a new version whose reference is a time range."""
    return retraining.version_from_time_range(session, user, body)
