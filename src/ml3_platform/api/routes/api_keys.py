"""API keys: the caller's own, and other users' for owners and admins."""

from fastapi import APIRouter

from ml3_platform.api.deps import CurrentUser, JsonBody, SessionDep
from ml3_platform.services import api_keys
from ml3_platform_sdk.bodies import CreateApiKey, CreateUserApiKey
from ml3_platform_sdk.models import ApiKey

router = APIRouter(tags=["api keys"])


@router.get("/api-key")
def list_api_keys(session: SessionDep, user: CurrentUser) -> list[ApiKey]:
    """The caller's keys, by their public key id."""
    return api_keys.list_keys(session, user)


@router.post("/api-key")
def create_api_key(
    session: SessionDep, user: CurrentUser, body: JsonBody[CreateApiKey]
) -> str:
    """A new key for the caller; the answer is the only time it is shown."""
    return api_keys.create_key(session, user, body)


@router.delete("/api-key/{api_key}")
def delete_api_key(session: SessionDep, user: CurrentUser, api_key: str) -> None:
    """Delete one of the caller's keys, by key id or whole key."""
    api_keys.delete_key(session, user, api_key)


@router.get("/user-api-key/{user_id}")
def list_user_api_keys(
    session: SessionDep, user: CurrentUser, user_id: str
) -> list[ApiKey]:
    """Another user's keys, by their public key id."""
    return api_keys.list_user_keys(session, user, user_id)


@router.post("/user-api-key")
def create_user_api_key(
    session: SessionDep, user: CurrentUser, body: JsonBody[CreateUserApiKey]
) -> str:
    """A new key for another user; the answer is the only time it is shown."""
    return api_keys.create_user_key(session, user, body)


@router.delete("/user-api-key/{user_id}/{api_key}")
def delete_user_api_key(
    session: SessionDep, user: CurrentUser, user_id: str, api_key: str
) -> None:
    """Delete another user's key, by key id or whole key."""
    api_keys.delete_user_key(session, user, user_id, api_key)
