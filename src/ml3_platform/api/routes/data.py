"""Data: upload URLs, and the calls that queue data jobs."""

from typing import Annotated

from fastapi import APIRouter, Query

from ml3_platform.api.deps import CurrentUser, JsonBody, SessionDep, SettingsDep
from ml3_platform.services import data, uploads
from ml3_platform.services.uploads import PresignedUrlRequest
from ml3_platform_sdk.bodies import (
    AddHistorical,
    AddProduction,
    AddTarget,
    SetModelReference,
)
from ml3_platform_sdk.models import GetPresignedUrlResponse

router = APIRouter(tags=["data"])


@router.get("/data/presigned-url")
def get_presigned_url(
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    query: Annotated[PresignedUrlRequest, Query()],
) -> GetPresignedUrlResponse:
    """Announce a file and get the URL to upload it to."""
    return uploads.create_upload(session, user, settings, query)


@router.post("/data/historical")
def add_historical_data(
    session: SessionDep, user: CurrentUser, body: JsonBody[AddHistorical]
) -> str:
    """Queue a job that stores historical data."""
    return data.add_historical(session, user, body)


@router.post("/data/production")
def add_production_data(
    session: SessionDep, user: CurrentUser, body: JsonBody[AddProduction]
) -> str:
    """Queue a job that stores and monitors production data."""
    return data.add_production(session, user, body)


@router.post("/data/target")
def add_target_data(
    session: SessionDep, user: CurrentUser, body: JsonBody[AddTarget]
) -> str:
    """Queue a job that adds late targets."""
    return data.add_target(session, user, body)


@router.post("/model/reference")
def set_model_reference(
    session: SessionDep, user: CurrentUser, body: JsonBody[SetModelReference]
) -> str:
    """Queue a job that sets a model version's reference."""
    return data.set_model_reference(session, user, body)
